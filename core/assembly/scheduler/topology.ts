// Topology pairs (key, value) as one i64 map key, and the per-cycle counters the spreading
// and inter-pod affinity plugins keep over them (topologyToMatchedTermCount).

@inline export function pairKey(key: i32, value: i32): i64 {
  return (<i64>key << 32) | <i64>(<u32>value);
}

export class PairCounts {
  counts: Map<i64, i64> = new Map<i64, i64>();

  clear(): void {
    this.counts.clear();
  }

  get size(): i32 {
    return this.counts.size;
  }

  get(key: i32, value: i32): i64 {
    const k = pairKey(key, value);
    return this.counts.has(k) ? this.counts.get(k) : 0;
  }

  /** Adds `delta`; an entry that drops to 0 is removed, as kube-scheduler's maps do. */
  add(key: i32, value: i32, delta: i64): void {
    const k = pairKey(key, value);
    const n = (this.counts.has(k) ? this.counts.get(k) : 0) + delta;
    if (n == 0) this.counts.delete(k);
    else this.counts.set(k, n);
  }
}
