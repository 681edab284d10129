// A node in the scheduler's cache (framework.NodeInfo): the node's own fields decoded from
// the host's record, plus what the pods bound to it add up to.

import { next, nextCount, nextArray, nextI64 } from "./record";
import { Amounts, CPU, MEMORY, EPHEMERAL_STORAGE, PODS, resourceIndex, quantityOf } from "./resources";
import { PodInfo } from "./pod_info";
import { lookup } from "../labels/selector";

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
  /** Allocatable scalar resources (extended, hugepages...); the standard four are fields below. */
  allocatable: Amounts = new Amounts();
  /** image name id → size in bytes, for every name of every image the node reports. */
  images: Map<i32, i64> = new Map<i32, i64>();

  pods: Array<PodInfo> = new Array<PodInfo>();
  /** Pods with any pod (anti-)affinity term, and those with required anti-affinity. */
  podsWithAffinity: Array<PodInfo> = new Array<PodInfo>();
  podsWithRequiredAntiAffinity: Array<PodInfo> = new Array<PodInfo>();
  /** pods.length, kept beside the other hot fields. */
  podCount: i32 = 0;
  /** Whether `images` is non-empty (ImageLocality skips the map otherwise). */
  hasImages: bool = false;
  /** Σ real requests of the pods on the node (scalar resources; standard ones below). */
  requested: Amounts = new Amounts();
  // cpu (milli), memory, ephemeral-storage, pods: plain fields, because the filter and
  // score loops read them for every node and every hop to another object is a cache miss.
  allocatableCpu: i64 = 0;
  allocatableMemory: i64 = 0;
  allocatableEphemeral: i64 = 0;
  allocatablePods: i64 = 0;
  requestedCpu: i64 = 0;
  requestedMemory: i64 = 0;
  requestedEphemeral: i64 = 0;
  nonZeroCpu: i64 = 0;
  nonZeroMemory: i64 = 0;
  /** (protocol, host IP, port) triples in use on the node. */
  usedPorts: Array<i32> = new Array<i32>();

  /** The value id of label `key`, or -1 when the node does not have it. */
  @inline labelValue(key: i32): i32 {
    return lookup(changetype<usize>(this.labels), this.labels.length >> 1, key);
  }

  @inline allocatableOf(r: i32): i64 {
    switch (r) {
      case CPU: return this.allocatableCpu;
      case MEMORY: return this.allocatableMemory;
      case EPHEMERAL_STORAGE: return this.allocatableEphemeral;
      case PODS: return this.allocatablePods;
    }
    return this.allocatable.get(r);
  }

  @inline requestedOf(r: i32): i64 {
    switch (r) {
      case CPU: return this.requestedCpu;
      case MEMORY: return this.requestedMemory;
      case EPHEMERAL_STORAGE: return this.requestedEphemeral;
    }
    return this.requested.get(r);
  }

  setAllocatable(amounts: Amounts): void {
    this.allocatable = amounts;
    this.allocatableCpu = amounts.get(CPU);
    this.allocatableMemory = amounts.get(MEMORY);
    this.allocatableEphemeral = amounts.get(EPHEMERAL_STORAGE);
    this.allocatablePods = amounts.get(PODS);
  }

  private addRequests(pod: PodInfo, sign: i64): void {
    this.requested.addAll(pod.requests, sign);
    this.requestedCpu = this.requested.get(CPU);
    this.requestedMemory = this.requested.get(MEMORY);
    this.requestedEphemeral = this.requested.get(EPHEMERAL_STORAGE);
  }

  addPod(pod: PodInfo): void {
    this.pods.push(pod);
    this.podCount = this.pods.length;
    this.addRequests(pod, 1);
    this.nonZeroCpu += pod.nonZeroCpu;
    this.nonZeroMemory += pod.nonZeroMemory;
    for (let i = 0; i < pod.hostPorts.length; i++) this.usedPorts.push(pod.hostPorts[i]);
    if (pod.hasPodAffinity) this.podsWithAffinity.push(pod);
    if (pod.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.push(pod);
  }

  removePod(pod: PodInfo): bool {
    const at = this.pods.indexOf(pod);
    if (at < 0) return false;
    this.pods.splice(at, 1);
    this.podCount = this.pods.length;
    removeFrom(this.podsWithAffinity, pod);
    removeFrom(this.podsWithRequiredAntiAffinity, pod);
    this.addRequests(pod, -1);
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

function removeFrom(list: Array<PodInfo>, pod: PodInfo): void {
  const at = list.indexOf(pod);
  if (at >= 0) list.splice(at, 1);
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
  node.setAllocatable(allocatable);
  const images = new Map<i32, i64>();
  const imageCount = nextCount(3);
  for (let i = 0; i < imageCount; i++) {
    const name = next();
    images.set(name, nextI64());
  }
  node.images = images;
  node.hasImages = imageCount > 0;
}

