// The scheduler's cache: nodes (in a dense list, the order filtering walks) and pods by
// key, kept up to date incrementally by the host (add/update/remove), plus the image
// spread ImageLocality reads.

import { NodeInfo, AffinityCounts } from "./node_info";
import { NodeTable } from "./node_table";
import { PodInfo } from "./pod_info";
import { ImageSpread } from "./plugins/image_locality";

export class Cache implements ImageSpread {
  nodes: Array<NodeInfo> = new Array<NodeInfo>();
  nodeByName: Map<i32, NodeInfo> = new Map<i32, NodeInfo>();
  podByKey: Map<i32, PodInfo> = new Map<i32, PodInfo>();
  /** image name id → number of nodes listing it. */
  imageNodes: Map<i32, i32> = new Map<i32, i32>();
  /** The nodes' hot fields, a row per node in `nodes` order. */
  table: NodeTable = new NodeTable();
  /** Per label key, each node's value id (-1: no such label), in node order; see labelColumn. */
  private labelColumns: Map<i32, StaticArray<i32>> = new Map<i32, StaticArray<i32>>();
  /** Bound pods with pod affinity terms, over all nodes. */
  affinityCounts: AffinityCounts = new AffinityCounts();
  /** namespace name id → its labels as (key, value) pairs (namespaceSelector). */
  namespaceLabels: Map<i32, StaticArray<i32>> = new Map<i32, StaticArray<i32>>();

  /** The labels of Namespace `name`, or null when the cache does not know it. */
  labelsOfNamespace(name: i32): StaticArray<i32> | null {
    return this.namespaceLabels.has(name) ? this.namespaceLabels.get(name) : null;
  }

  nodesWithImage(name: i32): i32 {
    return this.imageNodes.has(name) ? this.imageNodes.get(name) : 0;
  }

  /**
   * Every node's value of label `key` (-1 when absent), indexed like `nodes`: topology keys
   * read for every node in a cycle, without touching the node objects. Rebuilt after any
   * node change.
   */
  labelColumn(key: i32): StaticArray<i32> {
    if (this.labelColumns.has(key)) return this.labelColumns.get(key);
    const nodes = this.nodes;
    const column = new StaticArray<i32>(nodes.length);
    for (let i = 0; i < nodes.length; i++) column[i] = nodes[i].labelValue(key);
    this.labelColumns.set(key, column);
    return column;
  }

  private nodesChanged(): void {
    if (this.labelColumns.size > 0) this.labelColumns.clear();
  }

  imageCount(): i32 {
    return this.imageNodes.size;
  }

  /** Nodes with a PreferNoSchedule taint (TaintToleration scores differ only then). */
  preferNoScheduleNodes: i32 = 0;

  nodeCount(): i32 {
    return this.nodes.length;
  }

  /** Adds or replaces a node (its pods stay). `fresh` holds the decoded node fields. */
  setNode(fresh: NodeInfo): void {
    this.nodesChanged();
    const existing = this.nodeByName.has(fresh.name) ? this.nodeByName.get(fresh.name) : null;
    if (existing !== null) {
      this.countImages(existing, -1);
      if (existing.hasPreferNoScheduleTaint()) this.preferNoScheduleNodes--;
      if (fresh.hasPreferNoScheduleTaint()) this.preferNoScheduleNodes++;
      existing.unschedulable = fresh.unschedulable;
      existing.labels = fresh.labels;
      existing.taints = fresh.taints;
      existing.setAllocatable(fresh.allocatable);
      existing.images = fresh.images;
      existing.hasImages = fresh.hasImages;
      this.countImages(existing, 1);
      existing.sync();
      return;
    }
    fresh.affinityCounts = this.affinityCounts;
    if (fresh.hasPreferNoScheduleTaint()) this.preferNoScheduleNodes++;
    fresh.index = this.nodes.length;
    this.table.ensure(this.nodes.length + 1);
    fresh.table = this.table;
    this.nodes.push(fresh);
    fresh.sync();
    this.nodeByName.set(fresh.name, fresh);
    this.countImages(fresh, 1);
    // Pods that were bound to this node before it (re)appeared.
    const pods = this.podByKey.values();
    for (let i = 0; i < pods.length; i++) if (pods[i].nodeName == fresh.name) fresh.addPod(pods[i]);
  }

  removeNode(name: i32): bool {
    if (!this.nodeByName.has(name)) return false;
    this.nodesChanged();
    const node = this.nodeByName.get(name);
    this.countImages(node, -1);
    if (node.hasPreferNoScheduleTaint()) this.preferNoScheduleNodes--;
    // Its pods stay cached (they count again if the node comes back) but leave the counts.
    this.affinityCounts.podsWithAffinity -= node.podsWithAffinity.length;
    for (let i = 0; i < node.podsWithAffinity.length; i++) if (node.podsWithAffinity[i].scoresOthers) this.affinityCounts.podsScoringOthers--;
    this.affinityCounts.podsWithRequiredAntiAffinity -= node.podsWithRequiredAntiAffinity.length;
    node.leaveAffinityLists(true);
    this.nodeByName.delete(name);
    node.table = null;
    const last = this.nodes.pop();
    if (last !== node) {
      last.index = node.index;
      this.nodes[node.index] = last;
      last.sync(); // its row moves to the freed index
    }
    return true;
  }

  /** Adds or replaces a pod; a pod with a node name counts on that node. */
  setPod(pod: PodInfo): void {
    this.removePod(pod.key);
    this.podByKey.set(pod.key, pod);
    if (pod.nodeName != 0 && this.nodeByName.has(pod.nodeName)) this.nodeByName.get(pod.nodeName).addPod(pod);
  }

  removePod(key: i32): bool {
    if (!this.podByKey.has(key)) return false;
    const pod = this.podByKey.get(key);
    this.podByKey.delete(key);
    if (pod.nodeName != 0 && this.nodeByName.has(pod.nodeName)) this.nodeByName.get(pod.nodeName).removePod(pod);
    return true;
  }

  private countImages(node: NodeInfo, delta: i32): void {
    const names = node.images.keys();
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const n = this.nodesWithImage(name) + delta;
      if (n > 0) this.imageNodes.set(name, n);
      else this.imageNodes.delete(name);
    }
  }
}
