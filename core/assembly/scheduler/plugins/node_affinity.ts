// NodeAffinity: Filter requires spec.nodeSelector and the required node affinity to match;
// Score sums the weights of the preferred terms a node matches (normalized to 0..100).
// NodeAffinityArgs.addedAffinity adds a required selector and preferred terms for every
// pod ("scheduler-enforced"). PreFilter narrows the nodes to those named by
// `matchFields: metadata.name In` in every required term (PreFilterResult).

import { Code, FILTER, NORMALIZE, Plugin, PRE_FILTER, PRE_SCORE, SCORE, MAX_NODE_SCORE, defaultNormalizeScore } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo, PreferredTerm } from "../pod_info";
import { NodeAffinity } from "../../nodeaffinity/node_selector";
import { intern } from "../../strings/intern";

const REASON = intern("node(s) didn't match Pod's node affinity/selector");
const ENFORCED = intern("node(s) didn't match scheduler-enforced node affinity");
const CONFLICT = intern("pod affinity terms conflict");

export class NodeAffinityPlugin extends Plugin {
  /** addedAffinity's required node selector (null: none) and preferred terms. */
  addedRequired: NodeAffinity | null = null;
  addedPreferred: Array<PreferredTerm> = new Array<PreferredTerm>();

  constructor() {
    super("NodeAffinity", PRE_FILTER | FILTER | PRE_SCORE | SCORE | NORMALIZE);
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    this.preFilterNodeNames = null;
    if (!pod.hasRequiredAffinity && this.addedRequired === null) return Code.Skip;
    const terms = pod.required.required;
    if (terms === null || terms.length == 0) return Code.Success;
    // The node names every term pins with metadata.name In (terms are ORed, a term's
    // fields ANDed); one term without such a field leaves every node possible.
    let names: Set<i32> | null = null;
    for (let t = 0; t < terms.length; t++) {
      let termNames: Set<i32> | null = null;
      const fields = terms[t].fields;
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f];
        if (!field.readsNodeName || field.notIn) continue;
        const has = termNames === null || termNames.has(field.value);
        termNames = new Set<i32>();
        if (has) termNames.add(field.value);
      }
      if (termNames === null) return Code.Success;
      if (names === null) names = new Set<i32>();
      const values = termNames.values();
      for (let i = 0; i < values.length; i++) names.add(values[i]);
    }
    if (names !== null && names.size == 0) return this.reject(Code.UnschedulableAndUnresolvable, CONFLICT);
    if (names !== null) this.preFilterNodeNames = names;
    return Code.Success;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    const labels = node.labels;
    const pairs = changetype<usize>(labels);
    const added = this.addedRequired;
    if (added !== null && !added.matches(node.name, pairs, labels.length >> 1)) {
      return this.reject(Code.UnschedulableAndUnresolvable, ENFORCED);
    }
    if (pod.required.matches(node.name, pairs, labels.length >> 1)) return Code.Success;
    return this.reject(Code.UnschedulableAndUnresolvable, REASON);
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    return pod.preferred.length > 0 || this.addedPreferred.length > 0 ? Code.Success : Code.Skip;
  }

  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    return preferredSum(this.addedPreferred, node) + preferredSum(pod.preferred, node);
  }

  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores, count);
  }
}

/** The weights of the preferred terms `node` matches (weight-0 terms are not evaluated). */
function preferredSum(terms: Array<PreferredTerm>, node: NodeInfo): i64 {
  const labels = node.labels;
  let sum: i64 = 0;
  for (let i = 0; i < terms.length; i++) {
    const p = terms[i];
    if (p.weight != 0 && p.term.matches(node.name, changetype<usize>(labels), labels.length >> 1)) sum += p.weight;
  }
  return sum;
}
