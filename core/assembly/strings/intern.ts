// The string table: every label key, label value, taint field and name the core sees is
// stored once, as UTF-8 bytes, and referred to by an i32 id. Comparing ids is what makes
// matching cheap; looking strings up by byte range is what lets the parser and the host
// intern without first building a String. Id 0 is always the empty string.
//
// Ids are never reused: the table grows with the number of distinct strings, which in a
// cluster is bounded by the distinct labels in use (hashes and names included). Only
// validated strings are interned by the parser, so bad input does not grow it.

import { parseInt64Bytes, parsedInt64 } from "../util/int64";

let arena = new StaticArray<u8>(1 << 16);
let arenaUsed = 0;
const offsets = new Array<i32>();
const lengths = new Array<i32>();
const hashes = new Array<u32>();
// Label values compared with Gt/Lt are parsed once, at interning time.
const integerValues = new Array<i64>();
const isInteger = new Array<bool>();
// Strings decoded from the arena on request (printing, messages). A Map rather than an
// array indexed by id: the collector scans references on every cycle, and only the few
// strings ever printed should cost it anything.
const decoded = new Map<i32, string>();
// Open addressing, linear probing: id + 1, or 0 for an empty slot. Kept under half full.
let slots = new StaticArray<i32>(1024);

@inline function arenaAddress(): usize {
  return changetype<usize>(arena);
}

/** FNV-1a over the bytes. */
@inline function hashBytes(at: usize, length: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < length; i++) h = (h ^ load<u8>(at + <usize>i)) * 16777619;
  return h;
}

/** The id of the UTF-8 bytes at [at, at + length), interning them if new. */
export function internBytes(at: usize, length: i32): i32 {
  const h = hashBytes(at, length);
  const mask = slots.length - 1;
  let slot = <i32>(h & <u32>mask);
  while (true) {
    const entry = unchecked(slots[slot]); // slot <= mask < slots.length
    if (entry == 0) break;
    const id = entry - 1;
    if (
      unchecked(hashes[id]) == h && unchecked(lengths[id]) == length && // id < count: slots hold issued ids
      memory.compare(arenaAddress() + <usize>unchecked(offsets[id]), at, length) == 0
    ) return id;
    slot = (slot + 1) & mask;
  }
  return add(at, length, h, slot);
}

function add(at: usize, length: i32, h: u32, slot: i32): i32 {
  if (arenaUsed + length > arena.length) {
    const grown = new StaticArray<u8>(max(arena.length << 1, arenaUsed + length));
    memory.copy(changetype<usize>(grown), arenaAddress(), arenaUsed);
    arena = grown;
  }
  memory.copy(arenaAddress() + arenaUsed, at, length);
  const id = offsets.length;
  offsets.push(arenaUsed);
  lengths.push(length);
  hashes.push(h);
  const ok = parseInt64Bytes(at, length);
  isInteger.push(ok);
  integerValues.push(ok ? parsedInt64 : 0);
  arenaUsed += length;
  slots[slot] = id + 1;
  if ((id + 1) * 2 > slots.length) rehash();
  return id;
}

function rehash(): void {
  const next = new StaticArray<i32>(slots.length << 1);
  const mask = next.length - 1;
  for (let id = 0, n = offsets.length; id < n; id++) {
    let slot = <i32>(hashes[id] & <u32>mask);
    while (next[slot] != 0) slot = (slot + 1) & mask;
    next[slot] = id + 1;
  }
  slots = next;
}

/** Interns an AssemblyScript string (for callers inside the core). */
export function intern(s: string): i32 {
  const bytes = String.UTF8.encode(s);
  return internBytes(changetype<usize>(bytes), bytes.byteLength);
}

intern("");

export function internedCount(): i32 {
  return offsets.length;
}

@inline export function isKnownId(id: i32): bool {
  return <u32>id < <u32>offsets.length;
}

/** Address of the bytes behind a known id (valid until the next interning). */
@inline export function bytesOf(id: i32): usize {
  return arenaAddress() + <usize>unchecked(offsets[id]);
}

/** Byte length of a known id. */
@inline export function byteLengthOf(id: i32): i32 {
  return unchecked(lengths[id]);
}

/** The string behind `id`; "" for ids the table never issued. */
export function stringOf(id: i32): string {
  if (!isKnownId(id)) return "";
  if (decoded.has(id)) return decoded.get(id);
  const s = String.UTF8.decodeUnsafe(bytesOf(id), <usize>byteLengthOf(id));
  decoded.set(id, s);
  return s;
}

/** Byte-wise order of two known ids, as Go orders strings. */
export function compareIds(a: i32, b: i32): i32 {
  if (a == b) return 0;
  const la = byteLengthOf(a);
  const lb = byteLengthOf(b);
  const c = memory.compare(bytesOf(a), bytesOf(b), <usize>min(la, lb));
  return c != 0 ? c : la - lb;
}

/** Whether the string behind `id` parses as a base-10 int64 (Go's strconv.ParseInt). */
export function isIntegerId(id: i32): bool {
  return <u32>id < <u32>isInteger.length && unchecked(isInteger[id]);
}

/** The int64 behind `id`; only meaningful when isIntegerId(id). */
export function integerOf(id: i32): i64 {
  return unchecked(integerValues[id]);
}
