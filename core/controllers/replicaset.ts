// The ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas active pods
// with the ReplicaSet as their controller. Too few: creates pods from the template in
// slow-start batches (1, 2, 4, … at most 500 per sync), so a failing template costs one
// error, not hundreds. Too many: deletes the ones the Wasm core ranks first
// (core.reconcile.podsToDelete: unscheduled, pending, not ready, … before the rest).
// Writes status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
// observedGeneration, and the ReplicaFailure condition when creating pods fails.
import type { Reconciler, ControllerContext, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { splitKey } from "./keys.js";
import { Expectations } from "./expectations.js";
import { availableAt, controllerOf, controllerUid, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from "./pod-template.js";
import type { SharedInformer } from "./informer.js";
import type { V1Pod } from "../types/core-v1.js";
import { timestamp } from "../api/object-store.js";

const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: unknown;
  template?: { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
}

interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}

export class ReplicaSetController implements Reconciler {
  readonly name = "replicaset-controller";
  readonly workers = 5;
  private ctx!: ControllerContext;
  private replicaSets!: SharedInformer;
  private pods!: SharedInformer;
  private expectations!: Expectations;

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.expectations = new Expectations(() => ctx.clock.now());
    this.replicaSets = ctx.informers.for(R.replicaSets);
    this.pods = ctx.informers.for(R.pods);
    this.pods.addIndex("controller", (p) => {
      const uid = controllerUid(p);
      return uid ? [uid] : [];
    });
    const enqueue = (o: KubeObject) => queue.add(`${o.metadata!.namespace}/${o.metadata!.name}`);
    this.replicaSets.addEventHandler({
      add: enqueue,
      update: (_, o) => enqueue(o),
      delete: (o) => {
        this.expectations.forget(`${o.metadata!.namespace}/${o.metadata!.name}`);
        enqueue(o);
      },
    });
    const owner = (p: KubeObject) => {
      const ref = controllerOf(p);
      return ref?.kind === "ReplicaSet" ? `${p.metadata!.namespace}/${ref.name}` : undefined;
    };
    this.pods.addEventHandler({
      add: (p) => {
        const key = owner(p);
        if (!key) return;
        this.expectations.creationObserved(key);
        queue.add(key);
      },
      update: (old, p) => {
        const key = owner(p);
        if (key) queue.add(key);
        const before = owner(old);
        if (before && before !== key) queue.add(before);
        // A pod that starts being deleted counts as deleted (as in Kubernetes).
        if (key && !old.metadata?.deletionTimestamp && p.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
      },
      delete: (p) => {
        const key = owner(p);
        if (!key) return;
        if (!p.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
        queue.add(key);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const rs = this.replicaSets.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const { namespace } = splitKey(key);
    const uid = rs.metadata!.uid!;
    const owned = this.pods.byIndex("controller", uid);
    const active = owned.filter(isPodActive);
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    let failure: string | undefined;
    if (this.expectations.satisfied(key) && !rs.metadata?.deletionTimestamp) {
      failure = await this.manageReplicas(rs, key, active, spec.replicas ?? 1);
    }
    return this.writeStatus(rs, namespace!, active, spec, failure);
  }

  /** Creates or deletes pods towards spec.replicas; returns a create error's message. */
  private async manageReplicas(rs: KubeObject, key: string, active: KubeObject[], replicas: number): Promise<string | undefined> {
    const diff = active.length - replicas;
    if (diff < 0) {
      const want = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expect(key, want, 0);
      let created = 0;
      let batch = SLOW_START_INITIAL_BATCH;
      let error: string | undefined;
      while (created < want && !error) {
        const size = Math.min(batch, want - created);
        const results = await Promise.allSettled(Array.from({ length: size }, () => this.createPod(rs)));
        for (const r of results) {
          if (r.status === "fulfilled") created++;
          else error ??= (r.reason as Error).message;
        }
        batch *= 2;
      }
      // The pods never asked for, or that failed, will not be observed.
      if (created < want) this.expectations.lower(key, want - created, 0);
      if (error) this.ctx.events.event(rs, "Warning", "FailedCreate", `Error creating: ${error}`);
      return error;
    }
    if (diff > 0) {
      const related = this.relatedPods(rs);
      const victims = this.ctx.core.reconcile.podsToDelete(active as V1Pod[], Math.min(diff, BURST_REPLICAS), related as V1Pod[], this.ctx.clock.now());
      this.expectations.expect(key, 0, victims.length);
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.ctx.client.delete(R.pods, pod.metadata!.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } });
            this.ctx.events.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata!.name}`);
          } catch (err) {
            this.expectations.lower(key, 0, 1);
            if (!isNotFound(err)) throw err;
          }
        }),
      );
    }
    return undefined;
  }

  private async createPod(rs: KubeObject): Promise<void> {
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    const pod = podFromTemplate(spec.template, rs);
    const created = await this.ctx.client.create(R.pods, rs.metadata!.namespace, pod);
    this.ctx.events.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata!.name}`);
  }

  /** Active pods of every ReplicaSet with the same controller (a Deployment's pods): they decide "doubled up". */
  private relatedPods(rs: KubeObject): KubeObject[] {
    const owner = controllerUid(rs);
    if (!owner) return this.pods.byIndex("controller", rs.metadata!.uid!).filter(isPodActive);
    const out: KubeObject[] = [];
    for (const sibling of this.replicaSets.inNamespace(rs.metadata!.namespace!)) {
      if (controllerUid(sibling) !== owner) continue;
      for (const p of this.pods.byIndex("controller", sibling.metadata!.uid!)) if (isPodActive(p)) out.push(p);
    }
    return out;
  }

  private async writeStatus(rs: KubeObject, namespace: string, active: KubeObject[], spec: ReplicaSetSpec, failure: string | undefined): Promise<ReconcileResult | void> {
    const now = this.ctx.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    const templateLabels = spec.template?.metadata?.labels ?? {};
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    let nextAvailable = Infinity;
    for (const p of active) {
      const labels = p.metadata?.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now)) available++;
        else nextAvailable = Math.min(nextAvailable, availableAt(p, minReady) ?? Infinity);
      }
    }
    const old = (rs.status ?? { replicas: 0 }) as ReplicaSetStatus;
    const status: ReplicaSetStatus = {
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata?.generation ?? 0,
    };
    // omitempty: zero counts are not written (as the Go types serialize them).
    for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"] as const) if (!status[k]) delete status[k];
    let conditions = (old.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    const previousFailure = old.conditions?.find((c) => c.type === "ReplicaFailure");
    if (failure) {
      conditions = [...conditions, { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failure, lastTransitionTime: previousFailure?.lastTransitionTime ?? timestamp(new Date(now)) }];
    }
    if (conditions.length) status.conditions = conditions;
    if (!sameStatus(old, status)) {
      try {
        await this.ctx.client.update(R.replicaSets, namespace, { ...rs, status } as KubeObject, "status");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (nextAvailable !== Infinity) return { requeueAfterMs: Math.max(0, nextAvailable - now) + 1 };
  }
}

function sameStatus(a: ReplicaSetStatus, b: ReplicaSetStatus): boolean {
  return (
    (a.replicas ?? 0) === (b.replicas ?? 0) &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0) &&
    JSON.stringify(a.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
