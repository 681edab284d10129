// kube-scheduler's framework, reduced to what runs inside one scheduling cycle: status
// codes as values (never exceptions), the extension points a plugin may implement, and
// the 0..100 range every normalized score must fall in.

import { NodeInfo } from "./node_info";
import { PodInfo } from "./pod_info";

/** framework.Code. The numbering is part of the ABI (bindings/wasm/abi.ts). */
export const enum Code {
  Success = 0,
  Error = 1,
  Unschedulable = 2,
  UnschedulableAndUnresolvable = 3,
  Skip = 4,
}

export const MAX_NODE_SCORE: i64 = 100;

/**
 * A plugin. Subclasses override the extension points they implement and say so in
 * `points`, so the runner calls only those. State for one cycle lives in the plugin
 * instance (a profile owns its instances; cycles never overlap), written by PreFilter /
 * PreScore and read by Filter / Score, reset at the start of each cycle.
 */
export abstract class Plugin {
  /** Reasons of the last non-success Filter, as interned string ids. */
  reasons: Array<i32> = new Array<i32>();
  /** PreFilterResult: the only node names worth filtering this cycle (null: all nodes). */
  preFilterNodeNames: Set<i32> | null = null;
  /** Whether preFilterAddPod/RemovePod do anything (preemption's dry runs call only these). */
  tracksPods: bool = false;

  constructor(
    public readonly name: string,
    public readonly points: i32,
  ) {}

  /** Rejects with one reason (an interned id); returns `code` for `return this.reject(...)`. */
  reject(code: Code, reason: i32): Code {
    this.reasons.length = 0;
    this.reasons.push(reason);
    return code;
  }

  /**
   * Whether Filter can reject anything for this pod. Not an extension point: a shortcut for
   * plugins whose Filter passes every node for some pods (NodeName without spec.nodeName).
   */
  filterNeeded(pod: PodInfo): bool {
    return true;
  }

  /**
   * Row flags (node_table.ts) without which this Filter passes a node: the framework skips
   * the call for rows that have none of them. 0: always call. A shortcut, not an extension point.
   */
  filterFlags: i64 = 0;

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    return Code.Success;
  }
  /** `row`: the node's row in the cache's NodeTable (node_table.ts), for the hot fields. */
  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    return Code.Success;
  }
  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    return Code.Success;
  }
  score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    return 0;
  }

  /**
   * Whether this cycle's normalized scores are certain to be the same for every node (the
   * framework then skips the plugin when nobody asked for an explanation). Not an
   * extension point: a shortcut, default false.
   */
  scoresAllEqual(pod: PodInfo): bool {
    return false;
  }

  /**
   * Score over all feasible nodes: scores[k] for feasible[k], whose table row is rows[k].
   * Hot plugins override it with a loop that makes no virtual call per node.
   */
  scoreAll(pod: PodInfo, feasible: Array<NodeInfo>, rows: StaticArray<usize>, scores: StaticArray<i64>, count: i32): void {
    // count <= scores.length, feasible.length == count, rows.length >= count (the framework's buffers).
    for (let k = 0; k < count; k++) unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), unchecked(rows[k]))));
  }
  /** Rescales scores[0, count) in place into 0..100. */
  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {}

  /**
   * PreFilterExtensions: `other` was just added to / removed from `node`, so the state
   * PreFilter computed must follow (preemption's "what if these pods were gone").
   */
  preFilterAddPod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {}
  preFilterRemovePod(pod: PodInfo, other: PodInfo, node: NodeInfo): void {}
}

/** Extension point bits for Plugin.points. */
export const PRE_FILTER = 1;
export const FILTER = 2;
export const PRE_SCORE = 4;
export const SCORE = 8;
export const NORMALIZE = 16;

/** helper.DefaultNormalizeScore: scale to 0..max by the largest score; `reverse` flips it. */
export function defaultNormalizeScore(maxPriority: i64, reverse: bool, scores: StaticArray<i64>, count: i32): void {
  // count <= scores.length: the framework's score column holds every feasible node.
  let highest: i64 = 0;
  for (let i = 0; i < count; i++) highest = max(highest, unchecked(scores[i]));
  if (highest == 0) {
    if (reverse) for (let i = 0; i < count; i++) unchecked((scores[i] = maxPriority));
    return;
  }
  for (let i = 0; i < count; i++) {
    let s = (maxPriority * unchecked(scores[i])) / highest;
    if (reverse) s = maxPriority - s;
    unchecked((scores[i] = s));
  }
}
