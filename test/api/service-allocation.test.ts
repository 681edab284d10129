// kube-apiserver's Service IP and NodePort allocation (core/api/service-allocator.ts): the
// range, requested addresses and ports, kube-apiserver's 422s, headless and ExternalName,
// default/kubernetes, release on delete, dry run, updates, and two API servers on one store.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { MemoryStorage } from "../../hosts/browser/memory-storage.js";
import { createApiServer } from "../../core/api/index.js";
import type { ApiServer } from "../../core/api/server.js";
import { apiCaller } from "./api-caller.js";
import { IP_RESERVATION_PREFIX, NODE_PORT_RESERVATION_PREFIX } from "../../core/api/service-allocator.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const encode = (s: string) => new TextEncoder().encode(s);
const NOW = new Date("2026-11-23T10:00:00Z");

type Body = Record<string, unknown> & {
  metadata?: Record<string, unknown>;
  spec?: { clusterIP?: string; clusterIPs?: string[]; ports?: { port: number; nodePort?: number; name?: string; protocol?: string; targetPort?: unknown }[]; healthCheckNodePort?: number; type?: string };
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
  items?: Body[];
};

async function server(options: { storage?: MemoryStorage; serviceCIDR?: string; nodePortRange?: string; serverAddress?: string } = {}) {
  const storage = options.storage ?? new MemoryStorage();
  const api = createApiServer({ storage, core: core as never, now: () => NOW, serviceCIDR: options.serviceCIDR, nodePortRange: options.nodePortRange, serverAddress: options.serverAddress });
  await api.bootstrap();
  return { api, storage };
}

const caller = (api: ApiServer) => apiCaller<Body>(() => api);

const svc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

const SERVICES = "/api/v1/namespaces/default/services";

