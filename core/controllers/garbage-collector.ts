// The garbage collector (pkg/controller/garbagecollector): deletes objects whose owners are
// all gone, and carries out the two deletion policies the API server leaves to it as
// finalizers.
//  - Background: a dependent whose every owner is verifiably absent is deleted (with its
//    own "orphan"/"foregroundDeletion" finalizer honoured, else Background, so chains such
//    as Deployment → ReplicaSet → Pods cascade one level at a time).
//  - Foreground: an owner being deleted with the "foregroundDeletion" finalizer has its
//    dependents deleted (a dependent that itself has dependents in Foreground too); the
//    finalizer is removed once no dependent with blockOwnerDeletion remains.
//  - Orphan: an owner being deleted with the "orphan" finalizer has its ownerReference
//    removed from every dependent, then the finalizer.
// The uid graph is the informers' own: every watched resource is indexed by uid and by the
// uids its ownerReferences name. The queue holds uids; reconcile re-reads the graph.
// An owner missing from the graph is only taken as absent after a GET by name shows it
// missing or with another uid (the graph may lag the API); absences are remembered.
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { isConflict, isNotFound, type DeleteOptions, type KubeObject } from "./client.js";
import { RESOURCES, groupVersion, type ResourceInfo } from "../api/resources.js";
import type { OwnerReference } from "../types/meta.js";

const FINALIZER_ORPHAN = "orphan";
const FINALIZER_FOREGROUND = "foregroundDeletion";
/** Resources the garbage collector never watches (kube-controller-manager's default ignore list). */
const IGNORED = new Set(["/events", "events.k8s.io/events"]);
const ABSENT_CACHE_SIZE = 500;
const BY_UID = "gc:uid";
const BY_OWNER = "gc:owner";

interface Node {
  r: ResourceInfo;
  obj: KubeObject;
}

type OwnerState = "solid" | "waiting" | "absent" | "unresolvable";

export class GarbageCollector implements Reconciler {
  readonly name = "garbage-collector-controller";
  /** kube-controller-manager's --concurrent-gc-syncs default. */
  readonly workers = 20;
  private ctx!: ControllerContext;
  private queue!: WorkQueue;
  private readonly graph: { r: ResourceInfo; informer: SharedInformer }[] = [];
  /** Owners verified absent, by "<namespace>/<uid>" ("/<uid>" when cluster-scoped). */
  private readonly absentOwners = new Map<string, true>();

