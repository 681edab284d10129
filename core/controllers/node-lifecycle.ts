// The node lifecycle controller (pkg/controller/nodelifecycle) with taint-based eviction
// (pkg/controller/tainteviction) in one reconciler, as kube-controller-manager runs them
// when SeparateTaintEvictionController is off. Work-queue keys:
//  - "<node>": node health. A node whose kubelet stopped renewing its Lease in
//    kube-node-lease and posting its Ready heartbeat for nodeMonitorGracePeriod (or that
//    never posted status within nodeStartupGracePeriod of its creation) gets Ready,
//    MemoryPressure, DiskPressure and PIDPressure = Unknown via nodes/<name>/status. As in
//    Kubernetes, a heartbeat counts from when this controller *observed* it change, not
//    from the timestamp written by the kubelet, so clock skew between hosts cannot flap a
//    node. Conditions become taints: Ready=False → node.kubernetes.io/not-ready,
//    Ready=Unknown → node.kubernetes.io/unreachable (NoSchedule, and NoExecute for
//    eviction), pressure conditions and spec.unschedulable → NoSchedule taints; all with
//    timeAdded, all removed when the node recovers. When Ready leaves True because of this
//    controller, the node gets a NodeNotReady event and its pods Ready=False
//    (MarkPodsNotReady). Also the beta os/arch labels (reconcileNodeLabels).
//  - "ready:<ns>/<pod>": a pod newly assigned to a node that is not Ready is marked
//    not ready (processPod).
//  - "<ns>/<pod>": taint-based eviction. A pod on a node with a NoExecute taint it does not
//    tolerate is deleted at once; one whose matching tolerations all have
//    tolerationSeconds is deleted when the smallest runs out, counted from when this
//    controller first saw the pod doomed (the taint manager's timed queue); tolerations
//    without tolerationSeconds keep it forever. Before deleting: the TaintManagerEviction
//    event and the DisruptionTarget condition (reason DeletionByTaintManager).
// Zone disruption: as handleDisruption does, when no node of any zone is Ready (a one-node
// cluster whose node is down, or the control plane cut off from every node) NoExecute taints
// are removed and none added, and a zone of ≤ 50 nodes with more than 2 and ≥ 55 % not
// ready gets no new NoExecute taints (its eviction rate drops to 0). Left out: the token-
// bucket rate limits themselves (0.1 node/s, 0.01 in large partially disrupted zones) —
// NoExecute taints are applied as soon as a node is seen unhealthy.
import type { Reconciler, ControllerContext, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { EventRecorder } from "./events.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { objectKey, splitKey } from "./keys.js";
import { timestamp } from "../api/object-store.js";
import type { V1Taint, V1Toleration } from "../types/core-v1.js";

export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
const NODE_LEASE_NAMESPACE = "kube-node-lease";
const READY_PREFIX = "ready:";
const POD_NODE_INDEX = "spec.nodeName";
const LABEL_EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption";
/** --large-cluster-size-threshold and --unhealthy-zone-threshold defaults. */
const LARGE_CLUSTER_THRESHOLD = 50;
const UNHEALTHY_ZONE_THRESHOLD = 0.55;
/** How long a census of every node's readiness per zone is reused (see disruption()). */
const ZONE_CENSUS_PERIOD_MS = 1000;

interface CensusEntry {
  zone: string;
  ready: boolean;
}

interface ZoneCensus {
  at: number;
  validUntil: number;
  version: number;
  nodes: Map<string, CensusEntry>;
  zones: Map<string, { ready: number; notReady: number }>;
  zonesWithNodes: number;
  zonesWithReady: number;
}

/** Which condition status taints a node NoSchedule with which key (nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
};
const NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);
const NO_EXECUTE_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);
/** NetworkUnavailable is left alone: the control plane's network plugin owns it. */
const CONDITIONS_MADE_UNKNOWN = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
/** reconcileNodeLabels: the stable label is the source of truth for the beta one. */
const BETA_LABELS: [string, string][] = [
  ["kubernetes.io/os", "beta.kubernetes.io/os"],
  ["kubernetes.io/arch", "beta.kubernetes.io/arch"],
];

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period: 50 s since Kubernetes 1.32 (40 s before). */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period: for a node that never posted a Ready condition. */
  nodeStartupGracePeriodMs?: number;
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface NodeShape {
  metadata?: { name?: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: { taints?: V1Taint[] | null; unschedulable?: boolean };
  status?: { conditions?: NodeCondition[] };
}

interface PodShape {
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; tolerations?: V1Toleration[] | null };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string | null }[] };
}

