// The scheduler in the core: kube-scheduler's framework and plugins answering "where would
// this pod go, and why?" — statelessly (evaluate) or against a cache kept in the core
// (create), for the scheduler loop and for speed.

import type { WasmCore } from "../../bindings/wasm/instance.js";
import type { V1Namespace, V1Node, V1NodeAffinity, V1Pod, V1ReplicationController, V1Service } from "../types/core-v1.js";
import type { V1ReplicaSet, V1StatefulSet } from "../types/apps-v1.js";
import { prioritySort, prioritySortLess, type QueuedPod } from "./priority-sort.js";
import { defaultSelector, type SpreadOwners } from "./default-selector.js";
import { CoreHandle, Releaser } from "../handles.js";
import { encodeAddedAffinity, encodeNode, encodePod, podKey } from "./records.js";
import {
  resolveProfile, POINT_BITS,
  type KubeSchedulerConfiguration, type KubeSchedulerProfile, type ResolvedProfile,
} from "./profile.js";

export type StatusCode = "Unschedulable" | "UnschedulableAndUnresolvable" | "Error";
const CODES: readonly (StatusCode | undefined)[] = [undefined, "Error", "Unschedulable", "UnschedulableAndUnresolvable", undefined];

export interface NodeResult {
  feasible: boolean;
  code?: StatusCode;
  /** The plugin whose Filter rejected the node. */
  plugin?: string;
  reasons: string[];
  /** Per plugin, normalized (0..100), before weighting; plugins that did not score are absent. */
  scores: Record<string, number>;
  /** Σ score × weight (0 when not scored). */
  total: number;
}

export interface ScheduleResult {
  /** The chosen node, or null when none fits. */
  node: string | null;
  /** "0/N nodes are available: …" as kube-scheduler writes it, when no node fits. */
  message?: string;
  /** Every node the cycle evaluated (all of them at percentageOfNodesToScore 100). */
  nodes: Record<string, NodeResult>;
  /** DefaultPreemption's choice when no node fits: the node to nominate... */
  nominatedNode?: string;
  /** ...and the pods to evict there (most important first). */
  victims?: { namespace: string; name: string }[];
}

export type ProfileInput = string | KubeSchedulerConfiguration | KubeSchedulerProfile | null;

export interface CreateOptions {
  /** Seed for choosing among equally scored nodes (default 1): same seed, same choices. */
  seed?: number;
  /** Which profile of a KubeSchedulerConfiguration (default "default-scheduler"). */
  schedulerName?: string;
}

export interface EvaluateInput extends CreateOptions, SpreadOwners {
  pod: V1Pod;
  nodes: V1Node[];
  /** Existing pods; those with spec.nodeName count on their node. */
  pods?: V1Pod[];
  /** Namespaces (their labels are what pod affinity's namespaceSelector matches). */
  namespaces?: V1Namespace[];
  profile?: ProfileInput;
}

type OwnerKind = keyof SpreadOwners;

const STRATEGIES: Record<string, number> = { LeastAllocated: 0, MostAllocated: 1, RequestedToCapacityRatio: 2 };

/** A scheduler with its cache inside the core. Bind by calling addPod with spec.nodeName set. */
export class StatefulScheduler extends CoreHandle {
  /** Services and controllers by kind and "namespace/name" (default spreading selectors). */
  private readonly owners: { [K in OwnerKind]-?: Map<string, NonNullable<SpreadOwners[K]>[number]> } = {
    services: new Map(), replicationControllers: new Map(), replicaSets: new Map(), statefulSets: new Map(),
  };

  /** The pod object of the last schedule() call (assume() reuses its decoded form). */
  private lastScheduled: V1Pod | null = null;

  constructor(
    handle: number,
    releaser: Releaser,
    private readonly core: WasmCore,
    readonly profile: ResolvedProfile,
  ) {
    super(handle, releaser);
  }

  addNode(node: V1Node): void {
    this.send(encodeNode(this.core, node), (h, n) => this.core.exports.schedulerSetNode(h, n), "node");
  }

  updateNode(node: V1Node): void {
    this.addNode(node);
  }

  removeNode(name: string): void {
    this.core.exports.schedulerRemoveNode(this.live(), this.core.id(name));
  }

  addPod(pod: V1Pod): void {
    this.send(encodePod(this.core, pod), (h, n) => this.core.exports.schedulerSetPod(h, n), "pod");
  }

  updatePod(pod: V1Pod): void {
    this.addPod(pod);
  }

