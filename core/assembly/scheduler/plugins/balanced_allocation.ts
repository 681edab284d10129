// NodeResourcesBalancedAllocation (v1.35 formula): favours nodes whose resources would be
// used in similar fractions after placing the pod: score = (1 - std of the fractions) * 100.

import { Code, Plugin, PRE_SCORE, SCORE } from "../framework";
import { NodeInfo, allocatableOn, requestedOn } from "../node_info";
import { PodInfo } from "../pod_info";
import { CPU, MEMORY, isScalar } from "../resources";

export class BalancedAllocation extends Plugin {
  resources: Array<i32> = [CPU, MEMORY];
  private fractions: StaticArray<f64> = new StaticArray<f64>(8);

  constructor() {
    super("NodeResourcesBalancedAllocation", PRE_SCORE | SCORE);
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    // Best-effort pods (nothing requested of any configured resource) are not scored.
    for (let i = 0; i < this.resources.length; i++) if (pod.requests.get(this.resources[i]) != 0) return Code.Success;
    return Code.Skip;
  }

  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    if (this.fractions.length < this.resources.length) this.fractions = new StaticArray<f64>(this.resources.length);
    const f = this.fractions;
    let n = 0;
    for (let i = 0; i < this.resources.length; i++) {
      const r = this.resources[i];
      const allocatable = allocatableOn(node, row, r);
      const podRequest = pod.requests.get(r);
      if (allocatable == 0 || (isScalar(r) && podRequest == 0)) continue;
      const fraction = <f64>(requestedOn(node, row, r) + podRequest) / <f64>allocatable;
      f[n++] = fraction > 1 ? 1 : fraction;
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
