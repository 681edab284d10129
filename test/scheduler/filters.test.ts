// Filter verdicts and reasons, plugin by plugin (profiles with one plugin enabled), then
// the whole default profile and its "0/N nodes are available" message.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { node, only, pod } from "./builders.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const verdict = (plugin: string, p: ReturnType<typeof pod>, n: ReturnType<typeof node>, pods: ReturnType<typeof pod>[] = []) => {
  const r = core.scheduler.evaluate({ pod: p, nodes: [n], pods, profile: only(plugin) });
  const result = r.nodes[n.metadata!.name!];
  return result.feasible ? "fits" : `${result.code}: ${result.reasons.join("; ")}`;
};

describe("NodeUnschedulable", () => {
  it.each([
    ["a schedulable node fits", {}, {}, "fits"],
    ["a cordoned node rejects a pod", { unschedulable: true }, {}, "UnschedulableAndUnresolvable: node(s) were unschedulable"],
    [
      "a cordoned node takes a pod tolerating node.kubernetes.io/unschedulable",
      { unschedulable: true },
      { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] },
      "fits",
    ],
  ] as const)("%s", (_, n, p, expected) => {
    expect(verdict("NodeUnschedulable", pod("p", p), node("n", n))).toBe(expected);
  });
});

describe("NodeName", () => {
  it("fits the named node only", () => {
    expect(verdict("NodeName", pod("p", { nodeName: "n" }), node("n"))).toBe("fits");
    expect(verdict("NodeName", pod("p", { nodeName: "other" }), node("n"))).toBe(
      "UnschedulableAndUnresolvable: node(s) didn't match the requested node name",
    );
    expect(verdict("NodeName", pod("p"), node("n"))).toBe("fits");
  });
});

describe("TaintToleration filter", () => {
  const taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  it.each([
    ["no taints", [], [], "fits"],
    ["an untolerated NoSchedule taint", [taint], [], "UnschedulableAndUnresolvable: node(s) had untolerated taint(s)"],
    ["an untolerated NoExecute taint", [{ ...taint, effect: "NoExecute" }], [], "UnschedulableAndUnresolvable: node(s) had untolerated taint(s)"],
    ["a PreferNoSchedule taint does not filter", [{ ...taint, effect: "PreferNoSchedule" }], [], "fits"],
    ["an Equal toleration", [taint], [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }], "fits"],
    ["an Equal toleration with another value", [taint], [{ key: "dedicated", value: "cpu" }], "UnschedulableAndUnresolvable: node(s) had untolerated taint(s)"],
    ["an Exists toleration without key tolerates all", [taint], [{ operator: "Exists" }], "fits"],
  ] as const)("%s", (_, taints, tolerations, expected) => {
    expect(verdict("TaintToleration", pod("p", { tolerations: [...tolerations] }), node("n", { taints: [...taints] }))).toBe(expected);
  });
});

