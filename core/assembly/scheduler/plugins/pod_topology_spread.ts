// PodTopologySpread: spread matching pods evenly over topology domains (zones, nodes...).
// Filter enforces the DoNotSchedule constraints (skew = matching pods in the node's domain
// + the pod itself - the global minimum ≤ maxSkew); Score prefers nodes whose domains hold
// fewer matching pods for the ScheduleAnyway constraints. A pod without constraints gets
// the default constraints (system defaults: hostname maxSkew 3, zone maxSkew 5, both
// ScheduleAnyway) with the selector of the Services/controllers that select it.

import { Code, FILTER, NORMALIZE, Plugin, PRE_FILTER, PRE_SCORE, SCORE, MAX_NODE_SCORE } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo, SpreadConstraint } from "../pod_info";
import { Cache } from "../cache";
import { PairCounts } from "../topology";
import { NodeTable, field, hasFlag, POD_COUNT, POD_VERSION, HARD_TAINTS } from "../node_table";
import { intern } from "../../strings/intern";
import { Selector } from "../../labels/selector";
import { isEmptySelector, matchesLabels } from "../selector_record";
import { anyToleratesTaint, effectSelected, EFFECT_BIT_NO_EXECUTE, EFFECT_BIT_NO_SCHEDULE } from "../../taints/toleration";

const MISSING_LABEL = intern("node(s) didn't match pod topology spread constraints (missing required label)");
const SKEW_TOO_BIG = intern("node(s) didn't match pod topology spread constraints");
const HOSTNAME = intern("kubernetes.io/hostname");
/** Selectors whose matching-pod counts are kept for scoring (see memoPool). */
const SOFT_MEMO_POOL = 128;
const ZONE = intern("topology.kubernetes.io/zone");

/** A default constraint from the plugin's args (no selector: it comes from the pod's owners). */
export class DefaultConstraint {
  constructor(
    public maxSkew: i32,
    public topologyKey: i32,
    public doNotSchedule: bool,
  ) {}
}

export class PodTopologySpread extends Plugin {
  /** defaultingType System (the built-in defaults) or List (`defaults` from the args). */
  systemDefaulted: bool = true;
  defaults: Array<DefaultConstraint> = [new DefaultConstraint(3, HOSTNAME, false), new DefaultConstraint(5, ZONE, false)];

  // Filter state (PreFilter): per DoNotSchedule constraint, matching pods per domain value.
  private hard: Array<SpreadConstraint> = new Array<SpreadConstraint>();
  private domainCounts: Array<PairCounts> = new Array<PairCounts>();
  private globalMin: Array<i64> = new Array<i64>();
  /** Per DoNotSchedule constraint: its key's label column, and its matching-pod memo. */
  private hardColumns: Array<StaticArray<i32>> = new Array<StaticArray<i32>>();
  private hardMemos: Array<MatchMemo> = new Array<MatchMemo>();

  // Score state (PreScore).
  private soft: Array<SpreadConstraint> = new Array<SpreadConstraint>();
  private pairCounts: Array<PairCounts> = new Array<PairCounts>();
  private weights: Array<f64> = new Array<f64>();
  /** Per node (cache index): left out of scoring for missing a topology key. */
  private ignored: StaticArray<bool> = new StaticArray<bool>(0);
  private feasible: Array<NodeInfo> = new Array<NodeInfo>();
  /** Per ScheduleAnyway constraint: its matching-pod memo, from the pool below. */
  private softMemos: Array<MatchMemo> = new Array<MatchMemo>();
  /**
   * Memos of recent selectors, least recently used replaced: pods of many controllers
   * arrive interleaved, and each controller's next pod recounts only the nodes whose pods
   * changed (without it, default spreading counted every pod of every node per cycle).
   */
  private memoPool: Array<MatchMemo> = new Array<MatchMemo>();
  private memoClock: i64 = 0;

  constructor(private cache: Cache) {
    super("PodTopologySpread", PRE_FILTER | FILTER | PRE_SCORE | SCORE | NORMALIZE);
    this.tracksPods = true;
  }

