// The endpoints controller: an Endpoints object per Service with a selector, as
// kube-controller-manager writes it; and the Service defaults it relies on.
import { afterEach, describe, expect, it } from "vitest";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { EndpointsController } from "../../dist/core/controllers/endpoints.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const NS = "default";

type Ports = { name?: string; containerPort: number; protocol?: string }[];

async function createPod(name: string, labels: Record<string, string>, options: { ports?: Ports; hostname?: string; subdomain?: string; nodeName?: string } = {}) {
  const { ports, ...spec } = options;
  return h!.client.create(R.pods, NS, { metadata: { name, labels }, spec: { ...spec, containers: [{ name: "c", image: "busybox", ...(ports ? { ports } : {}) }] } });
}

/** What a kubelet reports: Running with an IP, Ready or not (since `at`). */
async function setStatus(name: string, ip: string | undefined, ready: boolean, at = "2026-03-01T10:00:00Z") {
  const pod = await h!.client.get(R.pods, NS, name);
  const conditions = [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: at }];
  await h!.client.update(R.pods, NS, { ...pod, status: { phase: "Running", conditions, ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) } }, "status");
}

async function endpoints(name: string): Promise<KubeObject | undefined> {
  try {
    return await h!.client.get(R.endpoints, NS, name);
  } catch {
    return undefined;
  }
}

/** Waits until the Endpoints' subsets are `subsets` (JSON-equal). */
async function subsetsBecome(name: string, subsets: unknown) {
  await waitFor(async () => JSON.stringify((await endpoints(name))?.subsets) === JSON.stringify(subsets), 3000, `endpoints ${name} to be ${JSON.stringify(subsets)}`);
}

const ref = (pod: KubeObject) => ({ kind: "Pod", namespace: NS, name: pod.metadata!.name, uid: pod.metadata!.uid });