/** What the controller remembers of a node between passes (nodeHealthData). */
interface NodeHealth {
  /** Local time the last heartbeat change was observed. */
  probeTimestamp: number;
  hadReady: boolean;
  readyHeartbeat?: string;
  leaseRenewTime?: number;
}

export class NodeLifecycleController implements Reconciler {
  readonly name = "node-lifecycle-controller";
  /** nodeUpdateWorkerSize in Kubernetes. */
  readonly workers = 8;
  private readonly monitorGraceMs: number;
  private readonly startupGraceMs: number;
  private ctx!: ControllerContext;
  private nodes!: SharedInformer;
  private pods!: SharedInformer;
  private leases!: SharedInformer;
  private nodeEvents!: EventRecorder;
  private evictionEvents!: EventRecorder;
  private readonly health = new Map<string, NodeHealth>();
  /** Nodes seen (name → uid), for the RegisteredNode / RemovingNode events. */
  private readonly known = new Map<string, string>();
  /** Nodes whose pods still have to be marked not ready (nodesToRetry). */
  private readonly markPodsPending = new Set<string>();
  /** Pods with a scheduled eviction: since when (the timed queue's CreatedAt). */
  private readonly evictions = new Map<string, { since: number; pod: KubeObject }>();
  private fullDisruption = false;
  /** The zone census behind disruption(), and what invalidates it. */
  private census: ZoneCensus | null = null;
  private nodesVersion = 0;

