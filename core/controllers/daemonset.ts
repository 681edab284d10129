// The DaemonSet controller (pkg/controller/daemon): one pod per eligible node.
//  - A node is eligible when the template's nodeName (if any), nodeSelector and required
//    node affinity match it and its NoSchedule/NoExecute taints are tolerated. A node whose
//    only untolerated taints are NoSchedule keeps a pod already there ("should continue
//    running") but gets no new one.
//  - Pods get the default DaemonSet tolerations (not-ready/unreachable NoExecute forever,
//    the node-condition NoSchedule taints, network-unavailable for hostNetwork pods) and are
//    pinned to their node by required node affinity on metadata.name; the scheduler binds
//    them (the controller never sets nodeName).
//  - Pods on nodes that no longer qualify, surplus pods on a node, failed pods (with a
//    per-node backoff) and unscheduled pods of vanished nodes are deleted.
//  - RollingUpdate replaces old pods within maxUnavailable (delete, then create), or with
//    maxSurge > 0 creates the new pod first and deletes the old one once the new one is
//    available. OnDelete only replaces pods somebody else deleted.
// Expectations (as in Kubernetes) keep a cache that has not yet seen our creates and deletes
// from making us create or delete twice. Revisions are template hashes (revision-hash.ts):
// there are no ControllerRevision objects.
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { Core } from "../index.js";
import type { CompiledSelector } from "../labels.js";
import type { CompiledNodeAffinity } from "../node-affinity.js";
import type { ObjectMeta, OwnerReference, LabelSelector } from "../types/meta.js";
import type { V1Affinity, V1Node, V1Pod, V1Toleration } from "../types/core-v1.js";
import { R, isConflict, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import { CONTROLLER_REVISION_HASH_LABEL, computeHash } from "./revision-hash.js";

/** The template generation label of old DaemonSets (extensions DaemonSetTemplateGenerationKey). */
const TEMPLATE_GENERATION_LABEL = "pod-template-generation";
const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
const BURST_REPLICAS = 250;
const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;
const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;
const OWNER_INDEX = "daemonset-controller:owner";

type Obj = Record<string, unknown>;
type Meta = ObjectMeta & { name: string; namespace: string };

interface PodSpec extends Obj {
  nodeName?: string;
  hostNetwork?: boolean;
  tolerations?: V1Toleration[] | null;
  affinity?: V1Affinity | null;
}

interface Pod {
  metadata: Meta;
  spec: PodSpec;
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

interface DaemonSet {
  metadata: Meta;
  spec: {
    selector?: LabelSelector | null;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: PodSpec };
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } | null };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

type Node = V1Node & { metadata: Meta };

// ---- pod helpers ----

const isTerminating = (pod: Pod) => !!pod.metadata.deletionTimestamp;
const isTerminal = (pod: Pod) => pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded";
const readyCondition = (pod: Pod) => pod.status?.conditions?.find((c) => c.type === "Ready");
const isPodReady = (pod: Pod) => readyCondition(pod)?.status === "True";

/** podutil.IsPodAvailable: Ready for longer than minReadySeconds (strictly). */
function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? "");
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now;
}

