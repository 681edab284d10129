// Reconcile diffing's exports (re-exported by core/assembly/index.ts): the host writes
// records into scratch, the core answers through the output region.
import { collectIfDue } from "../abi/gc";
import { scratchI32, outputI32s } from "../abi/io";
import { POD_FIELDS, podsToDelete } from "./active_pods";
import { PLAN_FIELDS, RS_FIELDS, rolloutPlan } from "./rollout";

/**
 * ReplicaSet scale-down: scratch holds `count` pod records (POD_FIELDS i32s each), then
 * `relatedCount` node ids. Publishes the indices of the `diff` pods to delete, in order;
 * returns how many.
 */
export function reconcilePodsToDelete(count: i32, relatedCount: i32, diff: i32): i32 {
  collectIfDue();
  const records = new StaticArray<i32>(count * POD_FIELDS);
  for (let i = 0; i < count * POD_FIELDS; i++) unchecked((records[i] = scratchI32(i)));
  const related = new StaticArray<i32>(relatedCount);
  const base = count * POD_FIELDS;
  for (let i = 0; i < relatedCount; i++) unchecked((related[i] = scratchI32(base + i)));
  const out = podsToDelete(records, count, related, relatedCount, diff);
  outputI32s(out);
  return out.length;
}

/**
 * A Deployment's next step: scratch holds PLAN_FIELDS i32s (see rollout.ts), then `count`
 * ReplicaSet records (RS_FIELDS each). Publishes one target size per ReplicaSet (-1: leave
 * it) followed by the step taken; returns count + 1.
 */
export function reconcileRollout(count: i32): i32 {
  collectIfDue();
  const header = new StaticArray<i32>(PLAN_FIELDS);
  for (let i = 0; i < PLAN_FIELDS; i++) unchecked((header[i] = scratchI32(i)));
  const records = new StaticArray<i32>(count * RS_FIELDS);
  for (let i = 0; i < count * RS_FIELDS; i++) unchecked((records[i] = scratchI32(PLAN_FIELDS + i)));
  const out = rolloutPlan(header, records, count);
  outputI32s(out);
  return out.length;
}