function ipNumber(ip: string): number {
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

async function reservations(storage: MemoryStorage, prefix: string): Promise<string[]> {
  const list = await storage.list(prefix);
  return list.items.map((kv) => kv.key.slice(prefix.length));
}

describe("cluster IPs", () => {
  it("allocates from the range (above the static band), sets clusterIPs, reserves it in storage", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const res = await call("POST", SERVICES, svc("web"));
    expect(res.status).toBe(201);
    const ip = res.body.spec!.clusterIP!;
    expect(res.body.spec!.clusterIPs).toEqual([ip]);
    const n = ipNumber(ip);
    // 10.96.0.0/12, above the first 256 addresses (the static band of a /12).
    expect(n).toBeGreaterThan(ipNumber("10.96.1.0"));
    expect(n).toBeLessThan(ipNumber("10.111.255.255"));
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toContain(ip);
    const kv = await storage.get(IP_RESERVATION_PREFIX + ip);
    expect(JSON.parse(new TextDecoder().decode(kv!.value))).toMatchObject({ namespace: "default", name: "web", uid: res.body.metadata!.uid });
    const got = await call("GET", `${SERVICES}/web`);
    expect(got.body.spec!.clusterIP).toBe(ip);
  });

  it("honours a requested IP; a taken one is a 422 with kube-apiserver's message and cause", async () => {
    const { api } = await server();
    const call = caller(api);
    const first = await call("POST", SERVICES, svc("a", { clusterIP: "10.96.0.5" }));
    expect(first.status).toBe(201);
    expect(first.body.spec).toMatchObject({ clusterIP: "10.96.0.5", clusterIPs: ["10.96.0.5"] });
    const second = await call("POST", SERVICES, svc("b", { clusterIP: "10.96.0.5" }));
    expect(second.status).toBe(422);
    expect(second.body.reason).toBe("Invalid");
    expect(second.body.message).toBe('Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated');
    expect(second.body.details!.causes).toEqual([
      { reason: "FieldValueInvalid", message: 'Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated', field: "spec.clusterIPs" },
    ]);
    expect((await call("GET", `${SERVICES}/b`)).status).toBe(404);
  });

  it("an address outside the range is a 422 naming the range", async () => {
    const { api } = await server();
    const res = await caller(api)("POST", SERVICES, svc("out", { clusterIP: "1.2.3.4", clusterIPs: ["1.2.3.4"] }));
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      'Service "out" is invalid: spec.clusterIPs: Invalid value: []string{"1.2.3.4"}: failed to allocate IP 1.2.3.4: the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    expect(res.body.details!.causes![0].field).toBe("spec.clusterIPs");
  });

  it("clusterIP and clusterIPs must agree", async () => {
    const { api } = await server();
    const res = await caller(api)("POST", SERVICES, svc("mismatch", { clusterIP: "10.96.0.7", clusterIPs: ["10.96.0.8"] }));
    expect(res.status).toBe(422);
    expect(res.body.details!.causes![0]).toEqual({ reason: "FieldValueInvalid", message: 'Invalid value: []string{"10.96.0.8"}: first value must match `clusterIP`', field: "spec.clusterIPs" });
  });

  it("headless and ExternalName Services get no IP; an empty clusterIP is allocated", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const before = await reservations(storage, IP_RESERVATION_PREFIX);
    const headless = await call("POST", SERVICES, svc("h", { clusterIP: "None" }));
    expect(headless.status).toBe(201);
    expect(headless.body.spec).toMatchObject({ clusterIP: "None", clusterIPs: ["None"] });
    const external = await call("POST", SERVICES, { metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "example.com" } });
    expect(external.status).toBe(201);
    expect(external.body.spec!.clusterIP).toBeUndefined();
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toEqual(before);
    const empty = await call("POST", SERVICES, svc("empty", { clusterIP: "" }));
    expect(empty.body.spec!.clusterIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
  });

  it("a custom serviceCIDR is used, and its first address goes to default/kubernetes", async () => {
    const { api } = await server({ serviceCIDR: "10.0.0.0/24" });
    const call = caller(api);
    expect((await call("GET", `${SERVICES}/kubernetes`)).body.spec!.clusterIP).toBe("10.0.0.1");
    const res = await call("POST", SERVICES, svc("web"));
    const last = ipNumber(res.body.spec!.clusterIP!) % 256;
    expect(last).toBeGreaterThanOrEqual(17); // the /24's static band is its first 16 usable addresses
    expect(last).toBeLessThanOrEqual(254);
    const out = await call("POST", SERVICES, svc("out", { clusterIP: "10.96.0.9" }));
    expect(out.body.message).toContain("The range of valid IPs is 10.0.0.0/24");
  });
});

describe("default/kubernetes", () => {
  it("exists after bootstrap with 10.96.0.1, port 443 → the server's port, Endpoints and an EndpointSlice; bootstrap again changes nothing", async () => {
    const { api, storage } = await server({ serverAddress: "127.0.0.1:7443" });
    const call = caller(api);
    const service = await call("GET", `${SERVICES}/kubernetes`);
    expect(service.status).toBe(200);
    expect(service.body.metadata!.labels).toEqual({ component: "apiserver", provider: "kubernetes" });
    expect(service.body.spec).toMatchObject({
      type: "ClusterIP",
      clusterIP: "10.96.0.1",
      clusterIPs: ["10.96.0.1"],
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 7443 }],
    });
    expect((service.body.spec as Record<string, unknown>).selector).toBeUndefined();
    const endpoints = await call("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
    expect(endpoints.body.subsets).toEqual([{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: 7443, protocol: "TCP" }] }]);
    expect(endpoints.body.metadata!.labels).toEqual({ "endpointslice.kubernetes.io/skip-mirror": "true" });
    const slice = await call("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
    expect(slice.body).toMatchObject({
      addressType: "IPv4",
      endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
      ports: [{ name: "https", port: 7443, protocol: "TCP" }],
    });
    expect(slice.body.metadata!.labels).toEqual({ "kubernetes.io/service-name": "kubernetes" });
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toEqual(["10.96.0.1"]);

    // A restart (a second server on the same store) keeps them; a new port updates the endpoints.
    const rv = service.body.metadata!.resourceVersion;
    const again = await server({ storage, serverAddress: "127.0.0.1:7443" });
    const call2 = caller(again.api);
    expect((await call2("GET", `${SERVICES}/kubernetes`)).body.metadata!.resourceVersion).toBe(rv);
    const moved = await server({ storage, serverAddress: "127.0.0.1:8443" });
    const ep = await caller(moved.api)("GET", "/api/v1/namespaces/default/endpoints/kubernetes");
    expect(ep.body.subsets).toEqual([{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: 8443, protocol: "TCP" }] }]);
    // 10.96.0.1 cannot be taken by anyone else.
    const taken = await call("POST", SERVICES, svc("imposter", { clusterIP: "10.96.0.1" }));
    expect(taken.status).toBe(422);
  });
});

