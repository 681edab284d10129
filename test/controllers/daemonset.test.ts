// The DaemonSet controller against the in-process API, from Kubernetes' documented
// behaviour (concepts/workloads/controllers/daemonset, tasks/manage-daemon/update-daemon-set):
// one pod per eligible node (nodeSelector, required node affinity, taints and the default
// DaemonSet tolerations), pods pinned by node affinity rather than nodeName, reaction to
// node changes, surplus and failed pods, RollingUpdate with maxUnavailable or maxSurge
// (invariants checked at every step), OnDelete, minReadySeconds, and the status
// `kubectl rollout status daemonset` reads. No scheduler or kubelet runs: the tests create
// Node objects and report pod status themselves.
import { afterEach, describe, expect, it } from "vitest";
import { DaemonSetController } from "../../dist/core/controllers/daemonset.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { computeHash } from "../../dist/core/controllers/revision-hash.js";
import { startControlPlane, waitFor, markPodsRunning, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Obj = Record<string, any>;

function daemonSet(name: string, spec: Obj = {}, podSpec: Obj = {}, image = "fluentd:1"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }], ...podSpec } },
      ...spec,
    },
  };
}

async function addNode(name: string, labels: Record<string, string> = {}, taints: Obj[] = []): Promise<void> {
  await h!.client.create(R.nodes, undefined, { metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } }, spec: taints.length ? { taints } : {} });
}

async function changeNode(name: string, change: (node: Obj) => Obj): Promise<void> {
  const node = (await h!.client.get(R.nodes, undefined, name)) as Obj;
  await h!.client.update(R.nodes, undefined, change(node));
}

async function dsPods(app: string): Promise<Obj[]> {
  return ((await h!.client.list(R.pods, "default", { labelSelector: `app=${app}` })).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
}

const nodeOf = (p: Obj): string => p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0];
const nodesWithPods = async (app: string) => (await dsPods(app)).map(nodeOf).sort();
const isReady = (p: Obj) => !!p.status?.conditions?.some((c: Obj) => c.type === "Ready" && c.status === "True");
const image = (p: Obj) => p.spec.containers[0].image;
const getDs = async (name: string) => (await h!.client.get(R.daemonSets, "default", name)) as Obj;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function setPod(name: string, phase: string, ready: boolean, at = Date.now()): Promise<void> {
  const pod = (await h!.client.get(R.pods, "default", name)) as Obj;
  await h!.client.update(R.pods, "default", { ...pod, status: { ...pod.status, phase, conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: stamp(at) }] } }, "status");
}

async function changeSpec(name: string, change: (spec: Obj) => Obj): Promise<Obj> {
  for (;;) {
    const ds = await getDs(name);
    try {
      return (await h!.client.update(R.daemonSets, "default", { ...ds, spec: change(ds.spec) })) as Obj;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

const withImage = (img: string) => (spec: Obj) => ({ ...spec, template: { ...spec.template, spec: { ...spec.template.spec, containers: [{ ...spec.template.spec.containers[0], image: img }] } } });

async function events(reason: string): Promise<Obj[]> {
  return ((await h!.client.list(R.events, "default")).items as Obj[]).filter((e) => e.reason === reason);
}

/** kubectl rollout status's rule for a DaemonSet (polymorphichelpers/rollout_status.go): [done, message]. */
function rolloutStatus(ds: Obj): [boolean, string] {
  if (ds.spec.updateStrategy?.type !== "RollingUpdate") throw new Error("rollout status is only available for RollingUpdate strategy type");
  const s = ds.status ?? {};
  if (ds.metadata.generation > (s.observedGeneration ?? 0)) return [false, "Waiting for daemon set spec update to be observed..."];
  if ((s.updatedNumberScheduled ?? 0) < s.desiredNumberScheduled) {
    return [false, `Waiting for daemon set "${ds.metadata.name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${s.desiredNumberScheduled} new pods have been updated...`];
  }
  if ((s.numberAvailable ?? 0) < s.desiredNumberScheduled) {
    return [false, `Waiting for daemon set "${ds.metadata.name}" rollout to finish: ${s.numberAvailable ?? 0} of ${s.desiredNumberScheduled} updated pods are available...`];
  }
  return [true, `daemon set "${ds.metadata.name}" successfully rolled out`];
}

const DEFAULT_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

describe("DaemonSet defaults", () => {
  it.each([
    ["nothing set", {}, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }],
    ["a percentage is kept", { updateStrategy: { rollingUpdate: { maxUnavailable: "25%" } } }, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 0 } }],
    ["OnDelete gets no rollingUpdate", { updateStrategy: { type: "OnDelete" } }, { type: "OnDelete" }],
  ])("SetDefaults_DaemonSet: %s", async (_, spec, strategy) => {
    h = await startControlPlane([]);
    const created = (await h.client.create(R.daemonSets, "default", daemonSet("d", spec))) as Obj;
    expect(created.spec.updateStrategy).toEqual(strategy);
    expect(created.spec.revisionHistoryLimit).toBe(10);
    expect(created.spec.template.spec.dnsPolicy).toBe("ClusterFirst"); // the pod template defaults still apply
  });
});