function controllerRefOf(obj: { metadata?: ObjectMeta }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

/** Scheduled pods first, then oldest first, then by name (podByCreationTimestampAndPhase). */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const sa = !!a.spec.nodeName;
  const sb = !!b.spec.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** GetTargetNodeName: spec.nodeName, or the node a pending pod is pinned to by matchFields metadata.name. */
function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term?.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In") return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** IsPodUpdated: the pod carries the current template hash. */
const isPodUpdated = (pod: Pod, hash: string) => hash !== "" && pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;

// ---- tolerations, placement ----

const DEFAULT_TOLERATIONS: V1Toleration[] = [
  // Daemons stay on nodes that turn not-ready or unreachable (no tolerationSeconds: forever).
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  // …and are placed despite the node-condition taints (TaintNodesByCondition).
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];
const NETWORK_UNAVAILABLE: V1Toleration = { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" };

/**
 * AddOrUpdateDaemonPodTolerations: each default toleration is added, or replaces one with
 * the same key, operator, value and effect (dropping, e.g., its tolerationSeconds).
 */
export function withDaemonTolerations(spec: PodSpec): V1Toleration[] {
  let out = [...(spec.tolerations ?? [])];
  for (const t of spec.hostNetwork ? [...DEFAULT_TOLERATIONS, NETWORK_UNAVAILABLE] : DEFAULT_TOLERATIONS) {
    const same = (o: V1Toleration) => (o.key ?? "") === t.key && (o.operator ?? "") === t.operator && (o.value ?? "") === "" && (o.effect ?? "") === t.effect;
    if (out.some(same)) out = out.map((o) => (same(o) ? { ...t } : o));
    else out.push({ ...t });
  }
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node terms become "metadata.name In [node]". */
function pinToNode(affinity: V1Affinity | null | undefined, nodeName: string): V1Affinity {
  const term = { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] };
  const out: V1Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (out.nodeAffinity ??= {});
  if (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms = [term];
  else nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return out;
}

/**
 * NodeShouldRunDaemonPod for one DaemonSet, compiled once for many nodes: the template's
 * pod (with the daemon tolerations) against each node's name, labels and taints.
 */
class Placement {
  private readonly affinity: CompiledNodeAffinity;
  private readonly tolerations: V1Toleration[];
  private readonly nodeName: string | undefined;

  constructor(
    private readonly core: Core,
    ds: DaemonSet,
  ) {
    const spec = ds.spec.template?.spec ?? {};
    this.nodeName = spec.nodeName || undefined;
    this.tolerations = withDaemonTolerations(spec);
    this.affinity = core.nodeAffinity.compilePod({ spec: { ...spec, containers: [] } } as V1Pod);
  }

  shouldRun(node: Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
    if (this.nodeName && this.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
    if (!this.affinity.matches(node)) return { shouldRun: false, shouldContinueRunning: false };
    const taints = node.spec?.taints ?? [];
    if (!this.core.taints.findUntoleratedTaint(taints, this.tolerations, { effects: ["NoSchedule", "NoExecute"] })) return { shouldRun: true, shouldContinueRunning: true };
    // Placed before the taint: stays unless a NoExecute taint is not tolerated.
    return { shouldRun: false, shouldContinueRunning: !this.core.taints.findUntoleratedTaint(taints, this.tolerations, { effects: ["NoExecute"] }) };
  }

  dispose(): void {
    this.affinity.dispose();
  }
}

/** intstr.GetScaledValueFromIntOrPercent, rounding up. */
function scaledValue(value: number | string | undefined, total: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  return Math.ceil((Number(m[1]) * total) / 100);
}

const isRollingUpdate = (ds: DaemonSet) => ds.spec.updateStrategy?.type === "RollingUpdate";
const surgeCount = (ds: DaemonSet, n: number) => (isRollingUpdate(ds) ? scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxSurge, n) : 0);
const unavailableCount = (ds: DaemonSet, n: number) => (isRollingUpdate(ds) ? scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, n) : 0);
const allowsSurge = (ds: DaemonSet) => surgeCount(ds, 1) > 0;

// ---- expectations (controller.ControllerExpectations) ----

class Expectations {
  private readonly pending = new Map<string, { add: number; del: number; at: number }>();
  constructor(private readonly now: () => number) {}

  /** Nothing outstanding, or what is outstanding is too old to wait for. */
  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    return !e || (e.add <= 0 && e.del <= 0) || this.now() - e.at > EXPECTATIONS_TTL_MS;
  }
  set(key: string, add: number, del: number): void {
    this.pending.set(key, { add, del, at: this.now() });
  }
  creationObserved(key: string): void {
    const e = this.pending.get(key);
    if (e) e.add--;
  }
  deletionObserved(key: string): void {
    const e = this.pending.get(key);
    if (e) e.del--;
  }
  forget(key: string): void {
    this.pending.delete(key);
  }
}

/** flowcontrol.Backoff for failed daemon pods, per DaemonSet and node. */
class Backoff {
  private readonly entries = new Map<string, { delay: number; last: number }>();
  constructor(private readonly now: () => number) {}

  /** The time left in the key's backoff window (0: not backing off). */
  remaining(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.last + e.delay - this.now());
  }
  next(key: string): void {
    const now = this.now();
    const e = this.entries.get(key);
    // An entry idle for twice the maximum starts over.
    if (!e || now - e.last > 2 * FAILED_POD_BACKOFF_MAX_MS) this.entries.set(key, { delay: FAILED_POD_BACKOFF_INITIAL_MS, last: now });
    else this.entries.set(key, { delay: Math.min(e.delay * 2, FAILED_POD_BACKOFF_MAX_MS), last: now });
  }
}

