// NodeAffinity: Filter requires spec.nodeSelector and the required node affinity to match;
// Score sums the weights of the preferred terms a node matches (normalized to 0..100).

import { Code, FILTER, NORMALIZE, Plugin, PRE_FILTER, PRE_SCORE, SCORE, MAX_NODE_SCORE, defaultNormalizeScore } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { intern } from "../../strings/intern";

const REASON = intern("node(s) didn't match Pod's node affinity/selector");

export class NodeAffinityPlugin extends Plugin {
  constructor() {
    super("NodeAffinity", PRE_FILTER | FILTER | PRE_SCORE | SCORE | NORMALIZE);
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    return pod.hasRequiredAffinity ? Code.Success : Code.Skip;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    const labels = node.labels;
    if (pod.required.matches(node.name, changetype<usize>(labels), labels.length >> 1)) return Code.Success;
    return this.reject(Code.UnschedulableAndUnresolvable, REASON);
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    return pod.preferred.length > 0 ? Code.Success : Code.Skip;
  }

  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    const labels = node.labels;
    let sum: i64 = 0;
    for (let i = 0; i < pod.preferred.length; i++) {
      const p = pod.preferred[i];
      // Weight-0 terms are skipped without being evaluated.
      if (p.weight != 0 && p.term.matches(node.name, changetype<usize>(labels), labels.length >> 1)) sum += p.weight;
    }
    return sum;
  }

  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores, count);
  }
}