describe("NodeAffinity filter", () => {
  const zone = (values: string[]) => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values }] }],
      },
    },
  });
  const reject = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
  it.each([
    ["no requirement", {}, {}, "fits"],
    ["a matching nodeSelector", { nodeSelector: { zone: "a" } }, { zone: "a" }, "fits"],
    ["a nodeSelector label missing", { nodeSelector: { zone: "a" } }, {}, reject],
    ["matching required affinity", { affinity: zone(["a", "b"]) }, { zone: "b" }, "fits"],
    ["required affinity not matching", { affinity: zone(["a"]) }, { zone: "c" }, reject],
    ["nodeSelector and affinity are ANDed", { nodeSelector: { disk: "ssd" }, affinity: zone(["a"]) }, { zone: "a" }, reject],
    [
      "an empty term list matches no node",
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
      { zone: "a" },
      reject,
    ],
  ] as const)("%s", (_, p, labels, expected) => {
    expect(verdict("NodeAffinity", pod("p", p as object), node("n", { labels }))).toBe(expected);
  });

  it("matches metadata.name through matchFields", () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n"] }] }],
        },
      },
    };
    expect(verdict("NodeAffinity", pod("p", { affinity }), node("n"))).toBe("fits");
    // PreFilterResult: the only node worth filtering is "n"; "m" is never filtered.
    expect(verdict("NodeAffinity", pod("p", { affinity }), node("m"))).toBe(
      "UnschedulableAndUnresolvable: node(s) didn't satisfy plugin(s) [NodeAffinity]",
    );
  });

  const pinned = (...terms: string[][]) => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((names) => ({ matchFields: names.map((n) => ({ key: "metadata.name", operator: "In", values: [n] })) })),
      },
    },
  });

  it("filters only the nodes metadata.name pins, across ORed terms", () => {
    const r = core.scheduler.evaluate({
      pod: pod("p", { affinity: pinned(["b"], ["c"]) }),
      nodes: [node("a"), node("b"), node("c")],
      profile: only("NodeAffinity"),
    });
    expect(r.node).not.toBeNull();
    expect(["b", "c"]).toContain(r.node);
    expect(r.nodes.a.reasons).toEqual(["node(s) didn't satisfy plugin(s) [NodeAffinity]"]);
  });

  it("rejects at PreFilter when a term's fields pin two different names (the message stands alone)", () => {
    const r = core.scheduler.evaluate({ pod: pod("p", { affinity: pinned(["a", "b"]) }), nodes: [node("a"), node("b")], profile: only("NodeAffinity") });
    expect(r.message).toBe("0/2 nodes are available: pod affinity terms conflict.");
  });

  it("applies addedAffinity to every pod (scheduler-enforced) and scores its preferred terms", () => {
    const args = {
      addedAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "In", values: ["batch", "web"] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: "pool", operator: "In", values: ["web"] }] } }],
      },
    };
    const nodes = [node("x", { labels: { pool: "batch" } }), node("y", { labels: { pool: "web" } }), node("z")];
    const r = core.scheduler.evaluate({ pod: pod("p"), nodes, profile: only("NodeAffinity", args) });
    expect(r.nodes.z.reasons).toEqual(["node(s) didn't match scheduler-enforced node affinity"]);
    // Preferred: y matches (5), x does not (0) → normalized 100 and 0.
    expect([r.nodes.x.scores.NodeAffinity, r.nodes.y.scores.NodeAffinity]).toEqual([0, 100]);
    expect(r.node).toBe("y");
  });
});

describe("NodeResourcesFit ignoredResources", () => {
  const gpu = pod("p", { requests: { "example.com/gpu": "1", "vendor.io/fpga": "1" } });
  const bare = node("n");
  it("checks extended resources by default", () => {
    expect(verdict("NodeResourcesFit", gpu, bare)).toBe(
      "UnschedulableAndUnresolvable: Insufficient example.com/gpu; Insufficient vendor.io/fpga",
    );
  });
  it("skips names in ignoredResources and groups in ignoredResourceGroups", () => {
    const r = (args: object) => {
      const result = core.scheduler.evaluate({ pod: gpu, nodes: [bare], profile: only("NodeResourcesFit", args) }).nodes.n;
      return result.feasible ? "fits" : result.reasons.join("; ");
    };
    expect(r({ ignoredResources: ["example.com/gpu"] })).toBe("Insufficient vendor.io/fpga");
    expect(r({ ignoredResourceGroups: ["vendor.io"] })).toBe("Insufficient example.com/gpu");
    expect(r({ ignoredResources: ["example.com/gpu"], ignoredResourceGroups: ["vendor.io"] })).toBe("fits");
  });
});

describe("NodePorts", () => {
  const bound = (port: number, hostIP?: string, protocol?: string) =>
    pod("old", { nodeName: "n", ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] });
  const wants = (port: number, hostIP?: string, protocol?: string) =>
    pod("new", { ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] });
  const conflict = "Unschedulable: node(s) didn't have free ports for the requested pod ports";
  it.each([
    ["a free port", wants(8080), [bound(9090)], "fits"],
    ["the same port and protocol", wants(8080), [bound(8080)], conflict],
    ["the same port, other protocol", wants(8080, undefined, "UDP"), [bound(8080)], "fits"],
    ["different specific IPs", wants(8080, "10.0.0.1"), [bound(8080, "10.0.0.2")], "fits"],
    ["0.0.0.0 conflicts with any IP", wants(8080, "0.0.0.0"), [bound(8080, "10.0.0.2")], conflict],
    ["containerPort without hostPort uses nothing", pod("new", { ports: [{ containerPort: 8080 }] }), [bound(8080)], "fits"],
  ] as const)("%s", (_, p, pods, expected) => {
    expect(verdict("NodePorts", p, node("n"), [...pods])).toBe(expected);
  });
});

