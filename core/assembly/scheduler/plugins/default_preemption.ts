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

  // Scratch space reused by every cycle: a preemption cycle dry-runs hundreds of nodes, and
  // arrays per node were most of the core's garbage under a preemption-heavy workload.
  private potential: Array<NodeInfo> = new Array<NodeInfo>();
  private lower: Array<PodInfo> = new Array<PodInfo>();
  /** Candidates: node k's victims are pool[start[k] .. start[k] + count[k]), most important first. */
  private candidateNodes: Array<NodeInfo> = new Array<NodeInfo>();
  private candidateStart: Array<i32> = new Array<i32>();
  private candidateCount: Array<i32> = new Array<i32>();
  private pool: Array<PodInfo> = new Array<PodInfo>();

  constructor() {
    super("DefaultPreemption", POST_FILTER);
  }

  reset(): void {
    this.nominated = null;
    this.victims.length = 0;
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
    const potential = this.potential;
    potential.length = 0;
    for (let i = 0; i < s.evaluatedCount; i++) {
      if (s.codes[i] == Code.Unschedulable) potential.push(s.evaluatedNode(i));
    }
    const all = s.cache.nodes.length;
    const n = potential.length;
    let tried = 0;
    this.candidateNodes.length = 0;
    this.candidateStart.length = 0;
    this.candidateCount.length = 0;
    this.pool.length = 0;
    if (n > 0) {
      let wanted = (n * MIN_CANDIDATE_NODES_PERCENTAGE) / 100;
      if (wanted < MIN_CANDIDATE_NODES_ABSOLUTE) wanted = MIN_CANDIDATE_NODES_ABSOLUTE;
      if (wanted > n) wanted = n;
      const offset = s.nextRandom(n);
      for (let i = 0; i < n && this.candidateNodes.length < wanted; i++) {
        const node = potential[(offset + i) % n];
        tried++;
        const start = this.pool.length;
        if (this.selectVictims(s, pod, node)) {
          this.candidateNodes.push(node);
          this.candidateStart.push(start);
          this.candidateCount.push(this.pool.length - start);
        }
      }
    }
    potential.length = 0;
    if (this.candidateNodes.length == 0) {
      // The nodes never tried could not be helped: "Preemption is not helpful for scheduling".
      if (all - tried > 0) this.count(NOT_HELPFUL, all - tried);
      return;
    }
    const best = this.pickOne();
    this.nominated = this.candidateNodes[best];
    const from = this.candidateStart[best];
    const to = from + this.candidateCount[best];
    for (let i = from; i < to; i++) this.victims.push(this.pool[i]);
    this.candidateNodes.length = 0;
    this.pool.length = 0;
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

  /** SelectVictimsOnNode: appends the victims to the pool and says whether the node is a candidate (if not, its reasons are counted). */
  private selectVictims(s: Scheduler, pod: PodInfo, node: NodeInfo): bool {
    const lower = this.lower;
    lower.length = 0;
    const pods = node.pods;
    for (let i = 0; i < pods.length; i++) if (pods[i].priority < pod.priority) lower.push(pods[i]);
    if (lower.length == 0) {
      this.count(NO_VICTIMS, 1);
      return false;
    }
    for (let i = 0; i < lower.length; i++) this.remove(s, pod, lower[i], node);
    const failed = s.runFilters(pod, node);
    if (failed >= 0) {
      const reasons = s.enabled[failed].plugin.reasons;
      for (let i = 0; i < reasons.length; i++) this.count(reasons[i], 1);
      for (let i = 0; i < lower.length; i++) this.add(s, pod, lower[i], node);
      lower.length = 0;
      return false;
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
    const pool = this.pool;
    const start = pool.length;
    for (let i = 0; i < lower.length; i++) {
      this.add(s, pod, lower[i], node);
      if (s.runFilters(pod, node) >= 0) {
        this.remove(s, pod, lower[i], node);
        pool.push(lower[i]);
      }
    }
    // Leave the node as it was.
    for (let i = start; i < pool.length; i++) this.add(s, pod, pool[i], node);
    lower.length = 0;
    return true;
  }

  private remove(s: Scheduler, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    node.removePod(other);
    s.notifyPodAdded(pod, other, node, false);
  }

  private add(s: Scheduler, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    node.addPod(other);
    s.notifyPodAdded(pod, other, node, true);
  }

  /** pickOneNodeForPreemption (no PodDisruptionBudgets, so no violations to compare first). */
  private pickOne(): i32 {
    let best = 0;
    for (let k = 1; k < this.candidateNodes.length; k++) if (this.better(k, best)) best = k;
    return best;
  }

  private better(a: i32, b: i32): bool {
    const countA = this.candidateCount[a];
    const countB = this.candidateCount[b];
    if (countA == 0 || countB == 0) return countA == 0 && countB != 0;
    const startA = this.candidateStart[a];
    const startB = this.candidateStart[b];
    const pool = this.pool;
    const highA = pool[startA].priority;
    const highB = pool[startB].priority;
    if (highA != highB) return highA < highB;
    const sumA = prioritySum(pool, startA, countA);
    const sumB = prioritySum(pool, startB, countB);
    if (sumA != sumB) return sumA < sumB;
    if (countA != countB) return countA < countB;
    return earliestStart(pool, startA, countA) > earliestStart(pool, startB, countB);
  }
}

/** Σ (priority + MaxInt32 + 1): every victim counts, negative priorities included. */
function prioritySum(pool: Array<PodInfo>, start: i32, count: i32): i64 {
  let sum: i64 = 0;
  for (let i = start; i < start + count; i++) sum += <i64>pool[i].priority + MAX_I32 + 1;
  return sum;
}

/** GetEarliestPodStartTime: the earliest start among the highest-priority victims. */
function earliestStart(pool: Array<PodInfo>, start: i32, count: i32): i64 {
  let top = pool[start].priority;
  let earliest = startOf(pool[start]);
  for (let i = start + 1; i < start + count; i++) {
    const p = pool[i];
    if (p.priority == top) {
      if (startOf(p) < earliest) earliest = startOf(p);
    } else if (p.priority > top) {
      top = p.priority;
      earliest = startOf(p);
    }
  }
  return earliest;
}
