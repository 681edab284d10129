// PrioritySort (kube-scheduler's QueueSort plugin): higher spec.priority first, a pod
// without priority counts as 0, equal priorities in queue-arrival order.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core, type V1Pod } from "../../dist/core/index.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const queued = (name: string, priority: number | undefined, timestamp: number) => ({
  pod: { metadata: { name }, spec: { priority, containers: [] } } as V1Pod,
  timestamp,
});

describe("PrioritySort", () => {
  it("orders by priority, then by the time the pod was queued", () => {
    const queue = [queued("low-early", 1, 10), queued("none", undefined, 5), queued("high", 100, 30), queued("low-late", 1, 20), queued("negative", -5, 1)];
    expect(core.scheduler.prioritySort(queue).map((q) => q.pod.metadata!.name)).toEqual(["high", "low-early", "low-late", "none", "negative"]);
  });

  it("Less is strict: a pod is not before itself, nor before an equal one queued at the same time", () => {
    const a = queued("a", 3, 7);
    const b = queued("b", 3, 7);
    expect(core.scheduler.prioritySortLess(a, a)).toBe(false);
    expect(core.scheduler.prioritySortLess(a, b)).toBe(false);
    expect(core.scheduler.prioritySortLess(b, a)).toBe(false);
    expect(core.scheduler.prioritySortLess(queued("x", 0, 9), queued("y", undefined, 10))).toBe(true);
  });
});
