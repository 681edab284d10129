// Plugin names → instances (framework/runtime/registry.go), and the default profile of
// kube-scheduler v1.35 as far as kubeling implements its plugins: order and weights.

import { Plugin, FILTER, PRE_FILTER, PRE_SCORE, SCORE, NORMALIZE } from "./framework";
import { Cache } from "./cache";
import { NodeUnschedulable } from "./plugins/node_unschedulable";
import { NodeName } from "./plugins/node_name";
import { TaintToleration } from "./plugins/taint_toleration";
import { NodeAffinityPlugin } from "./plugins/node_affinity";
import { NodePorts } from "./plugins/node_ports";
import { NodeResourcesFit } from "./plugins/node_resources_fit";
import { BalancedAllocation } from "./plugins/balanced_allocation";
import { ImageLocality } from "./plugins/image_locality";
import { PodTopologySpread } from "./plugins/pod_topology_spread";
import { InterPodAffinity } from "./plugins/inter_pod_affinity";
import { DefaultPreemption } from "./plugins/default_preemption";

/** A new instance of the named plugin, or null for a name kubeling does not implement. */
export function newPlugin(name: string, cache: Cache): Plugin | null {
  if (name == "NodeUnschedulable") return new NodeUnschedulable();
  if (name == "NodeName") return new NodeName();
  if (name == "TaintToleration") return new TaintToleration(cache);
  if (name == "NodeAffinity") return new NodeAffinityPlugin();
  if (name == "NodePorts") return new NodePorts();
  if (name == "NodeResourcesFit") return new NodeResourcesFit(cache);
  if (name == "NodeResourcesBalancedAllocation") return new BalancedAllocation(cache);
  if (name == "ImageLocality") return new ImageLocality(cache);
  if (name == "PodTopologySpread") return new PodTopologySpread(cache);
  if (name == "InterPodAffinity") return new InterPodAffinity(cache);
  if (name == "DefaultPreemption") return new DefaultPreemption();
  return null;
}

export const ALL_POINTS = PRE_FILTER | FILTER | PRE_SCORE | SCORE | NORMALIZE | 32 /* POST_FILTER */;
