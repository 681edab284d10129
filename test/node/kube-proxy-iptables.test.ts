// kube-proxy's iptables rules applied for real, inside throwaway network namespaces (needs
// root, iproute2, iptables and busybox). Never touches the root namespace's iptables.
//
//   kl-test-<pid>        the "node": node IP 10.0.0.1/32 on lo, the service CIDR 10.96.0.0/12
//                        routed out veth-a with that source, veths to the pods, ip_forward on
//   kl-test-<pid>-a      pod a 10.244.1.2/24 (node side 10.244.1.1), busybox httpd :8080
//   kl-test-<pid>-b      pod b 10.244.2.2/24 (node side 10.244.2.1), busybox httpd :8080
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IptablesNetwork } from "../../dist/hosts/node/kube-proxy/index.js";
import { JUMP_RULES } from "../../dist/hosts/node/kube-proxy/rules.js";
import type { ServicePortRule } from "../../dist/bindings/network.js";
import { answers as answersIn, get as getIn, must, sh } from "./netns-helpers.js";

const NODE = `kl-test-${process.pid}`;
const PODS = { a: { ns: `${NODE}-a`, ip: "10.244.1.2", gw: "10.244.1.1" }, b: { ns: `${NODE}-b`, ip: "10.244.2.2", gw: "10.244.2.1" } };
const CLUSTER_IP = "10.96.0.10";
const NODE_IP = "10.0.0.1";

/** One GET from `ns` (the node by default): the body, or the error. */
const get = (url: string, ns = NODE) => getIn(url, ns);
/** Up to `n` requests (bounded by `budgetMs`): how often each pod (or error) answered. */
const answers = (url: string, n: number, ns = NODE, budgetMs = 15_000) => answersIn(url, ns, n, budgetMs);

const rule = (over: Partial<ServicePortRule> = {}): ServicePortRule => ({
  namespace: "default",
  name: "web",
  portName: "http",
  protocol: "TCP",
  clusterIP: CLUSTER_IP,
  port: 80,
  endpoints: [
    { ip: PODS.a.ip, port: 8080 },
    { ip: PODS.b.ip, port: 8080 },
  ],
  ...over,
});

const save = () => must(["iptables-save"], NODE);

