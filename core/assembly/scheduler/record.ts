// Reading the i32 records the host writes into scratch (pods and nodes, see
// bindings/wasm/records.ts). Reads past the end yield 0 and mark the record as overrun,
// so a malformed record is rejected instead of reading stray memory.

let cursor: usize = 0;
let end: usize = 0;
export let overrun = false;

export function beginRecord(at: usize, count: i32): void {
  cursor = at;
  end = at + (<usize>count << 2);
  overrun = false;
}

export function next(): i32 {
  if (cursor >= end) {
    overrun = true;
    return 0;
  }
  const v = load<i32>(cursor);
  cursor += 4;
  return v;
}

/** A count field: negative or larger than what remains is an overrun. */
export function nextCount(perItem: i32): i32 {
  const n = next();
  if (n < 0 || <usize>n * <usize>max(perItem, 1) * 4 > end - cursor) {
    overrun = true;
    return 0;
  }
  return n;
}

/** Shared by every empty list read from a record: such lists are never written to. */
export const EMPTY_I32S = new StaticArray<i32>(0);

/** `n` items of `width` i32s each, copied out (EMPTY_I32S when there are none). */
export function nextArray(n: i32, width: i32): StaticArray<i32> {
  if (n == 0) return EMPTY_I32S;
  const out = new StaticArray<i32>(n * width);
  for (let i = 0; i < out.length; i++) out[i] = next();
  return out;
}

/** An i64 written as two i32s (low, high). */
export function nextI64(): i64 {
  const lo = <u32>next();
  const hi = next();
  return (<i64>hi << 32) | <i64>lo;
}

/** Where the next read happens (for shared_records: hashing a span already read or skipped). */
export function recordCursor(): usize {
  return cursor;
}

/** Moves the cursor back to a position returned by recordCursor(). */
export function seekRecord(at: usize): void {
  cursor = at;
}