  constructor(options: NodeLifecycleOptions = {}) {
    this.monitorGraceMs = options.nodeMonitorGracePeriodMs ?? 50_000;
    this.startupGraceMs = options.nodeStartupGracePeriodMs ?? 60_000;
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.census = null;
    this.nodeEvents = ctx.events.forComponent("node-controller");
    this.evictionEvents = ctx.events.forComponent("taint-eviction-controller");
    this.nodes = ctx.informers.for(R.nodes);
    this.pods = ctx.informers.for(R.pods);
    this.leases = ctx.informers.for(R.leases);
    this.pods.addIndex(POD_NODE_INDEX, (p) => {
      const node = (p as PodShape).spec?.nodeName;
      return node ? [node] : [];
    });
    const enqueuePodsOf = (node: string) => {
      for (const p of this.pods.byIndex(POD_NODE_INDEX, node)) queue.add(objectKey(p));
    };
    // A change of any node's readiness can flip zone disruption states: every node is looked at again.
    const enqueueAllNodes = () => {
      for (const n of this.nodes.list()) queue.add(n.metadata!.name!);
    };
    this.nodes.addEventHandler({
      add: (n) => {
        this.nodesVersion++;
        queue.add(n.metadata!.name!);
        enqueueAllNodes();
        enqueuePodsOf(n.metadata!.name!);
      },
      update: (old, n) => {
        queue.add(n.metadata!.name!);
        if (readyStatus(old as NodeShape) !== readyStatus(n as NodeShape)) {
          this.nodesVersion++;
          enqueueAllNodes();
        } else if (zoneKey(old as NodeShape) !== zoneKey(n as NodeShape) || old.metadata?.labels?.[LABEL_EXCLUDE_DISRUPTION] !== n.metadata?.labels?.[LABEL_EXCLUDE_DISRUPTION]) {
          this.nodesVersion++;
        }
        if (JSON.stringify(noExecuteTaints(old as NodeShape)) !== JSON.stringify(noExecuteTaints(n as NodeShape))) enqueuePodsOf(n.metadata!.name!);
      },
      delete: (n) => {
        this.nodesVersion++;
        queue.add(n.metadata!.name!);
        enqueueAllNodes();
        enqueuePodsOf(n.metadata!.name!);
      },
    });
    const enqueueLeaseNode = (l: KubeObject) => {
      if (l.metadata?.namespace === NODE_LEASE_NAMESPACE) queue.add(l.metadata.name!);
    };
    this.leases.addEventHandler({ add: enqueueLeaseNode, update: (_, l) => enqueueLeaseNode(l) });
    this.pods.addEventHandler({
      add: (p) => {
        if (!(p as PodShape).spec?.nodeName) return;
        queue.add(objectKey(p));
        queue.add(READY_PREFIX + objectKey(p));
      },
      update: (old, p) => {
        const before = (old as PodShape).spec;
        const after = (p as PodShape).spec;
        if (after?.nodeName && after.nodeName !== before?.nodeName) queue.add(READY_PREFIX + objectKey(p));
        // Only what eviction depends on (PodUpdated): tolerations, the node, being deleted.
        if (
          after?.nodeName !== before?.nodeName ||
          JSON.stringify(after?.tolerations ?? []) !== JSON.stringify(before?.tolerations ?? []) ||
          !!p.metadata?.deletionTimestamp !== !!old.metadata?.deletionTimestamp
        ) {
          queue.add(objectKey(p));
        }
      },
      delete: (p) => queue.add(objectKey(p)),
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(READY_PREFIX)) return this.syncPodReadiness(key.slice(READY_PREFIX.length));
    // Node names cannot contain "/": a namespaced key is a pod's.
    if (key.includes("/")) return this.syncPodEviction(key);
    return this.syncNode(key);
  }

  // ---- node health (monitorNodeHealth for one node) ----

  private async syncNode(name: string): Promise<ReconcileResult | void> {
    const cached = this.nodes.get(name) as (KubeObject & NodeShape) | undefined;
    if (!cached) {
      this.health.delete(name);
      this.markPodsPending.delete(name);
      const uid = this.known.get(name);
      if (uid !== undefined) {
        this.known.delete(name);
        this.recordNodeEvent(name, uid, "RemovingNode", `Removing Node ${name} from Controller`);
      }
      return;
    }
    if (!this.known.has(name)) {
      this.known.set(name, cached.metadata?.uid ?? "");
      this.recordNodeEvent(name, cached.metadata?.uid ?? "", "RegisteredNode", `Registered Node ${name} in Controller`);
    }
    const now = this.ctx.clock.now();
    const { health, graceMs } = this.probe(cached, now);
    this.health.set(name, health);
    const observedReady = condition(cached, "Ready");
    let node: KubeObject & NodeShape = cached;
    let requeueAfterMs: number | undefined;
    const deadline = health.probeTimestamp + graceMs;
    if (now > deadline) {
      const next = structuredClone(cached) as KubeObject & NodeShape;
      markStatusUnknown(next, timestamp(new Date(now)));
      const nextReady = condition(next, "Ready")!;
      if (!observedReady || JSON.stringify(nextReady) !== JSON.stringify(observedReady)) {
        node = (await this.ctx.client.update(R.nodes, undefined, next, "status")) as KubeObject & NodeShape;
        // What we wrote is the last status seen now, not a heartbeat of the kubelet's.
        health.hadReady = true;
        health.readyHeartbeat = nextReady.lastHeartbeatTime;
      }
    } else {
      // Just after the deadline: Kubernetes compares with After, strictly.
      requeueAfterMs = deadline - now + 1;
    }

    const currentReady = condition(node, "Ready");
    if (currentReady && currentReady.status !== "True" && observedReady?.status === "True") {
      // This controller took the node out of Ready: report it once, and mark its pods.
      this.recordNodeStatusChange(node, "NodeNotReady");
      this.markPodsPending.add(name);
    }
    if (this.markPodsPending.has(name)) {
      if (currentReady?.status !== "True") await this.markPodsNotReady(this.pods.byIndex(POD_NODE_INDEX, name), name);
      this.markPodsPending.delete(name);
    }
    await this.reconcileTaintsAndLabels(node, currentReady, this.disruption(node, now));
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /**
   * tryUpdateNodeHealth's bookkeeping, without storing it: when the last heartbeat (a new
   * Ready lastHeartbeatTime, or a newer Lease renewTime) was observed, and the grace period
   * that applies.
   */
  private probe(node: NodeShape, now: number): { health: NodeHealth; graceMs: number } {
    const name = node.metadata!.name!;
    const ready = condition(node, "Ready");
    const saved = this.health.get(name);
    let health: NodeHealth;
    let graceMs = this.monitorGraceMs;
    if (!ready) {
      // Never posted status: counted from the node's creation, with the startup grace period.
      graceMs = this.startupGraceMs;
      if (!saved) health = { probeTimestamp: parseTime(node.metadata?.creationTimestamp) ?? now, hadReady: false };
      else if (saved.hadReady) health = { probeTimestamp: now, hadReady: false };
      else health = { ...saved };
    } else if (!saved || !saved.hadReady) {
      health = { probeTimestamp: now, hadReady: true, readyHeartbeat: ready.lastHeartbeatTime };
    } else if (saved.readyHeartbeat !== ready.lastHeartbeatTime) {
      health = { ...saved, probeTimestamp: now, readyHeartbeat: ready.lastHeartbeatTime };
    } else {
      health = { ...saved };
    }
    const lease = this.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`) as { spec?: { renewTime?: string } } | undefined;
    const renew = parseTime(lease?.spec?.renewTime);
    if (renew !== undefined && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
      health.probeTimestamp = now;
      health.leaseRenewTime = renew;
    }
    return { health, graceMs };
  }

  /** Ready as it is about to be: Unknown once the grace period ran out, whatever the cache says yet. */
  private effectiveReady(node: NodeShape, now: number): string | undefined {
    const { health, graceMs } = this.probe(node, now);
    return now > health.probeTimestamp + graceMs ? "Unknown" : readyStatus(node);
  }

  /**
   * handleDisruption and ComputeZoneState, from every node's Ready as it is about to be, so
   * nodes failing together are judged together: "full" when no zone has a Ready node,
   * "noNewTaints" when this node's zone has a NoExecute eviction rate of 0.
   *
   * The census of all nodes is taken at most once per ZONE_CENSUS_PERIOD_MS (Kubernetes
   * takes it once per 5 s monitor pass) or when a node comes, goes, or changes readiness
   * or zone; each call then corrects it for the one node in hand. Taking it on every sync
   * made heartbeats O(nodes²): 1,000 nodes renewing every 10 s cost a core.
   */
  private disruption(node: NodeShape, now: number): { full: boolean; noNewTaints: boolean } {
    const census = this.zoneCensus(now);
    const name = node.metadata!.name!;
    const before = census.nodes.get(name);
    const after = this.censusEntry(node, now);
    // This node's zone(s) with its cached entry swapped for the one in hand.
    const adjusted = new Map<string, { ready: number; notReady: number }>();
    for (const e of [before, after]) if (e && !adjusted.has(e.zone)) adjusted.set(e.zone, { ...(census.zones.get(e.zone) ?? { ready: 0, notReady: 0 }) });
    if (before) adjusted.get(before.zone)![before.ready ? "ready" : "notReady"]--;
    if (after) adjusted.get(after.zone)![after.ready ? "ready" : "notReady"]++;
    let zonesWithNodes = census.zonesWithNodes;
    let zonesWithReady = census.zonesWithReady;
    for (const [zone, z] of adjusted) {
      const old = census.zones.get(zone) ?? { ready: 0, notReady: 0 };
      zonesWithNodes += Number(z.ready + z.notReady > 0) - Number(old.ready + old.notReady > 0);
      zonesWithReady += Number(z.ready > 0) - Number(old.ready > 0);
    }
    const full = zonesWithNodes > 0 && zonesWithReady === 0;
    if (this.fullDisruption && !full) {
      // Leaving full disruption: every node gets a fresh grace period.
      for (const h of this.health.values()) h.probeTimestamp = now;
      this.census = null;
    }
    this.fullDisruption = full;
    const z = adjusted.get(zoneKey(node)) ?? census.zones.get(zoneKey(node));
    // PartialDisruption (more than 2 and at least 55 % not ready) in a zone of at most
    // --large-cluster-size-threshold nodes: ReducedQPSFunc gives 0. A fully disrupted zone
    // while others are not keeps the normal rate.
    const partial = !!z && z.ready > 0 && z.notReady > 2 && z.notReady / (z.ready + z.notReady) >= UNHEALTHY_ZONE_THRESHOLD;
    return { full, noNewTaints: partial && z!.ready + z!.notReady <= LARGE_CLUSTER_THRESHOLD };
  }

  private censusEntry(node: NodeShape, now: number): CensusEntry | undefined {
    if (node.metadata?.labels?.[LABEL_EXCLUDE_DISRUPTION] !== undefined) return undefined;
    return { zone: zoneKey(node), ready: this.effectiveReady(node, now) === "True" };
  }

  private zoneCensus(now: number): ZoneCensus {
    const c = this.census;
    if (c && c.version === this.nodesVersion && now >= c.at && now < c.validUntil) return c;
    // Valid for the period, and never past the first grace deadline of a node counted
    // Ready (then it counts as not Ready: nodes failing together are seen together).
    const census: ZoneCensus = { at: now, validUntil: now + ZONE_CENSUS_PERIOD_MS, version: this.nodesVersion, nodes: new Map(), zones: new Map(), zonesWithNodes: 0, zonesWithReady: 0 };
    for (const n of this.nodes.list() as NodeShape[]) {
      const e = this.censusEntry(n, now);
      if (!e) continue;
      if (e.ready) {
        const { health, graceMs } = this.probe(n, now);
        census.validUntil = Math.min(census.validUntil, health.probeTimestamp + graceMs + 1);
      }
      census.nodes.set(n.metadata!.name!, e);
      let z = census.zones.get(e.zone);
      if (!z) census.zones.set(e.zone, (z = { ready: 0, notReady: 0 }));
      if (e.ready) z.ready++;
      else z.notReady++;
    }
    for (const z of census.zones.values()) {
      if (z.ready + z.notReady > 0) census.zonesWithNodes++;
      if (z.ready > 0) census.zonesWithReady++;
    }
    this.census = census;
    return census;
  }

  /**
   * The taints the node's conditions call for (doNoScheduleTaintingPass, and
   * processTaintBaseEviction's NoExecute not-ready/unreachable, mutually exclusive as
   * Ready is), and the beta os/arch labels, in one update of the node.
   */
  private async reconcileTaintsAndLabels(node: KubeObject & NodeShape, ready: NodeCondition | undefined, disruption: { full: boolean; noNewTaints: boolean }): Promise<void> {
    const now = timestamp(new Date(this.ctx.clock.now()));
    const current = node.spec?.taints ?? [];
    const wanted: V1Taint[] = [];
    for (const c of node.status?.conditions ?? []) {
      const key = CONDITION_TAINTS[c.type]?.[c.status];
      if (key) wanted.push({ key, effect: "NoSchedule" });
    }
    if (node.spec?.unschedulable) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: "NoSchedule" });
    // Without a Ready condition the NoExecute taints are left as they are.
    const managesNoExecute = ready !== undefined;
    if (ready && !disruption.full) {
      const key = ready.status === "False" ? TAINT_NODE_NOT_READY : ready.status === "Unknown" ? TAINT_NODE_UNREACHABLE : undefined;
      // With an eviction rate of 0 no new NoExecute taint is added, but one may swap for the other.
      const tainted = current.some((t) => t.effect === "NoExecute" && NO_EXECUTE_KEYS.has(t.key));
      if (key && (tainted || !disruption.noNewTaints)) wanted.push({ key, effect: "NoExecute" });
    }
    const managed = (t: V1Taint) =>
      (t.effect === "NoSchedule" && NO_SCHEDULE_KEYS.has(t.key)) || (managesNoExecute && t.effect === "NoExecute" && NO_EXECUTE_KEYS.has(t.key));
    const same = (a: V1Taint, b: V1Taint) => a.key === b.key && a.effect === b.effect;
    const taints = current.filter((t) => !managed(t) || wanted.some((w) => same(w, t)));
    for (const w of wanted) if (!taints.some((t) => same(t, w))) taints.push({ ...w, timeAdded: now });

    const labels = { ...(node.metadata?.labels ?? {}) };
    for (const [stable, beta] of BETA_LABELS) if (labels[stable] !== undefined && labels[beta] !== labels[stable]) labels[beta] = labels[stable];

    const taintsChanged = JSON.stringify(taints) !== JSON.stringify(current);
    const labelsChanged = JSON.stringify(labels) !== JSON.stringify(node.metadata?.labels ?? {});
    if (!taintsChanged && !labelsChanged) return;
    const next = structuredClone(node) as KubeObject & NodeShape;
    next.spec ??= {};
    if (taints.length > 0) next.spec.taints = taints;
    else delete next.spec.taints;
    if (labelsChanged) next.metadata!.labels = labels;
    await this.ctx.client.update(R.nodes, undefined, next);
  }

  // ---- pods of unhealthy nodes ----

  /** MarkPodsNotReady: Ready=False on each pod of the node, and a NodeNotReady event on it. */
  private async markPodsNotReady(pods: KubeObject[], nodeName: string): Promise<void> {
    const errors: string[] = [];
    for (const cached of pods as (KubeObject & PodShape)[]) {
      if (cached.spec?.nodeName !== nodeName) continue;
      const ready = cached.status?.conditions?.find((c) => c.type === "Ready");
      if (!ready || ready.status === "False") continue;
      const pod = structuredClone(cached) as KubeObject & PodShape;
      const cond = pod.status!.conditions!.find((c) => c.type === "Ready")!;
      cond.status = "False";
      cond.lastTransitionTime = timestamp(new Date(this.ctx.clock.now()));
      try {
        await this.ctx.client.update(R.pods, pod.metadata!.namespace, pod, "status");
      } catch (err) {
        if (isNotFound(err)) continue;
        errors.push(`${objectKey(pod)}: ${(err as Error).message}`);
        continue;
      }
      this.nodeEvents.event(pod, "Warning", "NodeNotReady", "Node is not ready");
    }
    if (errors.length > 0) {
      this.markPodsPending.add(nodeName);
      throw new Error(`unable to mark all pods NotReady on node ${nodeName}: ${errors.join("; ")}`);
    }
  }

  /** processPod: a pod just assigned to a node that is not Ready is not ready either. */
  private async syncPodReadiness(key: string): Promise<void> {
    const pod = this.pods.get(key) as (KubeObject & PodShape) | undefined;
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName || !this.health.has(nodeName)) return;
    const node = this.nodes.get(nodeName) as NodeShape | undefined;
    const status = node && readyStatus(node);
    if (status !== undefined && status !== "True") await this.markPodsNotReady([pod], nodeName);
  }

  // ---- taint-based eviction (tainteviction.Controller) ----

  private async syncPodEviction(key: string): Promise<ReconcileResult | void> {
    const pod = this.pods.get(key) as (KubeObject & PodShape) | undefined;
    // Already being deleted: the deletion this controller would make is under way.
    if (!pod || pod.metadata?.deletionTimestamp) return this.cancelEviction(key);
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? (this.nodes.get(nodeName) as NodeShape | undefined) : undefined;
    const taints = node ? noExecuteTaints(node) : [];
    if (taints.length === 0) return this.cancelEviction(key);

    const tolerations = pod.spec?.tolerations ?? [];
    const untolerated = this.ctx.core.taints.findUntoleratedTaint(taints, tolerations, { effects: ["NoExecute"] });
    const now = this.ctx.clock.now();
    if (untolerated) return this.evict(key, pod);
    // getMinTolerationTime over the first toleration matching each taint (GetMatchingTolerations).
    let minSeconds = Infinity;
    for (const taint of taints) {
      const used = tolerations.find((t) => this.ctx.core.taints.tolerates(t, taint));
      if (used?.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
      minSeconds = Math.min(minSeconds, Math.max(0, used.tolerationSeconds));
    }
    if (minSeconds === Infinity) return this.cancelEviction(key);
    let scheduled = this.evictions.get(key);
    if (!scheduled || scheduled.pod.metadata?.uid !== pod.metadata?.uid) {
      scheduled = { since: now, pod };
      this.evictions.set(key, scheduled);
    }
    const fireAt = scheduled.since + minSeconds * 1000;
    if (now >= fireAt) return this.evict(key, pod);
    return { requeueAfterMs: fireAt - now };
  }

  /** A scheduled eviction no longer applies: "Cancelling deletion of Pod ns/name". */
  private cancelEviction(key: string): void {
    const scheduled = this.evictions.get(key);
    if (!scheduled) return;
    this.evictions.delete(key);
    this.evictionEvents.event(scheduled.pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`);
  }

  /** deletePodHandler + addConditionAndDeletePod. */
  private async evict(key: string, cached: KubeObject & PodShape): Promise<void> {
    this.evictionEvents.event(cached, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
    const { namespace, name } = splitKey(key);
    let pod: KubeObject & PodShape;
    try {
      pod = (await this.ctx.client.get(R.pods, namespace, name)) as KubeObject & PodShape;
    } catch (err) {
      if (isNotFound(err)) return void this.evictions.delete(key);
      throw err;
    }
    const next = structuredClone(pod) as KubeObject & PodShape;
    const conditions = ((next.status ??= {}).conditions ??= []);
    const existing = conditions.find((c) => c.type === "DisruptionTarget");
    const wanted = { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" };
    if (!existing || existing.status !== wanted.status || existing.reason !== wanted.reason || existing.message !== wanted.message) {
      const lastTransitionTime = existing?.status === "True" ? existing.lastTransitionTime : timestamp(new Date(this.ctx.clock.now()));
      const cond = { ...wanted, lastTransitionTime };
      if (existing) conditions[conditions.indexOf(existing)] = cond;
      else conditions.push(cond);
      await this.ctx.client.update(R.pods, namespace, next, "status");
    }
    try {
      await this.ctx.client.delete(R.pods, namespace, name, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.evictions.delete(key);
  }

  // ---- events ----

  /** RecordNodeEvent: "Node <name> event: <message>" on the Node. */
  private recordNodeEvent(name: string, uid: string, reason: string, message: string): void {
    const ref: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, uid } };
    this.nodeEvents.event(ref, "Normal", reason, `Node ${name} event: ${message}`);
  }

  /** RecordNodeStatusChange: "Node <name> status is now: <status>". */
  private recordNodeStatusChange(node: KubeObject & NodeShape, status: string): void {
    const name = node.metadata!.name!;
    const ref: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, uid: node.metadata?.uid } };
    this.nodeEvents.event(ref, "Normal", status, `Node ${name} status is now: ${status}`);
  }
}

function condition(node: NodeShape, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

function readyStatus(node: NodeShape): string | undefined {
  return condition(node, "Ready")?.status;
}

function noExecuteTaints(node: NodeShape): V1Taint[] {
  return (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
}

/** nodetopology.GetZoneKey: region and zone labels (stable, else beta). */
function zoneKey(node: NodeShape): string {
  const l = node.metadata?.labels ?? {};
  const region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The grace period ran out: Ready and the pressure conditions become Unknown
 * (NodeStatusUnknown), or are added as Unknown (NodeStatusNeverUpdated) if the kubelet
 * never posted them. lastHeartbeatTime is left as the kubelet last wrote it.
 */
function markStatusUnknown(node: NodeShape, now: string): void {
  const status = (node.status ??= {});
  const conditions = (status.conditions ??= []);
  for (const type of CONDITIONS_MADE_UNKNOWN) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: now,
      });
    } else if (c.status !== "Unknown") {
      c.status = "Unknown";
      c.reason = "NodeStatusUnknown";
      c.message = "Kubelet stopped posting node status.";
      c.lastTransitionTime = now;
    }
  }
}
