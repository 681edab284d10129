// NodeResourcesFit: Filter checks the pod's requests against what the node has left;
// Score rates the node by one of three strategies over the configured resources
// (LeastAllocated by default, cpu and memory weight 1), from non-zero requests.

import { Code, FILTER, Plugin, PRE_FILTER, PRE_SCORE, SCORE } from "../framework";
import { Cache } from "../cache";
import { RowScoreMemo } from "../score_memo";
import { NodeInfo, allocatableOn, requestedOn } from "../node_info";
import { field, POD_COUNT, ALLOC_PODS, ALLOC_CPU, ALLOC_MEMORY, ALLOC_EPHEMERAL, REQ_CPU, REQ_MEMORY, REQ_EPHEMERAL, NON_ZERO_CPU, NON_ZERO_MEMORY } from "../node_table";
import { PodInfo } from "../pod_info";
import { intern } from "../../strings/intern";
import { CPU, MEMORY, EPHEMERAL_STORAGE, PODS, isScalar, resourceCount, resourceName, resourceNameString } from "../resources";

/**
 * IsExtendedResourceName: a domain-prefixed name outside kubernetes.io (native resources,
 * hugepages-*, have no prefix) that is not a quota "requests." name.
 */
function isExtendedResourceName(name: string): bool {
  return name.includes("/") && !name.includes("kubernetes.io/") && !name.startsWith("requests.");
}

const TOO_MANY_PODS = intern("Too many pods");
/** Resource index → "Insufficient <name>" id (0: not interned yet); read on every failed node. */
const insufficient = new Array<i32>();

function insufficientReason(resource: i32): i32 {
  while (insufficient.length <= resource) insufficient.push(0);
  let id = unchecked(insufficient[resource]); // resource < length
  if (id == 0) {
    id = intern("Insufficient " + resourceNameString(resource));
    insufficient[resource] = id;
  }
  return id;
}

export const LEAST_ALLOCATED = 0;
export const MOST_ALLOCATED = 1;
export const REQUESTED_TO_CAPACITY_RATIO = 2;

/** Scoring configuration: resources with weights, strategy, and the RTCR shape. */
export class ScoringStrategy {
  strategy: i32 = LEAST_ALLOCATED;
  resources: Array<i32> = [CPU, MEMORY];
  weights: Array<i64> = [1, 1];
  /** RequestedToCapacityRatio shape: (utilization 0..100, score 0..10) points. */
  shapeUtilization: Array<i64> = [];
  shapeScore: Array<i64> = [];
}

export class NodeResourcesFit extends Plugin {
  scoring: ScoringStrategy = new ScoringStrategy();
  /** NodeResourcesFitArgs.ignoredResources (name ids) and ignoredResourceGroups. */
  ignoredResources: Array<i32> = new Array<i32>();
  ignoredResourceGroups: Array<string> = new Array<string>();
  /** Per resource index: 0 not decided yet, 1 ignored by Filter, 2 checked. */
  private ignoredByIndex: StaticArray<u8> = new StaticArray<u8>(0);
  private podRequestsNothing: bool = false;
  private podRequestsScalar: bool = false;
  private wantCpu: i64 = 0;
  private wantMemory: i64 = 0;
  private wantEphemeral: i64 = 0;

  private memo: RowScoreMemo;

  constructor(cache: Cache) {
    super("NodeResourcesFit", PRE_FILTER | FILTER | PRE_SCORE | SCORE);
    this.memo = new RowScoreMemo(cache.table);
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    this.podRequestsNothing = pod.requests.isZero();
    this.podRequestsScalar = pod.requests.hasScalar();
    this.wantCpu = pod.requests.get(CPU);
    this.wantMemory = pod.requests.get(MEMORY);
    this.wantEphemeral = pod.requests.get(EPHEMERAL_STORAGE);
    return Code.Success;
  }

