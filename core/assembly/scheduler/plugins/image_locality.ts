// ImageLocality: favours nodes that already have the pod's images, weighted by how widely
// each image is spread over the cluster (so one node holding a rare image is not a magnet).

import { Plugin, SCORE } from "../framework";
import { NodeInfo } from "../node_info";
import { PodInfo } from "../pod_info";
import { hasFlag, HAS_IMAGES } from "../node_table";

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/** What the plugin needs from the cache: how many nodes list an image, of how many. */
export interface ImageSpread {
  nodesWithImage(name: i32): i32;
  /** Distinct image names over all nodes. */
  imageCount(): i32;
  nodeCount(): i32;
}

export class ImageLocality extends Plugin {
  constructor(private spread: ImageSpread) {
    super("ImageLocality", SCORE);
  }

  /** No node reports any image: every node scores 0. */
  scoresAllEqual(pod: PodInfo): bool {
    return this.spread.imageCount() == 0;
  }

  // The same loop as Plugin.scoreAll, repeated here so that `this.score` is a direct,
  // inlined call instead of a virtual one per node.
  scoreAll(pod: PodInfo, feasible: Array<NodeInfo>, rows: StaticArray<usize>, scores: StaticArray<i64>, count: i32): void {
    // count <= scores.length, feasible.length == count, rows.length >= count (the framework's buffers).
    for (let k = 0; k < count; k++) unchecked((scores[k] = this.score(pod, unchecked(feasible[k]), unchecked(rows[k]))));
  }

  @inline score(pod: PodInfo, node: NodeInfo, row: usize): i64 {
    // No images on the node: the sum is 0, below the threshold, so the score is 0.
    if (!hasFlag(row, HAS_IMAGES)) return 0;
    const images = pod.images;
    const total = this.spread.nodeCount();
    let sum: i64 = 0;
    for (let i = 0; node.hasImages && i < images.length; i++) {
      const name = images[i];
      if (!node.images.has(name)) continue;
      const size = node.images.get(name);
      sum += <i64>(<f64>size * (<f64>this.spread.nodesWithImage(name) / <f64>total));
    }
    const maxThreshold = MAX_CONTAINER_THRESHOLD * <i64>images.length;
    if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
    else if (sum > maxThreshold) sum = maxThreshold;
    if (maxThreshold <= MIN_THRESHOLD) return 0;
    return (100 * (sum - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD);
  }
}
