// Cluster DNS: the records (pure, table-driven), a pod's resolv.conf, and the server over
// UDP and TCP on loopback fed by an in-process API server. No traffic leaves loopback: the
// only upstream used is a fake one this suite runs on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import type { DecodedPacket, Packet } from "dns-packet";
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { loadCore } from "../../dist/core/index.js";
import { createApiServer } from "../../dist/core/api/index.js";
import { InProcessClient, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { ClusterRecords, reverseName, canonicalIP, reverseToIP, type DnsResult } from "../../dist/hosts/node/dns/records.js";
import { parseResolvConf, podDnsConfig, renderResolvConf, type NodeDnsSettings } from "../../dist/hosts/node/dns/resolv-conf.js";
import { ClusterDns } from "../../dist/hosts/node/dns/server.js";

// ---- fixtures ----

const service = (ns: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec });

const slice = (
  ns: string,
  svc: string,
  name: string,
  endpoints: { ip: string; ready?: boolean; hostname?: string }[],
  ports: { name?: string; port: number; protocol?: string }[] = [{ name: "http", port: 8080, protocol: "TCP" }],
  addressType = "IPv4",
) => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { namespace: ns, name, labels: { "kubernetes.io/service-name": svc } },
  addressType,
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
  ports,
});