// ---- the controller ----

export interface DaemonSetControllerOptions {
  /** --concurrent-daemonset-syncs (default 2). */
  workers?: number;
}

export class DaemonSetController implements Reconciler {
  readonly name = "daemonset-controller";
  readonly workers: number;
  private ctx!: ControllerContext;
  private queue!: WorkQueue;
  private sets!: SharedInformer;
  private pods!: SharedInformer;
  private nodes!: SharedInformer;
  private expectations!: Expectations;
  private backoff!: Backoff;

  constructor(options: DaemonSetControllerOptions = {}) {
    this.workers = options.workers ?? 2;
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    this.expectations = new Expectations(() => ctx.clock.now());
    this.backoff = new Backoff(() => ctx.clock.now());
    this.sets = ctx.informers.for(R.daemonSets);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
    this.pods.addIndex(OWNER_INDEX, (p) => {
      const ref = controllerRefOf(p);
      return [ref ? ref.uid : `orphan/${p.metadata?.namespace ?? ""}`];
    });
    const enqueue = (o: KubeObject) => queue.add(objectKey(o));
    this.sets.addEventHandler({
      add: enqueue,
      update: (_, o) => enqueue(o),
      delete: (o) => this.expectations.forget(objectKey(o)),
    });
    this.pods.addEventHandler({
      add: (p) => this.podAdded(p as unknown as Pod),
      update: (old, p) => this.podUpdated(old as unknown as Pod, p as unknown as Pod),
      delete: (p) => this.podDeleted(p as unknown as Pod),
    });
    this.nodes.addEventHandler({
      add: (n) => this.nodeChanged(undefined, n as unknown as Node),
      update: (old, n) => this.nodeChanged(old as unknown as Node, n as unknown as Node),
      // Unscheduled pods pinned to a vanished node are deleted; status changes.
      delete: () => this.allSets().forEach((ds) => queue.add(objectKey(ds as unknown as KubeObject))),
    });
  }

  private allSets(): DaemonSet[] {
    return this.sets.list() as unknown as DaemonSet[];
  }

  /** The DaemonSet a controller reference points at, if cached with that uid. */
  private owner(namespace: string, ref: OwnerReference | undefined): DaemonSet | undefined {
    if (!ref || ref.kind !== "DaemonSet" || !ref.apiVersion.startsWith("apps/")) return undefined;
    const ds = this.sets.get(`${namespace}/${ref.name}`) as unknown as DaemonSet | undefined;
    return ds?.metadata.uid === ref.uid ? ds : undefined;
  }

  private keyOf(ds: DaemonSet): string {
    return objectKey(ds as unknown as KubeObject);
  }