  /**
   * Counts `pod` on `nodeName` in the cache right away, as kube-scheduler assumes a pod
   * before its binding completes. For the pod just passed to schedule() the core reuses
   * what it decoded then; any other pod is added as addPod would with spec.nodeName set.
   */
  assume(pod: V1Pod, nodeName: string): void {
    const reuse = this.lastScheduled === pod;
    this.lastScheduled = null;
    if (reuse && this.core.exports.schedulerAssume(this.live(), this.core.id(nodeName))) return;
    this.addPod({ ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName } });
  }

  removePod(namespace: string, name: string): void {
    this.core.exports.schedulerRemovePod(this.live(), this.core.id(podKey(namespace, name)));
  }

  /** Adds or updates a Namespace (for namespaceSelector in pod affinity terms). */
  addNamespace(namespace: V1Namespace): void {
    const core = this.core;
    const labels = Object.entries(namespace.metadata?.labels ?? {});
    const record = [core.id(namespace.metadata?.name ?? ""), labels.length, ...labels.flatMap(([k, v]) => [core.id(k), core.id(v)])];
    this.send(record, (h, n) => core.exports.schedulerSetNamespace(h, n), "namespace");
  }

  removeNamespace(name: string): void {
    this.core.exports.schedulerRemoveNamespace(this.live(), this.core.id(name));
  }

  /** Services and controllers whose selectors give pods their default spreading constraints. */
  addService(service: V1Service): void {
    this.setOwner("services", service);
  }
  removeService(namespace: string, name: string): void {
    this.owners.services.delete(podKey(namespace, name));
  }
  addReplicaSet(replicaSet: V1ReplicaSet): void {
    this.setOwner("replicaSets", replicaSet);
  }
  removeReplicaSet(namespace: string, name: string): void {
    this.owners.replicaSets.delete(podKey(namespace, name));
  }
  addStatefulSet(statefulSet: V1StatefulSet): void {
    this.setOwner("statefulSets", statefulSet);
  }
  removeStatefulSet(namespace: string, name: string): void {
    this.owners.statefulSets.delete(podKey(namespace, name));
  }
  addReplicationController(controller: V1ReplicationController): void {
    this.setOwner("replicationControllers", controller);
  }
  removeReplicationController(namespace: string, name: string): void {
    this.owners.replicationControllers.delete(podKey(namespace, name));
  }

  private setOwner<K extends OwnerKind>(kind: K, o: NonNullable<SpreadOwners[K]>[number]): void {
    const key = podKey(o.metadata?.namespace ?? "default", o.metadata?.name ?? "");
    (this.owners[kind] as Map<string, typeof o>).set(key, o);
  }

  private spreadSelector(pod: V1Pod) {
    const o = this.owners;
    if (o.services.size + o.replicaSets.size + o.statefulSets.size + o.replicationControllers.size === 0) return null;
    return defaultSelector(pod, {
      services: [...o.services.values()],
      replicaSets: [...o.replicaSets.values()],
      statefulSets: [...o.statefulSets.values()],
      replicationControllers: [...o.replicationControllers.values()],
    });
  }

  /**
   * One scheduling cycle for `pod`. Binding is the caller's job. With `explain: false` the
   * per-node verdicts and scores are not decoded (`nodes` is {}): what a scheduler loop
   * wants, since that decoding costs more than the cycle on large clusters.
   */
  schedule(pod: V1Pod, options: { explain?: boolean } = {}): ScheduleResult {
    const core = this.core;
    const h = this.live();
    const explain = options.explain ?? true;
    const record = encodePod(core, pod, this.spreadSelector(pod));
    this.lastScheduled = pod;
    core.writeInts(record);
    const length = core.exports.schedulerSchedule(h, record.length, explain ? 1 : 0);
    if (length < 0) throw new Error("kubeling scheduler: malformed pod record");
    const out = core.readOutputInts(length);
    const chosen = out[0] === 0 ? null : core.text(out[0]);
    const nodes: Record<string, NodeResult> = {};
    const histogramEnd = 4 + 2 * out[3];
    // The preemption block: nominated node, victims, message id, reason histogram.
    let at = histogramEnd;
    const nominated = out[at++];
    const victims: { namespace: string; name: string }[] = [];
    for (let n = out[at++]; n > 0; n--) {
      const key = core.text(out[at++]);
      const slash = key.indexOf("/");
      victims.push({ namespace: key.slice(0, slash), name: key.slice(slash + 1) });
    }
    const postFilterMessageId = out[at++];
    const postFilterHistogram = at + 1;
    at = postFilterHistogram + 2 * out[at];
    if (explain) this.explain(out, at, nodes);
    if (chosen !== null) return { node: chosen, nodes };
    const nodeCount = core.exports.schedulerNodeCount(h);
    let message = fitError(core, nodeCount, out, 4, histogramEnd);
    // PostFilter's own message (when preemption could not help), after a separator.
    let postFilter = "";
    if (postFilterMessageId !== 0) postFilter = core.text(postFilterMessageId);
    else if (postFilterHistogram < at) postFilter = fitError(core, nodeCount, out, postFilterHistogram, at);
    if (postFilter) message += ` preemption: ${postFilter}.`;
    const result: ScheduleResult = { node: null, message, nodes };
    if (nominated !== 0) {
      result.nominatedNode = core.text(nominated);
      result.victims = victims;
    }
    return result;
  }

  private explain(out: Int32Array, start: number, nodes: Record<string, NodeResult>): void {
    const core = this.core;
    const scores = core.readOutputFloats(core.exports.schedulerScores(this.live()));
    const names = this.profile.plugins.map((p) => p.name);
    const pluginCount = out[2];
    let at = start;
    for (let i = 0; i < out[1]; i++) {
      const name = core.text(out[at]);
      const code = CODES[out[at + 1]];
      const plugin = out[at + 2];
      const reasonCount = out[at + 3];
      const reasons: string[] = [];
      for (let k = 0; k < reasonCount; k++) reasons.push(core.text(out[at + 4 + k]));
      at += 4 + reasonCount;
      const row = i * (pluginCount + 1);
      const nodeScores: Record<string, number> = {};
      for (let k = 0; k < pluginCount; k++) if (scores[row + 1 + k] >= 0) nodeScores[names[k]] = scores[row + 1 + k];
      const result: NodeResult = { feasible: code === undefined, reasons, scores: nodeScores, total: scores[row] ?? 0 };
      if (code) {
        result.code = code;
        if (plugin >= 0) result.plugin = names[plugin];
      }
      nodes[name] = result;
    }
  }

  private send(record: number[], call: (h: number, length: number) => number, what: string): void {
    const h = this.live();
    this.core.writeInts(record);
    if (!call(h, record.length)) throw new Error(`kubeling scheduler: malformed ${what} record`);
  }
}

