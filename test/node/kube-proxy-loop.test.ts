// The kube-proxy loop end to end: an in-process API server, KubeProxy watching it, and an
// IptablesNetwork in throwaway network namespaces (needs root, iproute2, iptables, busybox;
// never touches the root namespace):
//
//   kl-kp-<pid>       the "node": bridge kl-br0 10.244.0.1/24 (what kubeling0 is on a real
//                     node), a dummy uplink up0 with the default route (where a service IP
//                     would go without the safety route), pods on the bridge
//   kl-kp-<pid>-a     pod a 10.244.0.2, busybox httpd :8080 answering "pod-a"
//   kl-kp-<pid>-b     pod b 10.244.0.3, answering "pod-b"
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { loadCore } from "../../dist/core/index.js";
import { createApiServer } from "../../dist/core/api/index.js";
import type { ApiServer } from "../../dist/core/api/server.js";
import { InProcessClient, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { IptablesNetwork, KubeProxy } from "../../dist/hosts/node/kube-proxy/index.js";
import { JUMP_RULES } from "../../dist/hosts/node/kube-proxy/rules.js";
import type { Network, ServicePortRule } from "../../dist/bindings/network.js";
import { addPodNamespace, answers, get, must, removeNamespaces, sh, sleep } from "./netns-helpers.js";
import { startHttpd } from "./netns-helpers.js";

const NODE = `kl-kp-${process.pid}`;
const BRIDGE = "kl-br0";
const SERVICE_CIDR = "10.96.0.0/12";
const PODS = { a: { ns: `${NODE}-a`, ip: "10.244.0.2" }, b: { ns: `${NODE}-b`, ip: "10.244.0.3" } };
const GW = "10.244.0.1";
const CLUSTER_IP = "10.96.0.50"; // not .10, the conventional DNS address
const CLUSTER_IP_2 = "10.96.0.51";
const UNUSED_IP = "10.96.0.99";
const NODE_NAME = "node-a";

/** Counts the proxier's syncs on the way to the real network. */
class CountingNetwork implements Pick<Network, "syncServices"> {
  readonly calls: { at: number; rules: ServicePortRule[] }[] = [];
  /** The rules of the last sync that completed (the data plane has them). */
  last: ServicePortRule[] = [];
  constructor(private readonly inner: Network) {}
  async syncServices(rules: ServicePortRule[]): Promise<void> {
    this.calls.push({ at: Date.now(), rules });
    await this.inner.syncServices(rules);
    this.last = rules;
  }
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const service = (name: string, clusterIP: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "ClusterIP", clusterIP, clusterIPs: [clusterIP], ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }] },
});

const slice = (service: string, ips: string[]): KubeObject => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: `${service}-abcde`, namespace: "default", labels: { "kubernetes.io/service-name": service, "endpointslice.kubernetes.io/managed-by": "test" } },
  addressType: "IPv4",
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: NODE_NAME })),
  ports: [{ name: "http", protocol: "TCP", port: 8080 }],
});

const save = () => must(["iptables-save"], NODE);
const txPackets = () => Number(/TX:.*\n\s*\d+\s+(\d+)/.exec(must(["ip", "-s", "link", "show", "up0"], NODE))?.[1] ?? NaN);

/** How often each jump from a built-in chain into ours is present. */
function jumpCounts(): number[] {
  const tables = { nat: must(["iptables-save", "-t", "nat"], NODE), filter: must(["iptables-save", "-t", "filter"], NODE) };
  return JUMP_RULES.map((j) => {
    const target = j.args[j.args.indexOf("-j") + 1];
    return tables[j.table].split("\n").filter((l) => l.startsWith(`-A ${j.chain} `) && l.endsWith(`-j ${target}`)).length;
  });
}