describe("DaemonSet controller: placement", () => {
  const ssd = { nodeSelector: { disk: "ssd" } };
  const zoneAffinity = {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }] } } },
  };
  const nodes: [string, Record<string, string>, Obj[]][] = [
    ["n-plain", { zone: "a" }, []],
    ["n-ssd", { disk: "ssd", zone: "c" }, []],
    ["n-gpu", { zone: "b" }, [{ key: "gpu", value: "true", effect: "NoSchedule" }]],
    ["n-evict", { zone: "a" }, [{ key: "dedicated", value: "db", effect: "NoExecute" }]],
    ["n-prefer", { zone: "c" }, [{ key: "spot", effect: "PreferNoSchedule" }]],
    // Taints the default DaemonSet tolerations cover.
    ["n-cordoned", { zone: "b" }, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }, { key: "node.kubernetes.io/not-ready", effect: "NoExecute" }, { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule" }]],
    ["n-nonet", { zone: "a" }, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]],
  ];
  it.each([
    ["every node whose taints it tolerates", {}, ["n-cordoned", "n-plain", "n-prefer", "n-ssd"]],
    ["spec.nodeSelector", ssd, ["n-ssd"]],
    ["required node affinity", zoneAffinity, ["n-cordoned", "n-plain"]],
    ["a toleration for the NoSchedule taint", { tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }] }, ["n-cordoned", "n-gpu", "n-plain", "n-prefer", "n-ssd"]],
    ["tolerate everything", { tolerations: [{ operator: "Exists" }] }, nodes.map((n) => n[0]).sort()],
    ["hostNetwork also tolerates network-unavailable", { hostNetwork: true }, ["n-cordoned", "n-nonet", "n-plain", "n-prefer", "n-ssd"]],
    ["spec.nodeName", { nodeName: "n-ssd" }, ["n-ssd"]],
  ])("runs a pod on %s", async (_, podSpec, want) => {
    h = await startControlPlane([new DaemonSetController()]);
    for (const [name, labels, taints] of nodes) await addNode(name, labels, taints);
    await h.client.create(R.daemonSets, "default", daemonSet("agent", {}, podSpec));
    await waitFor(async () => (await getDs("agent")).status?.currentNumberScheduled === want.length, 3000, `${want.length} scheduled`);
    expect(await nodesWithPods("agent")).toEqual(want);
    const ds = await getDs("agent");
    expect(ds.status).toMatchObject({ desiredNumberScheduled: want.length, currentNumberScheduled: want.length, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: want.length, numberUnavailable: want.length, observedGeneration: 1 });
    expect(ds.status.numberAvailable).toBeUndefined();
  });

  it("creates pods pinned by node affinity (no nodeName), with the default tolerations and the template hash", async () => {
    h = await startControlPlane([new DaemonSetController()]);
    await addNode("n1");
    const podSpec = {
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }, { key: "team", operator: "Exists" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "Exists" }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "fast", operator: "Exists" }] } }],
        },
      },
    };
    const ds = (await h.client.create(R.daemonSets, "default", daemonSet("agent", {}, podSpec))) as Obj;
    await waitFor(async () => (await dsPods("agent")).length === 1, 3000, "one pod");
    const [pod] = await dsPods("agent");
    expect(pod.metadata.generateName).toBe("agent-");
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.spec.affinity.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: podSpec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution,
    });
    // The user's not-ready toleration is replaced by the default one (forever, no tolerationSeconds).
    expect(pod.spec.tolerations).toEqual([DEFAULT_TOLERATIONS[0], { key: "team", operator: "Exists" }, ...DEFAULT_TOLERATIONS.slice(1)]);
    expect(pod.metadata.labels).toEqual({ app: "agent", "controller-revision-hash": computeHash(ds.spec.template) });
    expect((await events("SuccessfulCreate")).map((e) => e.message)).toEqual([`Created pod: ${pod.metadata.name}`]);
  });

  it("follows node changes: new nodes get a pod, nodes that stop qualifying lose it, NoSchedule alone keeps it", async () => {
    h = await startControlPlane([new DaemonSetController()]);
    await addNode("n1", { role: "worker" });
    await h.client.create(R.daemonSets, "default", daemonSet("agent", {}, { nodeSelector: { role: "worker" } }));
    await waitFor(async () => (await nodesWithPods("agent")).join() === "n1", 3000, "pod on n1");
    await addNode("n2", { role: "worker" });
    await addNode("n3", { role: "worker" });
    await waitFor(async () => (await nodesWithPods("agent")).join() === "n1,n2,n3", 3000, "pods on n1-n3");

    // Labels no longer match: deleted.
    const onN2 = (await dsPods("agent")).find((p) => nodeOf(p) === "n2")!;
    await changeNode("n2", (n) => ({ ...n, metadata: { ...n.metadata, labels: { role: "db" } } }));
    await waitFor(async () => (await nodesWithPods("agent")).join() === "n1,n3", 3000, "n2 pod deleted");
    expect((await events("SuccessfulDelete")).map((e) => e.message)).toContain(`Deleted pod: ${onN2.metadata.name}`);

    // A NoSchedule taint: the pod stays (it was placed before) but the node is not desired.
    await changeNode("n3", (n) => ({ ...n, spec: { taints: [{ key: "maintenance", effect: "NoSchedule" }] } }));
    await waitFor(async () => (await getDs("agent")).status?.numberMisscheduled === 1, 3000, "misscheduled 1");
    expect(await nodesWithPods("agent")).toEqual(["n1", "n3"]);
    expect((await getDs("agent")).status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 1 });

    // A NoExecute taint: evicted.
    await changeNode("n3", (n) => ({ ...n, spec: { taints: [{ key: "maintenance", effect: "NoExecute" }] } }));
    await waitFor(async () => (await nodesWithPods("agent")).join() === "n1", 3000, "n3 pod deleted");

    // A deleted node's unscheduled pod goes too.
    await h.client.delete(R.nodes, undefined, "n1");
    await waitFor(async () => (await dsPods("agent")).length === 0, 3000, "n1 pod deleted");
    await waitFor(async () => (await getDs("agent")).status?.desiredNumberScheduled === 0, 3000, "desired 0");
  });

  it("deletes all but the oldest pod on a node, and replaces failed pods (with an event)", async () => {
    h = await startControlPlane([new DaemonSetController()]);
    await addNode("n1");
    const ds = (await h.client.create(R.daemonSets, "default", daemonSet("agent"))) as Obj;
    await waitFor(async () => (await dsPods("agent")).length === 1, 3000, "one pod");
    const [first] = await dsPods("agent");
    // Somebody adds a second pod for n1 that the DaemonSet owns: the newer one goes.
    const { name: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = first.metadata;
    await sleep(1100); // a later creationTimestamp (second resolution)
    await h.client.create(R.pods, "default", { metadata: { ...meta, name: "agent-extra", ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: ds.metadata.uid, controller: true }] }, spec: first.spec });
    await waitFor(async () => (await dsPods("agent")).map((p) => p.metadata.name).join() === first.metadata.name, 3000, "extra pod deleted");

    await setPod(first.metadata.name, "Failed", false);
    await waitFor(async () => (await dsPods("agent")).some((p) => p.metadata.uid !== first.metadata.uid), 3000, "replacement");
    expect((await dsPods("agent")).length).toBe(1);
    expect((await events("FailedDaemonPod")).map((e) => e.message)).toEqual([`Found failed daemon pod default/${first.metadata.name} on node n1, will try to kill it`]);
  });

  it("adopts a matching orphan pod pinned to a node instead of creating another", async () => {
    h = await startControlPlane([new DaemonSetController()]);
    await addNode("n1");
    const pinned = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }] } } } };
    await h.client.create(R.pods, "default", { metadata: { name: "orphan", labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "fluentd:1" }], ...pinned } });
    const ds = (await h.client.create(R.daemonSets, "default", daemonSet("agent", { updateStrategy: { type: "OnDelete" } }))) as Obj;
    await waitFor(async () => (await dsPods("agent"))[0]?.metadata.ownerReferences?.[0]?.uid === ds.metadata.uid, 3000, "adopted");
    await sleep(100);
    expect((await dsPods("agent")).map((p) => p.metadata.name)).toEqual(["orphan"]);
  });
});