function fixtureRecords(): ClusterRecords {
  const r = new ClusterRecords({ trackNamespaces: true, dnsIPs: ["10.96.0.10"] });
  for (const ns of ["default", "prod", "empty"]) r.setNamespace(ns);
  r.setService(service("default", "web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }, { name: "dns", port: 53, protocol: "UDP" }, { port: 9000 }] }));
  r.setService(service("default", "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }));
  r.setEndpointSlice(
    slice("default", "db", "db-abc", [
      { ip: "10.244.1.5", hostname: "db-0" },
      { ip: "10.244.2.6", hostname: "db-1" },
      { ip: "10.244.3.7" },
      { ip: "10.244.4.8", ready: false, hostname: "db-3" },
    ], [{ name: "pg", port: 5432, protocol: "TCP" }]),
  );
  r.setService(service("default", "nobody", { clusterIP: "None" }));
  r.setService(service("default", "ext", { type: "ExternalName", externalName: "db.example.org" }));
  r.setService(service("default", "alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }));
  r.setService(service("prod", "v6", { clusterIP: "fd00::20", clusterIPs: ["fd00::20"], ports: [{ name: "http", port: 80 }] }));
  r.setEndpointSlice(slice("default", "web", "web-1", [{ ip: "10.244.1.9" }], [{ name: "http", port: 8080 }]));
  return r;
}

const A = (name: string, data: string) => ({ name, type: "A", class: "IN", ttl: 5, data });
const summary = (r: DnsResult) => ({
  rcode: r.rcode,
  forward: r.forward ?? false,
  answers: r.answers.map((a) => `${a.type} ${typeof a.data === "object" && !Array.isArray(a.data) ? JSON.stringify(a.data) : a.data}`),
  soa: r.authorities.some((a) => a.type === "SOA"),
});

describe("records (CoreDNS kubernetes plugin)", () => {
  const r = fixtureRecords();
  const cases: [string, string, string, Partial<ReturnType<typeof summary>>][] = [
    ["service A", "web.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.96.0.20"], soa: false }],
    ["case-insensitive, trailing dot", "WEB.Default.SVC.cluster.local.", "A", { rcode: "NOERROR", answers: ["A 10.96.0.20"] }],
    ["service AAAA of an IPv4 service: NODATA", "web.default.svc.cluster.local", "AAAA", { rcode: "NOERROR", answers: [], soa: true }],
    ["IPv6 service AAAA", "v6.prod.svc.cluster.local", "AAAA", { rcode: "NOERROR", answers: ["AAAA fd00::20"] }],
    ["headless A: ready endpoints", "db.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.244.1.5", "A 10.244.2.6", "A 10.244.3.7"] }],
    ["hostname under headless", "db-1.db.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.244.2.6"] }],
    ["dashed address under headless", "10-244-3-7.db.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.244.3.7"] }],
    ["not-ready endpoint's hostname", "db-3.db.default.svc.cluster.local", "A", { rcode: "NXDOMAIN", soa: true }],
    ["endpoint of a ClusterIP service", "10-244-1-9.web.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.244.1.9"] }],
    ["headless without endpoints: NXDOMAIN", "nobody.default.svc.cluster.local", "A", { rcode: "NXDOMAIN", soa: true }],
    ["SRV named port", "_http._tcp.web.default.svc.cluster.local", "SRV", { rcode: "NOERROR", answers: [`SRV {"priority":0,"weight":100,"port":80,"target":"web.default.svc.cluster.local"}`] }],
    ["SRV udp port", "_dns._udp.web.default.svc.cluster.local", "SRV", { rcode: "NOERROR", answers: [`SRV {"priority":0,"weight":100,"port":53,"target":"web.default.svc.cluster.local"}`] }],
    ["SRV wrong protocol", "_http._udp.web.default.svc.cluster.local", "SRV", { rcode: "NXDOMAIN" }],
    ["SRV unknown port", "_nope._tcp.web.default.svc.cluster.local", "SRV", { rcode: "NXDOMAIN" }],
    [
      "SRV headless: one per endpoint",
      "_pg._tcp.db.default.svc.cluster.local",
      "SRV",
      {
        answers: [
          `SRV {"priority":0,"weight":33,"port":5432,"target":"db-0.db.default.svc.cluster.local"}`,
          `SRV {"priority":0,"weight":33,"port":5432,"target":"db-1.db.default.svc.cluster.local"}`,
          `SRV {"priority":0,"weight":33,"port":5432,"target":"10-244-3-7.db.default.svc.cluster.local"}`,
        ],
      },
    ],
    ["SRV of the bare name: every port", "web.default.svc.cluster.local", "SRV", { rcode: "NOERROR" }],
    ["A of a port name", "_http._tcp.web.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.96.0.20"] }],
    ["ExternalName: CNAME", "ext.default.svc.cluster.local", "A", { rcode: "NOERROR", answers: ["CNAME db.example.org"] }],
    ["ExternalName to an in-zone name is chased", "alias.default.svc.cluster.local", "A", { answers: ["CNAME web.default.svc.cluster.local", "A 10.96.0.20"] }],
    ["pod A (insecure)", "10-244-1-5.default.pod.cluster.local", "A", { rcode: "NOERROR", answers: ["A 10.244.1.5"] }],
    ["pod A in any existing namespace", "1-2-3-4.prod.pod.cluster.local", "A", { answers: ["A 1.2.3.4"] }],
    ["pod IPv6", "fd00--5.prod.pod.cluster.local", "AAAA", { answers: ["AAAA fd00::5"] }],
    ["pod name not an address", "nginx.default.pod.cluster.local", "A", { rcode: "NXDOMAIN" }],
    ["pod in a missing namespace", "1-2-3-4.nope.pod.cluster.local", "A", { rcode: "NXDOMAIN" }],
    ["missing service", "nope.default.svc.cluster.local", "A", { rcode: "NXDOMAIN", soa: true }],
    ["missing namespace", "web.nope.svc.cluster.local", "A", { rcode: "NXDOMAIN", soa: true }],
    ["namespace name: NODATA", "default.svc.cluster.local", "A", { rcode: "NOERROR", answers: [], soa: true }],
    ["empty namespace: NODATA", "empty.svc.cluster.local", "A", { rcode: "NOERROR", answers: [] }],
    ["svc.<zone>: NODATA", "svc.cluster.local", "A", { rcode: "NOERROR", answers: [] }],
    ["neither svc nor pod", "web.default.foo.cluster.local", "A", { rcode: "NXDOMAIN" }],
    ["too many labels", "a.b.c.web.default.svc.cluster.local", "A", { rcode: "NXDOMAIN" }],
    ["search-list expansion of an outside name", "example.com.default.svc.cluster.local", "A", { rcode: "NXDOMAIN" }],
    ["zone apex SOA", "cluster.local", "SOA", { rcode: "NOERROR", soa: false }],
    ["zone apex NS", "cluster.local", "NS", { answers: ["NS ns.dns.cluster.local"] }],
    ["ns.dns", "ns.dns.cluster.local", "A", { answers: ["A 10.96.0.10"] }],
    ["dns-version", "dns-version.cluster.local", "TXT", { answers: ["TXT 1.1.0"] }],
    ["PTR of a ClusterIP", "20.0.96.10.in-addr.arpa", "PTR", { rcode: "NOERROR", answers: ["PTR web.default.svc.cluster.local"] }],
    ["PTR of a headless endpoint", "5.1.244.10.in-addr.arpa", "PTR", { answers: ["PTR db-0.db.default.svc.cluster.local"] }],
    ["PTR of an IPv6 ClusterIP", reverseName("fd00::20"), "PTR", { answers: ["PTR v6.prod.svc.cluster.local"] }],
    ["PTR of an unknown address: forward", "1.1.168.192.in-addr.arpa", "PTR", { forward: true }],
    ["outside the zone: forward", "example.com", "A", { forward: true }],
    ["a suffix that only looks alike: forward", "notcluster.local", "A", { forward: true }],
  ];
  it.each(cases)("%s: %s %s", (_, name, type, want) => {
    expect(summary(r.answer({ name, type }))).toMatchObject(want);
  });

  it("answers keep the name as asked and carry the ttl", () => {
    expect(r.answer({ name: "Web.default.svc.cluster.local", type: "A" }).answers).toEqual([A("Web.default.svc.cluster.local", "10.96.0.20")]);
    const soa = r.answer({ name: "nope.default.svc.cluster.local", type: "A" }).authorities[0];
    expect(soa).toMatchObject({ name: "cluster.local", type: "SOA", ttl: 5, data: { mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } });
  });

  it("SRV answers carry the targets' addresses as additionals", () => {
    const res = r.answer({ name: "_pg._tcp.db.default.svc.cluster.local", type: "SRV" });
    expect(res.additionals.map((a) => `${a.name} ${a.data}`)).toEqual([
      "db-0.db.default.svc.cluster.local 10.244.1.5",
      "db-1.db.default.svc.cluster.local 10.244.2.6",
      "10-244-3-7.db.default.svc.cluster.local 10.244.3.7",
    ]);
  });

  it("follows changes: new IPs, slices moving, deletions and their reverse entries", () => {
    const x = fixtureRecords();
    x.setService(service("default", "web", { clusterIP: "10.96.0.99", ports: [{ name: "http", port: 80 }] }));
    expect(summary(x.answer({ name: "web.default.svc.cluster.local", type: "A" })).answers).toEqual(["A 10.96.0.99"]);
    expect(x.answer({ name: "20.0.96.10.in-addr.arpa", type: "PTR" }).forward).toBe(true);
    expect(summary(x.answer({ name: "99.0.96.10.in-addr.arpa", type: "PTR" })).answers).toEqual(["PTR web.default.svc.cluster.local"]);
    // A second slice adds endpoints; the same address in two slices counts once.
    x.setEndpointSlice(slice("default", "db", "db-def", [{ ip: "10.244.9.9", hostname: "db-9" }, { ip: "10.244.1.5", hostname: "db-0" }], [{ name: "pg", port: 5432 }]));
    expect(summary(x.answer({ name: "db.default.svc.cluster.local", type: "A" })).answers).toHaveLength(4);
    x.deleteEndpointSlice("default", "db-abc");
    expect(summary(x.answer({ name: "db.default.svc.cluster.local", type: "A" })).answers).toEqual(["A 10.244.9.9", "A 10.244.1.5"]);
    expect(x.answer({ name: "6.2.244.10.in-addr.arpa", type: "PTR" }).forward).toBe(true);
    x.deleteService("default", "db");
    expect(x.answer({ name: "db.default.svc.cluster.local", type: "A" }).rcode).toBe("NXDOMAIN");
    expect(x.answer({ name: "9.9.244.10.in-addr.arpa", type: "PTR" }).forward).toBe(true);
    // Slices that arrive before their service are kept for it.
    x.setEndpointSlice(slice("default", "late", "late-1", [{ ip: "10.244.7.7" }]));
    x.setService(service("default", "late", { clusterIP: "None" }));
    expect(summary(x.answer({ name: "late.default.svc.cluster.local", type: "A" })).answers).toEqual(["A 10.244.7.7"]);
    x.deleteNamespace("prod");
    expect(x.answer({ name: "v6.prod.svc.cluster.local", type: "AAAA" }).rcode).toBe("NXDOMAIN");
  });

  it("another cluster domain and ttl", () => {
    const x = new ClusterRecords({ clusterDomain: "Kube.Example.", ttl: 30 });
    x.setService(service("a", "s", { clusterIP: "10.0.0.1", ports: [{ port: 1 }] }));
    expect(x.answer({ name: "s.a.svc.kube.example", type: "A" }).answers).toEqual([{ name: "s.a.svc.kube.example", type: "A", class: "IN", ttl: 30, data: "10.0.0.1" }]);
    expect(x.answer({ name: "s.a.svc.cluster.local", type: "A" }).forward).toBe(true);
  });

  it.each([
    ["10.0.0.1", "1.0.0.10.in-addr.arpa"],
    ["fd00::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa"],
  ])("reverse names: %s ⇄ %s", (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(reverseToIP(name)).toBe(ip);
  });

  it.each([
    ["FD00:0:0:0:0:0:0:1", "fd00::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["10.0.0.1", "10.0.0.1"],
  ])("canonical IPv6 %s → %s", (ip, want) => expect(canonicalIP(ip)).toBe(want));
});