describe("kube-proxy loop over an in-process API, in network namespaces", () => {
  const httpd: ChildProcess[] = [];
  let dir = "";
  let api: ApiServer;
  let storage: MemoryStorage;
  let client: InProcessClient;
  let net: IptablesNetwork;
  let counting: CountingNetwork;
  let proxy: KubeProxy;
  let setupNotes: string[] = [];
  const logs: string[] = [];

  const newProxy = () => new KubeProxy({ client: client.as("kube-proxy"), network: counting, nodeName: NODE_NAME, log: (m) => logs.push(m) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kl-kp-loop-"));
    must(["ip", "netns", "add", NODE]);
    must(["ip", "link", "set", "lo", "up"], NODE);
    // Pod → service → pod routes in and out of the bridge: no ICMP redirects (they would use
    // up the ICMP rate limit that REJECT's port-unreachable needs).
    must(["sysctl", "-q", "-w", "net.ipv4.conf.all.send_redirects=0"], NODE);
    must(["sysctl", "-q", "-w", "net.ipv4.conf.default.send_redirects=0"], NODE);
    // The uplink: a veth pair (the far end has no address: what is sent goes nowhere, but
    // up0 counts it) with the default route. No IPv6, so nothing else is sent on it.
    must(["ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0-far"], NODE);
    for (const dev of ["up0", "up0-far"]) {
      must(["sysctl", "-q", "-w", `net.ipv6.conf.${dev}.disable_ipv6=1`], NODE);
      must(["ip", "link", "set", dev, "up"], NODE);
    }
    must(["ip", "addr", "add", "192.0.2.1/24", "dev", "up0"], NODE);
    must(["ip", "route", "add", "default", "via", "192.0.2.254"], NODE);
    must(["ip", "link", "add", BRIDGE, "type", "bridge"], NODE);
    must(["ip", "addr", "add", `${GW}/24`, "dev", BRIDGE], NODE);
    must(["ip", "link", "set", BRIDGE, "up"], NODE);
    for (const [name, pod] of Object.entries(PODS)) {
      addPodNamespace(NODE, pod.ns, `veth-${name}`, pod.ip, 24, GW, BRIDGE);
      // A pod reaching itself through a service: with br_netfilter the DNAT happens while the
      // frame is still in the bridge, which then sends it back out the port it came in on;
      // the port must allow that (the CNI bridge plugin's hairpinMode, kubelet's hairpin-veth).
      must(["ip", "link", "set", `veth-${name}`, "type", "bridge_slave", "hairpin", "on"], NODE);
      httpd.push(await startHttpd(pod.ns, pod.ip, join(dir, name), `pod-${name}`));
    }

    storage = new MemoryStorage();
    const core = await loadCore();
    api = createApiServer({ storage, core, now: () => new Date() });
    await api.bootstrap();
    client = new InProcessClient(api);

    net = new IptablesNetwork({ podCIDR: "10.244.0.0/16", serviceCIDR: SERVICE_CIDR, netns: NODE, bridge: BRIDGE });
    // What `kubeling up` does once the runtime's bridge exists.
    setupNotes = await net.setup();
    counting = new CountingNetwork(net);
    proxy = newProxy();
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    api?.close();
    await storage?.close();
    for (const child of httpd) if (child.pid) spawnSync("kill", [String(child.pid)]);
    removeNamespaces([PODS.a.ns, PODS.b.ns, NODE]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("prepares the node: service route to the bridge, forwarding, bridge netfilter, route_localnet", async () => {
    expect(setupNotes).toEqual([]);
    expect(must(["ip", "route", "show", SERVICE_CIDR], NODE)).toMatch(new RegExp(`^${SERVICE_CIDR.replace(/[./]/g, "\\$&")} dev ${BRIDGE}\\b`, "m"));
    expect(must(["ip", "route", "get", UNUSED_IP], NODE)).toContain(`dev ${BRIDGE}`);
    expect(await net.hasServiceRoute()).toBe(true);
    for (const key of ["net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables", "net.ipv4.conf.all.route_localnet"]) {
      expect(must(["sysctl", "-n", key], NODE).trim(), key).toBe("1");
    }
    // A second setup is a no-op; a missing bridge is a clear error.
    expect(await net.setup()).toEqual([]);
    await expect(net.ensureServiceRoute(SERVICE_CIDR, "kl-nobridge")).rejects.toThrow(/bridge kl-nobridge, which does not exist yet/);
    // The first sync ran as soon as the informers listed: jumps in place, no services yet.
    expect(counting.calls.length).toBe(1);
    expect(counting.last.filter((r) => r.name !== "kubernetes")).toEqual([]);
    expect(jumpCounts().every((n) => n === 1)).toBe(true);
  });

  it("sends a Service's cluster IP to both endpoints of its EndpointSlice", async () => {
    await client.create(R.services, "default", service("web", CLUSTER_IP));
    await client.create(R.endpointSlices, "default", slice("web", [PODS.a.ip, PODS.b.ip]));
    await waitFor("a sync with web's endpoints", () => counting.last.find((r) => r.name === "web")?.endpoints.length === 2);
    const seen = await answers(`http://${CLUSTER_IP}/`, NODE, 40, 20_000, ["pod-a", "pod-b"]);
    expect(seen.has("pod-a") && seen.has("pod-b"), JSON.stringify([...seen])).toBe(true);
    const rule = counting.last.find((r) => r.name === "web")!;
    expect(rule.endpoints.map((e) => e.local)).toEqual([true, true]);
    // From a pod on the same bridge too (the reply crosses the bridge: br_netfilter).
    const fromPod = await answers(`http://${CLUSTER_IP}/`, PODS.a.ns, 40, 20_000, ["pod-a", "pod-b"]);
    expect(fromPod.has("pod-a") && fromPod.has("pod-b"), JSON.stringify([...fromPod])).toBe(true);
  });

  it("follows an EndpointSlice update down to one endpoint", async () => {
    const current = await client.get(R.endpointSlices, "default", "web-abcde");
    const one = slice("web", [PODS.b.ip]);
    await client.update(R.endpointSlices, "default", { ...one, metadata: { ...one.metadata, resourceVersion: current.metadata!.resourceVersion } });
    await waitFor("the one-endpoint rules", () => counting.last.find((r) => r.name === "web")?.endpoints.length === 1);
    const seen = await answers(`http://${CLUSTER_IP}/`, NODE, 15, 15_000);
    expect([...seen.keys()]).toEqual(["pod-b"]);
    expect(save()).not.toContain(`--to-destination ${PODS.a.ip}:8080`);
  });

  it("removes the rules when the Service is deleted", async () => {
    // The API server's own "kubernetes" service keeps its chains; nothing of web's may stay.
    const webChains = (t: string) => t.split("\n").filter((l) => l.includes(CLUSTER_IP) || l.includes("--to-destination 10.244.0."));
    expect(webChains(save()).length).toBeGreaterThan(0);
    await client.delete(R.services, "default", "web");
    await waitFor("web's rules to go", () => webChains(save()).length === 0);
    const svcChains = save().match(/^:KUBELING-SVC-\S+/gm) ?? [];
    expect(svcChains.length).toBe(proxy.computeRules().filter((r) => r.endpoints.length > 0).length);
    await client.delete(R.endpointSlices, "default", "web-abcde");
    const r = await get(`http://${CLUSTER_IP}/`, NODE);
    expect(r.ok).toBe(false);
  });

  it("turns a burst of 20 Service creations into at most 3 syncs", async () => {
    const before = counting.calls.length;
    const started = Date.now();
    for (let i = 0; i < 20; i++) await client.create(R.services, "default", service(`burst-${i}`, `10.96.1.${i + 1}`));
    const created = Date.now() - started;
    await waitFor("all 20 in one sync", () => counting.last.filter((r) => r.name?.startsWith("burst-")).length === 20);
    // Anything still pending would run within minSyncPeriod (1 s).
    await sleep(1_500);
    const syncs = counting.calls.length - before;
    console.log(`burst: 20 creates in ${created} ms → ${syncs} syncs (${counting.calls.slice(before).map((c) => c.rules.length).join(", ")} rules)`);
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(3);
    // No endpoints: each is rejected in the filter table.
    expect(save().match(/-d 10\.96\.1\.\d+\/32 .*-j REJECT/g)?.length).toBe(20);
  });

  it("reconciles after a restart without duplicating anything", async () => {
    await proxy.stop();
    const ruleLines = (t: string) => t.split("\n").filter((l) => l.includes("KUBELING")).sort();
    const before = ruleLines(save());
    // A change while no proxy runs, picked up by the new one's first sync.
    await client.create(R.services, "default", service("web2", CLUSTER_IP_2));
    await client.create(R.endpointSlices, "default", slice("web2", [PODS.a.ip]));
    const syncsBefore = counting.calls.length;
    proxy = newProxy();
    await proxy.start();
    expect(counting.calls.length).toBe(syncsBefore + 1);
    expect(jumpCounts()).toEqual(JUMP_RULES.map(() => 1));
    const after = ruleLines(save());
    // The burst services' rules are unchanged; web2 added its own.
    for (const l of before.filter((l) => /10\.96\.1\.\d+/.test(l))) expect(after).toContain(l);
    const seen = await answers(`http://${CLUSTER_IP_2}/`, NODE, 10, 10_000);
    expect([...seen.keys()]).toEqual(["pod-a"]);
  });

  it("keeps an unused service IP on the node: it fails locally, nothing goes out the uplink", async () => {
    const tx = txPackets();
    const r = await get(`http://${UNUSED_IP}/`, NODE);
    expect(r.ok).toBe(false);
    expect(r.ms).toBeLessThan(4_000);
    expect(txPackets()).toBe(tx);
    // Without the route the same request would have left through the uplink (checked on a
    // route lookup only, so the namespace keeps its route for the rest of the suite).
    expect(must(["ip", "route", "get", "10.112.0.1"], NODE)).toContain("dev up0");
  });

  it("leaves nothing after teardown", async () => {
    await proxy.stop();
    await net.teardown();
    expect(save()).not.toContain("KUBELING");
    expect(must(["ip", "route", "show", SERVICE_CIDR], NODE).trim()).toBe("");
    await net.teardown();
    expect(logs).toEqual([]);
    expect(sh(["ip", "route", "get", UNUSED_IP], NODE).stdout).toContain("dev up0");
  });
});
