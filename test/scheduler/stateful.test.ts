// The stateful scheduler: a cache in the core updated incrementally, bound pods counted.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { node, pod } from "./builders.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

describe("core.scheduler.create", () => {
  it("fills nodes as bound pods are added back, and frees them on removal", () => {
    const s = core.scheduler.create({ percentageOfNodesToScore: 100 });
    s.addNode(node("a", { cpu: "1" }));
    s.addNode(node("b", { cpu: "1" }));
    const placed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = pod(`p${i}`, { cpu: "600m" });
      const r = s.schedule(p);
      placed.push(r.node!);
      s.addPod({ ...p, spec: { ...p.spec!, nodeName: r.node! } });
    }
    expect(placed.sort()).toEqual(["a", "b"]);
    expect(s.schedule(pod("p2", { cpu: "600m" })).message).toBe(
      "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..",
    );
    s.removePod("default", "p0");
    expect(s.schedule(pod("p2", { cpu: "600m" })).node).not.toBeNull();
    s.dispose();
  });

  it("applies node updates and removals", () => {
    const s = core.scheduler.create();
    s.addNode(node("a"));
    s.updateNode(node("a", { unschedulable: true }));
    expect(s.schedule(pod("p")).message).toBe(
      "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
    );
    s.removeNode("a");
    expect(s.schedule(pod("p")).message).toBe("0/0 nodes are available:");
    s.addNode(node("a"));
    expect(s.schedule(pod("p")).node).toBe("a");
    s.dispose();
  });

  it("evaluates only enough nodes at the adaptive percentageOfNodesToScore", () => {
    const s = core.scheduler.create();
    for (let i = 0; i < 1000; i++) s.addNode(node(`n${i}`));
    // 1000 nodes → 50 - 1000/125 = 42 % → 420 nodes evaluated; the next cycle starts after them.
    const first = s.schedule(pod("p"));
    expect(Object.keys(first.nodes).length).toBe(420);
    const second = s.schedule(pod("q"));
    expect(Object.keys(second.nodes)[0]).toBe("n420");
    s.dispose();
  });
});

describe("profiles", () => {
  it("resolves kube-scheduler's defaults and reports what is not implemented yet", () => {
    const p = core.scheduler.resolveProfile();
    expect(p.plugins.map((x) => [x.name, x.weight])).toEqual([
      ["NodeUnschedulable", 0],
      ["NodeName", 0],
      ["TaintToleration", 3],
      ["NodeAffinity", 2],
      ["NodePorts", 0],
      ["NodeResourcesFit", 1],
      ["PodTopologySpread", 2],
      ["InterPodAffinity", 2],
      ["DefaultPreemption", 0],
      ["NodeResourcesBalancedAllocation", 1],
      ["ImageLocality", 1],
    ]);
    expect(p.notImplemented).toEqual(["VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "DynamicResources"]);
  });

  it("orders an extension point as expandMultiPointPlugins does: overrides, multiPoint, then the point's own", () => {
    const profile = {
      percentageOfNodesToScore: 100,
      plugins: { filter: { enabled: [{ name: "NodeAffinity" }, { name: "NodeName" }] } },
    };
    const names = core.scheduler.resolveProfile(profile).plugins.map((p) => p.name);
    expect(names.slice(0, 4)).toEqual(["NodeAffinity", "NodeName", "NodeUnschedulable", "TaintToleration"]);
    // A cordoned node that also fails the pod's nodeSelector reports NodeAffinity now.
    const r = core.scheduler.evaluate({
      pod: pod("p", { nodeSelector: { disk: "ssd" } }),
      nodes: [node("n", { unschedulable: true })],
      profile,
    });
    expect(r.nodes.n.plugin).toBe("NodeAffinity");
    expect(core.scheduler.evaluate({ pod: pod("p", { nodeSelector: { disk: "ssd" } }), nodes: [node("n", { unschedulable: true })] }).nodes.n.plugin)
      .toBe("NodeUnschedulable");
    expect(core.scheduler.resolveProfile().preFilterOrder).toEqual([
      "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity",
    ]);
  });

  it("accepts a KubeSchedulerConfiguration as YAML, with disabled plugins and weights", () => {
    const yaml = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 70
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      disabled:
      - name: ImageLocality
      enabled:
      - name: NodeResourcesFit
        weight: 5
`;
    const p = core.scheduler.resolveProfile(yaml);
    expect(p.percentageOfNodesToScore).toBe(70);
    expect(p.plugins.find((x) => x.name === "ImageLocality")).toBeUndefined();
    expect(p.plugins.find((x) => x.name === "NodeResourcesFit")?.weight).toBe(5);
    expect(p.plugins.find((x) => x.name === "TaintToleration")?.weight).toBe(3);
  });

  it("enables only the listed plugins with multiPoint disabled '*'", () => {
    const p = core.scheduler.resolveProfile({ plugins: { multiPoint: { enabled: [{ name: "NodeName" }], disabled: [{ name: "*" }] } } });
    expect(p.plugins.map((x) => x.name)).toEqual(["NodeName"]);
  });
});

describe("stateful scores stay those of a fresh evaluation", () => {
  // The cache remembers per-node scores between cycles (keyed by the node's pod version and
  // the pod's requests): after every bind, update and removal, each node's scores must equal
  // what a stateless evaluate() of the same cluster gives.
  it("across pods of different shapes, node updates and removals", () => {
    let nodes = [node("a", { cpu: "4", memory: "8Gi" }), node("b", { cpu: "8", memory: "16Gi" }), node("c", { cpu: "2", memory: "32Gi" })];
    const s = core.scheduler.create({ percentageOfNodesToScore: 100 }, { seed: 3 });
    for (const n of nodes) s.addNode(n);
    const bound: ReturnType<typeof pod>[] = [];
    const shapes = [{ cpu: "500m", memory: "1Gi" }, { cpu: "500m", memory: "1Gi" }, { cpu: "1", memory: "256Mi" }, {}, { cpu: "250m" }];
    for (let i = 0; i < 20; i++) {
      if (i === 8) {
        nodes = [nodes[0], node("b", { cpu: "6", memory: "12Gi" }), nodes[2]];
        s.updateNode(nodes[1]);
      }
      if (i === 14) {
        const gone = bound.shift()!;
        s.removePod(gone.metadata!.namespace!, gone.metadata!.name!);
      }
      const p = pod(`p${i}`, shapes[i % shapes.length]);
      const stateful = s.schedule(p);
      const fresh = core.scheduler.evaluate({ pod: p, nodes, pods: bound, seed: 3 });
      for (const name of ["a", "b", "c"]) expect(stateful.nodes[name]?.scores, `pod ${i}, node ${name}`).toEqual(fresh.nodes[name]?.scores);
      if (!stateful.node) continue;
      const placed = { ...p, spec: { ...p.spec!, nodeName: stateful.node } };
      s.addPod(placed);
      bound.push(placed);
    }
    s.dispose();
  });
});