// ---- resolv.conf ----

describe("pod resolv.conf (kubelet DNS configurer)", () => {
  const host = parseResolvConf("# generated\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example. lab.example .\noptions timeout:2 rotate\noptions timeout:3\n");
  const node: NodeDnsSettings = { clusterDomain: "cluster.local", clusterDNS: ["10.96.0.10"], host };
  const pod = (spec: Record<string, unknown>, namespace = "team") => ({ metadata: { namespace }, spec });

  it("parses the node's resolv.conf as the kubelet does", () => {
    expect(host).toEqual({ servers: ["192.168.1.1", "192.168.1.2"], searches: ["corp.example", "lab.example"], options: ["timeout:3", "rotate"] });
  });

  const cases: [string, ReturnType<typeof pod>, Partial<NodeDnsSettings>, { servers: string[]; searches: string[]; options: string[] }][] = [
    ["ClusterFirst", pod({}), {}, { servers: ["10.96.0.10"], searches: ["team.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"], options: ["ndots:5"] }],
    ["ClusterFirst, hostNetwork: Default", pod({ dnsPolicy: "ClusterFirst", hostNetwork: true }), {}, { servers: ["192.168.1.1", "192.168.1.2"], searches: ["corp.example", "lab.example"], options: ["timeout:3", "rotate"] }],
    ["ClusterFirstWithHostNet", pod({ dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true }), {}, { servers: ["10.96.0.10"], searches: ["team.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"], options: ["ndots:5"] }],
    ["ClusterFirst without cluster DNS: Default", pod({}), { clusterDNS: [] }, { servers: ["192.168.1.1", "192.168.1.2"], searches: ["corp.example", "lab.example"], options: ["timeout:3", "rotate"] }],
    ["Default", pod({ dnsPolicy: "Default" }), {}, { servers: ["192.168.1.1", "192.168.1.2"], searches: ["corp.example", "lab.example"], options: ["timeout:3", "rotate"] }],
    ["Default without a node resolv.conf", pod({ dnsPolicy: "Default" }), { host: null }, { servers: ["127.0.0.1"], searches: ["."], options: [] }],
    [
      "None with dnsConfig",
      pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }),
      {},
      { servers: ["1.2.3.4"], searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], options: ["ndots:2", "edns0"] },
    ],
    [
      "ClusterFirst merged with dnsConfig (duplicates once, options by name)",
      pod({ dnsConfig: { nameservers: ["10.96.0.10", "8.8.8.8"], searches: ["cluster.local", "extra.example"], options: [{ name: "ndots", value: "1" }, { name: "single-request-reopen" }] } }),
      {},
      { servers: ["10.96.0.10", "8.8.8.8"], searches: ["team.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example", "extra.example"], options: ["ndots:1", "single-request-reopen"] },
    ],
    [
      "at most 3 nameservers",
      pod({ dnsPolicy: "Default", dnsConfig: { nameservers: ["1.1.1.1", "9.9.9.9"] } }),
      {},
      { servers: ["192.168.1.1", "192.168.1.2", "1.1.1.1"], searches: ["corp.example", "lab.example"], options: ["timeout:3", "rotate"] },
    ],
  ];
  it.each(cases)("%s", (_, p, over, want) => {
    expect(podDnsConfig(p, { ...node, ...over }).config).toEqual(want);
  });

  it("cuts search lists to 32 domains and 2048 characters, and drops domains over 253", () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const r = podDnsConfig(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: many } }), node);
    expect(r.config.searches).toEqual(many.slice(0, 32));
    expect(r.warnings.join()).toMatch(/Search Line limits were exceeded/);
    const long = Array.from({ length: 30 }, (_, i) => `${"x".repeat(90)}${i}.example`); // 100 chars each
    const l = podDnsConfig(pod({ dnsPolicy: "None", dnsConfig: { searches: [...long, "y".repeat(254)] } }), node);
    expect(l.config.searches.join(" ").length).toBeLessThanOrEqual(2048);
    expect(l.config.searches).toEqual(long.slice(0, 20));
  });

  it("renders resolv.conf", () => {
    expect(renderResolvConf(podDnsConfig(pod({}, "default"), { ...node, host: { servers: [], searches: [], options: [] } }).config)).toBe(
      "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
    );
  });
});

