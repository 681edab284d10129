// Simulated nodes at scale, on the wall clock: many kubelets on one pod informer, one
// heartbeat queue and one status queue. Pods are bound directly (spec.nodeName), as no
// scheduler runs here. SCALE_NODES / SCALE_PODS override the sizes for a manual run.
import { afterEach, describe, expect, it } from "vitest";
import { startControlPlane, waitFor, type Harness } from "../controllers/harness.js";
import { SimulatedNodes, simulatedPodCIDR } from "../../dist/core/kubelet/simulated-nodes.js";
import { SimulatedRuntime } from "../../dist/hosts/browser/simulated-runtime.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";

let harness: Harness | null = null;
let nodes: SimulatedNodes | null = null;

afterEach(async () => {
  await nodes?.stop();
  await harness?.stop();
  nodes = null;
  harness = null;
});

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

function podOn(i: number, node: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${i}`, labels: { app: "scale" } },
    spec: { nodeName: node, containers: [{ name: "app", image: "nginx:1.27", imagePullPolicy: "IfNotPresent" }] },
  };
}

describe("SimulatedNodes", () => {
  it("registers N nodes with leases, runs their pods, stops and starts one node, adds nodes", async () => {
    const clock = new VirtualClock();
    harness = await startControlPlane([], { clock });
    nodes = new SimulatedNodes({
      client: harness.client.as("kubelet"),
      clock,
      count: 3,
      runtimeFor: (n, c) => new SimulatedRuntime({ clock: c, podCIDR: n.podCIDR }),
    });
    await nodes.start();
    const settle = async () => {
      for (let i = 0; i < 5; i++) await clock.advance(0);
    };
    const list = await harness.client.list(R.nodes);
    expect(list.items.map((n) => n.metadata!.name).sort()).toEqual(["kubeling-sim-0", "kubeling-sim-1", "kubeling-sim-2"]);
    expect(list.items.find((n) => n.metadata!.name === "kubeling-sim-2")!.status).toMatchObject({
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      addresses: [{ type: "InternalIP", address: "172.18.0.4" }, { type: "Hostname", address: "kubeling-sim-2" }],
    });
    expect((await harness.client.list(R.leases, "kube-node-lease")).items).toHaveLength(3);

    await harness.client.create(R.pods, "default", podOn(0, "kubeling-sim-1"));
    await settle();
    const pod = await harness.client.get(R.pods, "default", "p-0");
    expect(pod.status).toMatchObject({ phase: "Running", hostIP: "172.18.0.3", podIP: "10.244.1.2" });

    // Heartbeats: three nodes, spread over the interval, one timer between them.
    const renewTimes = async () => (await harness!.client.list(R.leases, "kube-node-lease")).items.map((l) => (l.spec as { renewTime: string }).renewTime).sort();
    for (let i = 0; i < 25; i++) await clock.advance(1000);
    expect(new Set(await renewTimes()).size).toBe(3);
    expect(clock.pending).toBeLessThanOrEqual(3);

    nodes.stopNode("kubeling-sim-1");
    const stale = (await harness.client.get(R.leases, "kube-node-lease", "kubeling-sim-1")).spec as { renewTime: string };
    for (let i = 0; i < 30; i++) await clock.advance(1000);
    expect(((await harness.client.get(R.leases, "kube-node-lease", "kubeling-sim-1")).spec as { renewTime: string }).renewTime).toBe(stale.renewTime);
    expect(((await harness.client.get(R.leases, "kube-node-lease", "kubeling-sim-0")).spec as { renewTime: string }).renewTime).not.toBe(stale.renewTime);
    expect((await nodes.runtime("kubeling-sim-1")!.listContainers())[0].state).toBe("running");
    await nodes.startNode("kubeling-sim-1");
    await settle();
    expect(((await harness.client.get(R.leases, "kube-node-lease", "kubeling-sim-1")).spec as { renewTime: string }).renewTime).not.toBe(stale.renewTime);

    const added = await nodes.addNodes(2);
    expect(added).toEqual(["kubeling-sim-3", "kubeling-sim-4"]);
    const node4 = await harness.client.get(R.nodes, undefined, "kubeling-sim-4");
    expect((node4.spec as { podCIDR: string }).podCIDR).toBe(simulatedPodCIDR(4));
  });

  it("scale: pods bound to many nodes all go Running and Ready, one status write each", async () => {
    const nodeCount = Number(env.SCALE_NODES ?? 200);
    const podCount = Number(env.SCALE_PODS ?? 2000);
    harness = await startControlPlane([]);
    let statusWrites = 0;
    const kubeletClient = harness.client.as("kubelet");
    const counting = Object.assign(Object.create(Object.getPrototypeOf(kubeletClient)), kubeletClient, {
      update: (...a: Parameters<typeof kubeletClient.update>) => {
        if (a[0].plural === "pods" && a[3] === "status") statusWrites++;
        return kubeletClient.update(...a);
      },
    });
    nodes = new SimulatedNodes({
      client: counting,
      count: nodeCount,
      runtimeFor: (n, c) => new SimulatedRuntime({ clock: c, podCIDR: n.podCIDR }),
    });
    const t0 = performance.now();
    await nodes.start();
    const tNodes = performance.now() - t0;
    expect((await harness.client.list(R.nodes)).items).toHaveLength(nodeCount);

    const names = nodes.names;
    const t1 = performance.now();
    const inFlight = 32;
    for (let start = 0; start < podCount; start += inFlight) {
      await Promise.all(
        Array.from({ length: Math.min(inFlight, podCount - start) }, (_, k) => harness!.client.create(R.pods, "default", podOn(start + k, names[(start + k) % names.length]))),
      );
    }
    const tCreated = performance.now() - t1;
    const running = () => {
      let n = 0;
      for (const p of nodes!.pods.list()) {
        const s = p.status as { phase?: string; conditions?: { type: string; status: string }[] };
        if (s.phase === "Running" && s.conditions?.some((c) => c.type === "Ready" && c.status === "True")) n++;
      }
      return n;
    };
    await waitFor(() => running() === podCount, 25_000, `${podCount} pods Running and Ready`);
    const tRunning = performance.now() - t1;
    // eslint-disable-next-line no-console
    console.log(
      `[scale] ${nodeCount} nodes registered in ${tNodes.toFixed(0)} ms; ${podCount} pods created in ${tCreated.toFixed(0)} ms, ` +
        `all Running and Ready ${tRunning.toFixed(0)} ms after the first create; ${statusWrites} pod status writes; ` +
        `events dropped ${nodes.events.dropped}, queued ${nodes.events.pending}`,
    );
    // One write per pod; a sync slowed past 100 ms by the load writes its Pending status first.
    expect(statusWrites).toBeGreaterThanOrEqual(podCount);
    expect(statusWrites).toBeLessThan(podCount * 1.1);
    const sample = (await harness.client.get(R.pods, "default", "p-7")).status as { podIP: string; hostIP: string };
    expect(sample.hostIP).toBe("172.18.0.9");
    expect(sample.podIP).toMatch(/^10\.24[4-7]\.\d+\.\d+$/);
  });
});
