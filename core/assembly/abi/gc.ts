// Garbage collection policy. The core uses AssemblyScript's two-colour mark & sweep
// runtime (`--runtime minimal`), which never collects by itself and must only collect when
// no object is referenced from the stack. Every export therefore starts with
// collectIfDue(): at that point nothing of ours is on the stack (the host holds numbers
// only; what it keeps is rooted in globals and handle tables).
//
// A collection is due every `callBudget` calls, which bounds the garbage between
// collections by what that many calls allocate, and whenever the memory grew since the
// last one. Growth alone is not enough: the allocator grows memory (by doubling) before
// we get a chance to collect, so a growth-only policy doubles the heap on every fill.
// (Measured: the incremental collector's write barriers and steps cost about half of a
// selector parse; a full collection of the core's mostly-leaf heap takes microseconds.)

//
// The call budget grows with the heap, as Go's GOGC does with bytes: a collection costs
// in proportion to what is live, so with a large live heap (a 5,000-node scheduler cache)
// collecting every 1,000 calls spent a third of the scheduler's time marking. With
// CALLS_PER_PAGE calls per 64 KiB page, the garbage made between collections (a few KiB a
// call at most) stays around the size of the live heap.

const MIN_CALLS_PER_COLLECTION = 1000;
const CALLS_PER_PAGE = 16;
let callsSinceCollect = 0;
let pagesAfterCollect: i32 = memory.size();
let callBudget: i32 = MIN_CALLS_PER_COLLECTION;

@inline export function collectIfDue(): void {
  if (++callsSinceCollect >= callBudget || memory.size() > pagesAfterCollect) {
    __collect();
    callsSinceCollect = 0;
    pagesAfterCollect = memory.size();
    callBudget = max(MIN_CALLS_PER_COLLECTION, pagesAfterCollect * CALLS_PER_PAGE);
  }
}