  constructor(private readonly resources: readonly ResourceInfo[] = collectableResources()) {}

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    // A new term as leader brings new informers: the graph is theirs.
    this.graph.length = 0;
    for (const r of this.resources) {
      const informer = ctx.informers.for(r);
      informer.addIndex(BY_UID, (o) => (o.metadata?.uid ? [o.metadata.uid] : []));
      informer.addIndex(BY_OWNER, (o) => (o.metadata?.ownerReferences ?? []).map((ref) => ref.uid));
      informer.addEventHandler({
        add: (o) => {
          if (owners(o).length > 0 || inGcDeletion(o)) this.enqueue(o);
        },
        update: (old, o) => {
          const refsChanged = JSON.stringify(owners(old)) !== JSON.stringify(owners(o));
          const deletionChanged =
            old.metadata?.deletionTimestamp !== o.metadata?.deletionTimestamp || JSON.stringify(old.metadata?.finalizers) !== JSON.stringify(o.metadata?.finalizers);
          if (refsChanged || deletionChanged) this.enqueue(o);
          // An owner waiting for its dependents re-checks when one stops pointing at it.
          if (refsChanged) this.enqueueWaitingOwners([...owners(old), ...owners(o)]);
        },
        delete: (o) => {
          for (const dependent of this.dependents(o.metadata!.uid!)) this.enqueue(dependent.obj);
          this.enqueueWaitingOwners(owners(o));
        },
      });
      this.graph.push({ r, informer });
    }
  }

  async reconcile(uid: string): Promise<ReconcileResult | void> {
    const node = this.find(uid);
    if (!node) return; // Gone: its dependents were queued when it went.
    const meta = node.obj.metadata!;
    if (meta.deletionTimestamp) {
      const finalizers = meta.finalizers ?? [];
      if (finalizers.includes(FINALIZER_ORPHAN)) await this.orphanDependents(node);
      else if (finalizers.includes(FINALIZER_FOREGROUND)) await this.processDeletingDependents(node);
      // Otherwise it is going away already; nothing for us to decide.
      return;
    }
    if (owners(node.obj).length > 0) await this.attemptToDelete(node);
  }

  /** The object with this uid, from whichever informer holds it. */
  private find(uid: string): Node | undefined {
    for (const { r, informer } of this.graph) {
      const [obj] = informer.byIndex(BY_UID, uid);
      if (obj) return { r, obj };
    }
    return undefined;
  }

  /** Every object naming `uid` in its ownerReferences. */
  private dependents(uid: string): Node[] {
    const out: Node[] = [];
    for (const { r, informer } of this.graph) for (const obj of informer.byIndex(BY_OWNER, uid)) out.push({ r, obj });
    return out;
  }

  private enqueue(obj: KubeObject): void {
    if (obj.metadata?.uid) this.queue.add(obj.metadata.uid);
  }

  private enqueueWaitingOwners(refs: OwnerReference[]): void {
    for (const ref of refs) {
      const owner = this.find(ref.uid);
      if (owner && deletingDependents(owner.obj)) this.queue.add(ref.uid);
    }
  }

  /** attemptToDeleteItem: classify the owners, then delete, or drop the references that no longer hold. */
  private async attemptToDelete(node: Node): Promise<void> {
    const refs = owners(node.obj);
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const state = await this.ownerState(node, ref);
      if (state === "absent") dangling.push(ref);
      else if (state === "waiting") waiting.push(ref);
      else solid.push(ref); // "unresolvable" (unknown kind, invalid scope) never lets us delete.
    }
    if (solid.length > 0) {
      // Still owned: only references to absent owners, and to owners waiting for their
      // dependents to go (which must not wait for this one), are dropped.
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((ref) => ref.uid));
      await this.patchOwnerReferences(node, refs.filter((ref) => !drop.has(ref.uid)));
      return;
    }
    if (waiting.length > 0 && this.dependents(node.obj.metadata!.uid!).length > 0) {
      // An owner deletes in the foreground and this object has dependents of its own: it
      // goes in the foreground too, so the owner waits for the whole subtree. Should one of
      // those dependents itself wait on this object, unblock our references to avoid a cycle.
      const cycle = this.dependents(node.obj.metadata!.uid!).some((d) => deletingDependents(d.obj));
      if (cycle && refs.some((ref) => ref.blockOwnerDeletion)) {
        await this.patchOwnerReferences(node, refs.map((ref) => ({ ...ref, blockOwnerDeletion: false })));
      }
      await this.deleteObject(node, "Foreground");
      return;
    }
    const finalizers = node.obj.metadata?.finalizers ?? [];
    const policy = finalizers.includes(FINALIZER_ORPHAN) ? "Orphan" : finalizers.includes(FINALIZER_FOREGROUND) ? "Foreground" : "Background";
    await this.deleteObject(node, policy);
  }

  /**
   * Whether the owner `ref` names exists for this dependent: the graph answers when it holds
   * that uid at those coordinates; otherwise a GET decides (missing, or the name now has
   * another uid: absent). A namespaced owner must be in the dependent's namespace.
   */
  private async ownerState(node: Node, ref: OwnerReference): Promise<OwnerState> {
    const r = resourceOf(ref);
    if (!r) return "unresolvable";
    const dependentNamespace = node.obj.metadata?.namespace;
    if (r.namespaced && !dependentNamespace) {
      this.reportInvalidNamespace(node, ref);
      return "unresolvable";
    }
    const namespace = r.namespaced ? dependentNamespace : undefined;
    const absentKey = `${namespace ?? ""}/${ref.uid}`;
    if (this.absentOwners.has(absentKey)) return "absent";
    const cached = this.find(ref.uid);
    if (cached && cached.r === r && cached.obj.metadata?.namespace === namespace) return stateOf(cached.obj);
    if (cached && r.namespaced && cached.obj.metadata?.namespace !== namespace) this.reportInvalidNamespace(node, ref);
    let live: KubeObject;
    try {
      live = await this.ctx.client.get(r, namespace, ref.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.rememberAbsent(absentKey);
      return "absent";
    }
    if (live.metadata?.uid !== ref.uid) {
      this.rememberAbsent(absentKey);
      return "absent";
    }
    return stateOf(live);
  }

  private rememberAbsent(key: string): void {
    this.absentOwners.delete(key);
    this.absentOwners.set(key, true);
    if (this.absentOwners.size > ABSENT_CACHE_SIZE) this.absentOwners.delete(this.absentOwners.keys().next().value!);
  }

  /** The Warning kube-controller-manager records for an owner reference that cannot hold. */
  private reportInvalidNamespace(node: Node, ref: OwnerReference): void {
    const ns = node.obj.metadata?.namespace ?? "";
    const identity = `[${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}]`;
    this.ctx.events.event(node.obj, "Warning", "OwnerRefInvalidNamespace", `ownerRef ${identity} does not exist in namespace "${ns}"`);
  }

  /**
   * deleteObject: with the uid and resourceVersion the decision was made on as
   * preconditions. A conflict means the object changed: if its owners did not, the delete
   * is retried on the uid alone; if they did, the key is retried from the start.
   */
  private async deleteObject(node: Node, policy: NonNullable<DeleteOptions["propagationPolicy"]>): Promise<void> {
    const meta = node.obj.metadata!;
    const options = (resourceVersion?: string): DeleteOptions => ({ propagationPolicy: policy, preconditions: { uid: meta.uid, ...(resourceVersion ? { resourceVersion } : {}) } });
    try {
      await this.ctx.client.delete(node.r, meta.namespace, meta.name!, options(meta.resourceVersion));
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
    }
    let live: KubeObject;
    try {
      live = await this.ctx.client.get(node.r, meta.namespace, meta.name!);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (live.metadata?.uid !== meta.uid) return;
    if (JSON.stringify(owners(live)) !== JSON.stringify(owners(node.obj))) throw new Error(`the ownerReferences of ${meta.namespace ?? ""}/${meta.name} changed; the garbage collector will retry`);
    try {
      await this.ctx.client.delete(node.r, meta.namespace, meta.name!, options());
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** processDeletingDependentsItem: remove "foregroundDeletion" once no blocking dependent remains. */
  private async processDeletingDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata!.uid!;
    const dependents = this.dependents(uid);
    const blocking = dependents.filter((d) => owners(d.obj).some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      await this.removeFinalizer(owner, FINALIZER_FOREGROUND);
      return;
    }
    // Each dependent decides for itself (it sees this owner waiting) and is deleted.
    for (const d of dependents) if (!d.obj.metadata?.deletionTimestamp) this.enqueue(d.obj);
  }

  /** attemptToOrphan: drop the owner from every dependent's ownerReferences, then "orphan". */
  private async orphanDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata!.uid!;
    const failures: string[] = [];
    await Promise.all(
      this.dependents(uid).map(async (d) => {
        try {
          await this.patchOwnerReferences(d, owners(d.obj).filter((ref) => ref.uid !== uid));
        } catch (err) {
          if (!isNotFound(err)) failures.push((err as Error).message);
        }
      }),
    );
    if (failures.length > 0) throw new Error(`orphaning dependents of ${owner.obj.metadata!.name} failed: ${failures.join("; ")}`);
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }

  /**
   * A JSON merge patch of metadata.ownerReferences with the resourceVersion read as its
   * precondition (deleteOwnerRefJSONMergePatch): a dependent changed meanwhile is a
   * conflict, and the key is retried on the fresh object.
   */
  private async patchOwnerReferences(node: Node, refs: OwnerReference[]): Promise<void> {
    const meta = node.obj.metadata!;
    try {
      await this.ctx.client.patch(node.r, meta.namespace, meta.name!, "application/merge-patch+json", {
        metadata: { resourceVersion: meta.resourceVersion, ownerReferences: refs.length > 0 ? refs : null },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** removeFinalizer: from the live object, retried on conflicts. */
  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    const meta = node.obj.metadata!;
    for (let attempt = 0; attempt < 5; attempt++) {
      let live: KubeObject;
      try {
        live = await this.ctx.client.get(node.r, meta.namespace, meta.name!);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (live.metadata?.uid !== meta.uid) return;
      const finalizers = live.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      try {
        await this.ctx.client.patch(node.r, meta.namespace, meta.name!, "application/merge-patch+json", {
          metadata: { resourceVersion: live.metadata!.resourceVersion, finalizers: finalizers.filter((f) => f !== finalizer) },
        });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`removing the ${finalizer} finalizer of ${meta.namespace ?? ""}/${meta.name} kept conflicting; the garbage collector will retry`);
  }
}

/** Every resource that can be listed, watched and deleted, except the ignored ones. */
export function collectableResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => ["list", "watch", "delete"].every((v) => r.verbs.includes(v)) && !IGNORED.has(`${r.group}/${r.plural}`));
}

/** The registry's resource for an owner reference's apiVersion and kind. */
function resourceOf(ref: OwnerReference): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === ref.apiVersion && r.kind === ref.kind);
}

function owners(obj: KubeObject): OwnerReference[] {
  return (obj.metadata?.ownerReferences ?? []) as OwnerReference[];
}

/** Being deleted with a finalizer the garbage collector acts on. */
function inGcDeletion(obj: KubeObject): boolean {
  const f = obj.metadata?.finalizers ?? [];
  return !!obj.metadata?.deletionTimestamp && (f.includes(FINALIZER_ORPHAN) || f.includes(FINALIZER_FOREGROUND));
}

/** Deleting in the foreground: its dependents go first. */
function deletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(FINALIZER_FOREGROUND);
}

function stateOf(owner: KubeObject): OwnerState {
  return deletingDependents(owner) ? "waiting" : "solid";
}
