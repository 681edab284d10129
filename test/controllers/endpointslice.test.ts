// The EndpointSlice controller: discovery.k8s.io/v1 EndpointSlices per Service with a
// selector, as kube-controller-manager writes them.
import { afterEach, describe, expect, it } from "vitest";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { EndpointSliceController } from "../../dist/core/controllers/endpointslice.js";
import { GarbageCollector } from "../../dist/core/controllers/garbage-collector.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const NS = "default";

interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  targetRef: { name: string };
  nodeName?: string;
  zone?: string;
  hostname?: string;
}

type Slice = KubeObject & { addressType: string; endpoints: Endpoint[] | null; ports: { name: string; protocol: string; port: number }[] | null };

async function node(name: string, zone?: string) {
  await h!.client.create(R.nodes, undefined, { metadata: { name, ...(zone ? { labels: { "topology.kubernetes.io/zone": zone } } : {}) } });
}

/** A pod on `nodeName`, Running with `ip`, Ready or not. */
async function runningPod(name: string, labels: Record<string, string>, ip: string, ready: boolean, options: { nodeName?: string; ports?: { name: string; containerPort: number }[] } = {}) {
  const pod = await h!.client.create(R.pods, NS, {
    metadata: { name, labels },
    spec: { nodeName: options.nodeName ?? "n1", containers: [{ name: "c", image: "busybox", ...(options.ports ? { ports: options.ports } : {}) }] },
  });
  const conditions = [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2026-03-01T10:00:00Z" }];
  return h!.client.update(R.pods, NS, { ...pod, status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions } }, "status");
}

async function slices(service: string): Promise<Slice[]> {
  const list = await h!.client.list(R.endpointSlices, NS, { labelSelector: `kubernetes.io/service-name=${service}` });
  return list.items as Slice[];
}

const count = (s: Slice[]) => s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0);

