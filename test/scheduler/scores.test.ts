// Scores, plugin by plugin, with values worked out from kube-scheduler's formulas
// (normalized 0..100, before weights), then weights, selection and ties.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { node, only, pod } from "./builders.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const scores = (profile: object, p: ReturnType<typeof pod>, nodes: ReturnType<typeof node>[], pods: ReturnType<typeof pod>[] = []) => {
  const r = core.scheduler.evaluate({ pod: p, nodes, pods, profile });
  return Object.fromEntries(Object.entries(r.nodes).map(([name, n]) => [name, n.total]));
};

describe("NodeResourcesFit scoring", () => {
  // n1: 4 cpu / 32Gi with 3 cpu + 1Gi used; n2: 8 cpu / 16Gi empty. Pod: 500m / 500Mi.
  const nodes = [node("n1", { cpu: "4", memory: "32Gi" }), node("n2", { cpu: "8", memory: "16Gi" })];
  const pods = [pod("o", { nodeName: "n1", cpu: "3", memory: "1Gi" })];
  const p = pod("p", { cpu: "500m", memory: "500Mi" });

  it("LeastAllocated (default): mean over cpu and memory of free share × 100, integer division", () => {
    // n1: cpu (4000-3500)*100/4000 = 12, memory (32768-1548)*100/32768 = 95 → 107/2 = 53
    // n2: cpu 7500*100/8000 = 93, memory 15884*100/16384 = 96 → 189/2 = 94
    expect(scores(only("NodeResourcesFit"), p, nodes, pods)).toEqual({ n1: 53, n2: 94 });
  });

  it("MostAllocated", () => {
    // n1: cpu 3500*100/4000 = 87, memory 1548*100/32768 = 4 → 91/2 = 45; n2: 6 + 3 → 4
    const profile = only("NodeResourcesFit", { scoringStrategy: { type: "MostAllocated" } });
    expect(scores(profile, p, nodes, pods)).toEqual({ n1: 45, n2: 4 });
  });

  it("RequestedToCapacityRatio with a shape, and resource weights", () => {
    // utilization → score: 0 → 0, 100 → 10 (× 10). cpu weight 3, memory 1.
    // n1: cpu 87 → 87, memory 4 → 4: round((87*3 + 4) / 4) = round(66.25) = 66
    // n2: cpu 6 → 6, memory 3 → 3: round((18 + 3) / 4) = round(5.25) = 5
    const profile = only("NodeResourcesFit", {
      scoringStrategy: {
        type: "RequestedToCapacityRatio",
        resources: [{ name: "cpu", weight: 3 }, { name: "memory", weight: 1 }],
        requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
      },
    });
    expect(scores(profile, p, nodes, pods)).toEqual({ n1: 66, n2: 5 });
  });

  it("scores pods without requests with the non-zero defaults (100m, 200Mi)", () => {
    // n2 empty, 8 cpu / 16Gi: cpu (8000-100)*100/8000 = 98, memory (16384-200)*100/16384 = 98
    const r = core.scheduler.evaluate({ pod: pod("p"), nodes: [node("n2", { cpu: "8", memory: "16Gi" }), node("x")], profile: only("NodeResourcesFit") });
    expect(r.nodes.n2.scores.NodeResourcesFit).toBe(98);
  });
});

describe("NodeResourcesBalancedAllocation", () => {
  it("scores (1 - std of the requested fractions) × 100 (v1.35 formula)", () => {
    // n1: cpu 3500/4000 = 0.875, memory 1548/32768 = 0.0472 → std 0.4139 → 58
    // n2: cpu 500/8000 = 0.0625, memory 500/16384 = 0.0305 → std 0.016 → 98
    const nodes = [node("n1", { cpu: "4", memory: "32Gi" }), node("n2", { cpu: "8", memory: "16Gi" })];
    const pods = [pod("o", { nodeName: "n1", cpu: "3", memory: "1Gi" })];
    expect(scores(only("NodeResourcesBalancedAllocation"), pod("p", { cpu: "500m", memory: "500Mi" }), nodes, pods)).toEqual({ n1: 58, n2: 98 });
  });

  it("does not score best-effort pods (PreScore Skip)", () => {
    const r = core.scheduler.evaluate({ pod: pod("p"), nodes: [node("a"), node("b")], profile: only("NodeResourcesBalancedAllocation") });
    expect(r.nodes.a.scores).toEqual({});
  });
});

