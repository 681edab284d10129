// NodeName: a pod that names its node (spec.nodeName) fits only that node.

import { Code, FILTER, Plugin } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { intern } from "../../strings/intern";

const REASON = intern("node(s) didn't match the requested node name");

export class NodeName extends Plugin {
  constructor() {
    super("NodeName", FILTER);
  }

  filterNeeded(pod: PodInfo): bool {
    return pod.nodeName != 0;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    if (pod.nodeName == 0 || pod.nodeName == node.name) return Code.Success;
    return this.reject(Code.UnschedulableAndUnresolvable, REASON);
  }
}