describe("NodeResourcesFit filter", () => {
  it.each([
    ["requests that fit", { cpu: "1", memory: "1Gi" }, [], "fits"],
    ["a pod requesting nothing fits a full node", {}, [pod("o", { nodeName: "n", cpu: "4" })], "fits"],
    ["cpu left is too little", { cpu: "2" }, [pod("o", { nodeName: "n", cpu: "3" })], "Unschedulable: Insufficient cpu"],
    ["more than the node has at all", { cpu: "5" }, [], "UnschedulableAndUnresolvable: Insufficient cpu"],
    [
      "both cpu and memory short",
      { cpu: "2", memory: "31Gi" },
      [pod("o", { nodeName: "n", cpu: "3", memory: "2Gi" })],
      "Unschedulable: Insufficient cpu; Insufficient memory",
    ],
    ["an extended resource the node lacks", { requests: { "example.com/gpu": "1" } }, [], "UnschedulableAndUnresolvable: Insufficient example.com/gpu"],
  ] as const)("%s", (_, p, pods, expected) => {
    expect(verdict("NodeResourcesFit", pod("p", p as object), node("n"), [...pods])).toBe(expected);
  });

  it("counts pods against allocatable pods", () => {
    const full = [pod("a", { nodeName: "n" }), pod("b", { nodeName: "n" })];
    expect(verdict("NodeResourcesFit", pod("p"), node("n", { pods: "2" }), full)).toBe("Unschedulable: Too many pods");
  });

  it("aggregates init containers and sidecars as Kubernetes does", () => {
    // Regular 1 cpu + sidecar 1 cpu = 2 running; an init container of 2.5 cpu runs after the
    // sidecar started, so it needs 3.5: the pod needs max(2, 3.5) = 3.5 cpu.
    const p = pod("p", { cpu: "1", initContainers: [{ cpu: "1", restartPolicy: "Always" }, { cpu: "2500m" }] });
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "3500m" }))).toBe("fits");
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "3400m" }))).toBe("UnschedulableAndUnresolvable: Insufficient cpu");
  });

  it("takes cpu and memory from pod-level requests when set (PodLevelResources)", () => {
    const p = pod("p", { cpu: "500m", memory: "1Gi" });
    p.spec = { ...p.spec!, resources: { requests: { cpu: "3" } } } as typeof p.spec;
    // cpu comes from the pod level (3), memory still from the containers (1Gi).
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "2" }))).toBe("UnschedulableAndUnresolvable: Insufficient cpu");
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "3", memory: "1Gi" }))).toBe("fits");
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "3", memory: "512Mi" }))).toBe("UnschedulableAndUnresolvable: Insufficient memory");
  });

  it("adds pod overhead", () => {
    const p = pod("p", { cpu: "3", overhead: { cpu: "1500m" } });
    expect(verdict("NodeResourcesFit", p, node("n", { cpu: "4" }))).toBe("UnschedulableAndUnresolvable: Insufficient cpu");
  });
});

describe("the default profile", () => {
  it("runs filters in kube-scheduler's order and writes its message", () => {
    const nodes = [
      node("tainted", { taints: [{ key: "k", effect: "NoSchedule" }] }),
      node("cordoned", { unschedulable: true }),
      node("small", { cpu: "1" }),
      node("busy"),
    ];
    const pods = [pod("o", { nodeName: "busy", cpu: "3500m" })];
    const r = core.scheduler.evaluate({ pod: pod("p", { cpu: "2" }), nodes, pods });
    expect(r.node).toBeNull();
    // "count reason" strings sorted as strings, as FitError.Error() sorts them; then
    // DefaultPreemption's own FitError: "busy" was tried but holds no lower-priority pod, the
    // three UnschedulableAndUnresolvable nodes were not worth trying. Go's " %v." separator
    // around a message that ends in "." gives the double period users see in events.
    expect(r.message).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 2 Insufficient cpu." +
        " preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling..",
    );
    expect(r.nodes.tainted.plugin).toBe("TaintToleration");
    expect(r.nodes.cordoned.plugin).toBe("NodeUnschedulable");
    expect(r.nodes.small.code).toBe("UnschedulableAndUnresolvable");
    expect(r.nodes.busy.code).toBe("Unschedulable");
  });

  it("says 0/0 when there are no nodes", () => {
    expect(core.scheduler.evaluate({ pod: pod("p"), nodes: [] })).toEqual({ node: null, message: "0/0 nodes are available:", nodes: {} });
  });
});
