// A node in the scheduler's cache (framework.NodeInfo): the node's own fields decoded from
// the host's record, plus what the pods bound to it add up to.

import { next, nextCount, nextArray, nextI64 } from "./record";
import { Amounts, CPU, MEMORY, EPHEMERAL_STORAGE, PODS, resourceIndex, quantityOf } from "./resources";
import { PodInfo } from "./pod_info";
import { lookup } from "../labels/selector";
import {
  NodeTable, field, ALLOC_CPU, ALLOC_MEMORY, ALLOC_EPHEMERAL, ALLOC_PODS, REQ_CPU, REQ_MEMORY, REQ_EPHEMERAL,
  NON_ZERO_CPU, NON_ZERO_MEMORY, POD_COUNT, FLAGS, UNSCHEDULABLE, HARD_TAINTS, PREFER_NO_SCHEDULE_TAINTS,
  HAS_IMAGES, USED_PORTS, SCALAR_RESOURCES, POD_VERSION, nextPodVersion,
} from "./node_table";
import { effectSelected, EFFECT_BIT_NO_EXECUTE, EFFECT_BIT_NO_SCHEDULE, EFFECT_PREFER_NO_SCHEDULE } from "../taints/toleration";

/**
 * Which nodes hold pods with pod (anti-)affinity terms, kept up to date as pods come and go
 * (the snapshot's HavePodsWithAffinityList / HavePodsWithRequiredAntiAffinityList), so the
 * InterPodAffinity plugin visits those nodes only instead of every node.
 */
export class AffinityCounts {
  podsWithAffinity: i32 = 0;
  podsWithRequiredAntiAffinity: i32 = 0;
  /** Pods whose own terms score other pods (required or preferred affinity, preferred anti-affinity). */
  podsScoringOthers: i32 = 0;
  nodesWithAffinity: Array<NodeInfo> = new Array<NodeInfo>();
  nodesWithRequiredAntiAffinity: Array<NodeInfo> = new Array<NodeInfo>();

  /** Adds `node` to `list` and returns its position there. */
  enter(list: Array<NodeInfo>, node: NodeInfo): i32 {
    list.push(node);
    return list.length - 1;
  }

  /** Removes the node at `at` from `list` (the last one moves into its place). */
  leave(list: Array<NodeInfo>, at: i32, anti: bool): void {
    const last = list.length - 1;
    if (at != last) {
      const moved = list[last];
      list[at] = moved;
      if (anti) moved.antiListPosition = at;
      else moved.affinityListPosition = at;
    }
    list.length = last;
  }
}

export class NodeInfo {
  /** The cache's counters this node's pods add to. */
  affinityCounts: AffinityCounts = new AffinityCounts();
  /** Positions in affinityCounts' node lists (-1: not listed). */
  affinityListPosition: i32 = -1;
  antiListPosition: i32 = -1;
  /** Position in the cache's node list (changes when nodes are removed). */
  index: i32 = 0;
  /** The cache's table of hot fields; this node's row is `index` (see sync()). */
  table: NodeTable | null = null;
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

  hasPreferNoScheduleTaint(): bool {
    const taints = this.taints;
    for (let t = 0; t + 2 < taints.length; t += 3) if (taints[t + 2] == EFFECT_PREFER_NO_SCHEDULE) return true;
    return false;
  }

  /** Leaves the affinity node lists it no longer belongs to (all of them when `all`). */
  leaveAffinityLists(all: bool): void {
    const index = this.affinityCounts;
    if (this.affinityListPosition >= 0 && (all || this.podsWithAffinity.length == 0)) {
      index.leave(index.nodesWithAffinity, this.affinityListPosition, false);
      this.affinityListPosition = -1;
    }
    if (this.antiListPosition >= 0 && (all || this.podsWithRequiredAntiAffinity.length == 0)) {
      index.leave(index.nodesWithRequiredAntiAffinity, this.antiListPosition, true);
      this.antiListPosition = -1;
    }
  }

