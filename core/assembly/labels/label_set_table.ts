// Many label sets loaded once (e.g. every pod of a namespace), so a compiled selector can
// scan them all in one call without the host re-sending anything.

import { Selector } from "./selector";

export class LabelSetTable {
  constructor(
    /** offsets[i] .. offsets[i+1] are set i's pairs (in pair units); length = count + 1. */
    public offsets: StaticArray<i32>,
    /** (key id, value id) pairs of all sets, back to back. */
    public pairs: StaticArray<i32>,
  ) {}

  get count(): i32 {
    return this.offsets.length - 1;
  }

  /** Writes the indices of matching sets into `out` (capacity >= count); returns how many. */
  filter(selector: Selector, out: StaticArray<i32>): i32 {
    const offsets = this.offsets;
    const base = changetype<usize>(this.pairs);
    const n = offsets.length - 1;
    let found = 0;
    let start = unchecked(offsets[0]);
    for (let i = 0; i < n; i++) {
      const end = unchecked(offsets[i + 1]); // i + 1 <= n < offsets.length
      if (selector.matches(base + (<usize>start << 3), end - start)) {
        unchecked((out[found++] = i)); // found <= i < n <= out.length
      }
      start = end;
    }
    return found;
  }
}
