// Topology pairs (key, value) as one i64 map key, and the per-cycle counters the spreading
// and inter-pod affinity plugins keep over them (kube-scheduler's topologyToMatchedTermCount
// and friends).
//
// A cycle clears and refills these tables for every pod, with thousands of entries when the
// key is kubernetes.io/hostname. A Map would reallocate its storage on every clear and
// growth, leaving hundreds of KiB of garbage per cycle; this open-addressing table keeps its
// storage and clears in O(1) by bumping a generation stamp.

@inline export function pairKey(key: i32, value: i32): i64 {
  return (<i64>key << 32) | <i64>(<u32>value);
}

/** splitmix64's finalizer: spreads interned ids (small, sequential) over the slots. */
@inline function hash(k: i64): u32 {
  let x = <u64>k;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return <u32>(x ^ (x >> 31));
}

export class PairCounts {
  private keys: StaticArray<i64> = new StaticArray<i64>(16);
  private values: StaticArray<i64> = new StaticArray<i64>(16);
  /** A slot is in use when its stamp equals the table's current stamp. */
  private stamps: StaticArray<u32> = new StaticArray<u32>(16);
  private stamp: u32 = 1;
  /** Entries present (a domain seen, even with count 0). */
  entries: i32 = 0;
  /** Entries whose count is not 0 (len() of kube-scheduler's maps, which delete zeros). */
  size: i32 = 0;

  clear(): void {
    this.entries = 0;
    this.size = 0;
    if (++this.stamp == 0) {
      // The stamp wrapped: forget every old stamp once.
      const stamps = this.stamps;
      for (let i = 0; i < stamps.length; i++) unchecked((stamps[i] = 0));
      this.stamp = 1;
    }
  }

  /** The slot holding `k`, or the free slot where it would go. */
  private slot(k: i64): i32 {
    const mask = this.keys.length - 1; // capacity is a power of two
    let i = <i32>(hash(k) & <u32>mask);
    // Probing ends: at most half the slots are in use (see insert).
    while (unchecked(this.stamps[i]) == this.stamp && unchecked(this.keys[i]) != k) i = (i + 1) & mask;
    return i;
  }

  has(key: i32, value: i32): bool {
    return unchecked(this.stamps[this.slot(pairKey(key, value))]) == this.stamp;
  }

  get(key: i32, value: i32): i64 {
    const i = this.slot(pairKey(key, value));
    return unchecked(this.stamps[i]) == this.stamp ? unchecked(this.values[i]) : 0;
  }

  /** Adds `delta` (creating the entry at 0 first when absent). */
  add(key: i32, value: i32, delta: i64): void {
    const k = pairKey(key, value);
    let i = this.slot(k);
    if (unchecked(this.stamps[i]) != this.stamp) i = this.insert(k, i);
    const before = unchecked(this.values[i]);
    const after = before + delta;
    unchecked((this.values[i] = after));
    if (before == 0 && after != 0) this.size++;
    else if (before != 0 && after == 0) this.size--;
  }

  /** Makes sure the entry exists (count 0 when new). */
  touch(key: i32, value: i32): void {
    this.add(key, value, 0);
  }

  private insert(k: i64, at: i32): i32 {
    if ((this.entries + 1) * 2 > this.keys.length) {
      this.grow();
      at = this.slot(k);
    }
    unchecked((this.stamps[at] = this.stamp));
    unchecked((this.keys[at] = k));
    unchecked((this.values[at] = 0));
    this.entries++;
    return at;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldStamps = this.stamps;
    const stamp = this.stamp;
    const capacity = oldKeys.length << 1;
    this.keys = new StaticArray<i64>(capacity);
    this.values = new StaticArray<i64>(capacity);
    this.stamps = new StaticArray<u32>(capacity);
    for (let i = 0; i < oldKeys.length; i++) {
      if (unchecked(oldStamps[i]) != stamp) continue;
      const at = this.slot(unchecked(oldKeys[i]));
      unchecked((this.stamps[at] = stamp));
      unchecked((this.keys[at] = oldKeys[i]));
      unchecked((this.values[at] = oldValues[i]));
    }
  }

  /** The smallest count among the entries present (i64.MAX_VALUE when there are none). */
  minimum(): i64 {
    let lowest = i64.MAX_VALUE;
    const stamps = this.stamps;
    for (let i = 0; i < stamps.length; i++) {
      if (unchecked(stamps[i]) == this.stamp) lowest = min(lowest, unchecked(this.values[i]));
    }
    return lowest;
  }
}