describe("kube-proxy iptables rules in a network namespace", () => {
  const httpd: ChildProcess[] = [];
  let dir = "";
  let net: IptablesNetwork;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kl-kube-proxy-"));
    must(["ip", "netns", "add", NODE]);
    must(["ip", "link", "set", "lo", "up"], NODE);
    must(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], NODE);
    // The service CIDR leaves through veth-a, where pod a's traffic comes in: ICMP redirects
    // to pod a would use up its ICMP rate limit (1/s) before REJECT's port-unreachable.
    must(["sysctl", "-q", "-w", "net.ipv4.conf.all.send_redirects=0"], NODE);
    must(["sysctl", "-q", "-w", "net.ipv4.conf.default.send_redirects=0"], NODE);
    must(["ip", "addr", "add", `${NODE_IP}/32`, "dev", "lo"], NODE);
    for (const [name, pod] of Object.entries(PODS)) {
      must(["ip", "netns", "add", pod.ns]);
      must(["ip", "link", "set", "lo", "up"], pod.ns);
      must(["ip", "link", "add", `veth-${name}`, "type", "veth", "peer", "name", "eth0", "netns", pod.ns], NODE);
      must(["ip", "addr", "add", `${pod.gw}/24`, "dev", `veth-${name}`], NODE);
      must(["ip", "link", "set", `veth-${name}`, "up"], NODE);
      must(["ip", "addr", "add", `${pod.ip}/24`, "dev", "eth0"], pod.ns);
      must(["ip", "link", "set", "eth0", "up"], pod.ns);
      must(["ip", "route", "add", "default", "via", pod.gw], pod.ns);
      // The service CIDR needs a route for locally originated connections to get as far as
      // the nat OUTPUT chain (a real node has its default route); the node IP as source.
      if (name === "a") must(["ip", "route", "add", "10.96.0.0/12", "dev", "veth-a", "src", NODE_IP], NODE);
      const root = join(dir, name);
      mkdirSync(root);
      writeFileSync(join(root, "index.html"), `pod-${name}\n`);
      const child = spawn("ip", ["netns", "exec", pod.ns, "busybox", "httpd", "-f", "-p", "8080", "-h", root], { stdio: "ignore" });
      httpd.push(child);
    }
    // Wait for both servers.
    for (const [name, pod] of Object.entries(PODS)) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const r = await get(`http://${pod.ip}:8080/`);
        if (r.ok && r.body === `pod-${name}`) break;
        if (Date.now() > deadline) throw new Error(`httpd in ${pod.ns} did not answer: ${r.body}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    net = new IptablesNetwork({ podCIDR: "10.244.0.0/16", serviceCIDR: "10.96.0.0/12", netns: NODE, setRouteLocalnet: true });
  });

  afterAll(() => {
    for (const child of httpd) if (child.pid) spawnSync("kill", [String(child.pid)]);
    for (const ns of [PODS.a.ns, PODS.b.ns, NODE]) {
      // Processes still in a pod namespace (httpd forks under `ip netns exec`).
      const pids = sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) spawnSync("kill", ["-9", pid]);
      sh(["ip", "netns", "del", ns]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("spreads a ClusterIP service over both pods", async () => {
    await net.syncServices([rule()]);
    const seen = await answers(`http://${CLUSTER_IP}/`, 40);
    expect([...seen.keys()].sort()).toEqual(["pod-a", "pod-b"]);
  });

  it("adds each jump from the built-in chains once, however often it syncs", async () => {
    await net.syncServices([rule()]);
    await net.syncServices([rule()]);
    const text = save();
    const tables = { nat: must(["iptables-save", "-t", "nat"], NODE), filter: must(["iptables-save", "-t", "filter"], NODE) };
    for (const j of JUMP_RULES) {
      const target = j.args[j.args.indexOf("-j") + 1];
      const count = tables[j.table].split("\n").filter((l) => l.startsWith(`-A ${j.chain} `) && l.endsWith(`-j ${target}`)).length;
      expect(count, `${j.table} ${j.chain} → ${target}`).toBe(1);
    }
  });

  it("pins a client to one pod with ClientIP affinity", async () => {
    await net.syncServices([rule({ sessionAffinity: "ClientIP", sessionAffinityTimeoutSeconds: 60 })]);
    const seen = await answers(`http://${CLUSTER_IP}/`, 20);
    expect(seen.size).toBe(1);
    expect([...seen.keys()][0]).toMatch(/^pod-[ab]$/);
  });

  it("stops sending to a removed endpoint and deletes its chain", async () => {
    const before = save();
    await net.syncServices([rule({ endpoints: [{ ip: PODS.b.ip, port: 8080 }] })]);
    const seen = await answers(`http://${CLUSTER_IP}/`, 20);
    expect([...seen.keys()]).toEqual(["pod-b"]);
    const after = save();
    const sepChains = (t: string) => t.match(/^:KUBELING-SEP-\S+/gm) ?? [];
    expect(sepChains(before)).toHaveLength(2);
    expect(sepChains(after)).toHaveLength(1);
    expect(after).not.toContain(`--to-destination ${PODS.a.ip}:8080`);
  });

  it("rejects connections to a service without endpoints, fast", async () => {
    await net.syncServices([rule({ endpoints: [] })]);
    const r = await get(`http://${CLUSTER_IP}/`);
    expect(r.ok).toBe(false);
    expect(r.body).toMatch(/refused/i);
    // From a pod the REJECT happens in FORWARD. Either way the ICMP error comes back within
    // connect() (veths deliver synchronously), while the socket is locked: the kernel keeps
    // it as a soft error and the connection fails on the SYN retransmit, 1 s later — not
    // on a timeout. A closed port on the node, for comparison, is refused at once.
    const fromPod = await get(`http://${CLUSTER_IP}/`, PODS.a.ns);
    expect(fromPod.ok).toBe(false);
    expect(fromPod.body).toMatch(/refused/i);
    expect(fromPod.ms).toBeLessThan(2_500);
    expect(r.ms).toBeLessThan(2_500);
    expect(save()).not.toMatch(/^:KUBELING-(SVC|SEP)-/m);
  });

  it("serves a NodePort on the node's addresses: its own IP, from a pod, and 127.0.0.1", async () => {
    await net.syncServices([rule({ nodePort: 30080 })]);
    const own = await answers(`http://${NODE_IP}:30080/`, 30);
    expect([...own.keys()].sort()).toEqual(["pod-a", "pod-b"]);
    // From pod a through the node (PREROUTING, forwarding, masquerade; hairpin when it picks a).
    const fromPod = await answers(`http://${PODS.a.gw}:30080/`, 30, PODS.a.ns);
    expect([...fromPod.keys()].sort()).toEqual(["pod-a", "pod-b"]);
    // Localhost (route_localnet set by the network in its namespace).
    const local = await answers("http://127.0.0.1:30080/", 20);
    expect([...local.keys()].sort()).toEqual(["pod-a", "pod-b"]);
  });

  it("leaves no KUBELING chain or jump after teardown", async () => {
    await net.teardown();
    expect(save()).not.toContain("KUBELING");
    // And a second teardown is harmless.
    await net.teardown();
    const r = await get(`http://${NODE_IP}:30080/`);
    expect(r.ok).toBe(false);
  });
});
