// KubeProxy's loop on a virtual clock with a fake Network (no root needed): the first sync
// right after the informers list, bursts bounded by minSyncPeriod, the periodic resync,
// backoff after failures, local endpoints, and stop().
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { loadCore } from "../../dist/core/index.js";
import { createApiServer } from "../../dist/core/api/index.js";
import type { ApiServer } from "../../dist/core/api/server.js";
import { InProcessClient, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { KubeProxy } from "../../dist/hosts/node/kube-proxy/proxier.js";
import type { ServicePortRule } from "../../dist/bindings/network.js";

/** Lets watch events and promise chains run (real time, a few ms). */
const settle = () => new Promise<void>((r) => setTimeout(r, 5));

/** The rules' service names, without the API server's own "kubernetes" service (if it makes one). */
const names = (rules: ServicePortRule[]) => rules.map((r) => r.name!).filter((n) => n !== "kubernetes").sort();

class FakeNetwork {
  readonly calls: { at: number; rules: ServicePortRule[] }[] = [];
  failNext = 0;
  constructor(private readonly clock: VirtualClock) {}
  async syncServices(rules: ServicePortRule[]): Promise<void> {
    this.calls.push({ at: this.clock.now(), rules });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("iptables-restore: exit 4: resource busy");
    }
  }
}

const service = (name: string, clusterIP: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "ClusterIP", clusterIP, clusterIPs: [clusterIP], ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }] },
});

describe("KubeProxy loop (virtual clock)", () => {
  let storage: MemoryStorage;
  let api: ApiServer;
  let client: InProcessClient;
  let clock: VirtualClock;
  let network: FakeNetwork;
  let proxy: KubeProxy;
  let logs: string[];
  let t0: number;

  beforeEach(async () => {
    storage = new MemoryStorage();
    api = createApiServer({ storage, core: await loadCore(), now: () => new Date() });
    await api.bootstrap();
    client = new InProcessClient(api);
    clock = new VirtualClock();
    network = new FakeNetwork(clock);
    logs = [];
    proxy = new KubeProxy({ client: client.as("kube-proxy"), network, nodeName: "node-a", clock, log: (m) => logs.push(m) });
    await client.create(R.services, "default", service("pre", "10.96.0.5"));
    await proxy.start();
    t0 = clock.now();
  });

  afterEach(async () => {
    await proxy.stop();
    api.close();
    await storage.close();
  });

  it("syncs once right after the informers list, with what exists", () => {
    expect(network.calls).toHaveLength(1);
    expect(network.calls[0].at).toBe(t0);
    expect(names(network.calls[0].rules)).toEqual(["pre"]);
  });

  it("turns a burst into one sync per minSyncPeriod, and resyncs every syncPeriod", async () => {
    for (let i = 0; i < 20; i++) await client.create(R.services, "default", service(`burst-${i}`, `10.96.1.${i + 1}`));
    await settle();
    await clock.advance(999);
    expect(network.calls).toHaveLength(1);
    await clock.advance(1);
    expect(network.calls).toHaveLength(2);
    expect(network.calls[1].at).toBe(t0 + 1_000);
    expect(names(network.calls[1].rules)).toHaveLength(21);
    // A lone change after a quiet period syncs at once.
    await clock.advance(5_000);
    await client.delete(R.services, "default", "burst-0");
    await settle();
    await clock.advance(0);
    expect(network.calls).toHaveLength(3);
    expect(network.calls[2].at).toBe(t0 + 6_000);
    // Nothing changes: the next sync is the periodic one, 30 s after the last.
    await clock.advance(29_999);
    expect(network.calls).toHaveLength(3);
    await clock.advance(1);
    expect(network.calls).toHaveLength(4);
    expect(network.calls[3].rules).toEqual(network.calls[2].rules);
  });

  it("logs a failed sync and retries with backoff, never throwing", async () => {
    network.failNext = 3;
    await client.create(R.services, "default", service("web", "10.96.0.50"));
    await settle();
    await clock.advance(1_000);
    await clock.advance(20_000);
    const times = network.calls.slice(1).map((c) => c.at - t0);
    // Fails at 1 s, retries 1 s, 2 s, 4 s later; the fourth attempt succeeds.
    expect(times).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatch(/sync failed \(1 in a row\), retrying in 1000 ms: iptables-restore/);
    expect(proxy.consecutiveFailures).toBe(0);
    expect(names(proxy.lastRules)).toEqual(["pre", "web"]);
  });

  it("marks endpoints on this node local", async () => {
    await client.create(R.services, "default", service("web", "10.96.0.50"));
    await client.create(R.endpointSlices, "default", {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "web-x1", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
      addressType: "IPv4",
      endpoints: [
        { addresses: ["10.244.0.2"], conditions: { ready: true }, nodeName: "node-a" },
        { addresses: ["10.244.1.2"], conditions: { ready: true }, nodeName: "node-b" },
      ],
      ports: [{ name: "http", protocol: "TCP", port: 8080 }],
    });
    await settle();
    await clock.advance(1_000);
    const web = network.calls.at(-1)!.rules.find((r) => r.name === "web")!;
    expect(web.endpoints.map((e) => [e.ip, e.local])).toEqual([
      ["10.244.0.2", true],
      ["10.244.1.2", false],
    ]);
  });

  it("skips services another proxy handles", async () => {
    await client.create(R.services, "default", { ...service("other", "10.96.0.11"), metadata: { name: "other", namespace: "default", labels: { "service.kubernetes.io/service-proxy-name": "someone-else" } } });
    await settle();
    await clock.advance(1_000);
    expect(names(network.calls.at(-1)!.rules)).toEqual(["pre"]);
  });

  it("stops syncing after stop()", async () => {
    await proxy.stop();
    const n = network.calls.length;
    await client.create(R.services, "default", service("late", "10.96.0.12"));
    await settle();
    await clock.advance(60_000);
    expect(network.calls).toHaveLength(n);
    expect(clock.pending).toBe(0);
  });
});