  /** Copies the fields Filter and Score read per node into the node's table row. */
  sync(): void {
    const table = this.table;
    if (table === null) return;
    const i = this.index;
    table.set(i, ALLOC_CPU, this.allocatableCpu);
    table.set(i, ALLOC_MEMORY, this.allocatableMemory);
    table.set(i, ALLOC_EPHEMERAL, this.allocatableEphemeral);
    table.set(i, ALLOC_PODS, this.allocatablePods);
    table.set(i, REQ_CPU, this.requestedCpu);
    table.set(i, REQ_MEMORY, this.requestedMemory);
    table.set(i, REQ_EPHEMERAL, this.requestedEphemeral);
    table.set(i, NON_ZERO_CPU, this.nonZeroCpu);
    table.set(i, NON_ZERO_MEMORY, this.nonZeroMemory);
    table.set(i, POD_COUNT, this.podCount);
    let flags: i64 = 0;
    if (this.unschedulable) flags |= UNSCHEDULABLE;
    const taints = this.taints;
    for (let t = 0; t + 2 < taints.length; t += 3) {
      const effect = taints[t + 2];
      if (effectSelected(effect, EFFECT_BIT_NO_SCHEDULE | EFFECT_BIT_NO_EXECUTE)) flags |= HARD_TAINTS;
      if (effect == EFFECT_PREFER_NO_SCHEDULE) flags |= PREFER_NO_SCHEDULE_TAINTS;
    }
    if (this.hasImages) flags |= HAS_IMAGES;
    if (this.usedPorts.length > 0) flags |= USED_PORTS;
    if (this.allocatable.hasScalar() || this.requested.hasScalar()) flags |= SCALAR_RESOURCES;
    table.set(i, FLAGS, flags);
    table.set(i, POD_VERSION, nextPodVersion());
  }

  addPod(pod: PodInfo): void {
    this.pods.push(pod);
    this.podCount = this.pods.length;
    this.addRequests(pod, 1);
    this.nonZeroCpu += pod.nonZeroCpu;
    this.nonZeroMemory += pod.nonZeroMemory;
    for (let i = 0; i < pod.hostPorts.length; i++) this.usedPorts.push(pod.hostPorts[i]);
    const index = this.affinityCounts;
    if (pod.hasPodAffinity) {
      this.podsWithAffinity.push(pod);
      index.podsWithAffinity++;
      if (pod.scoresOthers) index.podsScoringOthers++;
      if (this.affinityListPosition < 0) this.affinityListPosition = index.enter(index.nodesWithAffinity, this);
    }
    if (pod.requiredAntiAffinity.length > 0) {
      this.podsWithRequiredAntiAffinity.push(pod);
      index.podsWithRequiredAntiAffinity++;
      if (this.antiListPosition < 0) this.antiListPosition = index.enter(index.nodesWithRequiredAntiAffinity, this);
    }
    this.sync();
  }

  removePod(pod: PodInfo): bool {
    if (!removeFrom(this.pods, pod)) return false;
    this.podCount = this.pods.length;
    const index = this.affinityCounts;
    if (removeFrom(this.podsWithAffinity, pod)) {
      index.podsWithAffinity--;
      if (pod.scoresOthers) index.podsScoringOthers--;
    }
    if (removeFrom(this.podsWithRequiredAntiAffinity, pod)) index.podsWithRequiredAntiAffinity--;
    this.leaveAffinityLists(false);
    this.addRequests(pod, -1);
    this.nonZeroCpu -= pod.nonZeroCpu;
    this.nonZeroMemory -= pod.nonZeroMemory;
    const ports = pod.hostPorts;
    for (let i = 0; i + 2 < ports.length; i += 3) {
      for (let j = 0; j + 2 < this.usedPorts.length; j += 3) {
        const used = this.usedPorts;
        if (used[j] == ports[i] && used[j + 1] == ports[i + 1] && used[j + 2] == ports[i + 2]) {
          // Move the last triple into the gap (no allocation, unlike splice).
          const last = used.length - 3;
          used[j] = used[last];
          used[j + 1] = used[last + 1];
          used[j + 2] = used[last + 2];
          used.length = last;
          break;
        }
      }
    }
    this.sync();
    return true;
  }
}

/** A node's allocatable amount of resource `r`: standard ones from its table row. */
@inline export function allocatableOn(node: NodeInfo, row: usize, r: i32): i64 {
  switch (r) {
    case CPU: return field(row, ALLOC_CPU);
    case MEMORY: return field(row, ALLOC_MEMORY);
    case EPHEMERAL_STORAGE: return field(row, ALLOC_EPHEMERAL);
    case PODS: return field(row, ALLOC_PODS);
  }
  return node.allocatable.get(r);
}

/** The sum of real requests of a node's pods for resource `r`: standard ones from its row. */
@inline export function requestedOn(node: NodeInfo, row: usize, r: i32): i64 {
  switch (r) {
    case CPU: return field(row, REQ_CPU);
    case MEMORY: return field(row, REQ_MEMORY);
    case EPHEMERAL_STORAGE: return field(row, REQ_EPHEMERAL);
  }
  return node.requested.get(r);
}

/**
 * Removes `pod` by moving the last element into its place: no allocation (splice makes an
 * array of what it removed), which matters in preemption's dry runs. Order is not kept;
 * nothing depends on the order of a node's pods.
 */
function removeFrom(list: Array<PodInfo>, pod: PodInfo): bool {
  const at = list.indexOf(pod);
  if (at < 0) return false;
  const last = list.length - 1;
  if (at != last) list[at] = list[last];
  list.length = last;
  return true;
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

