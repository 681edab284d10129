// The scheduler's exports (re-exported by core/assembly/index.ts). Pods and nodes arrive
// as i32 records in scratch (layout: bindings/wasm/records.ts); results leave through the
// output region. Every export starts with collectIfDue() (see abi/gc.ts).

import { collectIfDue } from "../abi/gc";
import { scratchAddress, scratchI32, outputI32s } from "../abi/io";
import { Handles } from "../abi/handles";
import { stringOf, isKnownId } from "../strings/intern";
import { beginRecord, overrun } from "./record";
import { NodeInfo, readNode } from "./node_info";
import { readPod, readTerm, PreferredTerm } from "./pod_info";
import { NodeAffinityPlugin } from "./plugins/node_affinity";
import { NodeAffinity, NodeSelectorTerm } from "../nodeaffinity/node_selector";
import { Scheduler, EnabledPlugin } from "./scheduler";
import { newPlugin } from "./registry";
import { resourceIndex } from "./resources";
import { NodeResourcesFit, ScoringStrategy } from "./plugins/node_resources_fit";
import { BalancedAllocation } from "./plugins/balanced_allocation";
import { PodTopologySpread, DefaultConstraint } from "./plugins/pod_topology_spread";
import { InterPodAffinity } from "./plugins/inter_pod_affinity";
import { DefaultPreemption, POST_FILTER } from "./plugins/default_preemption";
import { next, nextCount, nextArray } from "./record";

const schedulers = new Handles<Scheduler>();

export function schedulerCreate(percentageOfNodesToScore: i32, seed: i64): i32 {
  collectIfDue();
  const s = new Scheduler(<u64>seed);
  s.percentageOfNodesToScore = percentageOfNodesToScore;
  return schedulers.add(s);
}

export function releaseScheduler(h: i32): void {
  collectIfDue();
  schedulers.release(h);
}

/** Enables the plugin named by `name` (an interned id) at `points` with `weight`; false if unknown. */
export function schedulerAddPlugin(h: i32, name: i32, points: i32, weight: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null || !isKnownId(name)) return false;
  const plugin = newPlugin(stringOf(name), s.cache);
  if (plugin === null) return false;
  const enabledPoints = points & plugin.points;
  s.enabled.push(new EnabledPlugin(plugin, enabledPoints, weight));
  if ((enabledPoints & POST_FILTER) != 0) s.postFilter = <DefaultPreemption>plugin;
  return true;
}

function findPlugin(s: Scheduler, name: string): i32 {
  for (let i = 0; i < s.enabled.length; i++) if (s.enabled[i].plugin.name == name) return i;
  return -1;
}

/**
 * NodeResourcesFitArgs.scoringStrategy. Scratch: `resourceCount` (name id, weight) pairs,
 * then `shapeCount` (utilization, score) pairs.
 */
export function schedulerSetFitScoring(h: i32, strategy: i32, resourceCount: i32, shapeCount: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "NodeResourcesFit");
  if (at < 0) return false;
  const scoring = new ScoringStrategy();
  scoring.strategy = strategy;
  scoring.resources = new Array<i32>();
  scoring.weights = new Array<i64>();
  for (let i = 0; i < resourceCount; i++) {
    scoring.resources.push(resourceIndex(scratchI32(i * 2)));
    scoring.weights.push(scratchI32(i * 2 + 1));
  }
  const base = resourceCount * 2;
  for (let i = 0; i < shapeCount; i++) {
    scoring.shapeUtilization.push(scratchI32(base + i * 2));
    scoring.shapeScore.push(scratchI32(base + i * 2 + 1));
  }
  (<NodeResourcesFit>s.enabled[at].plugin).scoring = scoring;
  return true;
}

/**
 * NodeResourcesFitArgs.ignoredResources / ignoredResourceGroups: `names` resource name ids,
 * then `groups` group name ids, in scratch.
 */
export function schedulerSetFitIgnored(h: i32, names: i32, groups: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "NodeResourcesFit");
  if (at < 0) return false;
  const fit = <NodeResourcesFit>s.enabled[at].plugin;
  for (let i = 0; i < names; i++) fit.ignoredResources.push(scratchI32(i));
  for (let i = 0; i < groups; i++) fit.ignoredResourceGroups.push(stringOf(scratchI32(names + i)));
  return true;
}

/**
 * NodeAffinityArgs.addedAffinity, as a record in scratch: 1 and a node selector's terms
 * (count, terms) or 0, then preferred terms (count, then weight and term each).
 */
