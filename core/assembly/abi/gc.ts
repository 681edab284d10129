// Garbage collection policy. The core uses AssemblyScript's two-colour mark & sweep
// runtime (`--runtime minimal`), which never collects by itself and must only collect when
// no object is referenced from the stack. Every export therefore starts with
// collectIfDue(): at that point nothing of ours is on the stack (the host holds numbers
// only; what it keeps is rooted in globals and handle tables).
//
// A collection is due after `callBudget` calls, or as soon as memory grew since the last
// one. Growth alone is not enough: the allocator grows memory (by doubling) before we get
// a chance to collect, so a growth-only policy doubles the heap on every fill.
//
// The budget adapts, because both costs scale: a collection costs in proportion to what is
// live (with a 5,000-node scheduler cache, collecting every 1,000 calls spent a third of the
// scheduler's time marking), and calls differ in garbage by orders of magnitude (a selector
// match makes none, a preemption cycle tens of KiB). The allocator doubles memory when the
// garbage outgrows the free space, and memory never shrinks, so:
//  - after a collection that found no growth, the budget doubles, up to a ceiling;
//  - growth means the calls since the last collection made too much garbage: the ceiling
//    drops to half of them (the doubled heap now has room for twice that), and so does
//    the budget; the ceiling then creeps back up by a quarter per quiet collection, so a
//    lighter workload later is not stuck collecting too often.
// It starts small so that a burst of heavy calls cannot double the heap before the first
// collection.

const MIN_CALLS = 16;
const INITIAL_CALLS = 64;
/** A GOGC-like bound: at most this many calls per 64 KiB page of heap between collections. */
const CALLS_PER_PAGE = 16;
let callsSinceCollect = 0;
let pagesAfterCollect: i32 = memory.size();
let callBudget: i32 = INITIAL_CALLS;
let ceiling: i32 = i32.MAX_VALUE;

@inline export function collectIfDue(): void {
  if (++callsSinceCollect >= callBudget || memory.size() > pagesAfterCollect) collect();
}

function collect(): void {
  const grew = memory.size() > pagesAfterCollect;
  __collect();
  pagesAfterCollect = memory.size();
  if (grew) {
    ceiling = max(MIN_CALLS, callsSinceCollect >> 1);
    callBudget = ceiling;
  } else {
    if (ceiling < i32.MAX_VALUE - (ceiling >> 2)) ceiling += max(1, ceiling >> 2);
    callBudget = min(callBudget << 1, min(ceiling, max(INITIAL_CALLS, pagesAfterCollect * CALLS_PER_PAGE)));
  }
  callsSinceCollect = 0;
}
