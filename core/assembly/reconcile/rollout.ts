// A Deployment's next step (pkg/controller/deployment: rolling.go, recreate.go, sync.go):
// given the desired replica count, the resolved maxSurge/maxUnavailable and its
// ReplicaSets' sizes and availability, which ReplicaSet to scale to what. The host reads
// objects, calls this, writes the new sizes, and calls again on the next sync — the same
// one-step-per-sync rhythm kube-controller-manager has.

/** Header fields. */
export const PLAN_STRATEGY: i32 = 0; // 0 RollingUpdate, 1 Recreate
export const PLAN_REPLICAS: i32 = 1;
export const PLAN_MAX_SURGE: i32 = 2;
export const PLAN_MAX_UNAVAILABLE: i32 = 3; // MaxUnavailable(deployment): already capped at replicas
export const PLAN_MODE: i32 = 4; // 0 rollout, 1 scale only (paused, or a scaling event)
export const PLAN_STATUS_REPLICAS: i32 = 5; // deployment.status.replicas
export const PLAN_OLD_PODS_RUNNING: i32 = 6; // Recreate: old pods not yet terminated
export const PLAN_FIELDS: i32 = 7;

/** ReplicaSet record fields. */
export const RS_NEW: i32 = 0;
export const RS_REPLICAS: i32 = 1; // spec.replicas
export const RS_AVAILABLE: i32 = 2; // status.availableReplicas
export const RS_MAX_ANNOTATION: i32 = 3; // deployment.kubernetes.io/max-replicas, -1 when absent
export const RS_DESIRED_ANNOTATION: i32 = 4; // deployment.kubernetes.io/desired-replicas, -1 when absent
export const RS_AGE_ORDER: i32 = 5; // 0 for the oldest (creationTimestamp, then name)
export const RS_FIELDS: i32 = 6;

/** The step taken (last output value). */
export const STEP_NONE: i32 = 0;
export const STEP_NEW_SCALED: i32 = 1;
export const STEP_OLD_SCALED_DOWN: i32 = 2;
export const STEP_PROPORTIONAL: i32 = 3;
export const STEP_CREATE_NEW: i32 = 4;

@inline function field(records: StaticArray<i32>, i: i32, f: i32): i32 {
  return records[i * RS_FIELDS + f];
}

