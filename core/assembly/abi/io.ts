// The byte channel between host and core.
//
// Crossing the Wasm boundary is cheap for integers and expensive for strings, so the host
// never hands the core a JS string: it writes UTF-8 bytes or i32 arrays into the scratch
// area (one region, reused by every call) and passes lengths. Results that are not a
// single number come back the same way, through the output region.

let scratchArea = new ArrayBuffer(1 << 16);
let outputRef: ArrayBuffer = new ArrayBuffer(0);
let outputAt: usize = changetype<usize>(outputRef);

/** Address of a scratch area of at least `bytes` bytes. Growing it discards its contents. */
export function reserveScratch(bytes: i32): usize {
  const have = scratchArea.byteLength;
  if (bytes > have) scratchArea = new ArrayBuffer(max(bytes, have << 1));
  return changetype<usize>(scratchArea);
}

@inline export function scratchAddress(): usize {
  return changetype<usize>(scratchArea);
}

/** The UTF-8 string the host wrote at the start of the scratch area. */
export function scratchString(byteLength: i32): string {
  return String.UTF8.decodeUnsafe(scratchAddress(), <usize>byteLength);
}

/** The i32 the host wrote at index `i` (in i32 units) of the scratch area. */
@inline export function scratchI32(i: i32): i32 {
  return load<i32>(scratchAddress() + (<usize>i << 2));
}

/** Publishes `s` as UTF-8 in the output region; returns its byte length. */
export function outputString(s: string): i32 {
  outputRef = String.UTF8.encode(s);
  outputAt = changetype<usize>(outputRef);
  return outputRef.byteLength;
}

/** Publishes the first `count` entries of `values` as the output region. */
export function outputI32s(values: StaticArray<i32>): void {
  // Keep the array alive (outputRef only types it as a buffer) until the next output.
  outputRef = changetype<ArrayBuffer>(values);
  outputAt = changetype<usize>(values);
}

export function outputAddress(): usize {
  return outputAt;
}