  /** The pod's constraints with this whenUnsatisfiable, or the defaults when it has none. */
  private constraintsOf(pod: PodInfo, doNotSchedule: bool, into: Array<SpreadConstraint>): void {
    into.length = 0;
    const own = pod.spreadConstraints;
    if (own.length > 0) {
      for (let i = 0; i < own.length; i++) if (own[i].doNotSchedule == doNotSchedule) into.push(own[i]);
      return;
    }
    const selector = pod.defaultSpreadSelector;
    if (selector === null || isEmptySelector(selector)) return;
    for (let i = 0; i < this.defaults.length; i++) {
      const d = this.defaults[i];
      if (d.doNotSchedule != doNotSchedule) continue;
      const c = new SpreadConstraint();
      c.maxSkew = d.maxSkew;
      c.topologyKey = d.topologyKey;
      c.doNotSchedule = d.doNotSchedule;
      c.selector = selector;
      into.push(c);
    }
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    const constraints = this.hard;
    this.constraintsOf(pod, true, constraints);
    if (constraints.length == 0) return Code.Skip;
    const counts = this.domainCounts;
    const c = constraints.length;
    reset(counts, c);
    // Label columns, the table's rows and per-node memos of matching counts: a cycle reads
    // contiguous arrays and touches a node's pods only when they changed since the memo.
    const columns = this.hardColumns;
    columns.length = c;
    while (this.hardMemos.length < c) this.hardMemos.push(new MatchMemo());
    for (let i = 0; i < c; i++) {
      columns[i] = this.cache.labelColumn(constraints[i].topologyKey);
      this.hardMemos[i].prepare(constraints[i].selector, pod.namespace, nodes.length);
    }
    const table = this.cache.table;
    for (let n = 0; n < nodes.length; n++) {
      let hasKeys = true;
      for (let i = 0; i < c; i++) if (unchecked(columns[i])[n] < 0) hasKeys = false;
      if (!hasKeys) continue;
      const row = table.row(n);
      for (let i = 0; i < c; i++) {
        const constraint = constraints[i];
        if (mayExclude(constraint, pod, row) && !passesInclusion(constraint, pod, nodes[n])) continue;
        counts[i].add(0, columns[i][n], this.hardMemos[i].count(nodes, n, row, constraint.selector, pod.namespace));
      }
    }
    this.globalMin.length = constraints.length;
    for (let i = 0; i < constraints.length; i++) this.globalMin[i] = minimum(counts[i], constraints[i].minDomains);
    return Code.Success;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    const constraints = this.hard;
    const index = this.cache.table.indexOf(row);
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const value = this.hardColumns[i][index];
      if (value < 0) return this.reject(Code.UnschedulableAndUnresolvable, MISSING_LABEL);
      const matching = this.domainCounts[i].get(0, value);
      const self: i64 = matchesLabels(c.selector, pod.labels) ? 1 : 0;
      if (matching + self - this.globalMin[i] > <i64>c.maxSkew) return this.reject(Code.Unschedulable, SKEW_TOO_BIG);
    }
    return Code.Success;
  }

  preFilterAddPod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.updateWithPod(pod, other, node, 1);
  }

  preFilterRemovePod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    this.updateWithPod(pod, other, node, -1);
  }

  private updateWithPod(pod: PodInfo, other: PodInfo, node: NodeInfo, delta: i64): void {
    const constraints = this.hard;
    if (other.namespace != pod.namespace || !hasAllKeys(node, constraints)) return;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      if (!matchesLabels(c.selector, other.labels) || !passesInclusion(c, pod, node)) continue;
      const domain = this.domainCounts[i];
      domain.add(0, node.labelValue(c.topologyKey), delta);
      this.globalMin[i] = minimum(domain, c.minDomains);
    }
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    const constraints = this.soft;
    this.constraintsOf(pod, false, constraints);
    const all = this.cache.nodes;
    if (constraints.length == 0 || feasible.length == 0 || all.length == 0) return Code.Skip;
    this.feasible = feasible;
    // Only non-default constraints require every topology key on a node: system defaults
    // still spread by hostname over nodes without a zone label.
    const requireAll = pod.spreadConstraints.length > 0 || !this.systemDefaulted;
    const c = constraints.length;
    const pairs = this.pairCounts;
    reset(pairs, c);
    if (this.ignored.length < all.length) this.ignored = new StaticArray<bool>(all.length);
    let ignoredCount = 0;
    for (let k = 0; k < feasible.length; k++) {
      const node = feasible[k];
      const ignore = requireAll && !hasAllKeys(node, constraints);
      this.ignored[node.index] = ignore;
      if (ignore) {
        ignoredCount++;
        continue;
      }
      for (let i = 0; i < c; i++) {
        const key = constraints[i].topologyKey;
        if (key == HOSTNAME) continue; // per-node counts come in Score
        pairs[i].touch(0, max(node.labelValue(key), 0)); // a missing label is the "" domain
      }
    }
    this.weights.length = c;
    for (let i = 0; i < c; i++) {
      const size = constraints[i].topologyKey == HOSTNAME ? feasible.length - ignoredCount : pairs[i].entries;
      this.weights[i] = Math.log(<f64>(size + 2));
    }
    const memos = this.softMemos;
    memos.length = 0;
    let zonal = false;
    for (let i = 0; i < c; i++) {
      memos.push(this.memoFor(constraints[i].selector, pod.namespace, all.length));
      if (constraints[i].topologyKey != HOSTNAME) zonal = true;
    }
    if (!zonal) return Code.Success;
    // Matching pods per domain, over every node (not only the feasible ones).
    const table = this.cache.table;
    for (let n = 0; n < all.length; n++) {
      const node = all[n];
      if (requireAll && !hasAllKeys(node, constraints)) continue;
      for (let i = 0; i < c; i++) {
        const constraint = constraints[i];
        if (constraint.topologyKey == HOSTNAME || !passesInclusion(constraint, pod, node)) continue;
        const value = max(node.labelValue(constraint.topologyKey), 0);
        const domain = pairs[i];
        if (!domain.has(0, value)) continue;
        domain.add(0, value, memos[i].count(all, n, table.row(n), constraint.selector, pod.namespace));
      }
    }
    return Code.Success;
  }

  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    if (this.ignored[node.index]) return 0;
    const constraints = this.soft;
    let score: f64 = 0;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const value = node.labelValue(c.topologyKey);
      if (value < 0) continue;
      const count: i64 = c.topologyKey == HOSTNAME ? this.softMemos[i].count(this.cache.nodes, node.index, row, c.selector, pod.namespace) : this.pairCounts[i].get(0, value);
      score += <f64>count * this.weights[i] + <f64>(c.maxSkew - 1);
    }
    return <i64>Math.round(score);
  }

  private memoFor(selector: Selector, namespace: i32, nodes: i32): MatchMemo {
    const pool = this.memoPool;
    let memo: MatchMemo | null = null;
    for (let i = 0; i < pool.length; i++) {
      if (unchecked(pool[i]).isFor(selector, namespace)) {
        memo = unchecked(pool[i]);
        break;
      }
    }
    if (memo === null) {
      if (pool.length < SOFT_MEMO_POOL) {
        memo = new MatchMemo();
        pool.push(memo);
      } else {
        let oldest = unchecked(pool[0]);
        for (let i = 1; i < pool.length; i++) if (unchecked(pool[i]).lastUsed < oldest.lastUsed) oldest = unchecked(pool[i]);
        memo = oldest;
      }
    }
    memo.prepare(selector, namespace, nodes);
    memo.lastUsed = ++this.memoClock;
    return memo;
  }

  /** Fewer matching pods is better: 100 × (max + min - score) / max over the scored nodes. */
  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {
    const feasible = this.feasible;
    let lowest = i64.MAX_VALUE;
    let highest: i64 = 0;
    for (let k = 0; k < count; k++) {
      if (this.ignored[feasible[k].index]) continue;
      const s = scores[k];
      if (s < lowest) lowest = s;
      if (s > highest) highest = s;
    }
    for (let k = 0; k < count; k++) {
      if (this.ignored[feasible[k].index]) scores[k] = 0;
      else if (highest == 0) scores[k] = MAX_NODE_SCORE;
      else scores[k] = (MAX_NODE_SCORE * (highest + lowest - scores[k])) / highest;
    }
  }
}

