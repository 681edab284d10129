// Garbage collection policy. The core uses AssemblyScript's two-colour mark & sweep
// runtime (`--runtime minimal`), which never collects by itself and must only collect when
// no object is referenced from the stack. Every export therefore starts with
// collectIfDue(): at that point nothing of ours is on the stack (the host holds numbers
// only; what it keeps is rooted in globals and handle tables).
//
// A collection is due every CALLS_PER_COLLECTION calls, which bounds the garbage between
// collections by what that many calls allocate, and whenever the memory grew since the
// last one. Growth alone is not enough: the allocator grows memory (by doubling) before
// we get a chance to collect, so a growth-only policy doubles the heap on every fill.
// (Measured: the incremental collector's write barriers and steps cost about half of a
// selector parse; a full collection of the core's mostly-leaf heap takes microseconds.)

const CALLS_PER_COLLECTION = 1000;
let callsSinceCollect = 0;
let pagesAfterCollect: i32 = memory.size();

@inline export function collectIfDue(): void {
  if (++callsSinceCollect >= CALLS_PER_COLLECTION || memory.size() > pagesAfterCollect) {
    __collect();
    callsSinceCollect = 0;
    pagesAfterCollect = memory.size();
  }
}