describe("EndpointsController", () => {
  it("lists ready pods in addresses and the others in notReadyAddresses, with targetRef and nodeName; labels and trigger time from the Service", async () => {
    h = await startControlPlane([new EndpointsController()]);
    const svc = await h.client.create(R.services, NS, { metadata: { name: "web", labels: { tier: "front" } }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } });
    await waitFor(async () => !!(await endpoints("web")), 3000, "the Endpoints");
    const empty = (await endpoints("web"))!;
    expect(empty.subsets).toBeUndefined();
    expect(empty.metadata!.labels).toEqual({ tier: "front" });
    // The first version reflects the Service's creation.
    expect(empty.metadata!.annotations).toEqual({ "endpoints.kubernetes.io/last-change-trigger-time": svc.metadata!.creationTimestamp });

    const a = await createPod("a", { app: "web" });
    const b = await createPod("b", { app: "web" });
    await createPod("no-ip", { app: "web" });
    await createPod("other", { app: "db" });
    await setStatus("a", "10.0.0.2", true, "2026-03-01T10:00:05Z");
    await setStatus("b", "10.0.0.1", false);
    await setStatus("other", "10.0.0.9", true);
    await subsetsBecome("web", [
      {
        addresses: [{ ip: "10.0.0.2", nodeName: "", targetRef: ref(a) }],
        notReadyAddresses: [{ ip: "10.0.0.1", nodeName: "", targetRef: ref(b) }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
    // b turns ready: one list of addresses, sorted by IP; the trigger time is b's transition.
    await setStatus("b", "10.0.0.1", true, "2026-03-01T10:00:09Z");
    await subsetsBecome("web", [{ addresses: [{ ip: "10.0.0.1", nodeName: "", targetRef: ref(b) }, { ip: "10.0.0.2", nodeName: "", targetRef: ref(a) }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }]);
    expect((await endpoints("web"))!.metadata!.annotations!["endpoints.kubernetes.io/last-change-trigger-time"]).toBe("2026-03-01T10:00:09Z");
    // A pod that finished leaves.
    const finished = await h.client.get(R.pods, NS, "a");
    await h.client.update(R.pods, NS, { ...finished, status: { ...(finished.status as object), phase: "Succeeded" } }, "status");
    await subsetsBecome("web", [{ addresses: [{ ip: "10.0.0.1", nodeName: "", targetRef: ref(b) }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }]);
  });

  it("resolves a named targetPort per pod: pods serving different port numbers form different subsets", async () => {
    h = await startControlPlane([new EndpointsController()]);
    await h.client.create(R.services, NS, { metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort: "web" }, { name: "metrics", port: 9100, targetPort: 9100 }] } });
    const a = await createPod("a", { app: "api" }, { ports: [{ name: "web", containerPort: 8080 }] });
    const b = await createPod("b", { app: "api" }, { ports: [{ name: "web", containerPort: 9090 }] });
    const c = await createPod("c", { app: "api" }, { ports: [{ name: "other", containerPort: 7070 }] });
    for (const [p, ip] of [["a", "10.1.0.1"], ["b", "10.1.0.2"], ["c", "10.1.0.3"]]) await setStatus(p, ip, true);
    await waitFor(async () => ((await endpoints("api"))?.subsets as unknown[] | undefined)?.length === 3, 3000, "three subsets");
    const subsets = (await endpoints("api"))!.subsets as { addresses: { ip: string }[]; ports: { name?: string; port: number }[] }[];
    const byIP = Object.fromEntries(subsets.map((s) => [s.addresses.map((x) => x.ip).join(","), s.ports]));
    // Every pod serves metrics 9100; "web" resolves to each pod's own number, or not at all.
    expect(byIP).toEqual({
      "10.1.0.1": [{ port: 8080, protocol: "TCP" }],
      "10.1.0.2": [{ port: 9090, protocol: "TCP" }],
      "10.1.0.1,10.1.0.2,10.1.0.3": [{ name: "metrics", port: 9100, protocol: "TCP" }],
    });
    expect([a, b, c].every((p) => p.metadata!.uid)).toBe(true);
  });

  it("leaves terminating pods out, unless publishNotReadyAddresses lists every pod as an address", async () => {
    h = await startControlPlane([new EndpointsController()]);
    await h.client.create(R.services, NS, { metadata: { name: "strict" }, spec: { selector: { app: "x" }, ports: [{ port: 80 }] } });
    await h.client.create(R.services, NS, { metadata: { name: "open" }, spec: { selector: { app: "x" }, publishNotReadyAddresses: true, ports: [{ port: 80 }] } });
    await createPod("up", { app: "x" }, { nodeName: "n1" });
    await createPod("down", { app: "x" }, { nodeName: "n1" });
    await setStatus("up", "10.2.0.1", true);
    await setStatus("down", "10.2.0.2", false);
    const addr = (ip: string, name: string) => expect.objectContaining({ ip, nodeName: "n1", targetRef: expect.objectContaining({ name }) });
    await waitFor(async () => ((await endpoints("open"))?.subsets as { addresses?: unknown[] }[] | undefined)?.[0]?.addresses?.length === 2, 3000, "both pods in open");
    expect((await endpoints("open"))!.subsets).toEqual([{ addresses: [addr("10.2.0.1", "up"), addr("10.2.0.2", "down")], ports: [{ port: 80, protocol: "TCP" }] }]);
    // A graceful deletion (the pod is on a node): terminating until its kubelet finishes.
    await h.client.delete(R.pods, NS, "up");
    await subsetsBecome("strict", [{ notReadyAddresses: [{ ip: "10.2.0.2", nodeName: "n1", targetRef: ref(await h.client.get(R.pods, NS, "down")) }], ports: [{ port: 80, protocol: "TCP" }] }]);
    expect((await endpoints("open"))!.subsets).toEqual([{ addresses: [addr("10.2.0.1", "up"), addr("10.2.0.2", "down")], ports: [{ port: 80, protocol: "TCP" }] }]);
  });

  it("a headless Service: the headless label, hostnames of pods whose subdomain it is, no ports needed", async () => {
    h = await startControlPlane([new EndpointsController()]);
    await h.client.create(R.services, NS, { metadata: { name: "db" }, spec: { clusterIP: "None", selector: { app: "db" } } });
    await createPod("db-0", { app: "db" }, { hostname: "db-0", subdomain: "db" });
    await createPod("db-1", { app: "db" }, { hostname: "db-1", subdomain: "elsewhere" });
    await setStatus("db-0", "10.3.0.1", true);
    await setStatus("db-1", "10.3.0.2", true);
    await waitFor(async () => ((await endpoints("db"))?.subsets as { addresses?: unknown[] }[] | undefined)?.[0]?.addresses?.length === 2, 3000, "two addresses");
    const ep = (await endpoints("db"))!;
    expect(ep.metadata!.labels).toEqual({ "service.kubernetes.io/headless": "" });
    const [subset] = ep.subsets as { addresses: { ip: string; hostname?: string }[]; ports?: unknown }[];
    expect(subset.ports).toBeUndefined();
    expect(subset.addresses.map((a) => [a.ip, a.hostname])).toEqual([
      ["10.3.0.1", "db-0"],
      ["10.3.0.2", undefined],
    ]);
  });

  it("deletes the Endpoints with the Service, remakes them when deleted, and leaves Services without a selector to their users", async () => {
    h = await startControlPlane([new EndpointsController()]);
    await h.client.create(R.services, NS, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    await waitFor(async () => !!(await endpoints("web")), 3000, "the Endpoints");
    const first = (await endpoints("web"))!;
    await h.client.delete(R.endpoints, NS, "web");
    await waitFor(async () => !!(await endpoints("web")) && (await endpoints("web"))!.metadata!.uid !== first.metadata!.uid, 3000, "new Endpoints");
    await h.client.delete(R.services, NS, "web");
    await waitFor(async () => !(await endpoints("web")), 3000, "the Endpoints to go");

    // Selector-less: the Endpoints are the user's (written before or after the Service).
    const manual = { metadata: { name: "external" }, subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5432, protocol: "TCP" }] }] };
    await h.client.create(R.endpoints, NS, manual);
    await h.client.create(R.services, NS, { metadata: { name: "external" }, spec: { ports: [{ port: 5432 }] } });
    await h.client.create(R.services, NS, { metadata: { name: "bare" }, spec: { ports: [{ port: 80 }] } });
    await new Promise((r) => setTimeout(r, 150));
    expect((await endpoints("external"))!.subsets).toEqual(manual.subsets);
    expect(await endpoints("bare")).toBeUndefined();
  });
});

