// NodeResourcesBalancedAllocation (v1.35 formula): favours nodes whose resources would be
// used in similar fractions after placing the pod: score = (1 - std of the fractions) * 100.

import { Code, Plugin, PRE_SCORE, SCORE } from "../framework";
import { NodeInfo, allocatableOn, requestedOn } from "../node_info";
import { field, ALLOC_CPU, ALLOC_MEMORY, REQ_CPU, REQ_MEMORY } from "../node_table";
import { PodInfo } from "../pod_info";
import { CPU, MEMORY, isScalar } from "../resources";
import { Cache } from "../cache";
import { RowScoreMemo } from "../score_memo";

export class BalancedAllocation extends Plugin {
  resources: Array<i32> = [CPU, MEMORY];
  private fractions: StaticArray<f64> = new StaticArray<f64>(8);
  private memo: RowScoreMemo;

  constructor(cache: Cache) {
    super("NodeResourcesBalancedAllocation", PRE_SCORE | SCORE);
    this.memo = new RowScoreMemo(cache.table);
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    // Best-effort pods (nothing requested of any configured resource) are not scored.
    for (let i = 0; i < this.resources.length; i++) if (pod.requests.get(this.resources[i]) != 0) return Code.Success;
    return Code.Skip;
  }

  // Plugin.scoreAll's loop with `this.score` called directly (inlined), plus a fast path for
  // the default resources (cpu and memory) that reads only the rows.
  scoreAll(pod: PodInfo, feasible: Array<NodeInfo>, rows: StaticArray<usize>, scores: StaticArray<i64>, count: i32): void {
    // count <= scores.length, feasible.length == count, rows.length >= count (the framework's buffers).
    const resources = this.resources;
    if (resources.length != 2 || resources[0] != CPU || resources[1] != MEMORY) {
      for (let k = 0; k < count; k++) unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), unchecked(rows[k]))));
      return;
    }
    const podCpu = pod.requests.get(CPU);
    const podMemory = pod.requests.get(MEMORY);
    const memo = this.memo;
    memo.begin(podCpu, podMemory);
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
      const cpuFraction = min(<f64>(field(row, REQ_CPU) + podCpu) / <f64>cpu, 1.0);
      const memoryFraction = min(<f64>(field(row, REQ_MEMORY) + podMemory) / <f64>memory, 1.0);
      // Two resources: the standard deviation is half their difference.
      const score = <i64>((1.0 - Math.abs(cpuFraction - memoryFraction) / 2) * 100.0);
      unchecked((scores[k] = score));
      memo.set(row, score);
    }
  }

  @inline score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    if (this.fractions.length < this.resources.length) this.fractions = new StaticArray<f64>(this.resources.length);
    const f = this.fractions;
    let n = 0;
    const resources = this.resources;
    for (let i = 0; i < resources.length; i++) {
      const r = unchecked(resources[i]);
      const allocatable = allocatableOn(node, row, r);
      const podRequest = pod.requests.get(r);
      if (allocatable == 0 || (isScalar(r) && podRequest == 0)) continue;
      const fraction = <f64>(requestedOn(node, row, r) + podRequest) / <f64>allocatable;
      unchecked((f[n++] = fraction > 1 ? 1 : fraction)); // n < resources.length <= f.length (sized above)
    }
    let std: f64 = 0;
    if (n == 2) {
      std = Math.abs(f[0] - f[1]) / 2;
    } else if (n > 2) {
      let mean: f64 = 0;
      for (let i = 0; i < n; i++) mean += f[i];
      mean /= <f64>n;
      let variance: f64 = 0;
      for (let i = 0; i < n; i++) variance += (f[i] - mean) * (f[i] - mean);
      std = Math.sqrt(variance / <f64>n);
    }
    return <i64>((1.0 - std) * 100.0);
  }
}