export function schedulerSetAddedAffinity(h: i32, length: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "NodeAffinity");
  if (at < 0) return false;
  const plugin = <NodeAffinityPlugin>s.enabled[at].plugin;
  beginRecord(scratchAddress(), length);
  if (next() != 0) {
    const required = new NodeAffinity();
    const terms = new Array<NodeSelectorTerm>();
    const n = nextCount(2);
    for (let i = 0; i < n; i++) terms.push(readTerm());
    required.required = terms;
    plugin.addedRequired = required;
  }
  const preferred = nextCount(3);
  for (let i = 0; i < preferred; i++) {
    const weight = next();
    plugin.addedPreferred.push(new PreferredTerm(weight, readTerm()));
  }
  return !overrun;
}

/** The order PreFilter runs in: `count` enabled-plugin indexes in scratch. */
export function schedulerSetPreFilterOrder(h: i32, count: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const order = new StaticArray<i32>(count);
  for (let i = 0; i < count; i++) {
    const at = scratchI32(i);
    if (at < 0 || at >= s.enabled.length) return false;
    order[i] = at;
  }
  s.preFilterOrder = order;
  return true;
}

/** NodeResourcesBalancedAllocationArgs.resources: `count` resource name ids in scratch. */
export function schedulerSetBalancedResources(h: i32, count: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "NodeResourcesBalancedAllocation");
  if (at < 0) return false;
  const resources = new Array<i32>();
  for (let i = 0; i < count; i++) resources.push(resourceIndex(scratchI32(i)));
  (<BalancedAllocation>s.enabled[at].plugin).resources = resources;
  return true;
}

/**
 * PodTopologySpreadArgs: defaultingType System (`system` true, built-in defaults) or List
 * with `count` (maxSkew, topology key id, 1 for DoNotSchedule) triples in scratch.
 */
export function schedulerSetSpreadDefaults(h: i32, system: bool, count: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "PodTopologySpread");
  if (at < 0) return false;
  const plugin = <PodTopologySpread>s.enabled[at].plugin;
  plugin.systemDefaulted = system;
  if (system) return true;
  const defaults = new Array<DefaultConstraint>();
  for (let i = 0; i < count; i++) {
    defaults.push(new DefaultConstraint(scratchI32(i * 3), scratchI32(i * 3 + 1), scratchI32(i * 3 + 2) != 0));
  }
  plugin.defaults = defaults;
  return true;
}

/** InterPodAffinityArgs. */
export function schedulerSetInterPodAffinity(h: i32, hardPodAffinityWeight: i32, ignorePreferredTermsOfExistingPods: bool): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  const at = findPlugin(s, "InterPodAffinity");
  if (at < 0) return false;
  const plugin = <InterPodAffinity>s.enabled[at].plugin;
  plugin.hardPodAffinityWeight = hardPodAffinityWeight;
  plugin.ignorePreferredTermsOfExistingPods = ignorePreferredTermsOfExistingPods;
  return true;
}

/** Adds or updates a Namespace: record = name id, label count, (key, value) ids. */
export function schedulerSetNamespace(h: i32, length: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  beginRecord(scratchAddress(), length);
  const name = next();
  const labels = nextArray(nextCount(2), 2);
  if (overrun) return false;
  s.cache.namespaceLabels.set(name, labels);
  return true;
}

export function schedulerRemoveNamespace(h: i32, name: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  return s !== null && s.cache.namespaceLabels.delete(name);
}

/** Adds or updates the node whose record (`length` i32s) is in scratch. */
export function schedulerSetNode(h: i32, length: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  beginRecord(scratchAddress(), length);
  const node = new NodeInfo();
  readNode(node);
  if (overrun) return false;
  s.cache.setNode(node);
  return true;
}

export function schedulerRemoveNode(h: i32, name: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  return s !== null && s.cache.removeNode(name);
}

/** Adds or updates the pod whose record is in scratch (counted on its node if bound). */
export function schedulerSetPod(h: i32, length: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return false;
  beginRecord(scratchAddress(), length);
  const pod = readPod();
  if (overrun) return false;
  s.cache.setPod(pod);
  return true;
}

/**
 * cache.AssumePod: counts the pod of the last schedulerSchedule call on node `nodeName`
 * (an id) right away, without the host sending its record again. False when there is none.
 */