describe("Service defaults (SetDefaults_Service)", () => {
  it("fills type, sessionAffinity, protocol, targetPort, traffic policies and IP families", async () => {
    h = await startControlPlane([]);
    const svc = await h.client.create(R.services, NS, { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP", targetPort: "dns" }] } });
    // The registry allocates a cluster IP from 10.96.0.0/12 (core/api/service-allocator.ts).
    const clusterIP = (svc.spec as { clusterIP?: string }).clusterIP!;
    expect(clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect(svc.spec).toEqual({
      selector: { app: "web" },
      ports: [
        { name: "http", port: 80, protocol: "TCP", targetPort: 80 },
        { name: "dns", port: 53, protocol: "UDP", targetPort: "dns" },
      ],
      type: "ClusterIP",
      clusterIP,
      clusterIPs: [clusterIP],
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    });
    const np = await h.client.create(R.services, NS, { metadata: { name: "np" }, spec: { type: "NodePort", ports: [{ port: 80 }] } });
    expect(np.spec).toMatchObject({ externalTrafficPolicy: "Cluster", internalTrafficPolicy: "Cluster" });
    const lb = await h.client.create(R.services, NS, { metadata: { name: "lb" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } });
    expect(lb.spec).toMatchObject({ allocateLoadBalancerNodePorts: true, externalTrafficPolicy: "Cluster" });
    const ext = await h.client.create(R.services, NS, { metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "example.com" } });
    expect(ext.spec).toEqual({ type: "ExternalName", externalName: "example.com", sessionAffinity: "None" });
    const headless = await h.client.create(R.services, NS, { metadata: { name: "hl" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } });
    expect(headless.spec).toMatchObject({ ipFamilyPolicy: "RequireDualStack", ipFamilies: ["IPv4", "IPv6"] });
  });
});
