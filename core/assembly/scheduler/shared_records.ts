// Hash-consing of record spans: pods made from one template carry the same labels and the
// same affinity terms, and sharing one object between them (a) saves the cache memory and
// the per-cycle garbage of reading the incoming pod again, and (b) lets InterPodAffinity
// remember a match per object instead of re-matching thousands of equal copies.
//
// The table is direct-mapped and bounded: a collision replaces the older entry, so it never
// holds more than SLOTS spans, and a span not found is simply read again (correct, unshared).
// Shared objects are never written to after reading.

import { recordCursor, seekRecord, nextCount, nextArray, EMPTY_I32S } from "./record";

const SLOTS = 1024; // a power of two

/** FNV-1a over the i32s in [from, to). */
function hashSpan(from: usize, to: usize): u32 {
  let h: u32 = 2166136261;
  for (let at = from; at < to; at += 4) {
    h ^= load<u32>(at);
    h *= 16777619;
  }
  return h;
}

function sameSpan(from: usize, to: usize, words: StaticArray<i32>): bool {
  if (<usize>words.length != (to - from) >> 2) return false;
  for (let i = 0; i < words.length; i++) if (unchecked(words[i]) != load<i32>(from + (<usize>i << 2))) return false; // i < length
  return true;
}

function copySpan(from: usize, to: usize): StaticArray<i32> {
  const words = new StaticArray<i32>(<i32>((to - from) >> 2));
  for (let i = 0; i < words.length; i++) unchecked((words[i] = load<i32>(from + (<usize>i << 2)))); // i < length
  return words;
}

export class SharedSpans<T> {
  private keys: StaticArray<StaticArray<i32> | null> = new StaticArray<StaticArray<i32> | null>(SLOTS);
  private values: StaticArray<T | null> = new StaticArray<T | null>(SLOTS);

  /** The object read from the span [from, to) before, or null; on a hit the cursor moves to `to`. */
  find(from: usize, to: usize): T | null {
    const slot = <i32>(hashSpan(from, to) & (SLOTS - 1));
    const key = this.keys[slot];
    if (key === null || !sameSpan(from, to, key)) return null;
    seekRecord(to);
    return this.values[slot];
  }

  /** Remembers `value` as what the span [from, to) reads as. */
  keep(from: usize, to: usize, value: T): void {
    const slot = <i32>(hashSpan(from, to) & (SLOTS - 1));
    this.keys[slot] = copySpan(from, to);
    this.values[slot] = value;
  }
}

const sharedPairs = new SharedSpans<StaticArray<i32>>();

/** A (key, value) pair list such as a pod's labels, shared with pods that have the same. */
export function readSharedPairs(): StaticArray<i32> {
  const n = nextCount(2);
  if (n == 0) return EMPTY_I32S;
  const from = recordCursor();
  const to = from + (<usize>n << 3); // nextCount checked that 2n i32s remain
  const shared = sharedPairs.find(from, to);
  if (shared !== null) return shared;
  const pairs = nextArray(n, 2);
  sharedPairs.keep(from, to, pairs);
  return pairs;
}