  /**
   * The common case, from the row alone: room for one more pod, cpu, memory and ephemeral
   * storage to spare, nothing extended requested. True means Filter passes; false means
   * Filter must look closer. The scheduler calls it directly (no virtual call per node).
   */
  @inline passesOnRow(row: usize): bool {
    return field(row, POD_COUNT) < field(row, ALLOC_PODS) &&
      this.wantCpu <= field(row, ALLOC_CPU) - field(row, REQ_CPU) &&
      this.wantMemory <= field(row, ALLOC_MEMORY) - field(row, REQ_MEMORY) &&
      this.wantEphemeral <= field(row, ALLOC_EPHEMERAL) - field(row, REQ_EPHEMERAL) &&
      !this.podRequestsScalar;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    if (this.passesOnRow(row)) return Code.Success;
    const reasons = this.reasons;
    reasons.length = 0;
    let unresolvable = false;
    if (field(row, POD_COUNT) + 1 > field(row, ALLOC_PODS)) {
      reasons.push(TOO_MANY_PODS);
    }
    if (!this.podRequestsNothing) {
      // cpu, memory, ephemeral-storage from the row; extended resources from the node.
      unresolvable = this.check(CPU, this.wantCpu, field(row, ALLOC_CPU), field(row, REQ_CPU)) || unresolvable;
      unresolvable = this.check(MEMORY, this.wantMemory, field(row, ALLOC_MEMORY), field(row, REQ_MEMORY)) || unresolvable;
      unresolvable = this.check(EPHEMERAL_STORAGE, this.wantEphemeral, field(row, ALLOC_EPHEMERAL), field(row, REQ_EPHEMERAL)) || unresolvable;
      if (this.podRequestsScalar) {
        const n = resourceCount();
        for (let r = PODS + 1; r < n; r++) {
          const want = pod.requests.get(r);
          if (want == 0 || this.ignored(r)) continue;
          unresolvable = this.check(r, want, node.allocatable.get(r), node.requested.get(r)) || unresolvable;
        }
      }
    }
    if (reasons.length == 0) return Code.Success;
    return unresolvable ? Code.UnschedulableAndUnresolvable : Code.Unschedulable;
  }

  /**
   * Whether Filter skips resource `r`: an extended resource named in ignoredResources, or
   * whose name's part before "/" is in ignoredResourceGroups. Decided once per resource.
   */
  private ignored(r: i32): bool {
    if (r >= this.ignoredByIndex.length) {
      const grown = new StaticArray<u8>(max(r + 1, this.ignoredByIndex.length * 2));
      for (let i = 0; i < this.ignoredByIndex.length; i++) grown[i] = this.ignoredByIndex[i];
      this.ignoredByIndex = grown;
    }
    let decided = this.ignoredByIndex[r];
    if (decided == 0) {
      decided = 2;
      const name = resourceNameString(r);
      if (isExtendedResourceName(name)) {
        if (this.ignoredResources.includes(resourceName(r))) decided = 1;
        const group = name.substring(0, name.indexOf("/"));
        if (this.ignoredResourceGroups.includes(group)) decided = 1;
      }
      this.ignoredByIndex[r] = decided;
    }
    return decided == 1;
  }

  /** Adds "Insufficient <r>" when `want` does not fit; true when no empty node of this size could fit it. */
  @inline private check(r: i32, want: i64, allocatable: i64, requested: i64): bool {
    if (want <= 0 || want <= allocatable - requested) return false;
    this.reasons.push(insufficientReason(r));
    // Not even an empty node of this size could host it: preemption cannot help.
    return want > allocatable;
  }