export function schedulerAssume(h: i32, nodeName: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null || s.lastPod === null) return false;
  const pod = s.lastPod!;
  s.lastPod = null;
  pod.nodeName = nodeName;
  s.cache.setPod(pod);
  return true;
}

export function schedulerRemovePod(h: i32, key: i32): bool {
  collectIfDue();
  const s = schedulers.get(h);
  return s !== null && s.cache.removePod(key);
}

export function schedulerNodeCount(h: i32): i32 {
  collectIfDue();
  const s = schedulers.get(h);
  return s === null ? 0 : s.cache.nodes.length;
}

const result = new Array<i32>();
let resultOutput = new StaticArray<i32>(0);

/**
 * Runs one cycle for the pod whose record is in scratch. Publishes, as i32s:
 * [chosen node name id (0: none), evaluated count E, plugin count P, histogram size H,
 *  H × (reason id, nodes giving it), the preemption block (see below),
 *  then, when `explain`, per evaluated node: name id, code, failing plugin (-1), reason count, reason ids...].
 * Returns the number of i32s, or -1 for a malformed record. Scores: schedulerScores().
 */
export function schedulerSchedule(h: i32, length: i32, explain: bool): i32 {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return -1;
  beginRecord(scratchAddress(), length);
  const pod = readPod();
  if (overrun) return -1;
  s.lastPod = pod;
  s.schedule(pod, explain);
  const chosen = s.chosen;
  const out = result;
  out.length = 0;
  out.push(chosen === null ? 0 : chosen.name);
  out.push(s.evaluatedCount);
  out.push(s.enabled.length);
  out.push(0);
  if (chosen === null && s.preFilterRejected && s.evaluatedCount > 0) {
    // A PreFilter rejection is reported by its message alone: (reason, 0) pairs.
    for (let k = s.reasonStart[0]; k < s.reasonStart[1]; k++) {
      out.push(s.reasonIds[k]);
      out.push(0);
    }
    out[3] = (out.length - 4) >> 1;
  } else if (chosen === null) {
    s.reasonHistogram(out);
    out[3] = (out.length - 4) >> 1;
  }
  // PostFilter (preemption): nominated node id, victim count, victim pod keys, message id,
  // histogram size, (reason id, nodes) pairs. All zero when preemption did not run.
  const preemption = s.postFilter;
  if (preemption !== null && preemption.ran) {
    const nominated = preemption.nominated;
    out.push(nominated === null ? 0 : nominated.name);
    out.push(preemption.victims.length);
    for (let i = 0; i < preemption.victims.length; i++) out.push(preemption.victims[i].key);
    out.push(preemption.message);
    const counts = preemption.reasonCounts;
    out.push(counts.length >> 1);
    for (let i = 0; i < counts.length; i++) out.push(counts[i]);
  } else {
    for (let i = 0; i < 4; i++) out.push(0);
  }
  if (explain) {
    for (let i = 0; i < s.evaluatedCount; i++) {
      out.push(s.evaluatedNode(i).name);
      out.push(s.codes[i]);
      out.push(s.failedPlugin[i]);
      const from = s.reasonStart[i];
      const to = s.reasonStart[i + 1];
      out.push(to - from);
      for (let k = from; k < to; k++) out.push(s.reasonIds[k]);
    }
  }
  if (resultOutput.length < out.length) resultOutput = new StaticArray<i32>(out.length << 1);
  for (let i = 0; i < out.length; i++) unchecked((resultOutput[i] = out[i])); // i < out.length <= resultOutput.length
  outputI32s(resultOutput);
  return out.length;
}

let scoreOutput = new StaticArray<f64>(0);

/**
 * Publishes the last cycle's scores as f64s: per evaluated node, the weighted total, then
 * per enabled plugin its normalized score or -1 (not scored). Returns how many f64s.
 */
export function schedulerScores(h: i32): i32 {
  collectIfDue();
  const s = schedulers.get(h);
  if (s === null) return 0;
  const e = s.evaluatedCount;
  const p = s.enabled.length;
  if (scoreOutput.length < e * (p + 1)) scoreOutput = new StaticArray<f64>(e * (p + 1));
  for (let i = 0; i < e; i++) {
    scoreOutput[i * (p + 1)] = s.totals[i];
    for (let k = 0; k < p; k++) scoreOutput[i * (p + 1) + 1 + k] = s.scores[i * p + k];
  }
  outputI32s(changetype<StaticArray<i32>>(scoreOutput));
  return e * (p + 1);
}
