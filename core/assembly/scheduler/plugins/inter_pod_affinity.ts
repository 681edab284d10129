// InterPodAffinity: pods placed relative to other pods in the same topology domain.
// Filter: the pod's required affinity needs a matching pod in the node's domain (or, for the
// first pod of a group, to match itself); its required anti-affinity needs none; and no
// existing pod's required anti-affinity may match it within that pod's domain.
// Score: preferred terms of both sides (and existing pods' required affinity, with
// hardPodAffinityWeight) add or subtract weight per topology domain.

import { Code, FILTER, NORMALIZE, Plugin, PRE_FILTER, PRE_SCORE, SCORE, MAX_NODE_SCORE } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { Cache } from "../cache";
import { AffinityTerm, newMatchEpoch } from "../affinity_term";
import { PairCounts } from "../topology";
import { field, POD_COUNT } from "../node_table";
import { intern } from "../../strings/intern";

const AFFINITY_NOT_MATCH = intern("node(s) didn't match pod affinity rules");
const ANTI_AFFINITY_NOT_MATCH = intern("node(s) didn't match pod anti-affinity rules");
const EXISTING_ANTI_AFFINITY_NOT_MATCH = intern("node(s) didn't satisfy existing pods anti-affinity rules");
const NO_LABELS = new StaticArray<i32>(0);

export class InterPodAffinity extends Plugin {
  hardPodAffinityWeight: i32 = 1;
  ignorePreferredTermsOfExistingPods: bool = false;

  // Filter state (PreFilter).
  private affinityCounts: PairCounts = new PairCounts();
  private antiAffinityCounts: PairCounts = new PairCounts();
  private existingAntiAffinityCounts: PairCounts = new PairCounts();
  /** The incoming pod's Namespace labels (existing pods' namespaceSelectors match them). */
  private namespaceLabels: StaticArray<i32> = NO_LABELS;
  private podNamespaceKnown: StaticArray<i32> | null = null;

  // The incoming pod's required terms against the last existing pod's labels and namespace:
  // pods of one template share their label set (shared_records), so one match serves many.
  private memoLabels: usize = 0;
  private memoNamespace: i32 = 0;
  private memoAffinity: bool = false;
  /** Bit t: the incoming pod's required anti-affinity term t matches (terms 0..63). */
  private memoAnti: u64 = 0;

  // Score state (PreScore): weight per (topology key, value), and the keys seen.
  private topologyScore: PairCounts = new PairCounts();
  private scoreKeys: Array<i32> = new Array<i32>();

  constructor(private cache: Cache) {
    super("InterPodAffinity", PRE_FILTER | FILTER | PRE_SCORE | SCORE | NORMALIZE);
    this.tracksPods = true;
  }

  /** Labels of an existing pod's Namespace for the incoming pod's terms (null: unknown). */
  @inline private labelsOf(namespace: i32): StaticArray<i32> | null {
    return this.cache.labelsOfNamespace(namespace);
  }

  private begin(pod: PodInfo): void {
    newMatchEpoch();
    this.memoLabels = 0;
    this.podNamespaceKnown = this.cache.labelsOfNamespace(pod.namespace);
    const known = this.podNamespaceKnown;
    this.namespaceLabels = known === null ? NO_LABELS : known;
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    this.begin(pod);
    this.affinityCounts.clear();
    this.antiAffinityCounts.clear();
    this.existingAntiAffinityCounts.clear();
    // Only the nodes holding pods with required anti-affinity (the cache keeps that list).
    const withAntiNodes = this.cache.affinityCounts.nodesWithRequiredAntiAffinity;
    for (let n = 0; n < withAntiNodes.length; n++) {
      const node = withAntiNodes[n];
      const withAnti = node.podsWithRequiredAntiAffinity;
      for (let i = 0; i < withAnti.length; i++) this.countExistingAntiAffinity(pod, withAnti[i], node, 1);
    }
    const hasRequired = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0;
    if (!hasRequired && this.existingAntiAffinityCounts.size == 0) return Code.Skip;
    if (hasRequired) {
      // Every pod counts here; the table tells which nodes have any without touching them.
      const table = this.cache.table;
      for (let n = 0; n < nodes.length; n++) {
        if (field(table.row(n), POD_COUNT) == 0) continue;
        const node = nodes[n];
        const pods = node.pods;
        for (let i = 0; i < pods.length; i++) this.countIncoming(pod, pods[i], node, 1);
      }
    }
    return Code.Success;
  }

