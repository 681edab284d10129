// DefaultPreemption: when no node fits, the node and the victims kube-scheduler would pick,
// and its "preemption: ..." message when preemption cannot help.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core, type V1Pod } from "../../dist/core/index.js";
import { node, pod, type PodOptions } from "./builders.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

/** A pod with a priority (and optionally a start time), as admission would have resolved it. */
function prio(name: string, priority: number, o: PodOptions & { startTime?: string; never?: boolean } = {}): V1Pod {
  const p = pod(name, o);
  return {
    ...p,
    spec: { ...p.spec!, priority, ...(o.never ? { preemptionPolicy: "Never" } : {}) },
    status: o.startTime ? { startTime: o.startTime } : undefined,
  };
}

const preempt = (incoming: V1Pod, nodes: ReturnType<typeof node>[], pods: V1Pod[]) => {
  const r = core.scheduler.evaluate({ pod: incoming, nodes, pods });
  return { node: r.node, nominated: r.nominatedNode ?? null, victims: (r.victims ?? []).map((v) => v.name), message: r.message };
};

describe("DefaultPreemption", () => {
  it("nominates the node where evicting a lower-priority pod makes room", () => {
    const r = preempt(prio("high", 100, { cpu: "3" }), [node("n1", { cpu: "4" })], [prio("low", 0, { nodeName: "n1", cpu: "2" })]);
    expect(r).toEqual({
      node: null,
      nominated: "n1",
      victims: ["low"],
      // A successful PostFilter adds nothing to the FitError message.
      message: "0/1 nodes are available: 1 Insufficient cpu.",
    });
  });

  it("reprieves the most important pods first and evicts only what is needed", () => {
    // n1 has 4 cpu: a (prio 5, 1 cpu), b (prio 1, 1 cpu), c (prio 3, 1 cpu), d (prio 200, 1 cpu).
    // The pod needs 2: with a, b, c gone it fits; add back a (5): 3 used + 2 > 4? 2+2=4 fits;
    // add back c (3): 3 + 2 = 5 > 4 → victim; add back b (1) → victim.
    const pods = [
      prio("a", 5, { nodeName: "n1", cpu: "1" }),
      prio("b", 1, { nodeName: "n1", cpu: "1" }),
      prio("c", 3, { nodeName: "n1", cpu: "1" }),
      prio("d", 200, { nodeName: "n1", cpu: "1" }),
    ];
    const r = preempt(prio("p", 100, { cpu: "2" }), [node("n1", { cpu: "4" })], pods);
    expect(r.nominated).toBe("n1");
    expect(r.victims).toEqual(["c", "b"]);
  });

  it("prefers the node whose most important victim has the lowest priority", () => {
    const pods = [prio("x", 50, { nodeName: "n1", cpu: "3" }), prio("y", 10, { nodeName: "n2", cpu: "3" })];
    const r = preempt(prio("p", 100, { cpu: "2" }), [node("n1"), node("n2")], pods);
    expect(r).toMatchObject({ nominated: "n2", victims: ["y"] });
  });

  it("then the smallest sum of priorities, then the fewest victims", () => {
    // n1: two victims of priority 10 (sum 2×(10+2^31)); n2: one of priority 10 and one of 5.
    const sum = [
      prio("a1", 10, { nodeName: "n1", cpu: "2" }), prio("a2", 10, { nodeName: "n1", cpu: "2" }),
      prio("b1", 10, { nodeName: "n2", cpu: "2" }), prio("b2", 5, { nodeName: "n2", cpu: "2" }),
    ];
    expect(preempt(prio("p", 100, { cpu: "4" }), [node("n1"), node("n2")], sum)).toMatchObject({ nominated: "n2", victims: ["b1", "b2"] });
    // n1 needs two victims of priority 10, n2 one of priority 10 and... none more.
    const fewest = [
      prio("a1", 10, { nodeName: "n1", cpu: "2" }), prio("a2", 10, { nodeName: "n1", cpu: "2" }),
      prio("b1", 10, { nodeName: "n2", cpu: "4" }),
    ];
    expect(preempt(prio("p", 100, { cpu: "4" }), [node("n1"), node("n2")], fewest)).toMatchObject({ nominated: "n2", victims: ["b1"] });
  });

  it("then the node whose most important victims started last", () => {
    const pods = [
      prio("old", 10, { nodeName: "n1", cpu: "4", startTime: "2026-01-01T00:00:00Z" }),
      prio("new", 10, { nodeName: "n2", cpu: "4", startTime: "2026-06-01T00:00:00Z" }),
    ];
    expect(preempt(prio("p", 100, { cpu: "1" }), [node("n1"), node("n2")], pods)).toMatchObject({ nominated: "n2", victims: ["new"] });
  });

  it("never evicts pods of equal or higher priority", () => {
    const r = preempt(prio("p", 10, { cpu: "2" }), [node("n1", { cpu: "2" })], [prio("same", 10, { nodeName: "n1", cpu: "1" })]);
    expect(r.nominated).toBeNull();
    expect(r.message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..",
    );
  });

  it("reports the filter that still fails after removing every lower-priority pod", () => {
    // The node is too small even when empty of victims: memory stays short.
    const r = preempt(
      prio("p", 100, { cpu: "1", memory: "3Gi" }),
      [node("n1", { cpu: "2", memory: "4Gi" })],
      [prio("keep", 500, { nodeName: "n1", memory: "2Gi" }), prio("low", 1, { nodeName: "n1", cpu: "2" })],
    );
    expect(r.nominated).toBeNull();
    expect(r.message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 Insufficient memory..",
    );
  });

  it("does not try nodes rejected as UnschedulableAndUnresolvable", () => {
    const r = preempt(
      prio("p", 100, { nodeSelector: { disk: "ssd" } }),
      [node("n1"), node("n2")],
      [prio("low", 0, { nodeName: "n1" })],
    );
    expect(r.message).toBe(
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." +
        " preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..",
    );
  });

  it("respects preemptionPolicy: Never", () => {
    const r = preempt(prio("p", 100, { cpu: "3", never: true }), [node("n1", { cpu: "4" })], [prio("low", 0, { nodeName: "n1", cpu: "2" })]);
    expect(r.nominated).toBeNull();
    expect(r.message).toBe("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..");
  });

  it("evicting a pod whose anti-affinity rejects the incoming pod makes the node feasible", () => {
    // The existing low-priority pod repels app=web pods on its node (required anti-affinity).
    const repel = prio("repel", 0, {
      nodeName: "n1",
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" },
          ],
        },
      },
    });
    const r = core.scheduler.evaluate({ pod: prio("web", 100, { labels: { app: "web" } }), nodes: [node("n1")], pods: [repel] });
    expect(r.nodes.n1.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(r.nominatedNode).toBe("n1");
    expect(r.victims).toEqual([{ namespace: "default", name: "repel" }]);
  });

  it("dry runs update PodTopologySpread's counts: evicting one matching pod is enough", () => {
    // hostname spread, maxSkew 1. n1 holds two low-priority web pods; n2 is full (1 cpu
    // taken by a more important web pod). On n1 the skew would be 2+1-1 = 3-1 > 1.
    // Without both low pods n1 has 0 and fits; the earlier-started one is reprieved
    // (1+1-1 = 1), the later one is the victim.
    const web = { app: "web" };
    const nodes = [node("n1"), node("n2", { cpu: "1" })];
    const pods = [
      prio("low-early", 0, { nodeName: "n1", labels: web, startTime: "2026-01-01T00:00:00Z" }),
      prio("low-late", 0, { nodeName: "n1", labels: web, startTime: "2026-01-02T00:00:00Z" }),
      prio("top", 200, { nodeName: "n2", labels: web, cpu: "1" }),
    ];
    const incoming = prio("web", 100, { labels: web, cpu: "100m" });
    incoming.spec!.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: web } },
    ];
    const r = core.scheduler.evaluate({ pod: incoming, nodes, pods });
    expect(r.nodes.n1.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
    expect(r.nodes.n2.reasons).toEqual(["Insufficient cpu"]);
    expect(r.nominatedNode).toBe("n1");
    expect(r.victims).toEqual([{ namespace: "default", name: "low-late" }]);
  });

  it("is off when the profile disables it", () => {
    const profile = { plugins: { postFilter: { disabled: [{ name: "DefaultPreemption" }] } } };
    const r = core.scheduler.evaluate({
      pod: prio("high", 100, { cpu: "3" }),
      nodes: [node("n1", { cpu: "4" })],
      pods: [prio("low", 0, { nodeName: "n1", cpu: "2" })],
      profile,
    });
    expect(r.nominatedNode).toBeUndefined();
    expect(r.message).toBe("0/1 nodes are available: 1 Insufficient cpu.");
  });
});

