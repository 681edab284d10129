// A node in the scheduler's cache (framework.NodeInfo): the node's own fields decoded from
// the host's record, plus what the pods bound to it add up to.

import { next, nextCount, nextArray, nextI64 } from "./record";
import { Amounts, PODS, resourceIndex, quantityOf } from "./resources";
import { PodInfo } from "./pod_info";

export class NodeInfo {
  /** Position in the cache's node list (changes when nodes are removed). */
  index: i32 = 0;
  /** Position among the nodes the current scheduling cycle evaluated. */
  cyclePosition: i32 = 0;
  name: i32 = 0;
  unschedulable: bool = false;
  labels: StaticArray<i32> = new StaticArray<i32>(0);
  /** (key, value, effect) per taint. */
  taints: StaticArray<i32> = new StaticArray<i32>(0);
  allocatable: Amounts = new Amounts();
  /** image name id → size in bytes, for every name of every image the node reports. */
  images: Map<i32, i64> = new Map<i32, i64>();

  pods: Array<PodInfo> = new Array<PodInfo>();
  /** Σ real requests of the pods on the node. */
  requested: Amounts = new Amounts();
  nonZeroCpu: i64 = 0;
  nonZeroMemory: i64 = 0;
  /** (protocol, host IP, port) triples in use on the node. */
  usedPorts: Array<i32> = new Array<i32>();

  get allowedPodNumber(): i64 {
    return this.allocatable.get(PODS);
  }

  addPod(pod: PodInfo): void {
    this.pods.push(pod);
    this.requested.addAll(pod.requests);
    this.nonZeroCpu += pod.nonZeroCpu;
    this.nonZeroMemory += pod.nonZeroMemory;
    for (let i = 0; i < pod.hostPorts.length; i++) this.usedPorts.push(pod.hostPorts[i]);
  }

  removePod(pod: PodInfo): bool {
    const at = this.pods.indexOf(pod);
    if (at < 0) return false;
    this.pods.splice(at, 1);
    this.requested.addAll(pod.requests, -1);
    this.nonZeroCpu -= pod.nonZeroCpu;
    this.nonZeroMemory -= pod.nonZeroMemory;
    const ports = pod.hostPorts;
    for (let i = 0; i + 2 < ports.length; i += 3) {
      for (let j = 0; j + 2 < this.usedPorts.length; j += 3) {
        if (this.usedPorts[j] == ports[i] && this.usedPorts[j + 1] == ports[i + 1] && this.usedPorts[j + 2] == ports[i + 2]) {
          this.usedPorts.splice(j, 3);
          break;
        }
      }
    }
    return true;
  }
}

/** Decodes a node record (already begun with beginRecord) into `node`, keeping its pods. */
export function readNode(node: NodeInfo): void {
  node.name = next();
  node.unschedulable = next() != 0;
  node.labels = nextArray(nextCount(2), 2);
  node.taints = nextArray(nextCount(3), 3);
  const allocatable = new Amounts();
  const n = nextCount(2);
  for (let i = 0; i < n; i++) {
    const r = resourceIndex(next());
    allocatable.set(r, quantityOf(r, next()));
  }
  node.allocatable = allocatable;
  const images = new Map<i32, i64>();
  const imageCount = nextCount(3);
  for (let i = 0; i < imageCount; i++) {
    const name = next();
    images.set(name, nextI64());
  }
  node.images = images;
}

