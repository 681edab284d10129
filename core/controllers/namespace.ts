// The namespace controller (pkg/controller/namespace): empties a namespace being deleted,
// then removes its "kubernetes" finalizer through namespaces/<name>/finalize — the API
// server deletes a Terminating namespace once spec.finalizers is empty.
// Each pass deletes every object of every namespaced resource (Background, so the garbage
// collector does not orphan anything), then lists again: what remains is reported in the
// namespace's status conditions (NamespaceContentRemaining, NamespaceFinalizersRemaining,
// NamespaceDeletionContentFailure, …) and waited for — pods for their grace period, objects
// with finalizers for those. The pass is repeated after half the estimate, or as soon as an
// object of a terminating namespace goes.
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isConflict, isNotFound, type KubeObject } from "./client.js";
import { RESOURCES, type ResourceInfo } from "../api/resources.js";
import { timestamp } from "../api/object-store.js";

/** The finalizer this controller owns in spec.finalizers. */
const FINALIZER_TOKEN = "kubernetes";
/** How long objects with finalizers are given before the next pass (finalizerEstimateSeconds). */
const FINALIZER_ESTIMATE_SECONDS = 15;

interface NamespaceCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

type Namespace = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string; conditions?: NamespaceCondition[] } };

/** The conditions this controller maintains, in order, with their "all is well" reason and message. */
const CONDITIONS: [type: string, okReason: string, okMessage: string][] = [
  ["NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"],
  ["NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed"],
  ["NamespaceDeletionContentFailure", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"],
  ["NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"],
  ["NamespaceFinalizersRemaining", "ContentHasNoFinalizers", "All content-preserving finalizers finished"],
];

interface Remaining {
  estimateSeconds: number;
  count: number;
  finalizers: Map<string, number>;
}

export class NamespaceController implements Reconciler {
  readonly name = "namespace-controller";
  /** kube-controller-manager's --concurrent-namespace-syncs default. */
  readonly workers = 10;
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer;

  constructor(private readonly resources: readonly ResourceInfo[] = namespacedDeletable()) {}

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.namespaces = ctx.informers.for(R.namespaces);
    const enqueue = (ns: KubeObject) => {
      if (ns.metadata?.deletionTimestamp) queue.add(ns.metadata.name!);
    };
    this.namespaces.addEventHandler({ add: enqueue, update: (_, ns) => enqueue(ns) });
    // Content going away is what a terminating namespace waits for: look again at once.
    for (const r of this.resources) {
      ctx.informers.for(r).addEventHandler({
        delete: (o) => {
          const ns = o.metadata?.namespace ? this.namespaces.get(o.metadata.namespace) : undefined;
          if (ns) enqueue(ns);
        },
      });
    }
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    // Several components edit a terminating namespace: start from the live object.
    let ns: Namespace;
    try {
      ns = (await this.ctx.client.get(R.namespaces, undefined, name)) as Namespace;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if (ns.status?.phase !== "Terminating") {
      ns = (await this.ctx.client.update(R.namespaces, undefined, { ...ns, status: { ...ns.status, phase: "Terminating" } }, "status")) as Namespace;
    }
    // Already finalized by us: the API server removes it (or other finalizers hold it).
    if (!(ns.spec?.finalizers ?? []).includes(FINALIZER_TOKEN)) return;
    const { estimate, namespace } = await this.deleteAllContent(ns);
    if (estimate > 0) return { requeueAfterMs: (Math.floor(estimate / 2) + 1) * 1000 };
    await this.finalize(namespace);
  }

  /** Deletes what the namespace holds; returns the seconds to wait before it is all gone (and the namespace as now stored). */
  private async deleteAllContent(ns: Namespace): Promise<{ estimate: number; namespace: Namespace }> {
    const name = ns.metadata!.name!;
    const deletedAt = Date.parse(ns.metadata!.deletionTimestamp!);
    const errors: string[] = [];
    const remainingByResource: string[] = [];
    const remainingByFinalizer = new Map<string, number>();
    let estimate = 0;
    for (const r of this.resources) {
      let remaining: Remaining;
      try {
        remaining = await this.deleteAllOf(r, name, deletedAt);
      } catch (err) {
        errors.push((err as Error).message);
        continue;
      }
      estimate = Math.max(estimate, remaining.estimateSeconds);
      if (remaining.count === 0) continue;
      remainingByResource.push(`${r.plural}.${r.group} has ${remaining.count} resource instances`);
      for (const [f, n] of remaining.finalizers) remainingByFinalizer.set(f, (remainingByFinalizer.get(f) ?? 0) + n);
    }
    const failing: NamespaceCondition[] = [];
    const now = timestamp(new Date(this.ctx.clock.now()));
    if (remainingByResource.length > 0) {
      failing.push({ type: "NamespaceContentRemaining", status: "True", lastTransitionTime: now, reason: "SomeResourcesRemain", message: `Some resources are remaining: ${remainingByResource.sort().join(", ")}` });
    }
    if (remainingByFinalizer.size > 0) {
      const byFinalizer = [...remainingByFinalizer].map(([f, n]) => `${f} in ${n} resource instances`).sort();
      failing.push({ type: "NamespaceFinalizersRemaining", status: "True", lastTransitionTime: now, reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${byFinalizer.join(", ")}` });
    }
    if (errors.length > 0) {
      failing.push({ type: "NamespaceDeletionContentFailure", status: "True", lastTransitionTime: now, reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${errors.length} remaining: ${errors.sort().join(", ")}` });
    }
    const namespace = await this.updateConditions(ns, failing, now);
    if (errors.length > 0) throw new Error(errors.join("; "));
    return { estimate, namespace };
  }

  /** deleteAllContentForGroupVersionResource: delete each object, then see what is left. */
  private async deleteAllOf(r: ResourceInfo, namespace: string, deletedAt: number): Promise<Remaining> {
    let estimate = r.group === "" && r.plural === "pods" ? await this.podGracePeriod(namespace) : 0;
    // Past the estimate since the namespace's deletion started: no more waiting for it.
    if (this.ctx.clock.now() - deletedAt >= estimate * 1000) estimate = 0;
    const { items } = await this.ctx.client.list(r, namespace);
    for (const item of items) {
      try {
        // Background: the garbage collector must not add the orphan finalizer here.
        await this.ctx.client.delete(r, namespace, item.metadata!.name!, { propagationPolicy: "Background" });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const left = (await this.ctx.client.list(r, namespace)).items;
    if (left.length === 0) return { estimateSeconds: 0, count: 0, finalizers: new Map() };
    const finalizers = new Map<string, number>();
    for (const item of left) for (const f of item.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate > 0) return { estimateSeconds: estimate, count: left.length, finalizers };
    if (finalizers.size > 0) return { estimateSeconds: FINALIZER_ESTIMATE_SECONDS, count: left.length, finalizers };
    throw new Error(`unexpected items still remain in namespace: ${namespace} for gvr: ${r.group}/${r.version}, Resource=${r.plural}`);
  }

  /** estimateGracefulTerminationForPods: the longest grace period of a pod still running. */
  private async podGracePeriod(namespace: string): Promise<number> {
    let estimate = 0;
    for (const pod of (await this.ctx.client.list(R.pods, namespace)).items) {
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      const grace = (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
      if (grace !== undefined && grace > estimate) estimate = grace;
    }
    return estimate;
  }

  /**
   * updateConditions: every condition this controller owns is present — the failing ones as
   * given, the rest as their "all is well" form; lastTransitionTime moves only when the
   * status flips. Written only on a change; a lost race is retried on the next pass.
   */
  private async updateConditions(ns: Namespace, failing: NamespaceCondition[], now: string): Promise<Namespace> {
    const conditions = structuredClone(ns.status?.conditions ?? []);
    let changed = false;
    for (const [type, reason, message] of CONDITIONS) {
      const wanted = failing.find((c) => c.type === type) ?? { type, status: "False", lastTransitionTime: now, reason, message };
      const existing = conditions.find((c) => c.type === type);
      if (!existing) {
        conditions.push(wanted);
        changed = true;
      } else if (existing.status !== wanted.status || existing.reason !== wanted.reason || existing.message !== wanted.message) {
        if (existing.status !== wanted.status) existing.lastTransitionTime = now;
        Object.assign(existing, { status: wanted.status, reason: wanted.reason, message: wanted.message });
        changed = true;
      }
    }
    if (!changed) return ns;
    try {
      return (await this.ctx.client.update(R.namespaces, undefined, { ...ns, status: { ...ns.status, conditions } }, "status")) as Namespace;
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
      return ns;
    }
  }

  /** finalizeNamespace: PUT /finalize without our token, retried on conflicts while the uid holds. */
  private async finalize(ns: Namespace): Promise<void> {
    let current = ns;
    for (let attempt = 0; attempt < 5; attempt++) {
      const finalizers = [...new Set((current.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_TOKEN))].sort();
      try {
        await this.ctx.client.update(R.namespaces, undefined, { ...current, spec: { ...current.spec, finalizers } }, "finalize");
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
      let latest: Namespace;
      try {
        latest = (await this.ctx.client.get(R.namespaces, undefined, ns.metadata!.name!)) as Namespace;
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (latest.metadata?.uid !== ns.metadata?.uid) throw new Error("namespace uid has changed across retries");
      current = latest;
    }
    throw new Error(`finalizing namespace ${ns.metadata!.name} kept conflicting`);
  }
}

/** Every namespaced resource that can be listed and deleted (what discovery offers the deleter). */
export function namespacedDeletable(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.namespaced && r.verbs.includes("delete") && r.verbs.includes("list"));
}