describe("DefaultPreemption at scale", () => {
  it("preempts its way through a full cluster without growing the core's memory", async () => {
    // 500 nodes full of low-priority pods (4 × 900m of 4 cpu); 500 high-priority 3-cpu pods
    // each evict three. A preemption cycle dry-runs hundreds of nodes: its garbage must be
    // collected, not pile up until the heap doubles.
    const own = await loadCore();
    const s = own.scheduler.create({ percentageOfNodesToScore: 100 });
    for (let i = 0; i < 500; i++) s.addNode(node(`n${i}`));
    for (let i = 0; i < 2000; i++) s.addPod(prio(`low-${i}`, 0, { nodeName: `n${i % 500}`, cpu: "900m" }));
    const loaded = own.memoryBytes();
    let evicted = 0;
    for (let i = 0; i < 500; i++) {
      const p = prio(`high-${i}`, 10, { cpu: "3" });
      const first = s.schedule(p, { explain: false });
      expect(first.node).toBeNull();
      for (const v of first.victims ?? []) s.removePod(v.namespace, v.name);
      evicted += first.victims?.length ?? 0;
      const second = s.schedule(p, { explain: false });
      expect(second.node).toBe(first.nominatedNode);
      s.assume(p, second.node!);
    }
    expect(evicted).toBe(1500);
    expect(own.memoryBytes()).toBeLessThanOrEqual(loaded * 2);
    s.dispose();
  });
});
