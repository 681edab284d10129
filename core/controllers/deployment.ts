// The Deployment controller (pkg/controller/deployment). Each sync takes one step, which the
// Wasm core computes (core.reconcile.rolloutStep) from the desired count, the resolved
// maxSurge/maxUnavailable and the ReplicaSets' sizes and availability:
//  - RollingUpdate: scale the new ReplicaSet up within maxSurge, else old ones down within
//    maxUnavailable (unhealthy old pods first);
//  - Recreate: old ReplicaSets to zero, wait for their pods to go, then the new one up;
//  - a scaling event (or a paused Deployment): proportional scaling of every ReplicaSet.
// Around that, as kube-controller-manager does: the new ReplicaSet "<name>-<pod-template-hash>"
// with the hash in its selector and labels, revision annotations (rollout undo picks an old
// ReplicaSet back up and gives it the next revision), desired-/max-replicas annotations,
// revisionHistoryLimit, and status with the Available and Progressing conditions that
// `kubectl rollout status` reads (including ProgressDeadlineExceeded).
import type { Reconciler, ControllerContext, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import { R, isNotFound, isAlreadyExists, type KubeObject } from "./client.js";
import { splitKey } from "./keys.js";
import { controllerOf, controllerRef, controllerUid, isPodActive } from "./pod-template.js";
import { podTemplateHash, sameTemplateIgnoringHash } from "./template-hash.js";
import type { SharedInformer } from "./informer.js";
import { resolveFenceposts, type RolloutReplicaSet } from "../reconcile.js";
import { timestamp } from "../api/object-store.js";

const REVISION = "deployment.kubernetes.io/revision";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
const MAX = "deployment.kubernetes.io/max-replicas";
const HASH_LABEL = "pod-template-hash";

type Obj = Record<string, unknown>;

interface Condition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: Obj & { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

interface RsStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

const specOf = (o: KubeObject) => (o.spec ?? {}) as DeploymentSpec & { replicas?: number };
const rsStatus = (o: KubeObject) => (o.status ?? {}) as RsStatus;
const revisionOf = (o: KubeObject) => Number(o.metadata?.annotations?.[REVISION] ?? 0) || 0;

export class DeploymentController implements Reconciler {
  readonly name = "deployment-controller";
  readonly workers = 5;
  private ctx!: ControllerContext;
  private deployments!: SharedInformer;
  private replicaSets!: SharedInformer;
  private pods!: SharedInformer;

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.deployments = ctx.informers.for(R.deployments);
    this.replicaSets = ctx.informers.for(R.replicaSets);
    this.pods = ctx.informers.for(R.pods);
    this.replicaSets.addIndex("controller", (o) => {
      const uid = controllerUid(o);
      return uid ? [uid] : [];
    });
    const enqueue = (o: KubeObject) => queue.add(`${o.metadata!.namespace}/${o.metadata!.name}`);
    this.deployments.addEventHandler({ add: enqueue, update: (_, o) => enqueue(o), delete: enqueue });
    const owner = (o: KubeObject) => {
      const ref = controllerOf(o);
      if (ref?.kind === "Deployment") queue.add(`${o.metadata!.namespace}/${ref.name}`);
    };
    this.replicaSets.addEventHandler({ add: owner, update: (_, o) => owner(o), delete: owner });
    // Recreate waits for old pods to be gone: their deletion wakes the Deployment.
    this.pods.addEventHandler({
      delete: (p) => {
        const ref = controllerOf(p);
        if (ref?.kind !== "ReplicaSet") return;
        const rs = this.replicaSets.get(`${p.metadata!.namespace}/${ref.name}`);
        if (rs) owner(rs);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const { namespace } = splitKey(key);
    const spec = specOf(d);
    const replicas = spec.replicas ?? 1;
    let rsList = this.replicaSets.byIndex("controller", d.metadata!.uid!).map((rs) => structuredClone(rs));
    const selector = spec.selector ?? {};
    if (!selector.matchLabels && !selector.matchExpressions?.length) {
      this.ctx.events.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      return;
    }
    if (d.metadata?.deletionTimestamp) return this.syncStatus(d, rsList, undefined, namespace!);

    const rolling = (spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const { maxSurge, maxUnavailable: unavailable } = rolling ? resolveFenceposts(spec.strategy?.rollingUpdate?.maxSurge, spec.strategy?.rollingUpdate?.maxUnavailable, replicas) : { maxSurge: 0, maxUnavailable: 0 };
    const maxUnavailable = rolling && replicas > 0 ? Math.min(unavailable, replicas) : 0;

    // The new ReplicaSet: the oldest whose template is the Deployment's (ignoring the hash label).
    const byAge = [...rsList].sort(olderFirst);
    let newRS = byAge.find((rs) => sameTemplateIgnoringHash((rs.spec as Obj).template as Obj, spec.template));
    let olds = byAge.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...olds.map(revisionOf));
    const newRevision = maxOldRevision + 1;

    const scalingEvent = rsList.some((rs) => ((rs.spec as { replicas?: number }).replicas ?? 0) > 0 && rs.metadata?.annotations?.[DESIRED] !== String(replicas));
    const scaleOnly = !!spec.paused || scalingEvent;
    const planFor = (list: KubeObject[], withNew: KubeObject | undefined, virtualNew: boolean) => {
      const ordered = [...list].sort(olderFirst);
      const sets: RolloutReplicaSet[] = ordered.map((rs, i) => ({
        isNew: rs === withNew,
        replicas: (rs.spec as { replicas?: number }).replicas ?? 0,
        availableReplicas: rsStatus(rs).availableReplicas ?? 0,
        maxReplicasAnnotation: numberAnnotation(rs, MAX),
        desiredReplicasAnnotation: numberAnnotation(rs, DESIRED),
        ageOrder: i,
      }));
      if (virtualNew) sets.push({ isNew: true, replicas: 0, availableReplicas: 0, ageOrder: ordered.length });
      return {
        ordered,
        step: this.ctx.core.reconcile.rolloutStep({
          strategy: rolling ? "RollingUpdate" : "Recreate",
          replicas,
          maxSurge,
          maxUnavailable,
          scaleOnly,
          statusReplicas: (d.status as DeploymentStatus | undefined)?.replicas ?? 0,
          oldPodsRunning: !rolling && this.oldPodsRunning(list.filter((rs) => rs !== withNew)),
          replicaSets: sets,
        }),
      };
    };

    // The new ReplicaSet is made when a rollout needs it (RollingUpdate: at once; Recreate: once old pods are gone).
    if (!newRS && !scaleOnly) {
      const { step } = planFor(rsList, undefined, rolling);
      if (step.step === "createNewReplicaSet" || (rolling && step.sizes[rsList.length] !== null)) {
        const size = rolling ? (step.sizes[rsList.length] ?? 0) : replicas;
        newRS = await this.createNewReplicaSet(d, newRevision, size, maxSurge);
        if (!newRS) return; // a name collision: collisionCount changed, the next sync retries
        rsList = [...rsList, newRS];
        olds = rsList.filter((rs) => rs !== newRS);
        if (size > 0) this.ctx.events.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${newRS.metadata!.name} from 0 to ${size}`);
        await this.setProgressing(d, namespace!, "True", "NewReplicaSetCreated", `Created new replica set "${newRS.metadata!.name}"`);
        return this.syncStatus(d, rsList, newRS, namespace!);
      }
    }

    // A ReplicaSet picked back up (rollout undo) takes the next revision.
    if (newRS && revisionOf(newRS) < newRevision && maxOldRevision > 0) {
      newRS = await this.updateReplicaSet(newRS, { [REVISION]: String(newRevision) });
    }

    const { ordered, step } = planFor(rsList, newRS, false);
    const updated = new Map<KubeObject, KubeObject>();
    for (let i = 0; i < ordered.length; i++) {
      const size = step.sizes[i];
      const rs = ordered[i];
      if (size === null || size === undefined) continue;
      const from = (rs.spec as { replicas?: number }).replicas ?? 0;
      updated.set(rs, await this.scaleReplicaSet(rs, size, replicas, maxSurge));
      this.ctx.events.event(d, "Normal", "ScalingReplicaSet", `Scaled ${size > from ? "up" : "down"} replica set ${rs.metadata!.name} from ${from} to ${size}`);
    }
    rsList = rsList.map((rs) => updated.get(rs) ?? rs);
    if (newRS) newRS = updated.get(newRS) ?? newRS;
    // dc.scale rewrites every active ReplicaSet's desired-/max-replicas annotations, so a
    // finished scaling event is not seen again.
    if (scaleOnly) {
      for (const rs of rsList) {
        if (rs === newRS || ((rs.spec as { replicas?: number }).replicas ?? 0) === 0) continue;
        if (numberAnnotation(rs, DESIRED) === replicas && numberAnnotation(rs, MAX) === replicas + maxSurge) continue;
        const fresh = await this.updateReplicaSet(rs, { [DESIRED]: String(replicas), [MAX]: String(replicas + maxSurge) });
        rsList = rsList.map((x) => (x === rs ? fresh : x));
      }
    }
    // Keep the desired-/max-replicas annotations of the new ReplicaSet current.
    if (newRS && !updated.has(newRS) && (numberAnnotation(newRS, DESIRED) !== replicas || numberAnnotation(newRS, MAX) !== replicas + maxSurge)) {
      const fresh = await this.updateReplicaSet(newRS, { [DESIRED]: String(replicas), [MAX]: String(replicas + maxSurge) });
      rsList = rsList.map((rs) => (rs === newRS ? fresh : rs));
      newRS = fresh;
    }
    const result = await this.syncStatus(d, rsList, newRS, namespace!);
    if (step.step === "none" && !scaleOnly) await this.cleanup(d, rsList, newRS);
    return result;
  }

  private oldPodsRunning(olds: KubeObject[]): boolean {
    for (const rs of olds) {
      if ((rsStatus(rs).replicas ?? 0) > 0) return true;
      for (const p of this.pods.inNamespace(rs.metadata!.namespace!)) {
        if (controllerUid(p) !== rs.metadata!.uid) continue;
        const phase = (p.status as { phase?: string } | undefined)?.phase;
        if (phase !== "Succeeded" && phase !== "Failed") return true;
      }
    }
    return false;
  }

  private async createNewReplicaSet(d: KubeObject, revision: number, size: number, maxSurge: number): Promise<KubeObject | undefined> {
    const spec = specOf(d);
    const status = (d.status ?? {}) as DeploymentStatus;
    const hash = podTemplateHash(spec.template, status.collisionCount ?? 0);
    const template = structuredClone(spec.template ?? {}) as Obj & { metadata?: { labels?: Record<string, string> } };
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const replicas = spec.replicas ?? 1;
    const rs: KubeObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata!.namespace,
        labels: template.metadata.labels,
        annotations: {
          ...(d.metadata?.annotations ?? {}),
          [REVISION]: String(revision),
          [DESIRED]: String(replicas),
          [MAX]: String(replicas + maxSurge),
        },
        ownerReferences: [controllerRef(d) as never],
      },
      spec: { replicas: size, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
    };
    delete rs.metadata!.annotations!["kubectl.kubernetes.io/last-applied-configuration"];
    try {
      return await this.ctx.client.create(R.replicaSets, d.metadata!.namespace, rs);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // A ReplicaSet of that name with another template: bump collisionCount (as Kubernetes does).
      const existing = await this.ctx.client.get(R.replicaSets, d.metadata!.namespace, rs.metadata!.name!);
      if (controllerUid(existing) === d.metadata!.uid && sameTemplateIgnoringHash((existing.spec as Obj).template as Obj, spec.template)) return existing;
      await this.ctx.client.update(R.deployments, d.metadata!.namespace, { ...d, status: { ...status, collisionCount: (status.collisionCount ?? 0) + 1 } }, "status");
      return undefined;
    }
  }

  private async scaleReplicaSet(rs: KubeObject, size: number, replicas: number, maxSurge: number): Promise<KubeObject> {
    const next = structuredClone(rs);
    (next.spec as { replicas?: number }).replicas = size;
    next.metadata!.annotations = { ...(next.metadata!.annotations ?? {}), [DESIRED]: String(replicas), [MAX]: String(replicas + maxSurge) };
    return this.ctx.client.update(R.replicaSets, rs.metadata!.namespace, next);
  }

  private async updateReplicaSet(rs: KubeObject, annotations: Record<string, string>): Promise<KubeObject> {
    const next = structuredClone(rs);
    next.metadata!.annotations = { ...(next.metadata!.annotations ?? {}), ...annotations };
    return this.ctx.client.update(R.replicaSets, rs.metadata!.namespace, next);
  }

  /** cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit, oldest first, once they have no pods. */
  private async cleanup(d: KubeObject, rsList: KubeObject[], newRS: KubeObject | undefined): Promise<void> {
    const limit = specOf(d).revisionHistoryLimit ?? 10;
    const olds = rsList.filter((rs) => rs !== newRS && !rs.metadata?.deletionTimestamp).sort(olderFirst);
    const excess = olds.length - limit;
    for (let i = 0; i < excess; i++) {
      const rs = olds[i];
      if (((rs.spec as { replicas?: number }).replicas ?? 0) !== 0 || (rsStatus(rs).replicas ?? 0) !== 0) continue;
      try {
        await this.ctx.client.delete(R.replicaSets, rs.metadata!.namespace, rs.metadata!.name!, { propagationPolicy: "Background", preconditions: { uid: rs.metadata!.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async setProgressing(d: KubeObject, namespace: string, status: string, reason: string, message: string): Promise<void> {
    const current = (d.status ?? {}) as DeploymentStatus;
    const conditions = setCondition(current.conditions ?? [], { type: "Progressing", status, reason, message }, timestamp(new Date(this.ctx.clock.now())));
    const next = await this.ctx.client.update(R.deployments, namespace, { ...d, status: { ...current, conditions } }, "status");
    d.status = next.status;
    d.metadata = next.metadata;
  }

  /** calculateStatus + syncRolloutStatus. */
  private async syncStatus(d: KubeObject, rsList: KubeObject[], newRS: KubeObject | undefined, namespace: string): Promise<ReconcileResult | void> {
    const spec = specOf(d);
    const replicas = spec.replicas ?? 1;
    const rolling = (spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const { maxUnavailable } = rolling ? resolveFenceposts(spec.strategy?.rollingUpdate?.maxSurge, spec.strategy?.rollingUpdate?.maxUnavailable, replicas) : { maxUnavailable: 0 };
    const old = (d.status ?? {}) as DeploymentStatus;
    const sum = (f: (rs: KubeObject) => number) => rsList.reduce((n, rs) => n + f(rs), 0);
    const available = sum((rs) => rsStatus(rs).availableReplicas ?? 0);
    const total = sum((rs) => (rs.spec as { replicas?: number }).replicas ?? 0);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: sum((rs) => rsStatus(rs).replicas ?? 0),
      updatedReplicas: newRS ? (rsStatus(newRS).replicas ?? 0) : 0,
      readyReplicas: sum((rs) => rsStatus(rs).readyReplicas ?? 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      ...(old.collisionCount !== undefined ? { collisionCount: old.collisionCount } : {}),
    };
    const now = this.ctx.clock.now();
    const stamp = timestamp(new Date(now));
    let conditions = old.conditions ?? [];
    const minAvailable = replicas - (rolling && replicas > 0 ? Math.min(maxUnavailable, replicas) : 0);
    conditions =
      available >= minAvailable
        ? setCondition(conditions, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }, stamp)
        : setCondition(conditions, { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }, stamp);

    // Progressing (only with a progress deadline; the paused conditions replace it while paused).
    let requeueAfterMs: number | undefined;
    const deadline = spec.progressDeadlineSeconds;
    const progressing = conditions.find((c) => c.type === "Progressing");
    if (spec.paused) {
      if (progressing?.reason !== "DeploymentPaused") conditions = setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }, stamp);
    } else if (progressing?.reason === "DeploymentPaused") {
      conditions = setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentResumed", message: "Deployment is resumed" }, stamp);
    } else if (deadline === undefined || deadline === null) {
      conditions = conditions.filter((c) => c.type !== "Progressing");
    } else {
      const complete = status.replicas === status.updatedReplicas && progressing?.reason === "NewReplicaSetAvailable";
      if (!complete) {
        const what = newRS ? `ReplicaSet "${newRS.metadata!.name}"` : `Deployment "${d.metadata!.name}"`;
        const isComplete =
          status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas && (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
        const madeProgress =
          (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
          (status.replicas ?? 0) < (old.replicas ?? 0) ||
          (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
          (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
        const lastUpdate = progressing?.lastUpdateTime ? Date.parse(progressing.lastUpdateTime) : NaN;
        if (isComplete) {
          conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `${what} has successfully progressed.` }, stamp);
        } else if (madeProgress) {
          const keepTransition = progressing?.status === "True" ? progressing.lastTransitionTime : stamp;
          conditions = [...conditions.filter((c) => c.type !== "Progressing"), { type: "Progressing", status: "True", lastUpdateTime: stamp, lastTransitionTime: keepTransition, reason: "ReplicaSetUpdated", message: `${what} is progressing.` }];
          requeueAfterMs = deadline * 1000 + 1000;
        } else if (progressing && progressing.reason !== "ProgressDeadlineExceeded" && !Number.isNaN(lastUpdate)) {
          if (lastUpdate + deadline * 1000 < now) {
            conditions = setCondition(conditions, { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `${what} has timed out progressing.` }, stamp);
          } else {
            requeueAfterMs = lastUpdate + deadline * 1000 - now + 1000;
          }
        }
      }
    }
    if (conditions.length) status.conditions = conditions;

    // The Deployment's revision annotation follows its new ReplicaSet.
    const revision = newRS?.metadata?.annotations?.[REVISION];
    if (revision && d.metadata?.annotations?.[REVISION] !== revision) {
      const fresh = structuredClone(d);
      fresh.metadata!.annotations = { ...(fresh.metadata!.annotations ?? {}), [REVISION]: revision };
      try {
        const written = await this.ctx.client.update(R.deployments, namespace, fresh);
        d.metadata = written.metadata;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return;
      }
    }
    if (JSON.stringify(normalize(old)) !== JSON.stringify(normalize(status))) {
      try {
        await this.ctx.client.update(R.deployments, namespace, { ...d, status }, "status");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
  }
}

function numberAnnotation(o: KubeObject, name: string): number | undefined {
  const v = o.metadata?.annotations?.[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** ReplicaSetsByCreationTimestamp: older first, then by name. */
function olderFirst(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata?.creationTimestamp ?? "";
  const tb = b.metadata?.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
}

/** SetDeploymentCondition: a condition with the same status and reason keeps its times. */
function setCondition(conditions: Condition[], c: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">, now: string): Condition[] {
  const current = conditions.find((x) => x.type === c.type);
  if (current && current.status === c.status && current.reason === c.reason && current.message === c.message) return conditions;
  if (current && current.status === c.status && current.reason === c.reason) {
    return conditions.map((x) => (x === current ? { ...x, message: c.message, lastUpdateTime: now } : x));
  }
  const next: Condition = { type: c.type, status: c.status, lastUpdateTime: now, lastTransitionTime: current && current.status === c.status ? current.lastTransitionTime : now, reason: c.reason, message: c.message };
  return [...conditions.filter((x) => x.type !== c.type), next];
}

/** Status for comparison: zero counts absent (omitempty). */
function normalize(s: DeploymentStatus): DeploymentStatus {
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) if (v !== 0 && v !== undefined) out[k] = v;
  return out as DeploymentStatus;
}