/** FitError.Error(): "0/N nodes are available: <count> <reason>, ..." with the counts sorted as strings. */
function fitError(core: WasmCore, nodeCount: number, out: Int32Array, from: number, to: number): string {
  const counts: string[] = [];
  const preFilter: string[] = [];
  for (let i = from; i < to; i += 2) {
    // A count of 0 marks a PreFilter rejection: its message stands alone, in order.
    if (out[i + 1] === 0) preFilter.push(core.text(out[i]));
    else counts.push(`${out[i + 1]} ${core.text(out[i])}`);
  }
  if (preFilter.length > 0) return `0/${nodeCount} nodes are available: ${preFilter.join(", ")}.`;
  counts.sort();
  let message = `0/${nodeCount} nodes are available:`;
  if (counts.length > 0) message += ` ${counts.join(", ")}.`;
  return message;
}

export class SchedulerApi {
  private readonly releaser: Releaser;

  constructor(private readonly core: WasmCore) {
    this.releaser = new Releaser((h) => core.exports.releaseScheduler(h));
  }

  /** PrioritySort (QueueSort): whether `a` leaves the scheduling queue before `b`. */
  prioritySortLess(a: QueuedPod, b: QueuedPod): boolean {
    return prioritySortLess(a, b);
  }

  /** A scheduling queue in PrioritySort order: higher priority first, then first queued. */
  prioritySort(queue: readonly QueuedPod[]): QueuedPod[] {
    return prioritySort(queue);
  }

  /** The profile a configuration resolves to (default: kube-scheduler v1.35's). */
  resolveProfile(profile?: ProfileInput, schedulerName?: string): ResolvedProfile {
    return resolveProfile(profile, schedulerName);
  }