  /** Existing pod `other` on `node`: its required anti-affinity terms that match the incoming pod. */
  private countExistingAntiAffinity(pod: PodInfo, other: PodInfo, node: NodeInfo, delta: i64): void {
    const terms = other.requiredAntiAffinity;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t];
      if (!term.matchesIncoming(pod.namespace, pod.labels, this.namespaceLabels)) continue;
      const value = node.labelValue(term.topologyKey);
      if (value >= 0) this.existingAntiAffinityCounts.add(term.topologyKey, value, delta);
    }
  }

  /** Existing pod `other` on `node` against the incoming pod's required terms. */
  private countIncoming(pod: PodInfo, other: PodInfo, node: NodeInfo, delta: i64): void {
    const affinity = pod.requiredAffinity;
    const anti = pod.requiredAntiAffinity;
    const labels = changetype<usize>(other.labels);
    if (labels != this.memoLabels || other.namespace != this.memoNamespace) {
      const namespaceLabels = this.labelsOf(other.namespace);
      this.memoAffinity = affinity.length > 0 && this.matchesAll(affinity, other, namespaceLabels);
      let bits: u64 = 0;
      for (let t = 0; t < min(anti.length, 64); t++) {
        if (anti[t].matches(other.namespace, other.labels, namespaceLabels)) bits |= (<u64>1) << t;
      }
      this.memoAnti = bits;
      this.memoLabels = labels;
      this.memoNamespace = other.namespace;
    }
    if (this.memoAffinity) {
      for (let t = 0; t < affinity.length; t++) {
        const key = affinity[t].topologyKey;
        const value = node.labelValue(key);
        if (value >= 0) this.affinityCounts.add(key, value, delta);
      }
    }
    for (let t = 0; t < anti.length; t++) {
      const term = anti[t];
      // Terms past the 64 remembered ones (hardly ever) are matched each time.
      const matches = t < 64 ? (this.memoAnti & ((<u64>1) << t)) != 0 : term.matches(other.namespace, other.labels, this.labelsOf(other.namespace));
      if (!matches) continue;
      const value = node.labelValue(term.topologyKey);
      if (value >= 0) this.antiAffinityCounts.add(term.topologyKey, value, delta);
    }
  }

  private matchesAll(terms: Array<AffinityTerm>, other: PodInfo, namespaceLabels: StaticArray<i32> | null): bool {
    if (terms.length == 0) return false;
    for (let t = 0; t < terms.length; t++) if (!terms[t].matches(other.namespace, other.labels, namespaceLabels)) return false;
    return true;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    if (!this.satisfiesAffinity(pod, node)) return this.reject(Code.UnschedulableAndUnresolvable, AFFINITY_NOT_MATCH);
    if (this.antiAffinityCounts.size > 0) {
      const anti = pod.requiredAntiAffinity;
      for (let t = 0; t < anti.length; t++) {
        const value = node.labelValue(anti[t].topologyKey);
        if (value >= 0 && this.antiAffinityCounts.get(anti[t].topologyKey, value) > 0) {
          return this.reject(Code.Unschedulable, ANTI_AFFINITY_NOT_MATCH);
        }
      }
    }
    if (this.existingAntiAffinityCounts.size > 0) {
      const labels = node.labels;
      for (let i = 0; i + 1 < labels.length; i += 2) {
        if (this.existingAntiAffinityCounts.get(labels[i], labels[i + 1]) > 0) {
          return this.reject(Code.Unschedulable, EXISTING_ANTI_AFFINITY_NOT_MATCH);
        }
      }
    }
    return Code.Success;
  }

  private satisfiesAffinity(pod: PodInfo, node: NodeInfo): bool {
    const terms = pod.requiredAffinity;
    let podsExist = true;
    for (let t = 0; t < terms.length; t++) {
      const value = node.labelValue(terms[t].topologyKey);
      if (value < 0) return false; // every topology key must be on the node
      if (this.affinityCounts.get(terms[t].topologyKey, value) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself: no pod anywhere matches the terms
    // yet, and the pod matches its own terms.
    return this.affinityCounts.size == 0 && this.matchesAll(terms, pod, this.podNamespaceKnown);
  }

  preFilterAddPod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.countExistingAntiAffinity(pod, other, node, 1);
    this.countIncoming(pod, other, node, 1);
  }

  preFilterRemovePod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.countExistingAntiAffinity(pod, other, node, -1);
    this.countIncoming(pod, other, node, -1);
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    if (feasible.length == 0) return Code.Skip;
    const hasPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasPreferred) return Code.Skip;
    // Nothing to add up (scoreKeys would stay empty): Skip without visiting a pod.
    if (!hasPreferred && this.cache.affinityCounts.podsScoringOthers == 0) return Code.Skip;
    this.begin(pod);
    this.topologyScore.clear();
    this.scoreKeys.length = 0;
    // Without preferred terms of its own, only pods with affinity terms can contribute:
    // the cache lists the nodes that hold such pods.
    const nodes = hasPreferred ? this.cache.nodes : this.cache.affinityCounts.nodesWithAffinity;
    const table = this.cache.table;
    for (let n = 0; n < nodes.length; n++) {
      if (hasPreferred && field(table.row(n), POD_COUNT) == 0) continue;
      const node = nodes[n];
      if (node.labels.length == 0) continue;
      const pods = hasPreferred ? node.pods : node.podsWithAffinity;
      for (let i = 0; i < pods.length; i++) {
        const other = pods[i];
        if (hasPreferred || other.scoresOthers) this.scoreExistingPod(pod, other, node);
      }
    }
    return this.scoreKeys.length == 0 ? Code.Skip : Code.Success;
  }

  private scoreExistingPod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    const otherNamespace = this.labelsOf(other.namespace);
    this.scoreTerms(pod.preferredAffinity, other, otherNamespace, node, 1, 0);
    this.scoreTerms(pod.preferredAntiAffinity, other, otherNamespace, node, -1, 0);
    if (this.hardPodAffinityWeight > 0) this.scoreTerms(other.requiredAffinity, pod, this.namespaceLabels, node, 1, this.hardPodAffinityWeight, true);
    if (!this.ignorePreferredTermsOfExistingPods) {
      this.scoreTerms(other.preferredAffinity, pod, this.namespaceLabels, node, 1, 0, true);
      this.scoreTerms(other.preferredAntiAffinity, pod, this.namespaceLabels, node, -1, 0, true);
    }
  }

  /**
   * Terms matching `target` add sign × weight (the term's, or `fixedWeight`) to the node's
   * domain. `targetIsIncoming`: an existing pod's terms against the pod being scheduled.
   */
  private scoreTerms(
    terms: Array<AffinityTerm>, target: PodInfo, namespaceLabels: StaticArray<i32> | null, node: NodeInfo, sign: i64, fixedWeight: i32,
    targetIsIncoming: bool = false,
  ): void {
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t];
      const matches = targetIsIncoming
        ? term.matchesIncoming(target.namespace, target.labels, namespaceLabels)
        : term.matches(target.namespace, target.labels, namespaceLabels);
      if (!matches) continue;
      const value = node.labelValue(term.topologyKey);
      if (value < 0) continue;
      const weight = fixedWeight > 0 ? fixedWeight : term.weight;
      if (!this.scoreKeys.includes(term.topologyKey)) this.scoreKeys.push(term.topologyKey);
      this.topologyScore.add(term.topologyKey, value, sign * <i64>weight);
    }
  }

  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    let score: i64 = 0;
    const keys = this.scoreKeys;
    for (let i = 0; i < keys.length; i++) {
      const value = node.labelValue(keys[i]);
      if (value >= 0) score += this.topologyScore.get(keys[i], value);
    }
    return score;
  }

  /** 100 × ((score - min) / (max - min)), truncated; all equal → 0. */
  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {
    let lowest = i64.MAX_VALUE;
    let highest = i64.MIN_VALUE;
    for (let k = 0; k < count; k++) {
      if (scores[k] > highest) highest = scores[k];
      if (scores[k] < lowest) lowest = scores[k];
    }
    const diff = highest - lowest;
    for (let k = 0; k < count; k++) {
      // Go divides first, then multiplies (100 × 0.29 = 28.999… → 28): same order here.
      scores[k] = diff > 0 ? <i64>(<f64>MAX_NODE_SCORE * (<f64>(scores[k] - lowest) / <f64>diff)) : 0;
    }
  }
}
