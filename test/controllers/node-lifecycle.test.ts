// The node lifecycle controller and taint-based eviction, against the in-process API on a
// virtual clock: no kubelet runs, so the tests post node status and renew node Leases
// (kube-node-lease/<node>) themselves, and move time forward past grace periods and
// tolerationSeconds.
import { afterEach, describe, expect, it } from "vitest";
import { NodeLifecycleController } from "../../dist/core/controllers/node-lifecycle.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { R, isNotFound, type KubeObject } from "../../dist/core/controllers/client.js";
import { markPodsRunning, startControlPlane, type Harness } from "./harness.js";

type Obj = KubeObject & Record<string, any>;

let h: Harness | undefined;
let clock: VirtualClock;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: ConstructorParameters<typeof NodeLifecycleController>[0] = {}): Promise<Harness> {
  clock = new VirtualClock();
  h = await startControlPlane([new NodeLifecycleController(options)], { clock });
  return h;
}

const stamp = () => new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
const micro = () => new Date(clock.now()).toISOString().replace(/Z$/, "000Z");

/** Polls `check`, nudging the virtual clock 1 ms per round so retries with backoff can run. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await clock.advance(1);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets in-flight work finish without moving time on much: for "nothing happened" checks. */
async function quiesce(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function getNode(name: string): Promise<Obj> {
  return (await h!.client.get(R.nodes, undefined, name)) as Obj;
}

async function postStatus(name: string, ready: "True" | "False" = "True"): Promise<void> {
  for (;;) {
    const node = await getNode(name);
    const t = stamp();
    const c = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: t, lastTransitionTime: t });
    node.status = {
      ...node.status,
      conditions: [
        c("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        c("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        c("PIDPressure", "False", "KubeletHasSufficientPID"),
        c("Ready", ready, ready === "True" ? "KubeletReady" : "KubeletNotReady"),
      ],
    };
    try {
      await h!.client.update(R.nodes, undefined, node, "status");
      return;
    } catch {
      // The controller wrote meanwhile: read again.
    }
  }
}