  /** A scheduler with an empty cache. dispose() it when done (also freed when collected). */
  create(profile?: ProfileInput, options: CreateOptions = {}): StatefulScheduler {
    const resolved = resolveProfile(profile, options.schedulerName);
    const ex = this.core.exports;
    const h = ex.schedulerCreate(resolved.percentageOfNodesToScore, BigInt(options.seed ?? 1));
    const scheduler = new StatefulScheduler(h, this.releaser, this.core, resolved);
    for (const p of resolved.plugins) {
      const points = p.points.reduce((bits, point) => bits | POINT_BITS[point], 0);
      if (!ex.schedulerAddPlugin(h, this.core.id(p.name), points, p.weight)) {
        scheduler.dispose();
        throw new Error(`kubeling scheduler: plugin ${p.name} is not available`);
      }
      this.configure(h, p.name, p.args);
    }
    const order = resolved.preFilterOrder.map((name) => resolved.plugins.findIndex((p) => p.name === name));
    this.core.writeInts(order);
    ex.schedulerSetPreFilterOrder(h, order.length);
    return scheduler;
  }

  /** One-shot: where would `pod` go among `nodes` (with `pods` already running)? */
  evaluate(input: EvaluateInput): ScheduleResult {
    const s = this.create(input.profile, input);
    try {
      for (const namespace of input.namespaces ?? []) s.addNamespace(namespace);
      for (const node of input.nodes) s.addNode(node);
      for (const pod of input.pods ?? []) s.addPod(pod);
      for (const service of input.services ?? []) s.addService(service);
      for (const rs of input.replicaSets ?? []) s.addReplicaSet(rs);
      for (const ss of input.statefulSets ?? []) s.addStatefulSet(ss);
      for (const rc of input.replicationControllers ?? []) s.addReplicationController(rc);
      return s.schedule(input.pod);
    } finally {
      s.dispose();
    }
  }

  private configure(h: number, name: string, args: Record<string, unknown> | undefined): void {
    if (!args) return;
    const core = this.core;
    if (name === "NodeResourcesFit") {
      const ignored = (args.ignoredResources as string[] | undefined) ?? [];
      const groups = (args.ignoredResourceGroups as string[] | undefined) ?? [];
      if (ignored.length + groups.length > 0) {
        core.writeInts([...ignored, ...groups].map((n) => core.id(n)));
        core.exports.schedulerSetFitIgnored(h, ignored.length, groups.length);
      }
      const strategy = args.scoringStrategy as
        | { type?: string; resources?: { name: string; weight?: number }[]; requestedToCapacityRatio?: { shape?: { utilization: number; score: number }[] } }
        | undefined;
      if (!strategy) return;
      const type = STRATEGIES[strategy.type ?? "LeastAllocated"];
      if (type === undefined) throw new Error(`kubeling scheduler: scoring strategy ${strategy.type} is not supported`);
      const resources = strategy.resources ?? [{ name: "cpu", weight: 1 }, { name: "memory", weight: 1 }];
      const shape = strategy.requestedToCapacityRatio?.shape ?? [];
      const ints = resources.flatMap((r) => [core.id(r.name), r.weight || 1]);
      for (const point of shape) ints.push(point.utilization, point.score);
      core.writeInts(ints);
      core.exports.schedulerSetFitScoring(h, type, resources.length, shape.length);
    } else if (name === "PodTopologySpread") {
      const system = (args.defaultingType ?? "System") === "System";
      const defaults = (args.defaultConstraints as { maxSkew: number; topologyKey: string; whenUnsatisfiable: string }[] | undefined) ?? [];
      const ints = defaults.flatMap((c) => [c.maxSkew, core.id(c.topologyKey), c.whenUnsatisfiable === "ScheduleAnyway" ? 0 : 1]);
      core.writeInts(ints);
      core.exports.schedulerSetSpreadDefaults(h, system ? 1 : 0, defaults.length);
    } else if (name === "NodeAffinity") {
      const added = args.addedAffinity as V1NodeAffinity | undefined;
      if (!added) return;
      const record = encodeAddedAffinity(core, added);
      core.writeInts(record);
      core.exports.schedulerSetAddedAffinity(h, record.length);
    } else if (name === "InterPodAffinity") {
      const weight = typeof args.hardPodAffinityWeight === "number" ? args.hardPodAffinityWeight : 1;
      core.exports.schedulerSetInterPodAffinity(h, weight, args.ignorePreferredTermsOfExistingPods ? 1 : 0);
    } else if (name === "NodeResourcesBalancedAllocation") {
      const resources = (args.resources as { name: string }[] | undefined) ?? [];
      if (resources.length === 0) return;
      const ids = resources.map((r) => core.id(r.name));
      core.writeInts(ids);
      core.exports.schedulerSetBalancedResources(h, ids.length);
    }
  }
}
