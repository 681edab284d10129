// The scheduler in the core: kube-scheduler's framework and plugins answering "where would
// this pod go, and why?" — statelessly (evaluate) or against a cache kept in the core
// (create), for the scheduler loop and for speed.

import type { WasmCore } from "../../bindings/wasm/instance.js";
import type { V1Node, V1Pod } from "../types/core-v1.js";
import { CoreHandle, Releaser } from "../handles.js";
import { encodeNode, encodePod, podKey } from "./records.js";
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
}

export type ProfileInput = string | KubeSchedulerConfiguration | KubeSchedulerProfile | null;

export interface CreateOptions {
  /** Seed for choosing among equally scored nodes (default 1): same seed, same choices. */
  seed?: number;
  /** Which profile of a KubeSchedulerConfiguration (default "default-scheduler"). */
  schedulerName?: string;
}

export interface EvaluateInput extends CreateOptions {
  pod: V1Pod;
  nodes: V1Node[];
  /** Existing pods; those with spec.nodeName count on their node. */
  pods?: V1Pod[];
  profile?: ProfileInput;
}

const STRATEGIES: Record<string, number> = { LeastAllocated: 0, MostAllocated: 1, RequestedToCapacityRatio: 2 };

/** A scheduler with its cache inside the core. Bind by calling addPod with spec.nodeName set. */
export class StatefulScheduler extends CoreHandle {
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

  removePod(namespace: string, name: string): void {
    this.core.exports.schedulerRemovePod(this.live(), this.core.id(podKey(namespace, name)));
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
    const record = encodePod(core, pod);
    core.writeInts(record);
    const length = core.exports.schedulerSchedule(h, record.length, explain ? 1 : 0);
    if (length < 0) throw new Error("kubeling scheduler: malformed pod record");
    const out = core.readOutputInts(length);
    const chosen = out[0] === 0 ? null : core.text(out[0]);
    const nodes: Record<string, NodeResult> = {};
    const at = 4 + 2 * out[3];
    if (explain) this.explain(out, at, nodes);
    if (chosen !== null) return { node: chosen, nodes };
    // FitError.Error(): "0/N nodes are available: <count> <reason>, ..." sorted as strings.
    const counts: string[] = [];
    for (let i = 4; i < at; i += 2) counts.push(`${out[i + 1]} ${core.text(out[i])}`);
    counts.sort();
    let message = `0/${core.exports.schedulerNodeCount(h)} nodes are available:`;
    if (counts.length > 0) message += ` ${counts.join(", ")}.`;
    return { node: null, message, nodes };
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

export class SchedulerApi {
  private readonly releaser: Releaser;

  constructor(private readonly core: WasmCore) {
    this.releaser = new Releaser((h) => core.exports.releaseScheduler(h));
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
    return scheduler;
  }

  /** One-shot: where would `pod` go among `nodes` (with `pods` already running)? */
  evaluate(input: EvaluateInput): ScheduleResult {
    const s = this.create(input.profile, input);
    try {
      for (const node of input.nodes) s.addNode(node);
      for (const pod of input.pods ?? []) s.addPod(pod);
      return s.schedule(input.pod);
    } finally {
      s.dispose();
    }
  }

  private configure(h: number, name: string, args: Record<string, unknown> | undefined): void {
    if (!args) return;
    const core = this.core;
    if (name === "NodeResourcesFit") {
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
    } else if (name === "NodeResourcesBalancedAllocation") {
      const resources = (args.resources as { name: string }[] | undefined) ?? [];
      if (resources.length === 0) return;
      const ids = resources.map((r) => core.id(r.name));
      core.writeInts(ids);
      core.exports.schedulerSetBalancedResources(h, ids.length);
    }
  }
}
