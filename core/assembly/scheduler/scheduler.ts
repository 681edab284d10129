// One scheduling cycle (schedule_one.go): PreFilter → Filter over as many nodes as
// percentageOfNodesToScore asks for (starting where the last cycle stopped) → PreScore →
// Score → NormalizeScore → weight and sum → pick the best node, ties broken by a seeded
// random choice. Every node's verdict, reasons and per-plugin scores are kept for the host.

import { Cache } from "./cache";
import { Code, Plugin, PRE_FILTER, FILTER, PRE_SCORE, SCORE, NORMALIZE, MAX_NODE_SCORE } from "./framework";
import { NodeInfo } from "./node_info";
import { PodInfo } from "./pod_info";
import { DefaultPreemption } from "./plugins/default_preemption";
import { NodeResourcesFit } from "./plugins/node_resources_fit";
import { field, FLAGS } from "./node_table";
import { intern } from "../strings/intern";

function intersect(a: Set<i32>, b: Set<i32>): Set<i32> {
  const out = new Set<i32>();
  const values = a.values();
  for (let i = 0; i < values.length; i++) if (b.has(values[i])) out.add(values[i]);
  return out;
}

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** numFeasibleNodesToFind: how many feasible nodes are enough to stop filtering. */
export function numFeasibleNodesToFind(all: i32, percentage: i32): i32 {
  if (all < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return all;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - all / 125;
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = <i32>((<i64>all * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** A plugin as a profile enables it: which of its extension points, with what weight. */
export class EnabledPlugin {
  constructor(
    public plugin: Plugin,
    public points: i32,
    public weight: i64,
  ) {}
}

export class Scheduler {
  cache: Cache = new Cache();
  enabled: Array<EnabledPlugin> = new Array<EnabledPlugin>();
  percentageOfNodesToScore: i32 = 0;
  private nextStartNodeIndex: i32 = 0;
  private random: u64;

  // The last cycle, for the host: every evaluated node with its verdict, then scores.
  // Buffers are reused from cycle to cycle, so a cycle allocates almost nothing.
  // Fixed-size buffers (grown to the node count), filled up to evaluatedCount.
  evaluated: StaticArray<NodeInfo | null> = new StaticArray<NodeInfo | null>(0);
  evaluatedCount: i32 = 0;
  codes: StaticArray<i32> = new StaticArray<i32>(0);
  failedPlugin: StaticArray<i32> = new StaticArray<i32>(0);
  /** Reasons of evaluated node i: reasonIds[reasonStart[i] .. reasonStart[i + 1]). */
  reasonStart: StaticArray<i32> = new StaticArray<i32>(1);
  reasonIds: Array<i32> = new Array<i32>();
  /** Per evaluated node, per enabled plugin: normalized score, or -1 (not scored). */
  scores: StaticArray<f64> = new StaticArray<f64>(0);
  totals: StaticArray<f64> = new StaticArray<f64>(0);
  chosen: NodeInfo | null = null;
  private feasible: Array<NodeInfo> = new Array<NodeInfo>();
  /** The feasible nodes' NodeTable rows (the table does not move during a cycle). */
  private feasibleRows: StaticArray<usize> = new StaticArray<usize>(0);
  /** Per cache index, the node's position among this cycle's evaluated nodes. */
  private positions: StaticArray<i32> = new StaticArray<i32>(0);
  private column: StaticArray<i64> = new StaticArray<i64>(0);
  private sums: StaticArray<i64> = new StaticArray<i64>(0);
  private runFilter: StaticArray<bool> = new StaticArray<bool>(0);
  private podTrackers: Array<i32> = new Array<i32>();
  /** Indexes of the plugins whose Filter runs this cycle, in order: activeFilters[0, activeCount). */
  private activeFilters: StaticArray<i32> = new StaticArray<i32>(0);
  private activeCount: i32 = 0;
  /** Per active filter, its filterFlags (the call is skipped for rows with none of them). */
  private activeFlags: StaticArray<i64> = new StaticArray<i64>(0);
  /**
   * When NodeResourcesFit is the only active filter that runs on every row (the others
   * run only on rows with their flags): that plugin, and the others' flags. A row without
   * those flags that passes Fit's row check passes every filter, with no call per node.
   */
  private soleFit: NodeResourcesFit | null = null;
  private soleFitGate: i64 = 0;
  private explaining: bool = true;
  /** Code of the last runFilters call. */
  lastCode: i32 = Code.Success;
  /** The pod of the last schedulerSchedule call, until assumed (abi.ts schedulerAssume). */
  lastPod: PodInfo | null = null;
  /** Enabled-plugin indexes in PreFilter order (null: enabled order). */
  preFilterOrder: StaticArray<i32> | null = null;
  /** PreFilter rejected the pod: its message is the whole FitError (no per-node counts). */
  preFilterRejected: bool = false;
  private subset: StaticArray<i32> = new StaticArray<i32>(0);
  private oneReason: Array<i32> = [0];
  /** The PostFilter plugin (DefaultPreemption), when the profile enables one. */
  postFilter: DefaultPreemption | null = null;

  constructor(seed: u64) {
    this.random = seed == 0 ? 0x9e3779b97f4a7c15 : seed;
  }

  /** xorshift64*: reproducible for a given seed. */
  nextRandom(bound: i32): i32 {
    let x = this.random;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    this.random = x;
    // The high 32 bits scaled to [0, bound) by a multiply (no 64-bit division per tie).
    return <i32>((((x * 0x2545f4914f6cdd1d) >> 32) * <u64>bound) >> 32);
  }

  /**
   * One cycle. With `explain`, every evaluated node's per-plugin scores and totals are kept
   * for the host; without, only the choice (and what a failure message needs).
   */
  schedule(pod: PodInfo, explain: bool = true): void {
    const nodes = this.cache.nodes;
    const n = nodes.length;
    const plugins = this.enabled;
    const p = plugins.length;
    if (this.codes.length < n) {
      this.evaluated = new StaticArray<NodeInfo | null>(n);
      this.codes = new StaticArray<i32>(n);
      this.failedPlugin = new StaticArray<i32>(n);
      this.reasonStart = new StaticArray<i32>(n + 1);
    }
    if (this.positions.length < n) {
      this.positions = new StaticArray<i32>(n);
      this.feasibleRows = new StaticArray<usize>(n);
    }
    this.evaluatedCount = 0;
    this.reasonIds.length = 0;
    this.chosen = null;
    this.preFilterRejected = false;
    this.podTrackers.length = 0;
    if (this.postFilter !== null) this.postFilter!.reset();

    this.explaining = explain;
    // PreFilter: Skip drops the plugin's Filter for this pod; a rejection fails every node.
    if (this.runFilter.length < p) {
      this.runFilter = new StaticArray<bool>(p);
      this.activeFilters = new StaticArray<i32>(p);
      this.activeFlags = new StaticArray<i64>(p);
    }
    const runFilter = this.runFilter;
    let only: Set<i32> | null = null; // PreFilterResult: node names, intersected over plugins
    let onlyPlugin = -1;
    for (let i = 0; i < p; i++) runFilter[i] = (plugins[i].points & FILTER) != 0 && plugins[i].plugin.filterNeeded(pod);
    const preFilterOrder = this.preFilterOrder;
    const preFilters = preFilterOrder === null ? p : preFilterOrder.length;
    for (let o = 0; o < preFilters; o++) {
      const i = preFilterOrder === null ? o : preFilterOrder[o];
      const e = plugins[i];
      if ((e.points & PRE_FILTER) == 0) continue;
      e.plugin.preFilterNodeNames = null;
      const code = e.plugin.preFilter(pod, nodes);
      if (code == Code.Skip) runFilter[i] = false;
      else if (code != Code.Success) {
        // FitError's PreFilterMsg: the message stands alone, every node fails with it.
        this.preFilterRejected = true;
        for (let k = 0; k < n; k++) this.record(nodes[k], k, code, i, e.plugin.reasons);
        this.finishScores(0);
        if (this.postFilter !== null) this.postFilter!.run(this, pod);
        return;
      }
      const names = e.plugin.preFilterNodeNames;
      if (names !== null) {
        only = only === null ? names : intersect(only, names);
        onlyPlugin = i;
      }
    }

    // The Filter plugins this pod needs, in order, so the per-node loop tests nothing else.
    let active = 0;
    for (let i = 0; i < p; i++) {
      if (!runFilter[i]) continue;
      this.activeFlags[active] = plugins[i].plugin.filterFlags;
      this.activeFilters[active++] = i;
    }
    this.activeCount = active;
    this.soleFit = null;
    let gate: i64 = 0;
    let ungated = 0;
    let fit: NodeResourcesFit | null = null;
    for (let a = 0; a < active; a++) {
      const flags = this.activeFlags[a];
      const plugin = plugins[this.activeFilters[a]].plugin;
      if (flags != 0) gate |= flags;
      else {
        ungated++;
        if (plugin instanceof NodeResourcesFit) fit = changetype<NodeResourcesFit>(plugin);
      }
    }
    if (ungated == 1 && fit !== null) {
      this.soleFit = fit;
      this.soleFitGate = gate;
    }
    // The PreFilter states that follow pods added or removed during preemption's dry runs.
    for (let i = 0; i < p; i++) {
      if ((plugins[i].points & PRE_FILTER) != 0 && runFilter[i] && plugins[i].plugin.tracksPods) this.podTrackers.push(i);
    }

    // With a PreFilterResult, only the named nodes are filtered; the others fail at once
    // with "node(s) didn't satisfy plugin(s) [...]".
    let candidates = n;
    if (only !== null) {
      const order = this.subset;
      if (order.length < n) this.subset = new StaticArray<i32>(n);
      candidates = 0;
      const reason = this.notSatisfied(plugins[onlyPlugin].plugin.name);
      for (let k = 0; k < n; k++) {
        const node = nodes[k];
        if (only.has(node.name)) this.subset[candidates++] = k;
        else this.recordOne(node, k, Code.UnschedulableAndUnresolvable, onlyPlugin, reason);
      }
    }

    // Filter, from where the previous cycle stopped, until enough feasible nodes are found.
    const wanted = numFeasibleNodesToFind(candidates, this.percentageOfNodesToScore);
    const feasible = this.feasible;
    // Room for every node up front; written by index below, trimmed to the count after.
    if (feasible.length < n) feasible.length = n;
    let found = 0;
    let processed = 0;
    let at = candidates > 0 ? this.nextStartNodeIndex % candidates : 0;
    const table = this.cache.table;
    const feasibleRows = this.feasibleRows;
    const subset = this.subset;
    const soleFit = this.soleFit;
    const soleFitGate = this.soleFitGate;
    for (; processed < candidates && found < wanted; processed++) {
      // 0 <= at < candidates <= n == nodes.length; subset holds n indexes.
      const index = only === null ? at : unchecked(subset[at]);
      const node = unchecked(nodes[index]);
      if (++at == candidates) at = 0;
      const row = table.row(index);
      let failed = -1;
      if (soleFit !== null && (field(row, FLAGS) & soleFitGate) == 0 && soleFit.passesOnRow(row)) this.lastCode = Code.Success;
      else failed = this.runFiltersOnRow(pod, node, row);
      const code = this.lastCode;
      this.record(node, index, code, failed, failed >= 0 ? plugins[failed].plugin.reasons : null);
      if (code == Code.Success) {
        // found < n: feasibleRows holds n, feasible has length >= n (set above).
        unchecked((feasibleRows[found] = row));
        unchecked((feasible[found] = node));
        found++;
      }
    }
    if (candidates > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % candidates;

    feasible.length = found;
    const f = found;
    this.finishScores(f);
    if (f == 0) {
      if (this.postFilter !== null) this.postFilter!.run(this, pod);
      return;
    }
    if (f == 1) {
      this.chosen = feasible[0];
      return;
    }

    // PreScore, Score, NormalizeScore, weights.
    if (this.column.length < f) {
      this.column = new StaticArray<i64>(f);
      this.sums = new StaticArray<i64>(f);
    }
    const column = this.column;
    const totals = this.sums;
    for (let k = 0; k < f; k++) totals[k] = 0;
    for (let i = 0; i < p; i++) {
      const e = plugins[i];
      if ((e.points & SCORE) == 0) continue;
      if ((e.points & PRE_SCORE) != 0 && e.plugin.preScore(pod, feasible) == Code.Skip) continue;
      // A plugin giving every node the same score cannot change the choice: without an
      // explanation to fill, it need not run.
      if (!explain && e.plugin.scoresAllEqual(pod)) continue;
      // column and totals hold >= f cells (sized above); feasible has f nodes.
      const plugin = e.plugin;
      plugin.scoreAll(pod, feasible, feasibleRows, column, f);
      if ((e.points & NORMALIZE) != 0) plugin.normalize(pod, column, f);
      const weight = e.weight;
      for (let k = 0; k < f; k++) {
        const s = unchecked(column[k]);
        if (s < 0 || s > MAX_NODE_SCORE) {
          // framework: a plugin returning a score outside 0..100 is an error for this pod.
          this.chosen = null;
          this.failAll(feasible, Code.Error, i);
          return;
        }
        unchecked((totals[k] += s * weight));
      }
      if (explain) for (let k = 0; k < f; k++) this.scores[this.scoreIndex(feasible[k], i)] = <f64>column[k];
    }

    // selectHost: the best total; ties resolved uniformly at random (reservoir sampling).
    let best = 0;
    let ties = 1;
    let bestTotal = unchecked(totals[0]);
    for (let k = 1; k < f; k++) {
      const t = unchecked(totals[k]); // k < f <= totals.length
      if (t > bestTotal) {
        best = k;
        bestTotal = t;
        ties = 1;
      } else if (t == bestTotal) {
        ties++;
        if (this.nextRandom(ties) == 0) best = k;
      }
    }
    if (explain) for (let k = 0; k < f; k++) this.totals[this.evaluatedIndex(feasible[k])] = <f64>totals[k];
    this.chosen = feasible[best];
  }

  /** The Filter plugins (those PreFilter did not skip) on one node: the failing plugin or -1; code in lastCode. */
  runFilters(pod: PodInfo, node: NodeInfo): i32 {
    return this.runFiltersOnRow(pod, node, this.cache.table.row(node.index));
  }

  private runFiltersOnRow(pod: PodInfo, node: NodeInfo, row: usize): i32 {
    const plugins = this.enabled;
    const active = this.activeFilters;
    const flags = field(row, FLAGS);
    for (let a = 0; a < this.activeCount; a++) {
      // activeCount <= active.length == activeFlags.length; active holds indexes < plugins.length.
      const only = unchecked(this.activeFlags[a]);
      if (only != 0 && (flags & only) == 0) continue;
      const i = unchecked(active[a]);
      const code = unchecked(plugins[i]).plugin.filter(pod, node, row);
      if (code != Code.Success) {
        this.lastCode = code;
        return i;
      }
    }
    this.lastCode = Code.Success;
    return -1;
  }

  /** PreFilterExtensions.AddPod / RemovePod on every plugin whose PreFilter ran. */
  notifyPodAdded(pod: PodInfo, other: PodInfo, node: NodeInfo, added: bool): void {
    const trackers = this.podTrackers;
    for (let t = 0; t < trackers.length; t++) {
      const e = this.enabled[trackers[t]];
      if (added) e.plugin.preFilterAddPod(pod, other, node);
      else e.plugin.preFilterRemovePod(pod, other, node);
    }
  }

  private notSatisfied(plugin: string): i32 {
    return intern("node(s) didn't satisfy plugin(s) [" + plugin + "]");
  }

  private recordOne(node: NodeInfo, index: i32, code: i32, plugin: i32, reason: i32): void {
    this.oneReason[0] = reason;
    this.record(node, index, code, plugin, this.oneReason);
  }

  /** Appends an evaluated node (at most one per node and cycle: the buffers hold n). */
  private record(node: NodeInfo, index: i32, code: i32, plugin: i32, reasons: Array<i32> | null): void {
    // index < n and at < n: schedule() sized every buffer to at least n (n + 1 for reasonStart).
    const at = this.evaluatedCount++;
    unchecked((this.positions[index] = at));
    unchecked((this.evaluated[at] = node));
    unchecked((this.codes[at] = code));
    unchecked((this.failedPlugin[at] = plugin));
    if (reasons !== null) for (let i = 0; i < reasons.length; i++) this.reasonIds.push(reasons[i]);
    unchecked((this.reasonStart[at + 1] = this.reasonIds.length));
  }

  /** The i-th evaluated node (i < evaluatedCount). */
  @inline evaluatedNode(i: i32): NodeInfo {
    return changetype<NodeInfo>(this.evaluated[i]);
  }

  private failAll(feasible: Array<NodeInfo>, code: i32, plugin: i32): void {
    for (let k = 0; k < feasible.length; k++) {
      const at = this.evaluatedIndex(feasible[k]);
      this.codes[at] = code;
      this.failedPlugin[at] = plugin;
    }
  }

  private finishScores(feasible: i32): void {
    if (!this.explaining) return;
    const e = this.evaluatedCount;
    const cells = e * this.enabled.length;
    if (this.scores.length < cells) this.scores = new StaticArray<f64>(cells);
    if (this.totals.length < e) this.totals = new StaticArray<f64>(e);
    for (let i = 0; i < cells; i++) this.scores[i] = -1;
    for (let i = 0; i < e; i++) this.totals[i] = 0;
  }

  /** How many evaluated nodes gave each reason: (reason id, count) pairs appended to `out`. */
  reasonHistogram(out: Array<i32>): void {
    const from = out.length;
    const ids = this.reasonIds;
    for (let i = 0; i < ids.length; i++) {
      const reason = ids[i];
      let found = false;
      for (let k = from; k < out.length; k += 2) {
        if (out[k] == reason) {
          out[k + 1]++;
          found = true;
          break;
        }
      }
      if (!found) {
        out.push(reason);
        out.push(1);
      }
    }
  }

  /** Where `node` is among this cycle's evaluated nodes. */
  evaluatedIndex(node: NodeInfo): i32 {
    return this.positions[node.index];
  }

  private scoreIndex(node: NodeInfo, plugin: i32): i32 {
    return this.evaluatedIndex(node) * this.enabled.length + plugin;
  }
}

