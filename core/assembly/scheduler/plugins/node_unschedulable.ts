// NodeUnschedulable: a cordoned node (spec.unschedulable) only takes pods that tolerate
// the node.kubernetes.io/unschedulable:NoSchedule taint.

import { Code, FILTER, Plugin } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { intern } from "../../strings/intern";
import { anyToleratesTaint, EFFECT_NO_SCHEDULE } from "../../taints/toleration";
import { hasFlag, UNSCHEDULABLE } from "../node_table";

const REASON = intern("node(s) were unschedulable");
const TAINT = new StaticArray<i32>(3);
TAINT[0] = intern("node.kubernetes.io/unschedulable");
TAINT[1] = 0;
TAINT[2] = EFFECT_NO_SCHEDULE;

export class NodeUnschedulable extends Plugin {
  constructor() {
    super("NodeUnschedulable", FILTER);
    this.filterFlags = UNSCHEDULABLE;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    if (!hasFlag(row, UNSCHEDULABLE)) return Code.Success;
    const tolerations = pod.tolerations;
    if (anyToleratesTaint(changetype<usize>(tolerations), tolerations.length >> 2, changetype<usize>(TAINT), false)) {
      return Code.Success;
    }
    return this.reject(Code.UnschedulableAndUnresolvable, REASON);
  }
}
