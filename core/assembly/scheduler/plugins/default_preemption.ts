// DefaultPreemption (PostFilter): when no node fits, find the node where evicting
// lower-priority pods would let the pod in, evicting as few and as unimportant pods as
// possible. kube-scheduler's rules, without PodDisruptionBudgets:
//  - only nodes whose Filter failure was Unschedulable (not UnschedulableAndUnresolvable);
//  - per node: remove every pod of lower priority; if the pod still does not fit, the node
//    is no candidate; otherwise add them back from the most important down, keeping each
//    one that still lets the pod fit ("reprieve"); the rest are the victims;
//  - dry runs stop after max(10% of the nodes, 100) candidates, starting at a random node;
//  - the best candidate has the lowest highest victim priority, then the smallest sum of
//    priorities, then the fewest victims, then the latest start of its most important victims.

import { Code, Plugin } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { Scheduler } from "../scheduler";
import { intern } from "../../strings/intern";

export const POST_FILTER = 32;

const NOT_HELPFUL = intern("Preemption is not helpful for scheduling");
const NO_VICTIMS = intern("No preemption victims found for incoming pod");
const NEVER = intern("not eligible due to preemptionPolicy=Never.");
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;
const MAX_I32: i64 = 2147483647;

class Candidate {
  constructor(
    public node: NodeInfo,
    /** Most important first. */
    public victims: Array<PodInfo>,
  ) {}
}

/** GetPodStartTime: a pod not started yet counts as starting now (the latest possible). */
@inline function startOf(pod: PodInfo): i64 {
  return pod.startTime < 0 ? i64.MAX_VALUE : pod.startTime;
}

/** MoreImportantPod: higher priority, then earlier start. */
function moreImportant(a: PodInfo, b: PodInfo): bool {
  if (a.priority != b.priority) return a.priority > b.priority;
  return startOf(a) < startOf(b);
}

export class DefaultPreemption extends Plugin {
  /** The node to nominate (null: preemption cannot help), and the pods to evict there. */
  nominated: NodeInfo | null = null;
  victims: Array<PodInfo> = new Array<PodInfo>();
  /** When preemption failed: a plain message id, or a "0/N nodes" histogram of reasons. */
  message: i32 = 0;
  reasonCounts: Array<i32> = new Array<i32>();
  ran: bool = false;

  constructor() {
    super("DefaultPreemption", POST_FILTER);
  }

  reset(): void {
    this.nominated = null;
    this.victims = new Array<PodInfo>();
    this.message = 0;
    this.reasonCounts.length = 0;
    this.ran = false;
  }

  run(s: Scheduler, pod: PodInfo): void {
    this.ran = true;
    if (pod.neverPreempts) {
      this.message = NEVER;
      return;
    }
    const potential = new Array<NodeInfo>();
    for (let i = 0; i < s.evaluatedCount; i++) {
      if (s.codes[i] == Code.Unschedulable) potential.push(s.evaluatedNode(i));
    }
    const all = s.cache.nodes.length;
    const n = potential.length;
    let tried = 0;
    const candidates = new Array<Candidate>();
    if (n > 0) {
      let wanted = (n * MIN_CANDIDATE_NODES_PERCENTAGE) / 100;
      if (wanted < MIN_CANDIDATE_NODES_ABSOLUTE) wanted = MIN_CANDIDATE_NODES_ABSOLUTE;
      if (wanted > n) wanted = n;
      const offset = s.nextRandom(n);
      for (let i = 0; i < n && candidates.length < wanted; i++) {
        const node = potential[(offset + i) % n];
        tried++;
        const victims = this.selectVictims(s, pod, node);
        if (victims !== null) candidates.push(new Candidate(node, victims));
      }
    }
    if (candidates.length == 0) {
      // The nodes never tried could not be helped: "Preemption is not helpful for scheduling".
      if (all - tried > 0) this.count(NOT_HELPFUL, all - tried);
      return;
    }
    const best = pickOne(candidates);
    this.nominated = best.node;
    this.victims = best.victims;
  }