  private podAdded(pod: Pod): void {
    if (isTerminating(pod)) return this.podDeleted(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const ds = this.owner(pod.metadata.namespace, ref);
      if (!ds) return;
      this.expectations.creationObserved(this.keyOf(ds));
      this.queue.add(this.keyOf(ds));
      return;
    }
    for (const ds of this.setsSelecting(pod)) this.queue.add(this.keyOf(ds));
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const ref = controllerRefOf(pod);
    const oldRef = controllerRefOf(old);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const before = this.owner(old.metadata.namespace, oldRef);
      if (before) this.queue.add(this.keyOf(before));
    }
    // A pod marked for deletion counts as deleted (a kubelet may take a while to finish it).
    if (isTerminating(pod) && !isTerminating(old)) return this.podDeleted(pod);
    if (ref) {
      const ds = this.owner(pod.metadata.namespace, ref);
      if (ds) this.queue.add(this.keyOf(ds));
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (labelsChanged || oldRef) for (const ds of this.setsSelecting(pod)) this.queue.add(this.keyOf(ds));
  }

  private podDeleted(pod: Pod): void {
    const ds = this.owner(pod.metadata.namespace, controllerRefOf(pod));
    if (!ds) return;
    this.expectations.deletionObserved(this.keyOf(ds));
    this.queue.add(this.keyOf(ds));
  }

  /** A node added or changed: the DaemonSets whose placement on it changed. */
  private nodeChanged(old: Node | undefined, node: Node): void {
    for (const ds of this.allSets()) {
      let placement: Placement;
      try {
        placement = new Placement(this.ctx.core, ds);
      } catch {
        continue;
      }
      try {
        const now = placement.shouldRun(node);
        const before = old ? placement.shouldRun(old) : undefined;
        const changed = before ? before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning : now.shouldRun;
        if (changed) this.queue.add(this.keyOf(ds));
      } finally {
        placement.dispose();
      }
    }
  }