describe("EndpointSliceController", () => {
  it("writes a slice named <service>-<random>, labelled, owned by the Service, with conditions, targetRef, nodeName, zone and ports", async () => {
    h = await startControlPlane([new EndpointSliceController()]);
    await node("n1", "zone-a");
    const svc = await h.client.create(R.services, NS, { metadata: { name: "web", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
    const a = await runningPod("a", { app: "web" }, "10.0.0.1", true);
    await runningPod("b", { app: "web" }, "10.0.0.2", false);
    await waitFor(async () => count(await slices("web")) === 2, 3000, "two endpoints");
    const [slice] = await slices("web");
    expect(slice.metadata!.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slice.metadata).toMatchObject({
      generateName: "web-",
      labels: { tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: true }],
    });
    expect(slice.metadata!.annotations!["endpoints.kubernetes.io/last-change-trigger-time"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "http", protocol: "TCP", port: 8080 }]);
    const byName = Object.fromEntries(slice.endpoints!.map((e) => [e.targetRef.name, e]));
    expect(byName.a).toEqual({
      addresses: ["10.0.0.1"],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: "Pod", namespace: NS, name: "a", uid: a.metadata!.uid },
      nodeName: "n1",
      zone: "zone-a",
    });
    expect(byName.b.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it("keeps a terminating pod (not ready, still serving) and keeps using the same slice", async () => {
    h = await startControlPlane([new EndpointSliceController()]);
    await node("n1");
    await h.client.create(R.services, NS, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    await runningPod("a", { app: "web" }, "10.0.0.1", true);
    await runningPod("b", { app: "web" }, "10.0.0.2", true);
    await waitFor(async () => count(await slices("web")) === 2, 3000, "two endpoints");
    const before = (await slices("web"))[0].metadata!.name;
    await h.client.delete(R.pods, NS, "a"); // on a node: graceful, so terminating for a while
    const terminating = async () => (await slices("web"))[0]?.endpoints?.find((e) => e.targetRef.name === "a")?.conditions;
    await waitFor(async () => (await terminating())?.terminating === true, 3000, "a terminating");
    expect(await terminating()).toEqual({ ready: false, serving: true, terminating: true });
    await h.client.delete(R.pods, NS, "a", { gracePeriodSeconds: 0 });
    await waitFor(async () => count(await slices("web")) === 1, 3000, "a gone");
    const after = await slices("web");
    expect(after.map((s) => s.metadata!.name)).toEqual([before]);
  });

  it("keeps one empty placeholder slice for a Service selecting nothing", async () => {
    h = await startControlPlane([new EndpointSliceController()]);
    await h.client.create(R.services, NS, { metadata: { name: "lonely" }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } });
    await waitFor(async () => (await slices("lonely")).length === 1, 3000, "the placeholder");
    await new Promise((r) => setTimeout(r, 100));
    const all = await slices("lonely");
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ addressType: "IPv4", endpoints: null, ports: null });
  });

  it("puts at most 100 endpoints in a slice", async () => {
    h = await startControlPlane([new EndpointSliceController()]);
    await node("n1");
    for (let i = 0; i < 105; i++) await runningPod(`p${i}`, { app: "big" }, `10.9.0.${i + 1}`, true);
    // All pods known before the Service: one sync places them all (later arrivals would go
    // where they fit, never above 100, but not necessarily packed).
    const pods = h.manager.informers.for(R.pods);
    await waitFor(() => pods.list().filter((p) => (p.status as { podIP?: string } | undefined)?.podIP).length === 105, 3000, "the pods in the cache");
    await h.client.create(R.services, NS, { metadata: { name: "big" }, spec: { selector: { app: "big" }, ports: [{ port: 80 }] } });
    await waitFor(async () => count(await slices("big")) === 105, 4000, "105 endpoints");
    expect((await slices("big")).map((s) => s.endpoints!.length).sort((x, y) => y - x)).toEqual([100, 5]);
    // One more pod: it fits in the slice with room.
    await runningPod("extra", { app: "big" }, "10.9.1.1", true);
    await waitFor(async () => count(await slices("big")) === 106, 3000, "106 endpoints");
    expect((await slices("big")).map((s) => s.endpoints!.length).sort((x, y) => y - x)).toEqual([100, 6]);
  });

  it("groups pods by the ports they resolve (named targetPort), fills changed slices first, smaller slices with a lower maximum", async () => {
    h = await startControlPlane([new EndpointSliceController({ maxEndpointsPerSlice: 3 })]);
    await node("n1");
    await h.client.create(R.services, NS, { metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ name: "web", port: 80, targetPort: "web" }] } });
    for (let i = 0; i < 4; i++) await runningPod(`x${i}`, { app: "api" }, `10.1.0.${i + 1}`, true, { ports: [{ name: "web", containerPort: 8080 }] });
    await runningPod("y0", { app: "api" }, "10.1.1.1", true, { ports: [{ name: "web", containerPort: 9090 }] });
    await waitFor(async () => count(await slices("api")) === 5, 3000, "five endpoints");
    const summary = (await slices("api")).map((s) => `${s.ports![0].port}:${s.endpoints!.length}`).sort();
    expect(summary).toEqual(["8080:1", "8080:3", "9090:1"]);
  });

  it("leaves out (and warns about) a pod on a node that does not exist", async () => {
    h = await startControlPlane([new EndpointSliceController()]);
    await node("n1");
    await h.client.create(R.services, NS, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    await runningPod("ok", { app: "web" }, "10.0.0.1", true);
    await runningPod("lost", { app: "web" }, "10.0.0.2", true, { nodeName: "ghost" });
    await waitFor(async () => (await h!.client.list(R.events, NS)).items.some((e) => e.reason === "FailedToUpdateEndpointSlices"), 3000, "the Warning");
    const event = (await h.client.list(R.events, NS)).items.find((e) => e.reason === "FailedToUpdateEndpointSlices")!;
    expect(event).toMatchObject({ type: "Warning", involvedObject: { kind: "Service", name: "web" } });
    expect(event.message).toBe("Error updating Endpoint Slices for Service default/web: skipping Pod lost for Service default/web: Node ghost Not Found");
    expect((await slices("web")).flatMap((s) => s.endpoints ?? []).map((e) => e.targetRef.name)).toEqual(["ok"]);
  });

  it("the slices go with their Service (the garbage collector, through the ownerReference)", async () => {
    h = await startControlPlane([new EndpointSliceController(), new GarbageCollector()]);
    await node("n1");
    await h.client.create(R.services, NS, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    await runningPod("a", { app: "web" }, "10.0.0.1", true);
    await waitFor(async () => count(await slices("web")) === 1, 3000, "a slice");
    await h.client.delete(R.services, NS, "web");
    await waitFor(async () => (await slices("web")).length === 0, 3000, "the slices to go");
  });
});