function hasAllKeys(node: NodeInfo, constraints: Array<SpreadConstraint>): bool {
  for (let i = 0; i < constraints.length; i++) if (node.labelValue(constraints[i].topologyKey) < 0) return false;
  return true;
}

/** Whether the inclusion policies could leave out the node of `row` (else no need to look). */
@inline function mayExclude(c: SpreadConstraint, pod: PodInfo, row: usize): bool {
  return (c.honorNodeAffinity && pod.hasRequiredAffinity) || (c.honorNodeTaints && hasFlag(row, HARD_TAINTS));
}

/**
 * Matching-pod counts per node for one (selector, namespace), remembered with the node's
 * POD_VERSION: the next cycle with the same selector recounts only nodes whose pods changed.
 */
class MatchMemo {
  private program: StaticArray<i32> = new StaticArray<i32>(0);
  private nothing: bool = true;
  private namespace: i32 = -1;
  private versions: StaticArray<i64> = new StaticArray<i64>(0);
  private counts: StaticArray<i32> = new StaticArray<i32>(0);

  /** When the pool last handed this memo out. */
  lastUsed: i64 = 0;

  /** Whether this memo is for the same selector (by content) and namespace. */
  isFor(selector: Selector, namespace: i32): bool {
    const program = selector.program;
    return namespace == this.namespace && selector.nothing == this.nothing && program.length == this.program.length &&
      memory.compare(changetype<usize>(program), changetype<usize>(this.program), <usize>program.length << 2) == 0;
  }