describe("node ports", () => {
  it("NodePort Services get one per port from 30000-32767; a requested one is honoured, a taken or out-of-range one is a 422", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const res = await call("POST", SERVICES, svc("np", { type: "NodePort", ports: [{ name: "a", port: 80 }, { name: "b", port: 81 }] }));
    expect(res.status).toBe(201);
    const ports = res.body.spec!.ports!.map((p) => p.nodePort!);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(30000);
      expect(p).toBeLessThanOrEqual(32767);
    }
    expect(new Set(ports).size).toBe(2);
    expect((await reservations(storage, NODE_PORT_RESERVATION_PREFIX)).sort()).toEqual(ports.map(String).sort());

    const fixed = await call("POST", SERVICES, svc("fixed", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(fixed.body.spec!.ports![0].nodePort).toBe(30080);
    const dup = await call("POST", SERVICES, svc("dup", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(dup.status).toBe(422);
    expect(dup.body.message).toBe('Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    expect(dup.body.details!.causes).toEqual([{ reason: "FieldValueInvalid", message: "Invalid value: 30080: provided port is already allocated", field: "spec.ports[0].nodePort" }]);
    const out = await call("POST", SERVICES, svc("out", { type: "NodePort", ports: [{ port: 80 }, { port: 81, nodePort: 8080 }] }));
    expect(out.status).toBe(422);
    expect(out.body.message).toBe('Service "out" is invalid: spec.ports[1].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
    // Nothing of the failed creates stays reserved (the first port of "out" was rolled back).
    expect((await reservations(storage, NODE_PORT_RESERVATION_PREFIX)).length).toBe(3);
  });

  it("LoadBalancer gets node ports unless allocateLoadBalancerNodePorts=false, and a health check port with Local", async () => {
    const { api } = await server();
    const call = caller(api);
    const lb = await call("POST", SERVICES, svc("lb", { type: "LoadBalancer" }));
    expect(lb.body.spec!.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    const none = await call("POST", SERVICES, svc("lb-none", { type: "LoadBalancer", allocateLoadBalancerNodePorts: false }));
    expect(none.body.spec!.ports![0].nodePort).toBeUndefined();
    const local = await call("POST", SERVICES, svc("lb-local", { type: "LoadBalancer", externalTrafficPolicy: "Local" }));
    expect(local.body.spec!.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(local.body.spec!.healthCheckNodePort).not.toBe(local.body.spec!.ports![0].nodePort);
  });

  it("a ClusterIP Service may not ask for a node port", async () => {
    const { api } = await server();
    const res = await caller(api)("POST", SERVICES, svc("cip", { ports: [{ port: 80, nodePort: 30001 }] }));
    expect(res.status).toBe(422);
    expect(res.body.details!.causes![0]).toEqual({ reason: "FieldValueForbidden", message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: "spec.ports[0].nodePort" });
  });

  it("a type change from NodePort to ClusterIP releases the node ports", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const np = await call("POST", SERVICES, svc("np", { type: "NodePort", ports: [{ port: 80, nodePort: 30100 }] }));
    expect(np.status).toBe(201);
    const patched = await call("PATCH", `${SERVICES}/np`, { spec: { type: "ClusterIP" } }, { "content-type": "application/merge-patch+json" });
    expect(patched.status).toBe(200);
    expect(patched.body.spec!.ports![0].nodePort).toBeUndefined();
    expect(patched.body.spec!.clusterIP).toBe(np.body.spec!.clusterIP);
    expect(await reservations(storage, NODE_PORT_RESERVATION_PREFIX)).toEqual([]);
    const reuse = await call("POST", SERVICES, svc("reuse", { type: "NodePort", ports: [{ port: 80, nodePort: 30100 }] }));
    expect(reuse.status).toBe(201);
  });
});

describe("release", () => {
  it("deleting a Service frees its IP and node ports for the next one", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    await call("POST", SERVICES, svc("a", { type: "NodePort", clusterIP: "10.96.0.20", ports: [{ port: 80, nodePort: 30200 }] }));
    expect((await call("POST", SERVICES, svc("b", { clusterIP: "10.96.0.20" }))).status).toBe(422);
    expect((await call("DELETE", `${SERVICES}/a`)).status).toBe(200);
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).not.toContain("10.96.0.20");
    expect(await reservations(storage, NODE_PORT_RESERVATION_PREFIX)).toEqual([]);
    expect((await call("POST", SERVICES, svc("b", { clusterIP: "10.96.0.20", type: "NodePort", ports: [{ port: 80, nodePort: 30200 }] }))).status).toBe(201);
  });

  it("a namespace's services go through the same delete (deletecollection here) and release", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    await call("POST", SERVICES, svc("x", { clusterIP: "10.96.0.30" }));
    await call("POST", SERVICES, svc("y", { clusterIP: "10.96.0.31" }));
    expect((await call("DELETE", SERVICES + "?labelSelector=")).status).toBe(200);
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toEqual([]);
  });

  it("a Service deleted with a finalizer releases when the last finalizer goes", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const created = await call("POST", SERVICES, { ...svc("f", { clusterIP: "10.96.0.40" }), metadata: { name: "f", finalizers: ["example.com/hold"] } });
    expect(created.status).toBe(201);
    await call("DELETE", `${SERVICES}/f`);
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toContain("10.96.0.40");
    await call("PATCH", `${SERVICES}/f`, [{ op: "remove", path: "/metadata/finalizers" }], { "content-type": "application/json-patch+json" });
    expect((await call("GET", `${SERVICES}/f`)).status).toBe(404);
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).not.toContain("10.96.0.40");
  });

  it("a reservation whose owner is gone is taken back (repair on demand); a fresh one is not", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const stale = { namespace: "default", name: "crashed", uid: "u-1", reservedAt: "2026-11-23T09:00:00.000Z" };
    await storage.create(IP_RESERVATION_PREFIX + "10.96.0.50", encode(JSON.stringify(stale)));
    await storage.create(NODE_PORT_RESERVATION_PREFIX + "30500", encode(JSON.stringify(stale)));
    const fresh = { ...stale, name: "in-flight", reservedAt: NOW.toISOString() };
    await storage.create(IP_RESERVATION_PREFIX + "10.96.0.51", encode(JSON.stringify(fresh)));
    const res = await call("POST", SERVICES, svc("heir", { clusterIP: "10.96.0.50", type: "NodePort", ports: [{ port: 80, nodePort: 30500 }] }));
    expect(res.status).toBe(201);
    const kv = await storage.get(IP_RESERVATION_PREFIX + "10.96.0.50");
    expect(JSON.parse(new TextDecoder().decode(kv!.value)).name).toBe("heir");
    expect((await call("POST", SERVICES, svc("blocked", { clusterIP: "10.96.0.51" }))).status).toBe(422);
  });
});

