// The scheduler loop against the in-process API: pending pods are bound through
// pods/binding with a Scheduled event; a pod that fits nowhere gets PodScheduled=False with
// kube-scheduler's message and a FailedScheduling event, and is scheduled once a node that
// fits appears; decisions are recorded as kube-scheduler-simulator's annotations on request.
import { afterEach, describe, expect, it } from "vitest";
import { KubeScheduler, RESULT_ANNOTATIONS } from "../../dist/core/scheduling/kube-scheduler.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { realClock } from "../../dist/core/controllers/clock.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness;
let scheduler: KubeScheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await h?.stop();
});

const node = (name: string, cpu = "4", labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
  status: { capacity: { cpu, memory: "8Gi", pods: "110" }, allocatable: { cpu, memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
});

const pod = (name: string, cpu = "100m", extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu } } }], ...extra },
});

const nodeOf = async (name: string) => ((await h.client.get(R.pods, "default", name)).spec as { nodeName?: string }).nodeName;

describe("kube-scheduler loop", () => {
  it("binds pending pods and records a Scheduled event", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.nodes, undefined, node("a"));
    await h.client.create(R.nodes, undefined, node("b"));
    scheduler = new KubeScheduler({ client: h.client, core: h.core, clock: realClock });
    await scheduler.start();
    for (let i = 0; i < 10; i++) await h.client.create(R.pods, "default", pod(`p${i}`));
    await waitFor(async () => (await h.client.list(R.pods, "default")).items.every((p: KubeObject) => (p.spec as { nodeName?: string }).nodeName), 5000, "all bound");
    const placed = (await h.client.list(R.pods, "default")).items.map((p: KubeObject) => (p.spec as { nodeName: string }).nodeName);
    // LeastAllocated + BalancedAllocation spread equal pods over equal nodes.
    expect(placed.filter((n: string) => n === "a").length).toBe(5);
    const p0 = await h.client.get(R.pods, "default", "p0");
    expect((p0.status as { conditions: { type: string; status: string }[] }).conditions).toContainEqual(expect.objectContaining({ type: "PodScheduled", status: "True" }));
    await waitFor(async () => (await h.client.list(R.events, "default")).items.filter((e: KubeObject & { reason?: string }) => e.reason === "Scheduled").length === 10, 3000, "10 Scheduled events");
    const ev = (await h.client.list(R.events, "default")).items.find((e: KubeObject & { reason?: string; involvedObject?: { name: string } }) => e.reason === "Scheduled" && e.involvedObject?.name === "p0") as Record<string, unknown>;
    expect(ev.message).toBe(`Successfully assigned default/p0 to ${await nodeOf("p0")}`);
    expect(ev.source).toEqual({ component: "default-scheduler" });
    expect(scheduler.scheduled).toBe(10);
  });

  it("marks a pod that fits nowhere Unschedulable, then schedules it when a node that fits joins", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.nodes, undefined, node("small", "1"));
    scheduler = new KubeScheduler({ client: h.client, core: h.core, clock: realClock });
    await scheduler.start();
    await h.client.create(R.pods, "default", pod("big", "2"));
    await waitFor(
      async () => ((await h.client.get(R.pods, "default", "big")).status as { conditions?: { type: string; reason?: string }[] }).conditions?.some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable") ?? false,
      5000,
      "Unschedulable condition",
    );
    const cond = ((await h.client.get(R.pods, "default", "big")).status as { conditions: { type: string; status: string; message: string }[] }).conditions.find((c) => c.type === "PodScheduled")!;
    expect(cond.status).toBe("False");
    // The request exceeds the node's allocatable, so NodeResourcesFit answers UnschedulableAndUnresolvable (v1.35); the doubled period is kube-scheduler's own.
    expect(cond.message).toBe("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..");
    const failed = (await h.client.list(R.events, "default")).items.find((e: KubeObject & { reason?: string }) => e.reason === "FailedScheduling") as Record<string, unknown>;
    expect(failed.type).toBe("Warning");
    await h.client.create(R.nodes, undefined, node("large", "8"));
    await waitFor(async () => (await nodeOf("big")) === "large", 5000, "bound to the new node");
  });

  it("schedules higher priority first and honours nodeSelector", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.nodes, undefined, node("ssd", "4", { disk: "ssd" }));
    await h.client.create(R.nodes, undefined, node("hdd", "4", { disk: "hdd" }));
    await h.client.create(R.pods, "default", pod("picky", "100m", { nodeSelector: { disk: "ssd" } }));
    scheduler = new KubeScheduler({ client: h.client, core: h.core, clock: realClock });
    await scheduler.start();
    await waitFor(async () => (await nodeOf("picky")) === "ssd", 5000, "picky on ssd");
  });

  it("records per-plugin filter results and scores when asked", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.nodes, undefined, node("a", "8"));
    await h.client.create(R.nodes, undefined, node("b", "2"));
    await h.client.create(R.nodes, undefined, node("tiny", "0"));
    scheduler = new KubeScheduler({ client: h.client, core: h.core, clock: realClock, recordDecisions: true });
    await scheduler.start();
    await h.client.create(R.pods, "default", pod("explained", "1"));
    await waitFor(async () => (await nodeOf("explained")) === "a", 5000, "bound to the emptier node");
    const annotations = (await h.client.get(R.pods, "default", "explained")).metadata!.annotations!;
    expect(annotations[RESULT_ANNOTATIONS.selectedNode]).toBe("a");
    const filter = JSON.parse(annotations[RESULT_ANNOTATIONS.filter]);
    expect(filter.a).toEqual({ "": "passed" });
    expect(filter.tiny).toEqual({ NodeResourcesFit: "Insufficient cpu" });
    const score = JSON.parse(annotations[RESULT_ANNOTATIONS.score]);
    expect(Object.keys(score.a)).toEqual(expect.arrayContaining(["NodeResourcesFit", "NodeResourcesBalancedAllocation"]));
    // LeastAllocated: 1 of 8 CPUs leaves more room than 1 of 2.
    expect(Number(score.a.NodeResourcesFit)).toBeGreaterThan(Number(score.b.NodeResourcesFit));
  });
});