// ---- the server ----

function udpQuery(port: number, packet: Packet | Buffer, timeoutMs = 2000): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("timeout"));
    }, timeoutMs);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(msg));
    });
    socket.send(Buffer.isBuffer(packet) ? packet : dnsPacket.encode(packet), port, "127.0.0.1");
  });
}

function tcpQuery(port: number, packet: Packet): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let buf = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("connect", () => socket.write(dnsPacket.streamEncode(packet)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.destroy();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
  });
}

let nextId = 1;
const q = (name: string, type: string, extra: Partial<Packet> = {}): Packet => ({
  type: "query",
  id: nextId++ & 0xffff,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ name, type: type as "A", class: "IN" }],
  ...extra,
});
const data = (p: DecodedPacket) => (p.answers ?? []).map((a) => (a.type === "SRV" ? `${a.data.target}:${a.data.port}` : String((a as { data: unknown }).data)));
const waitFor = async (cond: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("ClusterDns server", () => {
  let dns: ClusterDns;
  let client: InProcessClient;
  let close: () => Promise<void>;
  let port: number;

  beforeAll(async () => {
    const core = await loadCore();
    const storage = new MemoryStorage();
    const api = createApiServer({ storage, core });
    await api.bootstrap();
    client = new InProcessClient(api);
    await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "dns" } } as KubeObject);
    const create = (r: typeof R.services, obj: { metadata: { namespace: string } }) => client.create(r, obj.metadata.namespace, obj as unknown as KubeObject);
    await create(R.services, service("dns", "web", { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }] }));
    await create(R.services, service("dns", "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432, protocol: "TCP", targetPort: 5432 }] }));
    await create(R.services, service("dns", "ext", { type: "ExternalName", externalName: "db.example.org" }));
    await create(R.services, service("dns", "big", { clusterIP: "None", ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 80 }] }));
    await create(R.endpointSlices, slice("dns", "db", "db-1", [{ ip: "10.244.1.5", hostname: "db-0" }, { ip: "10.244.2.6", hostname: "db-1" }, { ip: "10.244.3.7", ready: false, hostname: "db-2" }], [{ name: "pg", port: 5432, protocol: "TCP" }]));
    await create(R.endpointSlices, slice("dns", "big", "big-1", Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.10.${i + 1}` })), [{ name: "http", port: 80, protocol: "TCP" }]));

    dns = new ClusterDns({ client: client.as("coredns"), address: "127.0.0.1", port: 0, upstreams: [], dnsIPs: ["10.96.0.10"] });
    await dns.start();
    port = dns.port;
    close = async () => {
      await dns.stop();
      api.close();
      await storage.close();
    };
  });

  afterAll(async () => close?.());

  it("has synced and listens on UDP and TCP", () => {
    expect(dns.hasSynced).toBe(true);
    expect(port).toBeGreaterThan(0);
  });

  it("service A over UDP and TCP, authoritative", async () => {
    const u = await udpQuery(port, q("web.dns.svc.cluster.local", "A"));
    expect(u.rcode).toBe("NOERROR");
    expect(u.flag_aa).toBe(true);
    expect(u.flag_rd).toBe(true);
    expect(u.answers).toMatchObject([{ name: "web.dns.svc.cluster.local", type: "A", ttl: 5, data: "10.96.0.20" }]);
    const t = await tcpQuery(port, q("web.dns.svc.cluster.local", "A"));
    expect(data(t)).toEqual(["10.96.0.20"]);
  });

  it("headless A: the ready endpoints", async () => {
    expect(data(await udpQuery(port, q("db.dns.svc.cluster.local", "A"))).sort()).toEqual(["10.244.1.5", "10.244.2.6"]);
  });

  it("hostname under a headless service", async () => {
    expect(data(await udpQuery(port, q("db-1.db.dns.svc.cluster.local", "A")))).toEqual(["10.244.2.6"]);
  });

  it("SRV with additionals", async () => {
    const r = await udpQuery(port, q("_pg._tcp.db.dns.svc.cluster.local", "SRV"));
    expect(data(r).sort()).toEqual(["db-0.db.dns.svc.cluster.local:5432", "db-1.db.dns.svc.cluster.local:5432"]);
    expect((r.additionals ?? []).map((a) => a.name).sort()).toEqual(["db-0.db.dns.svc.cluster.local", "db-1.db.dns.svc.cluster.local"]);
    expect(data(await udpQuery(port, q("_http._tcp.web.dns.svc.cluster.local", "SRV")))).toEqual(["web.dns.svc.cluster.local:80"]);
  });

  it("PTR for a ClusterIP and a headless endpoint", async () => {
    expect(data(await udpQuery(port, q("20.0.96.10.in-addr.arpa", "PTR")))).toEqual(["web.dns.svc.cluster.local"]);
    expect(data(await udpQuery(port, q("5.1.244.10.in-addr.arpa", "PTR")))).toEqual(["db-0.db.dns.svc.cluster.local"]);
    // Nobody's address, and no upstream: NXDOMAIN.
    expect((await udpQuery(port, q("9.9.9.9.in-addr.arpa", "PTR"))).rcode).toBe("NXDOMAIN");
  });

  it("pod A", async () => {
    expect(data(await udpQuery(port, q("10-244-1-5.dns.pod.cluster.local", "A")))).toEqual(["10.244.1.5"]);
  });

  it("NXDOMAIN with the SOA, and NODATA", async () => {
    const nx = await udpQuery(port, q("nope.dns.svc.cluster.local", "A"));
    expect(nx.rcode).toBe("NXDOMAIN");
    expect(nx.answers).toEqual([]);
    expect(nx.authorities).toMatchObject([{ type: "SOA", name: "cluster.local", ttl: 5, data: { mname: "ns.dns.cluster.local", minimum: 5 } }]);
    const nodata = await udpQuery(port, q("web.dns.svc.cluster.local", "AAAA"));
    expect(nodata.rcode).toBe("NOERROR");
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities?.[0]?.type).toBe("SOA");
    expect((await udpQuery(port, q("web.missing-ns.svc.cluster.local", "A"))).rcode).toBe("NXDOMAIN");
  });

  it("ExternalName: CNAME", async () => {
    const r = await udpQuery(port, q("ext.dns.svc.cluster.local", "A"));
    expect(r.answers).toMatchObject([{ type: "CNAME", data: "db.example.org" }]);
  });

  it("a new clusterIP is answered within 1 s", async () => {
    await client.create(R.services, "dns", service("dns", "moving", { clusterIP: "10.96.0.50", ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] }) as unknown as KubeObject);
    await waitFor(async () => data(await udpQuery(port, q("moving.dns.svc.cluster.local", "A")))[0] === "10.96.0.50", 1000);
    // clusterIP is immutable in the API: a new IP comes with a new object.
    const started = Date.now();
    await client.delete(R.services, "dns", "moving");
    await client.create(R.services, "dns", service("dns", "moving", { clusterIP: "10.96.0.51", ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] }) as unknown as KubeObject);
    await waitFor(async () => data(await udpQuery(port, q("moving.dns.svc.cluster.local", "A")))[0] === "10.96.0.51", 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(data(await udpQuery(port, q("51.0.96.10.in-addr.arpa", "PTR")))).toEqual(["moving.dns.svc.cluster.local"]);
    expect((await udpQuery(port, q("50.0.96.10.in-addr.arpa", "PTR"))).rcode).toBe("NXDOMAIN");
  });

  it("survives malformed packets and answers the next query", async () => {
    const id = 0x4242;
    const garbage = Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), Buffer.from([0x3f, 0x61, 0x62])]);
    const formerr = await udpQuery(port, garbage);
    expect(formerr.id).toBe(id);
    expect(formerr.rcode).toBe("FORMERR");
    // Too short for a header: dropped.
    await expect(udpQuery(port, Buffer.from([1, 2, 3]), 200)).rejects.toThrow("timeout");
    // Two questions: FORMERR.
    const two = await udpQuery(port, { ...q("a.cluster.local", "A"), questions: [{ name: "a.cluster.local", type: "A" }, { name: "b.cluster.local", type: "A" }] });
    expect(two.rcode).toBe("FORMERR");
    // A broken TCP frame closes nothing but itself.
    await new Promise<void>((resolve) => {
      const s = net.connect({ port, host: "127.0.0.1" }, () => s.end(Buffer.from([0, 5, 1, 2, 3, 4, 5])));
      s.on("close", () => resolve());
      s.on("error", () => resolve());
      s.resume();
    });
    expect(data(await udpQuery(port, q("web.dns.svc.cluster.local", "A")))).toEqual(["10.96.0.20"]);
    expect(data(await tcpQuery(port, q("web.dns.svc.cluster.local", "A")))).toEqual(["10.96.0.20"]);
  });

  it("truncates UDP answers over 512 bytes without EDNS; TCP and EDNS0 get them whole", async () => {
    const udp = await udpQuery(port, q("big.dns.svc.cluster.local", "A"));
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers!.length).toBeLessThan(60);
    expect(dnsPacket.encode(udp).length).toBeLessThanOrEqual(512);
    const tcp = await tcpQuery(port, q("big.dns.svc.cluster.local", "A"));
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
    const edns = await udpQuery(port, q("big.dns.svc.cluster.local", "A", { additionals: [{ name: ".", type: "OPT", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }));
    expect(edns.flag_tc).toBe(false);
    expect(edns.answers).toHaveLength(60);
    expect(edns.additionals).toMatchObject([{ type: "OPT", udpPayloadSize: 4096 }]);
    const badvers = await udpQuery(port, q("web.dns.svc.cluster.local", "A", { additionals: [{ name: ".", type: "OPT", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }] }));
    expect(badvers.additionals).toMatchObject([{ type: "OPT", extendedRcode: 1 }]);
  });

  it("without upstreams, outside names get SERVFAIL at once", async () => {
    const started = performance.now();
    const r = await udpQuery(port, q("example.com", "A"));
    expect(r.rcode).toBe("SERVFAIL");
    expect(performance.now() - started).toBeLessThan(100);
    expect((await tcpQuery(port, q("example.com", "AAAA"))).rcode).toBe("SERVFAIL");
  });

  it("p50 latency of loopback UDP queries", async () => {
    const times: number[] = [];
    const names = ["web.dns.svc.cluster.local", "db.dns.svc.cluster.local", "nope.dns.svc.cluster.local", "_pg._tcp.db.dns.svc.cluster.local"];
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    try {
      for (let i = 0; i < 1000; i++) {
        const packet = dnsPacket.encode(q(names[i % names.length], i % 4 === 3 ? "SRV" : "A"));
        const started = performance.now();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("timeout")), 1000);
          socket.once("message", () => {
            clearTimeout(timer);
            resolve();
          });
          socket.send(packet, port, "127.0.0.1");
        });
        times.push(performance.now() - started);
      }
    } finally {
      socket.close();
    }
    times.sort((a, b) => a - b);
    const p50 = times[500];
    const p99 = times[990];
    console.log(`cluster DNS loopback UDP: p50 ${(p50 * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs over 1000 queries`);
    expect(p50).toBeLessThan(20);
  });
});

describe("ClusterDns forwarding", () => {
  it("forwards outside names to the upstream (a fake on loopback) over UDP and TCP, SERVFAIL when it is gone", async () => {
    const core = await loadCore();
    const storage = new MemoryStorage();
    const api = createApiServer({ storage, core });
    await api.bootstrap();
    // The fake upstream: answers every A query with 192.0.2.1, on UDP and TCP of one port.
    const answer = (msg: Buffer) => {
      const query = dnsPacket.decode(msg);
      return dnsPacket.encode({ type: "response", id: query.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: query.questions, answers: [{ name: query.questions![0].name, type: "A", ttl: 60, data: "192.0.2.1" }] });
    };
    const fakeUdp = dgram.createSocket("udp4");
    await new Promise<void>((r) => fakeUdp.bind(0, "127.0.0.1", () => r()));
    const fakePort = fakeUdp.address().port;
    fakeUdp.on("message", (msg, rinfo) => fakeUdp.send(answer(msg), rinfo.port, rinfo.address));
    const fakeTcp = net.createServer((s) =>
      s.on("data", (chunk) => {
        s.end(dnsPacket.streamEncode(dnsPacket.decode(answer(chunk.subarray(2)))));
      }),
    );
    await new Promise<void>((r) => fakeTcp.listen(fakePort, "127.0.0.1", () => r()));

    const dns = new ClusterDns({ client: new InProcessClient(api).as("coredns"), address: "127.0.0.1", port: 0, upstreams: [`127.0.0.1:${fakePort}`], upstreamTimeoutMs: 300 });
    await dns.start();
    try {
      const u = await udpQuery(dns.port, q("example.com", "A"));
      expect(u.rcode).toBe("NOERROR");
      expect(data(u)).toEqual(["192.0.2.1"]);
      expect(u.flag_ra).toBe(true);
      expect(data(await tcpQuery(dns.port, q("example.com", "A")))).toEqual(["192.0.2.1"]);
      // In-zone names are never forwarded.
      expect((await udpQuery(dns.port, q("nope.default.svc.cluster.local", "A"))).rcode).toBe("NXDOMAIN");
      expect(dns.stats.forwarded).toBe(2);
      // The upstream goes away: SERVFAIL, within the upstream timeout.
      fakeUdp.close();
      const started = performance.now();
      expect((await udpQuery(dns.port, q("example.com", "A"))).rcode).toBe("SERVFAIL");
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await dns.stop();
      fakeTcp.close();
      api.close();
      await storage.close();
    }
  });
});