describe("dry run", () => {
  it("reserves nothing, yet answers a taken IP with the same 422", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    await call("POST", SERVICES, svc("a", { clusterIP: "10.96.0.60" }));
    const before = [await reservations(storage, IP_RESERVATION_PREFIX), await reservations(storage, NODE_PORT_RESERVATION_PREFIX)];
    const dry = await call("POST", `${SERVICES}?dryRun=All`, svc("d", { type: "NodePort" }));
    expect(dry.status).toBe(201);
    expect(dry.body.spec!.clusterIP).toMatch(/^10\./);
    expect(dry.body.spec!.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    const dryFixed = await call("POST", `${SERVICES}?dryRun=All`, svc("d2", { clusterIP: "10.96.0.61" }));
    expect(dryFixed.status).toBe(201);
    const dryTaken = await call("POST", `${SERVICES}?dryRun=All`, svc("d3", { clusterIP: "10.96.0.60" }));
    expect(dryTaken.status).toBe(422);
    const dryUpdate = await call("PATCH", `${SERVICES}/a?dryRun=All`, { spec: { type: "NodePort" } }, { "content-type": "application/merge-patch+json" });
    expect(dryUpdate.status).toBe(200);
    expect(dryUpdate.body.spec!.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect([await reservations(storage, IP_RESERVATION_PREFIX), await reservations(storage, NODE_PORT_RESERVATION_PREFIX)]).toEqual(before);
    const dryDelete = await call("DELETE", `${SERVICES}/a?dryRun=All`);
    expect(dryDelete.status).toBe(200);
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toContain("10.96.0.60");
  });
});

describe("updates", () => {
  it("a replace without clusterIP keeps it (and the node ports); a change is refused as kube-apiserver does", async () => {
    const { api } = await server();
    const call = caller(api);
    const created = await call("POST", SERVICES, svc("u", { type: "NodePort", ports: [{ name: "http", port: 80 }] }));
    const ip = created.body.spec!.clusterIP!;
    const nodePort = created.body.spec!.ports![0].nodePort!;
    const replaced = await call("PUT", `${SERVICES}/u`, svc("u", { type: "NodePort", ports: [{ name: "http", port: 80 }], selector: { app: "other" } }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.spec).toMatchObject({ clusterIP: ip, clusterIPs: [ip], selector: { app: "other" } });
    expect(replaced.body.spec!.ports![0].nodePort).toBe(nodePort);

    const changed = await call("PUT", `${SERVICES}/u`, svc("u", { type: "NodePort", clusterIP: "10.96.0.99" }));
    expect(changed.status).toBe(422);
    expect(changed.body.message).toBe('Service "u" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set');
    const toHeadless = await call("PATCH", `${SERVICES}/u`, { spec: { clusterIP: "None" } }, { "content-type": "application/merge-patch+json" });
    expect(toHeadless.status).toBe(422);
    expect(toHeadless.body.details!.causes![0]).toMatchObject({ field: "spec.clusterIPs[0]", message: 'Invalid value: []string{"None"}: may not change once set' });
    const same = await call("PATCH", `${SERVICES}/u`, { spec: { clusterIP: ip } }, { "content-type": "application/merge-patch+json" });
    expect(same.status).toBe(200);
  });

  it("ExternalName ↔ ClusterIP: the IP is released, then a new one allocated", async () => {
    const { api, storage } = await server();
    const call = caller(api);
    const created = await call("POST", SERVICES, svc("t", { clusterIP: "10.96.0.70" }));
    expect(created.status).toBe(201);
    const ext = await call("PATCH", `${SERVICES}/t`, { spec: { type: "ExternalName", externalName: "example.com", selector: null } }, { "content-type": "application/merge-patch+json" });
    expect(ext.status).toBe(200);
    expect(ext.body.spec!.clusterIP).toBeUndefined();
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).not.toContain("10.96.0.70");
    const back = await call("PATCH", `${SERVICES}/t`, { spec: { type: "ClusterIP", externalName: null, clusterIP: "10.96.0.71" } }, { "content-type": "application/merge-patch+json" });
    expect(back.status).toBe(200);
    expect(back.body.spec).toMatchObject({ clusterIP: "10.96.0.71", clusterIPs: ["10.96.0.71"] });
    expect(await reservations(storage, IP_RESERVATION_PREFIX)).toContain("10.96.0.71");
  });

  it("server-side apply without clusterIP keeps the allocated one", async () => {
    const { api } = await server();
    const call = caller(api);
    const applyBody = (selector: string) => `{"apiVersion":"v1","kind":"Service","metadata":{"name":"ssa"},"spec":{"selector":{"app":"${selector}"},"ports":[{"port":80}]}}`;
    const created = await call("PATCH", `${SERVICES}/ssa?fieldManager=me`, applyBody("a"), { "content-type": "application/apply-patch+yaml" });
    expect(created.status).toBe(201);
    const ip = created.body.spec!.clusterIP;
    expect(ip).toMatch(/^10\./);
    const updated = await call("PATCH", `${SERVICES}/ssa?fieldManager=me`, applyBody("b"), { "content-type": "application/apply-patch+yaml" });
    expect(updated.status).toBe(200);
    expect(updated.body.spec!.clusterIP).toBe(ip);
  });
});

describe("two API servers on one store", () => {
  it("never hand out the same IP or node port under concurrent creates", async () => {
    const storage = new MemoryStorage();
    const a = await server({ storage, serviceCIDR: "10.100.0.0/28", nodePortRange: "30000-30059" });
    const b = await server({ storage, serviceCIDR: "10.100.0.0/28", nodePortRange: "30000-30059" });
    const calls = [caller(a.api), caller(b.api)];
    // A /28 has 14 usable addresses, one of them default/kubernetes's: 13 for 50 creates.
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => calls[i % 2]("POST", SERVICES, svc(`s${i}`, { type: "NodePort" }))));
    const ok = results.filter((r) => r.status === 201);
    const failed = results.filter((r) => r.status !== 201);
    expect(ok.length).toBe(13);
    for (const f of failed) expect([f.status, f.body.message]).toEqual([500, "Internal error occurred: failed to allocate a serviceIP: range is full"]);
    const ips = ok.map((r) => r.body.spec!.clusterIP!);
    expect(new Set(ips).size).toBe(ips.length);
    expect(ips).not.toContain("10.100.0.1");
    const ports = ok.map((r) => r.body.spec!.ports![0].nodePort!);
    expect(new Set(ports).size).toBe(ports.length);
    // Every reservation belongs to a stored Service; the failed ones left nothing behind.
    expect((await reservations(storage, IP_RESERVATION_PREFIX)).sort()).toEqual([...ips, "10.100.0.1"].sort());
    expect((await reservations(storage, NODE_PORT_RESERVATION_PREFIX)).sort()).toEqual(ports.map(String).sort());

    // Deleting through one server frees for the other.
    const victim = ok[0].body.metadata!.name as string;
    expect((await calls[0]("DELETE", `${SERVICES}/${victim}`)).status).toBe(200);
    const next = await calls[1]("POST", SERVICES, svc("late"));
    expect(next.status).toBe(201);
    expect(next.body.spec!.clusterIP).toBe(ok[0].body.spec!.clusterIP);
  });

  it("concurrent creates with the same requested IP: exactly one wins", async () => {
    const storage = new MemoryStorage();
    const a = await server({ storage });
    const b = await server({ storage });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => caller(i % 2 ? a.api : b.api)("POST", SERVICES, svc(`r${i}`, { clusterIP: "10.96.0.80" }))),
    );
    expect(results.filter((r) => r.status === 201).length).toBe(1);
    expect(results.filter((r) => r.status === 422).length).toBe(9);
  });
});