  private setsSelecting(pod: Pod): DaemonSet[] {
    const out: DaemonSet[] = [];
    for (const o of this.sets.inNamespace(pod.metadata.namespace)) {
      const ds = o as unknown as DaemonSet;
      if (isEmptySelector(ds.spec.selector)) continue;
      try {
        if (this.ctx.core.labels.matchesLabelSelector(ds.spec.selector, pod.metadata.labels)) out.push(ds);
      } catch {
        // An invalid selector selects nothing.
      }
    }
    return out;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const ds = this.sets.get(key) as unknown as DaemonSet | undefined;
    if (!ds) {
      this.expectations.forget(key);
      return;
    }
    if (isEmptySelector(ds.spec.selector)) {
      this.ctx.events.event(ds as unknown as KubeObject, "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
      return;
    }
    // Being deleted: what it owns is the garbage collector's; its status cannot be trusted.
    if (ds.metadata.deletionTimestamp) return;
    let selector: CompiledSelector;
    let placement: Placement;
    try {
      selector = this.ctx.core.labels.compile(ds.spec.selector ?? null);
    } catch {
      return; // invalid: only a new spec can fix it
    }
    try {
      placement = new Placement(this.ctx.core, ds);
    } catch (err) {
      selector.dispose();
      throw err;
    }
    try {
      // The API validates this in Kubernetes; without it every pod we made would be released
      // and made again.
      if (!selector.matches(ds.spec.template?.metadata?.labels)) throw new Error(`DaemonSet ${key}: selector does not match template labels`);
      const nodes = (this.nodes.list() as unknown as Node[]).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      const hash = computeHash(ds.spec.template ?? {}, ds.status?.collisionCount);
      const requeue: number[] = [];
      if (!this.expectations.satisfied(key)) {
        // Our last creates/deletes are not all visible yet: only report what is there.
        await this.updateStatus(ds, selector, placement, nodes, hash, false, requeue);
      } else {
        let failure: unknown;
        try {
          await this.manage(key, ds, selector, placement, nodes, hash, requeue);
          if (this.expectations.satisfied(key) && isRollingUpdate(ds)) await this.rollingUpdate(key, ds, selector, placement, nodes, hash);
        } catch (err) {
          failure = err;
        }
        try {
          await this.updateStatus(ds, selector, placement, nodes, hash, true, requeue);
        } catch (err) {
          failure ??= err;
        }
        if (failure !== undefined) throw failure;
      }
      if (requeue.length) return { requeueAfterMs: Math.max(1, Math.min(...requeue)) };
    } finally {
      placement.dispose();
      selector.dispose();
    }
  }

  /**
   * getNodesToDaemonPods: the DaemonSet's pods (after adopting matching orphans and releasing
   * its pods that stopped matching) by the node they run on or are pinned to. Finished pods
   * that are already being deleted are left out unless asked for.
   */
  private async nodesToPods(ds: DaemonSet, selector: CompiledSelector, includeDeletedTerminal = false): Promise<Map<string, Pod[]>> {
    const out = new Map<string, Pod[]>();
    for (const pod of await this.claimPods(ds, selector)) {
      if (!includeDeletedTerminal && isTerminal(pod) && isTerminating(pod)) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      const list = out.get(node);
      if (list) list.push(pod);
      else out.set(node, [pod]);
    }
    return out;
  }

  private async claimPods(ds: DaemonSet, selector: CompiledSelector): Promise<Pod[]> {
    const owned = this.pods.byIndex(OWNER_INDEX, ds.metadata.uid!) as unknown as Pod[];
    const orphans = (this.pods.byIndex(OWNER_INDEX, `orphan/${ds.metadata.namespace}`) as unknown as Pod[]).filter(
      (p) => !isTerminating(p) && selector.matches(p.metadata.labels),
    );
    const out: Pod[] = [];
    for (const pod of owned) {
      if (selector.matches(pod.metadata.labels)) out.push(pod);
      else await this.patchOwnerRefs(pod, (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ds.metadata.uid));
    }
    if (orphans.length && (await this.canAdopt(ds))) {
      const ref: OwnerReference = { apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true };
      for (const pod of orphans) {
        if (await this.patchOwnerRefs(pod, [...(pod.metadata.ownerReferences ?? []), ref])) out.push(pod);
      }
    }
    return out;
  }

  private async canAdopt(ds: DaemonSet): Promise<boolean> {
    try {
      const fresh = (await this.ctx.client.get(R.daemonSets, ds.metadata.namespace, ds.metadata.name)) as unknown as DaemonSet;
      return fresh.metadata.uid === ds.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async patchOwnerRefs(pod: Pod, refs: OwnerReference[]): Promise<boolean> {
    try {
      await this.ctx.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name, "application/merge-patch+json", {
        metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: pod.metadata.resourceVersion },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** manage: which nodes need a daemon pod and which pods must go; then syncNodes. */
  private async manage(key: string, ds: DaemonSet, selector: CompiledSelector, placement: Placement, nodes: Node[], hash: string, requeue: number[]): Promise<void> {
    const nodeToPods = await this.nodesToPods(ds, selector);
    const create: string[] = [];
    const remove: Pod[] = [];
    for (const node of nodes) this.podsShouldBeOnNode(key, ds, placement, node, nodeToPods.get(node.metadata.name), hash, create, remove, requeue);
    // Unscheduled pods pinned to nodes that no longer exist would never be scheduled, nor
    // cleaned up by pod GC: delete them.
    const known = new Set(nodes.map((n) => n.metadata.name));
    for (const [node, pods] of nodeToPods) if (!known.has(node)) remove.push(...pods.filter((p) => !p.spec.nodeName && !isTerminating(p)));
    await this.syncNodes(key, ds, remove, create, hash);
  }

  private podsShouldBeOnNode(
    key: string,
    ds: DaemonSet,
    placement: Placement,
    node: Node,
    pods: Pod[] | undefined,
    hash: string,
    create: string[],
    remove: Pod[],
    requeue: number[],
  ): void {
    const { shouldRun, shouldContinueRunning } = placement.shouldRun(node);
    const exists = !!pods?.length;
    if (shouldRun && !exists) {
      create.push(node.metadata.name);
      return;
    }
    if (!exists) return;
    if (!shouldContinueRunning) {
      // Not wanted here any more: every pod on the node goes.
      remove.push(...pods!.filter((p) => !isTerminating(p)));
      return;
    }
    const running: Pod[] = [];
    for (const pod of pods!) {
      if (isTerminating(pod)) continue;
      if (pod.status?.phase === "Failed") {
        // Kubelets may keep rejecting the pod: back off instead of hot-looping delete/create.
        const backoffKey = `${ds.metadata.uid}/${node.metadata.name}`;
        const wait = this.backoff.remaining(backoffKey);
        if (wait > 0) {
          requeue.push(wait);
          continue;
        }
        this.backoff.next(backoffKey);
        this.ctx.events.event(
          ds as unknown as KubeObject,
          "Warning",
          "FailedDaemonPod",
          `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node.metadata.name}, will try to kill it`,
        );
        remove.push(pod);
      } else if (pod.status?.phase === "Succeeded") {
        remove.push(pod);
      } else {
        running.push(pod);
      }
    }
    if (running.length <= 1) return;
    running.sort(byCreationAndPhase);
    if (!allowsSurge(ds)) {
      // Without surge, a node keeps only its oldest pod.
      remove.push(...running.slice(1));
      return;
    }
    // With surge a node may hold one old and one new pod, while the new one is not available
    // and the old one is ready; every other pod goes.
    let oldestNew: Pod | undefined;
    let oldestOld: Pod | undefined;
    for (const pod of running) {
      if (isPodUpdated(pod, hash)) {
        if (!oldestNew) {
          oldestNew = pod;
          continue;
        }
      } else if (!oldestOld) {
        oldestOld = pod;
        continue;
      }
      remove.push(pod);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, this.ctx.clock.now()))) remove.push(oldestOld);
  }

  /** syncNodes: deletes and creates (in slow-start batches) under expectations. */
  private async syncNodes(key: string, ds: DaemonSet, remove: Pod[], create: string[], hash: string): Promise<void> {
    const creates = create.slice(0, BURST_REPLICAS);
    const deletes = remove.slice(0, BURST_REPLICAS);
    if (!creates.length && !deletes.length) return;
    this.expectations.set(key, creates.length, deletes.length);
    const errors: unknown[] = [];

    const template = this.podTemplate(ds, hash);
    let next = 0;
    for (let batch = Math.min(creates.length, 1); batch > 0; batch = Math.min(2 * batch, creates.length - next)) {
      const results = await Promise.allSettled(creates.slice(next, next + batch).map((node) => this.createPod(ds, template, node)));
      next += batch;
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      for (const f of failed) {
        this.expectations.creationObserved(key);
        errors.push(f.reason);
      }
      if (failed.length) {
        // The rest of this round is skipped: no longer expected.
        for (let i = next; i < creates.length; i++) this.expectations.creationObserved(key);
        break;
      }
    }

    await Promise.all(
      deletes.map(async (pod) => {
        try {
          await this.ctx.client.delete(R.pods, ds.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
          this.ctx.events.event(ds as unknown as KubeObject, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (isNotFound(err) || isConflict(err)) return; // already gone (or replaced)
          this.ctx.events.event(ds as unknown as KubeObject, "Warning", "FailedDelete", `Error deleting: ${message(err)}`);
          errors.push(err);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  /** CreatePodTemplate: the template with the daemon tolerations and the revision labels. */
  private podTemplate(ds: DaemonSet, hash: string): { metadata: Obj & { labels: Record<string, string> }; spec: PodSpec } {
    const t = structuredClone(ds.spec.template ?? {});
    const spec: PodSpec = t.spec ?? {};
    spec.tolerations = withDaemonTolerations(spec);
    const labels = { ...(t.metadata?.labels ?? {}) };
    const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
    if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = generation;
    if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
    return { metadata: { ...(t.metadata ?? {}), labels }, spec };
  }

  private async createPod(ds: DaemonSet, template: ReturnType<DaemonSetController["podTemplate"]>, nodeName: string): Promise<void> {
    const spec = structuredClone(template.spec);
    spec.affinity = pinToNode(spec.affinity, nodeName);
    const { labels, annotations, finalizers } = template.metadata as { labels: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${ds.metadata.name}-`,
        labels: { ...labels },
        ...(annotations ? { annotations: { ...annotations } } : {}),
        ...(finalizers ? { finalizers: [...finalizers] } : {}),
        ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    };
    try {
      const created = await this.ctx.client.create(R.pods, ds.metadata.namespace, pod);
      this.ctx.events.event(ds as unknown as KubeObject, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata!.name}`);
    } catch (err) {
      this.ctx.events.event(ds as unknown as KubeObject, "Warning", "FailedCreate", `Error creating: ${message(err)}`);
      throw err;
    }
  }

  /** updatedDesiredNodeCounts: maxSurge and maxUnavailable for the nodes that should run a pod. */
  private desiredCounts(ds: DaemonSet, placement: Placement, nodes: Node[], nodeToPods: Map<string, Pod[]>): { maxSurge: number; maxUnavailable: number; desired: number } {
    let desired = 0;
    for (const node of nodes) {
      if (!placement.shouldRun(node).shouldRun) continue;
      desired++;
      if (!nodeToPods.has(node.metadata.name)) nodeToPods.set(node.metadata.name, []);
    }
    let maxUnavailable = unavailableCount(ds, desired);
    const maxSurge = surgeCount(ds, desired);
    // An impossible 0/0 (the API refuses it) falls back to one unavailable pod.
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable, desired };
  }

  /** rollingUpdate: replaces old pods within maxUnavailable, or surges within maxSurge. */
  private async rollingUpdate(key: string, ds: DaemonSet, selector: CompiledSelector, placement: Placement, nodes: Node[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToPods(ds, selector);
    const { maxSurge, maxUnavailable, desired } = this.desiredCounts(ds, placement, nodes, nodeToPods);
    const now = this.ctx.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const available = (p: Pod) => isPodAvailable(p, minReady, now);
    const nodeNames = [...nodeToPods.keys()].sort();

    if (maxSurge === 0) {
      // Delete just enough old pods to stay within maxUnavailable; manage() creates the new ones.
      let numUnavailable = 0;
      const replacements: Pod[] = [];
      const candidates: Pod[] = [];
      for (const name of nodeNames) {
        const found = findUpdatedPodsOnNode(nodeToPods.get(name)!, hash);
        if (!found) {
          numUnavailable++; // surplus pods: manage() prunes them; count the node as unavailable
          continue;
        }
        const { newPod, oldPod } = found;
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!available(newPod)) numUnavailable++;
        } else if (!available(oldPod!)) {
          // An unavailable old pod costs no availability to replace.
          replacements.push(oldPod!);
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidates.push(oldPod!);
        }
      }
      const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      return this.syncNodes(key, ds, [...replacements, ...candidates.slice(0, room)], [], hash);
    }

    // Surge: create the new pod next to the old one, delete the old one once the new one is
    // available; at most maxSurge new pods for available old ones at a time.
    const oldToDelete: Pod[] = [];
    const shouldNotRun: Pod[] = [];
    const candidateNodes: string[] = [];
    const allowedNodes: string[] = [];
    let numSurge = 0;
    let numAvailable = 0;
    for (const name of nodeNames) {
      const found = findUpdatedPodsOnNode(nodeToPods.get(name)!, hash);
      if (!found) {
        numSurge++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
      if (!oldPod) continue;
      const node = nodes.find((n) => n.metadata.name === name);
      const wanted = !!node && placement.shouldRun(node).shouldRun;
      if (!newPod) {
        if (!available(oldPod)) {
          if (!wanted) oldToDelete.push(oldPod);
          else allowedNodes.push(name); // unavailable anyway: replace at once
        } else if (!wanted) {
          shouldNotRun.push(oldPod);
        } else if (numSurge < maxSurge) {
          candidateNodes.push(name);
        }
      } else if (!available(newPod)) {
        numSurge++; // waiting for the new pod
      } else {
        oldToDelete.push(oldPod);
      }
    }
    // Pods on nodes that no longer qualify go only while enough others are available.
    const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
    oldToDelete.push(...shouldNotRun.slice(0, deletable));
    const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
    return this.syncNodes(key, ds, oldToDelete, [...allowedNodes, ...candidateNodes.slice(0, room)], hash);
  }

  /** updateDaemonSetStatus; observedGeneration only when this pass acted on that generation. */
  private async updateStatus(
    ds: DaemonSet,
    selector: CompiledSelector,
    placement: Placement,
    nodes: Node[],
    hash: string,
    updateObservedGeneration: boolean,
    requeue: number[],
  ): Promise<void> {
    const nodeToPods = await this.nodesToPods(ds, selector);
    const now = this.ctx.clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    let nextAvailable = Infinity;
    for (const node of nodes) {
      const pods = nodeToPods.get(node.metadata.name) ?? [];
      if (!placement.shouldRun(node).shouldRun) {
        if (pods.length) misscheduled++;
        continue;
      }
      desired++;
      if (!pods.length) continue;
      current++;
      const pod = [...pods].sort(byCreationAndPhase)[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
        else nextAvailable = Math.min(nextAvailable, Date.parse(readyCondition(pod)?.lastTransitionTime ?? "") + minReady * 1000 + 1 - now);
      }
      if (isPodUpdated(pod, hash)) updated++;
    }
    // A ready pod becomes available minReadySeconds later: look again then.
    if (minReady > 0 && ready !== available) requeue.push(Number.isFinite(nextAvailable) && nextAvailable > 0 ? nextAvailable : minReady * 1000);

    const old = ds.status ?? ({} as Partial<DaemonSetStatus>);
    const generation = ds.metadata.generation ?? 0;
    if (
      old.desiredNumberScheduled === desired &&
      old.currentNumberScheduled === current &&
      old.numberMisscheduled === misscheduled &&
      old.numberReady === ready &&
      (old.updatedNumberScheduled ?? 0) === updated &&
      (old.numberAvailable ?? 0) === available &&
      (old.numberUnavailable ?? 0) === desired - available &&
      // (our API stores no-op writes as changes: without an observedGeneration to raise, skip)
      (!updateObservedGeneration || (old.observedGeneration ?? 0) >= generation)
    ) {
      return;
    }
    const status: DaemonSetStatus = { currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready };
    const observed = updateObservedGeneration ? generation : old.observedGeneration;
    if (observed) status.observedGeneration = observed;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available) status.numberUnavailable = desired - available;
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    if (old.conditions?.length) status.conditions = old.conditions;
    let base = ds as unknown as KubeObject;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ctx.client.update(R.daemonSets, ds.metadata.namespace, { ...base, status }, "status");
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        base = await this.ctx.client.get(R.daemonSets, ds.metadata.namespace, ds.metadata.name);
        if (base.metadata?.uid !== ds.metadata.uid) throw err;
      }
    }
  }
}

/** findUpdatedPodsOnNode: the node's (non-terminating) new and old pod; undefined if it has more than one of either. */
function findUpdatedPodsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (isTerminating(pod)) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { newPod, oldPod };
}

const isEmptySelector = (s: LabelSelector | null | undefined) => !!s && !Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