  /** Keeps the memo when the key is the same selector (by content) and namespace. */
  prepare(selector: Selector, namespace: i32, nodes: i32): void {
    if (this.isFor(selector, namespace) && this.versions.length >= nodes) return;
    const program = selector.program;
    this.program = StaticArray.slice<i32>(program);
    this.nothing = selector.nothing;
    this.namespace = namespace;
    if (this.versions.length < nodes) {
      this.versions = new StaticArray<i64>(nodes);
      this.counts = new StaticArray<i32>(nodes);
    }
    for (let i = 0; i < this.versions.length; i++) unchecked((this.versions[i] = -1));
  }

  /** countMatching for node `n` (row `row`), from the memo when its pods have not changed. */
  @inline count(nodes: Array<NodeInfo>, n: i32, row: usize, selector: Selector, namespace: i32): i32 {
    if (field(row, POD_COUNT) == 0) return 0;
    const version = field(row, POD_VERSION);
    if (this.versions[n] == version) return this.counts[n];
    const counted = countMatching(nodes[n], selector, namespace);
    this.versions[n] = version;
    this.counts[n] = counted;
    return counted;
  }
}

/** nodeAffinityPolicy / nodeTaintsPolicy: whether `node` counts for the constraint at all. */
function passesInclusion(c: SpreadConstraint, pod: PodInfo, node: NodeInfo): bool {
  if (c.honorNodeAffinity && pod.hasRequiredAffinity) {
    const labels = node.labels;
    if (!pod.required.matches(node.name, changetype<usize>(labels), labels.length >> 1)) return false;
  }
  if (c.honorNodeTaints) {
    const taints = node.taints;
    const tolerations = pod.tolerations;
    for (let i = 0; i + 2 < taints.length; i += 3) {
      if (!effectSelected(taints[i + 2], EFFECT_BIT_NO_SCHEDULE | EFFECT_BIT_NO_EXECUTE)) continue;
      const taint = changetype<usize>(taints) + (<usize>i << 2);
      if (!anyToleratesTaint(changetype<usize>(tolerations), tolerations.length >> 2, taint, false)) return false;
    }
  }
  return true;
}

/** countPodsMatchSelector: live pods of `namespace` on the node matching a non-empty selector. */
export function countMatching(node: NodeInfo, selector: Selector, namespace: i32): i32 {
  if (isEmptySelector(selector) || selector.nothing) return 0;
  const pods = node.pods;
  let n = 0;
  for (let i = 0; i < pods.length; i++) {
    const p = unchecked(pods[i]); // i < pods.length
    if (p.terminating || p.namespace != namespace) continue;
    if (matchesLabels(selector, p.labels)) n++;
  }
  return n;
}

/** The global minimum of a constraint: 0 while fewer than minDomains domains exist. */
function minimum(domains: PairCounts, minDomains: i32): i64 {
  if (domains.entries < minDomains || domains.entries == 0) return 0;
  return domains.minimum();
}

/** `count` cleared tables (kept from cycle to cycle: clearing them allocates nothing). */
function reset(tables: Array<PairCounts>, count: i32): void {
  while (tables.length < count) tables.push(new PairCounts());
  for (let i = 0; i < count; i++) tables[i].clear();
}