/** integer.RoundToInt32: half away from zero. */
@inline function roundToInt(x: f64): i32 {
  return <i32>(x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
}

export function rolloutPlan(header: StaticArray<i32>, records: StaticArray<i32>, count: i32): StaticArray<i32> {
  const out = new StaticArray<i32>(count + 1);
  const size = new StaticArray<i32>(count); // working spec.replicas
  for (let i = 0; i < count; i++) {
    out[i] = -1;
    size[i] = field(records, i, RS_REPLICAS);
  }
  let newIndex = -1;
  for (let i = 0; i < count; i++) if (field(records, i, RS_NEW) != 0) newIndex = i;
  let step = STEP_NONE;
  if (header[PLAN_MODE] == 1) step = scale(header, records, count, newIndex, size);
  else if (header[PLAN_STRATEGY] == 1) step = recreate(header, records, count, newIndex, size);
  else step = rolling(header, records, count, newIndex, size);
  for (let i = 0; i < count; i++) if (size[i] != field(records, i, RS_REPLICAS)) out[i] = size[i];
  out[count] = step;
  return out;
}

/** Old ReplicaSets' indices, oldest first (ReplicaSetsByCreationTimestamp). */
function oldestFirst(records: StaticArray<i32>, count: i32, newIndex: i32): StaticArray<i32> {
  const olds = new StaticArray<i32>(newIndex >= 0 ? count - 1 : count);
  let n = 0;
  for (let i = 0; i < count; i++) if (i != newIndex) olds[n++] = i;
  // Insertion sort: a Deployment has a handful of ReplicaSets (revisionHistoryLimit 10).
  for (let i = 1; i < n; i++) {
    const x = olds[i];
    let j = i - 1;
    while (j >= 0 && field(records, olds[j], RS_AGE_ORDER) > field(records, x, RS_AGE_ORDER)) {
      olds[j + 1] = olds[j];
      j--;
    }
    olds[j + 1] = x;
  }
  return olds;
}

function rolling(header: StaticArray<i32>, records: StaticArray<i32>, count: i32, newIndex: i32, size: StaticArray<i32>): i32 {
  const replicas = header[PLAN_REPLICAS];
  if (newIndex < 0) return STEP_CREATE_NEW;
  // reconcileNewReplicaSet
  const newSize = size[newIndex];
  if (newSize > replicas) {
    size[newIndex] = replicas;
    return STEP_NEW_SCALED;
  }
  if (newSize < replicas) {
    let current = 0;
    for (let i = 0; i < count; i++) current += size[i];
    const maxTotal = replicas + header[PLAN_MAX_SURGE];
    if (current < maxTotal) {
      const up = min(maxTotal - current, replicas - newSize);
      size[newIndex] = newSize + up;
      return STEP_NEW_SCALED;
    }
  }
  // reconcileOldReplicaSets
  const olds = oldestFirst(records, count, newIndex);
  let oldPods = 0;
  for (let k = 0; k < olds.length; k++) oldPods += size[olds[k]];
  if (oldPods == 0) return STEP_NONE;
  let allPods = 0;
  for (let i = 0; i < count; i++) allPods += size[i];
  const minAvailable = replicas - header[PLAN_MAX_UNAVAILABLE];
  const newUnavailable = size[newIndex] - field(records, newIndex, RS_AVAILABLE);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return STEP_NONE;
  // cleanupUnhealthyReplicas: old pods that are not available go first.
  let cleaned = 0;
  for (let k = 0; k < olds.length; k++) {
    if (cleaned >= maxScaledDown) break;
    const i = olds[k];
    const available = field(records, i, RS_AVAILABLE);
    if (size[i] == 0 || available >= size[i]) continue;
    const down = min(maxScaledDown - cleaned, size[i] - available);
    size[i] -= down;
    cleaned += down;
  }
  // scaleDownOldReplicaSetsForRollingUpdate: as far as availability allows.
  let availableAll = 0;
  for (let i = 0; i < count; i++) availableAll += field(records, i, RS_AVAILABLE);
  let scaled = 0;
  if (availableAll > minAvailable) {
    const total = availableAll - minAvailable;
    for (let k = 0; k < olds.length; k++) {
      if (scaled >= total) break;
      const i = olds[k];
      if (size[i] == 0) continue;
      const down = min(size[i], total - scaled);
      size[i] -= down;
      scaled += down;
    }
  }
  return cleaned + scaled > 0 ? STEP_OLD_SCALED_DOWN : STEP_NONE;
}

function recreate(header: StaticArray<i32>, records: StaticArray<i32>, count: i32, newIndex: i32, size: StaticArray<i32>): i32 {
  let scaledDown = false;
  for (let i = 0; i < count; i++) {
    if (i == newIndex || size[i] == 0) continue;
    size[i] = 0;
    scaledDown = true;
  }
  if (scaledDown) return STEP_OLD_SCALED_DOWN;
  if (header[PLAN_OLD_PODS_RUNNING] != 0) return STEP_NONE;
  if (newIndex < 0) return STEP_CREATE_NEW;
  const replicas = header[PLAN_REPLICAS];
  if (size[newIndex] != replicas) {
    size[newIndex] = replicas;
    return STEP_NEW_SCALED;
  }
  return STEP_NONE;
}

/** dc.scale: a scaling event (or a paused Deployment) — proportional scaling of every ReplicaSet. */
function scale(header: StaticArray<i32>, records: StaticArray<i32>, count: i32, newIndex: i32, size: StaticArray<i32>): i32 {
  const replicas = header[PLAN_REPLICAS];
  // FindActiveOrLatest: one active ReplicaSet (or none: the newest) takes the whole count.
  let active = 0;
  let only = -1;
  for (let i = 0; i < count; i++) {
    if (size[i] > 0) {
      active++;
      only = i;
    }
  }
  if (active <= 1) {
    let target = only;
    if (active == 0) {
      if (newIndex >= 0) target = newIndex;
      else {
        for (let i = 0; i < count; i++) if (target < 0 || field(records, i, RS_AGE_ORDER) > field(records, target, RS_AGE_ORDER)) target = i;
      }
    }
    if (target < 0 || size[target] == replicas) return STEP_NONE;
    size[target] = replicas;
    return STEP_PROPORTIONAL;
  }
  // IsSaturated(new): the old ones go to zero.
  if (
    newIndex >= 0 &&
    size[newIndex] == replicas &&
    field(records, newIndex, RS_DESIRED_ANNOTATION) == replicas &&
    field(records, newIndex, RS_AVAILABLE) == replicas
  ) {
    let changed = false;
    for (let i = 0; i < count; i++) {
      if (i != newIndex && size[i] > 0) {
        size[i] = 0;
        changed = true;
      }
    }
    return changed ? STEP_PROPORTIONAL : STEP_NONE;
  }
  if (header[PLAN_STRATEGY] != 0) return STEP_NONE;
  const maxSurge = header[PLAN_MAX_SURGE];
  let total = 0;
  for (let i = 0; i < count; i++) if (size[i] > 0) total += size[i];
  const allowed = replicas > 0 ? replicas + maxSurge : 0;
  const toAdd = allowed - total;
  if (toAdd == 0) return STEP_NONE;
  // Active ReplicaSets, largest first; ties: newer first when growing, older first when shrinking.
  const order = new StaticArray<i32>(active);
  let n = 0;
  for (let i = 0; i < count; i++) if (size[i] > 0) order[n++] = i;
  for (let i = 1; i < n; i++) {
    const x = order[i];
    let j = i - 1;
    while (j >= 0 && sizeBefore(records, size, x, order[j], toAdd > 0)) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = x;
  }
  const statusReplicas = header[PLAN_STATUS_REPLICAS];
  const next = new StaticArray<i32>(n);
  let added = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const proportion = getProportion(size[i], replicas, maxSurge, field(records, i, RS_MAX_ANNOTATION), statusReplicas, toAdd, added);
    next[k] = size[i] + proportion;
    added += proportion;
  }
  next[0] = max(0, next[0] + toAdd - added); // leftovers to the largest
  for (let k = 0; k < n; k++) size[order[k]] = next[k];
  return STEP_PROPORTIONAL;
}

/** ReplicaSetsBySizeNewer / BySizeOlder: whether x sorts before y. */
function sizeBefore(records: StaticArray<i32>, size: StaticArray<i32>, x: i32, y: i32, newerFirst: bool): bool {
  if (size[x] != size[y]) return size[x] > size[y];
  const ax = field(records, x, RS_AGE_ORDER);
  const ay = field(records, y, RS_AGE_ORDER);
  return newerFirst ? ax > ay : ax < ay;
}

/** GetProportion / getReplicaSetFraction. */
function getProportion(rsReplicas: i32, replicas: i32, maxSurge: i32, maxAnnotation: i32, statusReplicas: i32, toAdd: i32, added: i32): i32 {
  if (rsReplicas == 0 || toAdd == 0 || toAdd == added) return 0;
  let fraction: i32;
  if (replicas == 0) fraction = -rsReplicas;
  else {
    const annotated = maxAnnotation >= 0 ? maxAnnotation : statusReplicas;
    if (annotated <= 0) return 0;
    fraction = roundToInt((<f64>rsReplicas * <f64>(replicas + maxSurge)) / <f64>annotated) - rsReplicas;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed);
}