  private count(reason: i32, n: i32): void {
    const counts = this.reasonCounts;
    for (let i = 0; i < counts.length; i += 2) {
      if (counts[i] == reason) {
        counts[i + 1] += n;
        return;
      }
    }
    counts.push(reason);
    counts.push(n);
  }

  /** SelectVictimsOnNode: the victims, or null (with the node's reasons counted). */
  private selectVictims(s: Scheduler, pod: PodInfo, node: NodeInfo): Array<PodInfo> | null {
    const lower = new Array<PodInfo>();
    const pods = node.pods;
    for (let i = 0; i < pods.length; i++) if (pods[i].priority < pod.priority) lower.push(pods[i]);
    if (lower.length == 0) {
      this.count(NO_VICTIMS, 1);
      return null;
    }
    for (let i = 0; i < lower.length; i++) this.remove(s, pod, lower[i], node);
    const failed = s.runFilters(pod, node);
    if (failed >= 0) {
      const reasons = s.enabled[failed].plugin.reasons;
      for (let i = 0; i < reasons.length; i++) this.count(reasons[i], 1);
      for (let i = 0; i < lower.length; i++) this.add(s, pod, lower[i], node);
      return null;
    }
    // Reprieve from the most important down (insertion sort: stable, lists are short).
    for (let i = 1; i < lower.length; i++) {
      const p = lower[i];
      let j = i;
      while (j > 0 && moreImportant(p, lower[j - 1])) {
        lower[j] = lower[j - 1];
        j--;
      }
      lower[j] = p;
    }
    const victims = new Array<PodInfo>();
    for (let i = 0; i < lower.length; i++) {
      this.add(s, pod, lower[i], node);
      if (s.runFilters(pod, node) >= 0) {
        this.remove(s, pod, lower[i], node);
        victims.push(lower[i]);
      }
    }
    // Leave the node as it was.
    for (let i = 0; i < victims.length; i++) this.add(s, pod, victims[i], node);
    return victims;
  }

  private remove(s: Scheduler, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    node.removePod(other);
    s.notifyPodAdded(pod, other, node, false);
  }

  private add(s: Scheduler, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    node.addPod(other);
    s.notifyPodAdded(pod, other, node, true);
  }
}

/** pickOneNodeForPreemption (no PodDisruptionBudgets, so no violations to compare first). */
function pickOne(candidates: Array<Candidate>): Candidate {
  let best = candidates[0];
  for (let i = 1; i < candidates.length; i++) {
    if (better(candidates[i], best)) best = candidates[i];
  }
  return best;
}

function better(a: Candidate, b: Candidate): bool {
  if (a.victims.length == 0 || b.victims.length == 0) return a.victims.length == 0 && b.victims.length != 0;
  const highA = a.victims[0].priority;
  const highB = b.victims[0].priority;
  if (highA != highB) return highA < highB;
  const sumA = prioritySum(a.victims);
  const sumB = prioritySum(b.victims);
  if (sumA != sumB) return sumA < sumB;
  if (a.victims.length != b.victims.length) return a.victims.length < b.victims.length;
  return earliestStart(a.victims) > earliestStart(b.victims);
}

/** Σ (priority + MaxInt32 + 1): every victim counts, negative priorities included. */
function prioritySum(victims: Array<PodInfo>): i64 {
  let sum: i64 = 0;
  for (let i = 0; i < victims.length; i++) sum += <i64>victims[i].priority + MAX_I32 + 1;
  return sum;
}

/** GetEarliestPodStartTime: the earliest start among the highest-priority victims. */
function earliestStart(victims: Array<PodInfo>): i64 {
  let top = victims[0].priority;
  let earliest = startOf(victims[0]);
  for (let i = 1; i < victims.length; i++) {
    const p = victims[i];
    if (p.priority == top) {
      if (startOf(p) < earliest) earliest = startOf(p);
    } else if (p.priority > top) {
      top = p.priority;
      earliest = startOf(p);
    }
  }
  return earliest;
}