describe("DaemonSet controller: status and updates", () => {
  async function readyDaemonSet(nodeCount: number, spec: Obj = {}): Promise<Obj> {
    h = await startControlPlane([new DaemonSetController()]);
    for (let i = 1; i <= nodeCount; i++) await addNode(`n${i}`);
    await h.client.create(R.daemonSets, "default", daemonSet("agent", spec));
    await waitFor(async () => (await dsPods("agent")).length === nodeCount, 3000, `${nodeCount} pods`);
    await markPodsRunning(h.client, "default", "app=agent");
    await waitFor(async () => (await getDs("agent")).status?.numberAvailable === nodeCount, 3000, "all available");
    return getDs("agent");
  }

  it("reports ready and available counts and satisfies kubectl rollout status", async () => {
    const ds = await readyDaemonSet(3);
    expect(ds.status).toEqual({ currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3, observedGeneration: 1, updatedNumberScheduled: 3, numberAvailable: 3 });
    expect(rolloutStatus(ds)).toEqual([true, 'daemon set "agent" successfully rolled out']);
  });

  /**
   * Plays kubelet through a rolling update: at each step checks how many nodes have an
   * available pod and how many pods exist, then makes one new pod Ready.
   */
  async function rollThrough(nodeCount: number, newImage: string, limits: { minAvailable: number; maxPods: number }): Promise<number> {
    let steps = 0;
    const deadline = Date.now() + 4000;
    for (;;) {
      const pods = await dsPods("agent");
      const availableNodes = new Set(pods.filter(isReady).map(nodeOf));
      expect(availableNodes.size, "nodes with an available pod").toBeGreaterThanOrEqual(limits.minAvailable);
      expect(pods.length, "pods").toBeLessThanOrEqual(limits.maxPods);
      const perNode = new Map<string, number>();
      for (const p of pods) perNode.set(nodeOf(p), (perNode.get(nodeOf(p)) ?? 0) + 1);
      expect(Math.max(0, ...perNode.values()), "pods on one node").toBeLessThanOrEqual(limits.maxPods > nodeCount ? 2 : 1);
      const ds = await getDs("agent");
      if (rolloutStatus(ds)[0] && pods.length === nodeCount && pods.every((p) => image(p) === newImage && isReady(p))) return steps;
      if (Date.now() > deadline) throw new Error(`rollout stuck: ${JSON.stringify(ds.status)} ${pods.map((p) => `${nodeOf(p)}:${image(p)}:${isReady(p)}`)}`);
      const fresh = pods.find((p) => !isReady(p));
      if (fresh) {
        expect(image(fresh)).toBe(newImage);
        await sleep(40); // the controller must not move on while it is unready
        const again = await dsPods("agent");
        expect(new Set(again.filter(isReady).map(nodeOf)).size).toBeGreaterThanOrEqual(limits.minAvailable);
        await setPod(fresh.metadata.name, "Running", true).catch(() => undefined);
        steps++;
      }
      await sleep(10);
    }
  }

  it.each([
    ["maxUnavailable 1", { maxUnavailable: 1, maxSurge: 0 }, 4, { minAvailable: 3, maxPods: 4 }],
    ["maxUnavailable 50%", { maxUnavailable: "50%", maxSurge: 0 }, 4, { minAvailable: 2, maxPods: 4 }],
    ["maxSurge 1, maxUnavailable 0", { maxUnavailable: 0, maxSurge: 1 }, 3, { minAvailable: 3, maxPods: 4 }],
    ["maxSurge 50%, maxUnavailable 0", { maxUnavailable: 0, maxSurge: "50%" }, 4, { minAvailable: 4, maxPods: 6 }],
  ])("RollingUpdate with %s", async (_, rollingUpdate, nodeCount, limits) => {
    await readyDaemonSet(nodeCount, { updateStrategy: { type: "RollingUpdate", rollingUpdate } });
    const updated = await changeSpec("agent", withImage("fluentd:2"));
    expect(rolloutStatus(await getDs("agent"))[0]).toBe(false);
    const steps = await rollThrough(nodeCount, "fluentd:2", limits);
    expect(steps).toBe(nodeCount);
    const done = await getDs("agent");
    expect(done.status).toMatchObject({ observedGeneration: updated.metadata.generation, updatedNumberScheduled: nodeCount, numberAvailable: nodeCount, desiredNumberScheduled: nodeCount });
    expect((await dsPods("agent")).every((p) => p.metadata.labels["controller-revision-hash"] === computeHash(updated.spec.template))).toBe(true);
  });

  it("OnDelete replaces only the pods somebody deletes", async () => {
    await readyDaemonSet(2, { updateStrategy: { type: "OnDelete" } });
    await changeSpec("agent", withImage("fluentd:2"));
    await waitFor(async () => (await getDs("agent")).status?.observedGeneration === 2, 3000, "observed");
    await sleep(100);
    expect((await dsPods("agent")).map(image)).toEqual(["fluentd:1", "fluentd:1"]);
    expect((await getDs("agent")).status.updatedNumberScheduled).toBeUndefined();
    const victim = (await dsPods("agent"))[0];
    await h!.client.delete(R.pods, "default", victim.metadata.name);
    await waitFor(async () => (await dsPods("agent")).some((p) => image(p) === "fluentd:2" && nodeOf(p) === nodeOf(victim)), 3000, "replaced at v2");
    await waitFor(async () => (await getDs("agent")).status?.updatedNumberScheduled === 1, 3000, "updated 1");
    expect(() => rolloutStatus({ spec: { updateStrategy: { type: "OnDelete" } } })).toThrow();
  });

  it("counts a pod available only minReadySeconds after it is Ready", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    h = await startControlPlane([new DaemonSetController()], { clock });
    await addNode("n1");
    await h.client.create(R.daemonSets, "default", daemonSet("agent", { minReadySeconds: 30 }));
    await waitFor(async () => (await dsPods("agent")).length === 1, 3000, "pod");
    await setPod((await dsPods("agent"))[0].metadata.name, "Running", true, clock.now());
    await waitFor(async () => (await getDs("agent")).status?.numberReady === 1, 3000, "ready");
    expect((await getDs("agent")).status).toMatchObject({ numberReady: 1, numberUnavailable: 1 });
    expect(rolloutStatus(await getDs("agent"))[0]).toBe(false);
    await clock.advance(31_000);
    await waitFor(async () => (await getDs("agent")).status?.numberAvailable === 1, 3000, "available");
    expect((await getDs("agent")).status.numberUnavailable).toBeUndefined();
    expect(rolloutStatus(await getDs("agent"))[0]).toBe(true);
  });
});
