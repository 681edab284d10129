// Reconcile diffing in the Wasm core: "what must change to reach this spec?" for the
// workload controllers (and for tool builders embedding the core).
//  - podsToDelete: which of a ReplicaSet's pods go when it has too many, in
//    kube-controller-manager's order (ActivePodsWithRanks);
//  - rolloutStep: a Deployment's next step — which ReplicaSet to scale to what — for
//    RollingUpdate (maxSurge/maxUnavailable), Recreate, and proportional scaling.
// Objects are reduced to fixed i32 records here; node names become host-local ids.
import type { WasmCore } from "../bindings/wasm/instance.js";
import type { V1Pod } from "./types/core-v1.js";

const POD_FIELDS = 9;
const PLAN_FIELDS = 7;
const RS_FIELDS = 6;
const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The step rolloutStep took. */
export type RolloutStepKind = "none" | "scaledNewReplicaSet" | "scaledDownOldReplicaSets" | "scaledProportionally" | "createNewReplicaSet";
const STEPS: RolloutStepKind[] = ["none", "scaledNewReplicaSet", "scaledDownOldReplicaSets", "scaledProportionally", "createNewReplicaSet"];

export interface RolloutReplicaSet {
  /** The ReplicaSet whose template is the Deployment's (at most one). */
  isNew: boolean;
  replicas: number;
  availableReplicas: number;
  /** deployment.kubernetes.io/max-replicas and desired-replicas, when present. */
  maxReplicasAnnotation?: number;
  desiredReplicasAnnotation?: number;
  /** Rank by creationTimestamp then name, 0 = oldest. */
  ageOrder: number;
}

export interface RolloutInput {
  strategy: "RollingUpdate" | "Recreate";
  replicas: number;
  /** Resolved (ResolveFenceposts): maxSurge rounds up, maxUnavailable down, and both 0 makes maxUnavailable 1. */
  maxSurge: number;
  /** MaxUnavailable(deployment): capped at replicas. */
  maxUnavailable: number;
  /** Only scale (a paused Deployment, or a scaling event), never roll. */
  scaleOnly: boolean;
  statusReplicas: number;
  /** Recreate: old pods have not all terminated yet. */
  oldPodsRunning?: boolean;
  replicaSets: RolloutReplicaSet[];
}

export interface RolloutStep {
  /** New spec.replicas per input ReplicaSet (null: unchanged). */
  sizes: (number | null)[];
  step: RolloutStepKind;
}

/** A duration in whole seconds before `now` (-1 for a missing time). */
function ageSeconds(time: string | undefined | null, now: number): number {
  if (!time) return -1;
  const t = Date.parse(time);
  return Number.isNaN(t) ? -1 : Math.max(0, Math.floor((now - t) / 1000));
}

function isReady(pod: V1Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
}

function readyTime(pod: V1Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True")?.lastTransitionTime ?? undefined;
}

function uidBits(uid: string | undefined, part: 0 | 1): number {
  const hex = (uid ?? "").replace(/-/g, "").slice(part * 8, part * 8 + 8);
  return hex ? parseInt(hex.padEnd(8, "0"), 16) | 0 : 0;
}

export class ReconcileApi {
  constructor(private readonly core: WasmCore) {}

  /**
   * getPodsToDelete: the `diff` pods of `pods` (active pods of one ReplicaSet) to delete,
   * first to go first. `related`: the owner's related active pods (for a Deployment's
   * ReplicaSet, the pods of all its ReplicaSets), which rank pods sharing a node.
   */
  podsToDelete<P extends V1Pod>(pods: readonly P[], diff: number, related: readonly V1Pod[] = pods, now = Date.now()): P[] {
    if (diff <= 0 || pods.length === 0) return [];
    const nodes = new Map<string, number>();
    const nodeId = (name: string | undefined) => {
      if (!name) return 0;
      let id = nodes.get(name);
      if (id === undefined) nodes.set(name, (id = nodes.size + 1));
      return id;
    };
    const records = new Array<number>(pods.length * POD_FIELDS);
    pods.forEach((pod, i) => {
      const at = i * POD_FIELDS;
      records[at] = nodeId(pod.spec?.nodeName);
      records[at + 1] = PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0;
      const ready = isReady(pod);
      records[at + 2] = ready ? 1 : 0;
      const cost = Number(pod.metadata?.annotations?.["controller.kubernetes.io/pod-deletion-cost"] ?? 0);
      records[at + 3] = Number.isInteger(cost) ? cost | 0 : 0;
      records[at + 4] = ready ? ageSeconds(readyTime(pod), now) : -1;
      let restarts = 0;
      for (const c of pod.status?.containerStatuses ?? []) restarts = Math.max(restarts, c.restartCount ?? 0);
      records[at + 5] = restarts;
      records[at + 6] = ageSeconds(pod.metadata?.creationTimestamp, now);
      records[at + 7] = uidBits(pod.metadata?.uid, 0);
      records[at + 8] = uidBits(pod.metadata?.uid, 1);
    });
    const relatedNodes = related.map((p) => nodeId(p.spec?.nodeName));
    const scratch = this.core.scratchInts(records.length + relatedNodes.length);
    scratch.set(records);
    scratch.set(relatedNodes, records.length);
    const n = this.core.exports.reconcilePodsToDelete(pods.length, relatedNodes.length, diff);
    return Array.from(this.core.readOutputInts(n), (i) => pods[i]);
  }

  /** A Deployment's next step (see RolloutInput). */
  rolloutStep(input: RolloutInput): RolloutStep {
    const count = input.replicaSets.length;
    const scratch = this.core.scratchInts(PLAN_FIELDS + count * RS_FIELDS);
    scratch[0] = input.strategy === "Recreate" ? 1 : 0;
    scratch[1] = input.replicas;
    scratch[2] = input.maxSurge;
    scratch[3] = input.maxUnavailable;
    scratch[4] = input.scaleOnly ? 1 : 0;
    scratch[5] = input.statusReplicas;
    scratch[6] = input.oldPodsRunning ? 1 : 0;
    input.replicaSets.forEach((rs, i) => {
      const at = PLAN_FIELDS + i * RS_FIELDS;
      scratch[at] = rs.isNew ? 1 : 0;
      scratch[at + 1] = rs.replicas;
      scratch[at + 2] = rs.availableReplicas;
      scratch[at + 3] = rs.maxReplicasAnnotation ?? -1;
      scratch[at + 4] = rs.desiredReplicasAnnotation ?? -1;
      scratch[at + 5] = rs.ageOrder;
    });
    const n = this.core.exports.reconcileRollout(count);
    const out = this.core.readOutputInts(n);
    return { sizes: Array.from(out.subarray(0, count), (v) => (v < 0 ? null : v)), step: STEPS[out[count]] ?? "none" };
  }
}

/** GetScaledValueFromIntOrPercent: an int, or "N%" of `total` rounded up or down. */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean, fallback: number | string): number {
  const v = value ?? fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** ResolveFenceposts for a Deployment's RollingUpdate (defaults 25% / 25%). */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, replicas: number): { maxSurge: number; maxUnavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true, "25%");
  let unavailable = scaledValue(maxUnavailable, replicas, false, "25%");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: unavailable };
}
