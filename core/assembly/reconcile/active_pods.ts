// Which pods a ReplicaSet deletes when it has too many: kube-controller-manager's
// ActivePodsWithRanks ordering (pkg/controller/controller_utils.go), first to go first:
//   1. not yet on a node before on a node;
//   2. Pending before Unknown before Running;
//   3. not ready before ready;
//   4. lower controller.kubernetes.io/pod-deletion-cost first;
//   5. more of the owner's related pods on the same node first ("doubled up");
//   6. both ready: ready for a shorter time first, compared in log2 buckets of the time
//      since ready (LogarithmicScaleDown, on by default), ties by uid;
//   7. more container restarts first;
//   8. created more recently first, in the same log2 buckets, ties by uid.
// Pods arrive as fixed i32 records (layout below); only ranks and indices cross back.

/** Record fields, in i32 units. Ages are seconds before "now"; -1 is a zero time. */
export const F_NODE: i32 = 0; // 0: unassigned; else a host-local node id
export const F_PHASE: i32 = 1; // Pending 0, Unknown 1, Running 2 (podPhaseToOrdinal)
export const F_READY: i32 = 2;
export const F_COST: i32 = 3;
export const F_READY_AGE: i32 = 4;
export const F_RESTARTS: i32 = 5;
export const F_CREATED_AGE: i32 = 6;
export const F_UID_HI: i32 = 7; // uid's first 8 hex digits (u32 bits)
export const F_UID_LO: i32 = 8; // the next 8
export const POD_FIELDS: i32 = 9;

/** floor(log2(age in nanoseconds)), or -1 for no age (logarithmicRankDiff's bucket). */
@inline function bucket(ageSeconds: i32): i32 {
  if (ageSeconds <= 0) return -1;
  return <i32>Math.floor(Math.log2(<f64>ageSeconds * 1e9));
}

@inline function uidLess(records: StaticArray<i32>, a: i32, b: i32): bool {
  const ha = <u32>unchecked(records[a + F_UID_HI]);
  const hb = <u32>unchecked(records[b + F_UID_HI]);
  if (ha != hb) return ha < hb;
  return <u32>unchecked(records[a + F_UID_LO]) < <u32>unchecked(records[b + F_UID_LO]);
}

/**
 * ActivePodsWithRanks.Less for pods i and j (record offsets a, b; their doubled-up ranks
 * ra, rb). `records` holds count × POD_FIELDS i32s, so every offset is in bounds.
 */
export function deleteBefore(records: StaticArray<i32>, a: i32, b: i32, ra: i32, rb: i32): bool {
  const na = unchecked(records[a + F_NODE]);
  const nb = unchecked(records[b + F_NODE]);
  if (na != nb && (na == 0 || nb == 0)) return na == 0;
  const pa = unchecked(records[a + F_PHASE]);
  const pb = unchecked(records[b + F_PHASE]);
  if (pa != pb) return pa < pb;
  const readyA = unchecked(records[a + F_READY]);
  const readyB = unchecked(records[b + F_READY]);
  if (readyA != readyB) return readyA == 0;
  const ca = unchecked(records[a + F_COST]);
  const cb = unchecked(records[b + F_COST]);
  if (ca != cb) return ca < cb;
  if (ra != rb) return ra > rb;
  if (readyA != 0 && readyB != 0) {
    const ta = unchecked(records[a + F_READY_AGE]);
    const tb = unchecked(records[b + F_READY_AGE]);
    if (ta != tb) {
      // A zero ready time sorts first (afterOrZero); otherwise log2 buckets, then uid.
      if (ta < 0 || tb < 0) return ta < 0 && tb >= 0;
      const diff = bucket(ta) - bucket(tb);
      if (diff == 0) return uidLess(records, a, b);
      return diff < 0;
    }
  }
  const sa = unchecked(records[a + F_RESTARTS]);
  const sb = unchecked(records[b + F_RESTARTS]);
  if (sa != sb) return sa > sb;
  const ka = unchecked(records[a + F_CREATED_AGE]);
  const kb = unchecked(records[b + F_CREATED_AGE]);
  if (ka != kb) {
    if (ka < 0 || kb < 0) return ka < 0 && kb >= 0;
    const diff = bucket(ka) - bucket(kb);
    if (diff == 0) return uidLess(records, a, b);
    return diff < 0;
  }
  return false;
}

/**
 * getPodsToDelete: the `diff` pods to delete, in order. `related` are the node ids of the
 * owner's related active pods (a Deployment's pods across its ReplicaSets), which decide
 * how "doubled up" each pod is. Returns pod indices.
 */
export function podsToDelete(records: StaticArray<i32>, count: i32, related: StaticArray<i32>, relatedCount: i32, diff: i32): StaticArray<i32> {
  if (diff > count) diff = count;
  // Doubled-up rank: related pods on the pod's node (node ids are small, dense host ids).
  let maxNode: i32 = 0;
  for (let i = 0; i < relatedCount; i++) maxNode = max(maxNode, unchecked(related[i]));
  for (let i = 0; i < count; i++) maxNode = max(maxNode, unchecked(records[i * POD_FIELDS + F_NODE]));
  const perNode = new StaticArray<i32>(maxNode + 1);
  for (let i = 0; i < relatedCount; i++) {
    const n = unchecked(related[i]);
    unchecked((perNode[n] = perNode[n] + 1));
  }
  const rank = new StaticArray<i32>(count);
  for (let i = 0; i < count; i++) unchecked((rank[i] = perNode[records[i * POD_FIELDS + F_NODE]]));

  // Merge sort of indices (stable: equal pods keep the host's order, which is by name).
  let order = new StaticArray<i32>(count);
  let scratch = new StaticArray<i32>(count);
  for (let i = 0; i < count; i++) unchecked((order[i] = i));
  for (let width = 1; width < count; width <<= 1) {
    for (let lo = 0; lo < count; lo += width << 1) {
      const mid = min(lo + width, count);
      const hi = min(lo + (width << 1), count);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = unchecked(order[i]);
        const y = unchecked(order[j]);
        // Take from the right only when it strictly goes first (stability).
        if (deleteBefore(records, y * POD_FIELDS, x * POD_FIELDS, unchecked(rank[y]), unchecked(rank[x]))) {
          unchecked((scratch[k++] = y));
          j++;
        } else {
          unchecked((scratch[k++] = x));
          i++;
        }
      }
      while (i < mid) unchecked((scratch[k++] = order[i++]));
      while (j < hi) unchecked((scratch[k++] = order[j++]));
    }
    const t = order;
    order = scratch;
    scratch = t;
  }
  const out = new StaticArray<i32>(diff);
  for (let i = 0; i < diff; i++) unchecked((out[i] = order[i]));
  return out;
}
