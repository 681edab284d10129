// NodePorts: a pod's host ports must be free on the node. Ports conflict on the same
// protocol and port when the IPs are equal or either is 0.0.0.0 (or unset).

import { Code, FILTER, Plugin, PRE_FILTER } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { intern } from "../../strings/intern";
import { hasFlag, USED_PORTS } from "../node_table";

const REASON = intern("node(s) didn't have free ports for the requested pod ports");
const ANY_IP = intern("0.0.0.0");

@inline function anyAddress(ip: i32): bool {
  return ip == 0 || ip == ANY_IP;
}

export class NodePorts extends Plugin {
  constructor() {
    super("NodePorts", PRE_FILTER | FILTER);
    this.filterFlags = USED_PORTS;
  }

  preFilter(pod: PodInfo, nodes: Array<NodeInfo>): Code {
    return pod.hostPorts.length > 0 ? Code.Success : Code.Skip;
  }

  filter(pod: PodInfo, node: NodeInfo, row: usize): Code {
    const wanted = pod.hostPorts;
    const used = node.usedPorts;
    for (let i = 0; i + 2 < wanted.length; i += 3) {
      for (let j = 0; j + 2 < used.length; j += 3) {
        if (wanted[i] != used[j] || wanted[i + 2] != used[j + 2]) continue;
        if (wanted[i + 1] == used[j + 1] || anyAddress(wanted[i + 1]) || anyAddress(used[j + 1])) {
          return this.reject(Code.Unschedulable, REASON);
        }
      }
    }
    return Code.Success;
  }
}