describe("TaintToleration scoring", () => {
  it("counts untolerated PreferNoSchedule taints, normalized in reverse", () => {
    const prefer = (key: string) => ({ key, effect: "PreferNoSchedule" });
    const nodes = [node("clean"), node("one", { taints: [prefer("a")] }), node("two", { taints: [prefer("a"), prefer("b")] })];
    // max = 2: clean 100 - 0 = 100, one 100 - 50 = 50, two 0
    expect(scores(only("TaintToleration"), pod("p"), nodes)).toEqual({ clean: 100, one: 50, two: 0 });
    // Tolerating "a" (empty effect tolerates every effect): max = 1 → clean 100, one 100, two 0
    const tolerant = pod("p", { tolerations: [{ key: "a", operator: "Exists" }] });
    expect(scores(only("TaintToleration"), tolerant, nodes)).toEqual({ clean: 100, one: 100, two: 0 });
  });
});

describe("NodeAffinity scoring", () => {
  it("sums the weights of matching preferred terms, normalized by the largest", () => {
    const affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 20, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } },
          { weight: 60, preference: { matchExpressions: [{ key: "disk", operator: "Exists" }] } },
        ],
      },
    };
    const nodes = [node("both", { labels: { zone: "a", disk: "ssd" } }), node("zone", { labels: { zone: "a" } }), node("none")];
    // raw 80, 20, 0 → 100, 25, 0
    expect(scores(only("NodeAffinity"), pod("p", { affinity }), nodes)).toEqual({ both: 100, zone: 25, none: 0 });
  });
});

describe("ImageLocality", () => {
  it("scores image sizes spread over the cluster between the 23 MB and 1000 MB thresholds", () => {
    const mb = 1024 * 1024;
    // 500 MB on 1 of 2 nodes → 250 MB counted: 100 * (250 - 23) / (1000 - 23) = 23 (integer)
    const nodes = [node("has", { images: [{ names: ["app:1"], sizeBytes: 500 * mb }] }), node("hasnt")];
    expect(scores(only("ImageLocality"), pod("p", { image: "app:1" }), nodes)).toEqual({ has: 23, hasnt: 0 });
    // A name without a tag is looked up as ":latest".
    const latest = [node("has", { images: [{ names: ["app:latest"], sizeBytes: 2000 * mb }] }), node("other")];
    expect(scores(only("ImageLocality"), pod("p", { image: "app" }), latest)).toEqual({ has: 100, other: 0 });
  });
});

describe("the default profile", () => {
  it("weights and sums the plugin scores (TaintToleration 3, NodeAffinity 2, others 1)", () => {
    const nodes = [node("n1", { cpu: "4", memory: "32Gi" }), node("n4", { cpu: "8", memory: "16Gi", taints: [{ key: "spot", effect: "PreferNoSchedule" }] })];
    const pods = [pod("o", { nodeName: "n1", cpu: "3", memory: "1Gi" })];
    const r = core.scheduler.evaluate({ pod: pod("p", { cpu: "500m", memory: "500Mi" }), nodes, pods });
    expect(r.nodes.n1.scores).toEqual({ TaintToleration: 100, NodeResourcesFit: 53, NodeResourcesBalancedAllocation: 58, ImageLocality: 0 });
    expect(r.nodes.n1.total).toBe(100 * 3 + 53 + 58);
    expect(r.nodes.n4.scores).toEqual({ TaintToleration: 0, NodeResourcesFit: 94, NodeResourcesBalancedAllocation: 98, ImageLocality: 0 });
    expect(r.nodes.n4.total).toBe(94 + 98);
    expect(r.node).toBe("n1");
  });

  it("skips scoring when exactly one node is feasible", () => {
    const r = core.scheduler.evaluate({ pod: pod("p"), nodes: [node("a"), node("b", { unschedulable: true })] });
    expect(r.node).toBe("a");
    expect(r.nodes.a.scores).toEqual({});
  });

  it("breaks ties at random, reproducibly for a seed, and spreads over the tied nodes", () => {
    const nodes = Array.from({ length: 8 }, (_, i) => node(`n${i}`));
    const pick = (seed: number) => core.scheduler.evaluate({ pod: pod("p"), nodes, seed }).node;
    expect(pick(7)).toBe(pick(7));
    const chosen = new Set(Array.from({ length: 40 }, (_, i) => pick(i + 1)));
    expect(chosen.size).toBeGreaterThan(3);
  });
});