async function renewLease(name: string): Promise<void> {
  try {
    const lease = (await h!.client.get(R.leases, "kube-node-lease", name)) as Obj;
    await h!.client.update(R.leases, "kube-node-lease", { ...lease, spec: { ...lease.spec, renewTime: micro() } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await h!.client.create(R.leases, "kube-node-lease", {
      metadata: { name, namespace: "kube-node-lease" },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() },
    });
  }
}

/** A registered node with a kubelet that just posted Ready and renewed its Lease. */
async function addNode(name: string, labels: Record<string, string> = {}): Promise<void> {
  await h!.client.create(R.nodes, undefined, { metadata: { name, labels } });
  await postStatus(name);
  await renewLease(name);
}

async function addPod(name: string, nodeName: string, tolerations?: object[]): Promise<void> {
  await h!.client.create(R.pods, "default", {
    metadata: { name, namespace: "default" },
    spec: { nodeName, containers: [{ name: "c", image: "busybox" }], ...(tolerations ? { tolerations } : {}) },
  });
}

async function getPod(name: string): Promise<Obj | undefined> {
  try {
    return (await h!.client.get(R.pods, "default", name)) as Obj;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Evicted: deleted, or (bound to a node, so deleted gracefully) marked with a deletionTimestamp. */
async function evicted(name: string): Promise<boolean> {
  const pod = await getPod(name);
  return !pod || !!pod.metadata?.deletionTimestamp;
}

async function events(reason: string): Promise<Obj[]> {
  return ((await h!.client.list(R.events, "default")).items as Obj[]).filter((e) => e.reason === reason);
}

const condition = (node: Obj, type: string) => (node.status?.conditions ?? []).find((c: Obj) => c.type === type);
const taintKeys = (node: Obj) => (node.spec?.taints ?? []).map((t: Obj) => `${t.key}:${t.effect}`).sort();

/** Advances in steps, renewing the given nodes' Leases at each step (their kubelets keep running). */
async function advance(ms: number, alive: string[] = [], stepMs = 10_000): Promise<void> {
  for (let left = ms; left > 0; left -= stepMs) {
    for (const n of alive) await renewLease(n);
    await clock.advance(Math.min(stepMs, left));
  }
}

describe("node health", () => {
  it("marks a node whose Lease and status go stale Unknown after 50 s, taints it unreachable, and marks its pods not ready", async () => {
    await start();
    await addNode("n1");
    await addNode("n2");
    await addPod("web", "n1");
    await markPodsRunning(h!.client, "default");
    await until(async () => (await events("RegisteredNode")).length === 2, "RegisteredNode events");

    await advance(49_000, ["n2"], 7_000);
    await quiesce();
    expect(condition(await getNode("n1"), "Ready").status).toBe("True");

    await advance(2_000, ["n2"]);
    await until(async () => condition(await getNode("n1"), "Ready").status === "Unknown", "n1 Ready=Unknown");
    const node = await getNode("n1");
    for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
      expect(condition(node, type)).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    }
    await until(async () => taintKeys(await getNode("n1")).length === 2, "n1 tainted");
    const tainted = await getNode("n1");
    expect(taintKeys(tainted)).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    for (const t of tainted.spec.taints) expect(t.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(condition(await getNode("n2"), "Ready").status).toBe("True");
    expect((await getNode("n2")).spec?.taints ?? []).toEqual([]);

    await until(async () => condition((await getPod("web"))!, "Ready").status === "False", "the pod marked not ready");
    await until(async () => (await events("NodeNotReady")).length === 2, "NodeNotReady events");
    const [onNode] = (await events("NodeNotReady")).filter((e) => e.involvedObject.kind === "Node");
    expect(onNode).toMatchObject({ type: "Normal", message: "Node n1 status is now: NodeNotReady", source: { component: "node-controller" } });
    const [onPod] = (await events("NodeNotReady")).filter((e) => e.involvedObject.kind === "Pod");
    expect(onPod).toMatchObject({ type: "Warning", message: "Node is not ready", involvedObject: { name: "web" } });
    // The default 300 s tolerations (DefaultTolerationSeconds admission) keep the pod for now.
    expect(await evicted("web")).toBe(false);
  });

  it("removes the node controller's taints once the kubelet reports Ready again", async () => {
    await start();
    await addNode("n1");
    await addNode("n2");
    await advance(60_000, ["n2"]);
    await until(async () => taintKeys(await getNode("n1")).includes("node.kubernetes.io/unreachable:NoExecute"), "n1 tainted");
    await renewLease("n1");
    await postStatus("n1");
    await until(async () => (await getNode("n1")).spec?.taints === undefined, "taints removed");
    expect(condition(await getNode("n1"), "Ready").status).toBe("True");
  });

  it("taints a node whose kubelet reports Ready=False not-ready, and swaps to unreachable when it goes silent", async () => {
    await start();
    await addNode("n1");
    await addNode("n2");
    await postStatus("n1", "False");
    await until(async () => taintKeys(await getNode("n1")).length === 2, "n1 tainted not-ready");
    expect(taintKeys(await getNode("n1"))).toEqual(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
    // No NodeNotReady event: the kubelet, not this controller, changed Ready.
    expect(await events("NodeNotReady")).toEqual([]);
    await advance(60_000, ["n2"]);
    await until(async () => taintKeys(await getNode("n1")).join() === "node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule", "swapped to unreachable");
  });

  it("gives a node that never posted status the 60 s startup grace period, then adds Unknown conditions (NodeStatusNeverUpdated)", async () => {
    await start();
    await addNode("n2");
    await h!.client.create(R.nodes, undefined, { metadata: { name: "fresh" } });
    await advance(59_000, ["n2"]);
    await quiesce();
    expect((await getNode("fresh")).status?.conditions ?? []).toEqual([]);
    await advance(2_000, ["n2"]);
    await until(async () => condition(await getNode("fresh"), "Ready") !== undefined, "conditions added");
    const node = await getNode("fresh");
    expect(condition(node, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
      lastHeartbeatTime: node.metadata.creationTimestamp,
    });
    expect(condition(node, "NetworkUnavailable")).toBeUndefined();
  });

  it("honours configured grace periods, and keeps a node healthy while only its Lease is renewed", async () => {
    await start({ nodeMonitorGracePeriodMs: 5_000 });
    await addNode("n1");
    await addNode("n2");
    await advance(20_000, ["n1", "n2"], 2_000);
    await quiesce();
    expect(condition(await getNode("n1"), "Ready").status).toBe("True");
    await advance(6_000, ["n2"], 2_000);
    await until(async () => condition(await getNode("n1"), "Ready").status === "Unknown", "n1 Unknown after 5 s");
  });

  it("adds no NoExecute taint when every node is down (full disruption), and taints again once another node is Ready", async () => {
    await start();
    await addNode("only");
    // Tolerates unreachable for 0 s: evicted as soon as the NoExecute taint appears.
    await addPod("web", "only", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }]);
    await advance(51_000);
    await until(async () => taintKeys(await getNode("only")).length === 1, "NoSchedule taint");
    await quiesce();
    expect(taintKeys(await getNode("only"))).toEqual(["node.kubernetes.io/unreachable:NoSchedule"]);
    expect(await evicted("web")).toBe(false);
    // A second, healthy node: the first is no longer down with the rest of the cluster.
    await addNode("n2");
    await until(async () => taintKeys(await getNode("only")).includes("node.kubernetes.io/unreachable:NoExecute"), "NoExecute taint");
    await until(() => evicted("web"), "the untolerating pod evicted");
  });

  it("sets the beta os/arch labels from the stable ones", async () => {
    await start();
    await addNode("n1", { "kubernetes.io/os": "linux", "kubernetes.io/arch": "wasm32" });
    await until(async () => (await getNode("n1")).metadata.labels["beta.kubernetes.io/arch"] === "wasm32", "beta labels");
    expect((await getNode("n1")).metadata.labels["beta.kubernetes.io/os"]).toBe("linux");
  });
});

describe("taint-based eviction", () => {
  async function taint(node: string, taints: object[]): Promise<void> {
    for (;;) {
      const n = await getNode(node);
      try {
        await h!.client.update(R.nodes, undefined, { ...n, spec: { ...n.spec, taints } });
        return;
      } catch {
        // Conflict with the controller: read again.
      }
    }
  }
  const dedicated = { key: "dedicated", value: "db", effect: "NoExecute" };

  it("deletes a pod that does not tolerate a NoExecute taint at once, with DisruptionTarget and a TaintManagerEviction event", async () => {
    await start();
    await addNode("n1");
    await addPod("plain", "n1");
    await addPod("forever", "n1", [{ key: "dedicated", operator: "Exists", effect: "NoExecute" }]);
    await markPodsRunning(h!.client, "default");
    await taint("n1", [dedicated]);
    await until(() => evicted("plain"), "plain evicted");
    const pod = await getPod("plain");
    if (pod) {
      expect(condition(pod, "DisruptionTarget")).toMatchObject({ status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" });
    }
    const [e] = await events("TaintManagerEviction");
    expect(e).toMatchObject({ type: "Normal", message: "Marking for deletion Pod default/plain", involvedObject: { kind: "Pod", name: "plain" }, source: { component: "taint-eviction-controller" } });
    await advance(600_000, ["n1"]);
    await quiesce();
    expect(await evicted("forever")).toBe(false);
  });

  it("deletes a pod when its tolerationSeconds run out, not before", async () => {
    await start();
    await addNode("n1");
    await addPod("tolerant", "n1", [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoExecute", tolerationSeconds: 60 }]);
    await taint("n1", [dedicated]);
    await quiesce();
    await advance(59_000, ["n1"]);
    await quiesce();
    expect(await evicted("tolerant")).toBe(false);
    await advance(1_500, ["n1"]);
    await until(() => evicted("tolerant"), "evicted after 60 s");
  });

  it("uses the smallest tolerationSeconds of the tolerations in use", async () => {
    await start();
    await addNode("n1");
    await addPod("two", "n1", [
      { key: "dedicated", operator: "Exists", effect: "NoExecute", tolerationSeconds: 600 },
      { key: "maintenance", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
    ]);
    await taint("n1", [dedicated, { key: "maintenance", effect: "NoExecute" }]);
    await quiesce();
    await advance(29_000, ["n1"]);
    await quiesce();
    expect(await evicted("two")).toBe(false);
    await advance(2_000, ["n1"]);
    await until(() => evicted("two"), "evicted after 30 s");
  });

  it("cancels a scheduled eviction when the taint goes before tolerationSeconds run out", async () => {
    await start();
    await addNode("n1");
    await addPod("tolerant", "n1", [{ key: "dedicated", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]);
    await taint("n1", [dedicated]);
    await quiesce();
    await advance(30_000, ["n1"]);
    await taint("n1", []);
    await until(async () => (await events("TaintManagerEviction")).some((e) => e.message === "Cancelling deletion of Pod default/tolerant"), "the cancel event");
    await advance(120_000, ["n1"]);
    await quiesce();
    expect(await evicted("tolerant")).toBe(false);
  });

  it("evicts pods of an unreachable node after the default 300 s tolerations", async () => {
    await start();
    await addNode("n1");
    await addNode("n2");
    await addPod("web", "n1");
    expect((await getPod("web"))!.spec.tolerations).toContainEqual({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    await advance(51_000, ["n2"]);
    await until(async () => taintKeys(await getNode("n1")).includes("node.kubernetes.io/unreachable:NoExecute"), "n1 tainted");
    await advance(290_000, ["n2"]);
    await quiesce();
    expect(await evicted("web")).toBe(false);
    await advance(20_000, ["n2"]);
    await until(() => evicted("web"), "web evicted");
  });
});
