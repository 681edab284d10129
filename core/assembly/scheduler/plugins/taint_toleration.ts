// TaintToleration: Filter rejects nodes with a NoSchedule/NoExecute taint the pod does not
// tolerate; Score counts the PreferNoSchedule taints it does not tolerate (fewer is
// better, normalized in reverse).

import { Code, FILTER, NORMALIZE, Plugin, PRE_SCORE, SCORE, MAX_NODE_SCORE, defaultNormalizeScore } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { Cache } from "../cache";
import { intern } from "../../strings/intern";
import {
  anyToleratesTaint, effectSelected, EFFECT_BIT_NO_EXECUTE, EFFECT_BIT_NO_SCHEDULE, EFFECT_PREFER_NO_SCHEDULE,
} from "../../taints/toleration";
import { hasFlag, HARD_TAINTS, PREFER_NO_SCHEDULE_TAINTS } from "../node_table";

const REASON = intern("node(s) had untolerated taint(s)");

export class TaintToleration extends Plugin {
  constructor(private cache: Cache) {
    super("TaintToleration", FILTER | PRE_SCORE | SCORE | NORMALIZE);
    this.filterFlags = HARD_TAINTS;
  }

  /** No node has a PreferNoSchedule taint: every node scores 0, normalized to 100. */
  scoresAllEqual(pod: PodInfo): bool {
    return this.cache.preferNoScheduleNodes == 0;
  }

  /** The pod's tolerations with effect PreferNoSchedule or empty (PreScore). */
  private preferTolerations: StaticArray<i32> = new StaticArray<i32>(0);


  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    const taints = node.taints;
    const tolerations = pod.tolerations;
    for (let i = 0; i + 2 < taints.length; i += 3) {
      if (!effectSelected(taints[i + 2], EFFECT_BIT_NO_SCHEDULE | EFFECT_BIT_NO_EXECUTE)) continue;
      const taint = changetype<usize>(taints) + (<usize>i << 2);
      if (!anyToleratesTaint(changetype<usize>(tolerations), tolerations.length >> 2, taint, false)) {
        return this.reject(Code.UnschedulableAndUnresolvable, REASON);
      }
    }
    return Code.Success;
  }

  preScore(pod: PodInfo, feasible: Array<NodeInfo>): Code {
    const all = pod.tolerations;
    const kept = new Array<i32>();
    for (let i = 0; i + 3 < all.length; i += 4) {
      const effect = all[i + 3];
      if (effect == 0 || effect == EFFECT_PREFER_NO_SCHEDULE) for (let k = 0; k < 4; k++) kept.push(all[i + k]);
    }
    this.preferTolerations = StaticArray.fromArray<i32>(kept);
    return Code.Success;
  }

  // The same loop as Plugin.scoreAll, repeated here so that `this.score` is a direct,
  // inlined call instead of a virtual one per node.
  scoreAll(pod: PodInfo, feasible: Array<NodeInfo>, rows: StaticArray<usize>, scores: StaticArray<i64>, count: i32): void {
    // count <= scores.length, feasible.length == count, rows.length >= count (the framework's buffers).
    for (let k = 0; k < count; k++) unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), unchecked(rows[k]))));
  }

  @inline score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    if (!hasFlag(row, PREFER_NO_SCHEDULE_TAINTS)) return 0;
    const taints = node.taints;
    const tolerations = this.preferTolerations;
    let intolerable: i64 = 0;
    for (let i = 0; i + 2 < taints.length; i += 3) {
      if (taints[i + 2] != EFFECT_PREFER_NO_SCHEDULE) continue;
      const taint = changetype<usize>(taints) + (<usize>i << 2);
      if (!anyToleratesTaint(changetype<usize>(tolerations), tolerations.length >> 2, taint, false)) intolerable++;
    }
    return intolerable;
  }

  normalize(pod: PodInfo, scores: StaticArray<i64>, count: i32): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores, count);
  }
}