  // Plugin.scoreAll's loop with `this.score` called directly (inlined), plus a fast path for
  // the default configuration (LeastAllocated over cpu and memory) that reads only the rows.
  scoreAll(pod: PodInfo, feasible: Array<NodeInfo>, rows: StaticArray<usize>, scores: StaticArray<i64>, count: i32): void {
    // count <= scores.length, feasible.length == count, rows.length >= count (the framework's buffers).
    const s = this.scoring;
    const leastCpuMemory = s.strategy == LEAST_ALLOCATED && s.resources.length == 2 && s.weights.length == 2 &&
      s.resources[0] == CPU && s.resources[1] == MEMORY;
    if (!leastCpuMemory) {
      for (let k = 0; k < count; k++) unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), unchecked(rows[k]))));
      return;
    }
    const cpuWeight = s.weights[0];
    const memoryWeight = s.weights[1];
    const podCpu = pod.nonZeroCpu;
    const podMemory = pod.nonZeroMemory;
    const memo = this.memo;
    memo.begin(podCpu, podMemory, (cpuWeight << 32) ^ memoryWeight);
    for (let k = 0; k < count; k++) {
      const row = unchecked(rows[k]);
      const remembered = memo.get(row);
      if (remembered >= 0) {
        unchecked((scores[k] = remembered));
        continue;
      }
      const cpu = field(row, ALLOC_CPU);
      const memory = field(row, ALLOC_MEMORY);
      if (cpu == 0 || memory == 0) {
        unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), row)));
        continue;
      }
      const usedCpu = field(row, NON_ZERO_CPU) + podCpu;
      const usedMemory = field(row, NON_ZERO_MEMORY) + podMemory;
      const cpuScore = usedCpu > cpu ? 0 : ((cpu - usedCpu) * 100) / cpu;
      const memoryScore = usedMemory > memory ? 0 : ((memory - usedMemory) * 100) / memory;
      const score = (cpuScore * cpuWeight + memoryScore * memoryWeight) / (cpuWeight + memoryWeight);
      unchecked((scores[k] = score));
      memo.set(row, score);
    }
  }

  @inline score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    const s = this.scoring;
    let sum: i64 = 0;
    let weights: i64 = 0;
    const count = min(s.resources.length, s.weights.length);
    for (let i = 0; i < count; i++) {
      const r = unchecked(s.resources[i]); // i < both lengths
      const allocatable = allocatableOn(node, row, r);
      if (allocatable == 0 || (isScalar(r) && pod.requests.get(r) == 0)) continue;
      const requested = requestedWith(pod, node, row, r);
      let score: i64;
      switch (s.strategy) {
        case MOST_ALLOCATED:
          score = (min(requested, allocatable) * 100) / allocatable;
          break;
        case REQUESTED_TO_CAPACITY_RATIO:
          score = this.shape(requested > allocatable ? 100 : (requested * 100) / allocatable);
          if (score <= 0) continue; // only resources that score count, in both sums
          break;
        default:
          score = requested > allocatable ? 0 : ((allocatable - requested) * 100) / allocatable;
      }
      const weight = unchecked(s.weights[i]);
      sum += score * weight;
      weights += weight;
    }
    if (weights == 0) return 0;
    // RequestedToCapacityRatio rounds (math.Round, half away from zero); the others truncate.
    if (s.strategy == REQUESTED_TO_CAPACITY_RATIO) return <i64>Math.floor(<f64>sum / <f64>weights + 0.5);
    return sum / weights;
  }

  /** The broken-linear shape, scores scaled by 10 (MaxCustomPriorityScore), integer math. */
  private shape(p: i64): i64 {
    const u = this.scoring.shapeUtilization;
    const sc = this.scoring.shapeScore;
    const n = u.length;
    if (n == 0) return 0;
    if (p <= u[0]) return sc[0] * 10;
    for (let i = 1; i < n; i++) {
      if (p <= u[i]) return (sc[i - 1] * 10) + ((sc[i] - sc[i - 1]) * 10 * (p - u[i - 1])) / (u[i] - u[i - 1]);
    }
    return sc[n - 1] * 10;
  }
}

/** The node's requested amount with the pod added: non-zero cpu/memory, real otherwise. */
@inline function requestedWith(pod: PodInfo, node: NodeInfo, row: usize, r: i32): i64 {
  if (r == CPU) return field(row, NON_ZERO_CPU) + pod.nonZeroCpu;
  if (r == MEMORY) return field(row, NON_ZERO_MEMORY) + pod.nonZeroMemory;
  return requestedOn(node, row, r) + pod.requests.get(r);
}

