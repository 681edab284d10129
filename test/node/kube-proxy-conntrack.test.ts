// Which UDP conntrack entries a sync leaves stale (kube-proxy's cleanup), as conntrack
// commands; then the real thing in a throwaway network namespace (its own conntrack table):
// flows answered by an endpoint that left are deleted by the sync, the others stay. Needs
// root, iproute2, iptables and the conntrack tool (.ci/run installs it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IptablesNetwork, staleUdpFlows } from "../../dist/hosts/node/kube-proxy/index.js";
import { must } from "./netns-helpers.js";
import type { ServicePortRule } from "../../dist/bindings/network.js";

const dns = (endpoints: ServicePortRule["endpoints"], extra: Partial<ServicePortRule> = {}): ServicePortRule => ({
  namespace: "kube-system",
  name: "dns",
  portName: "dns",
  protocol: "UDP",
  clusterIP: "10.96.0.10",
  port: 53,
  endpoints,
  ...extra,
});

describe("staleUdpFlows", () => {
  it("clears flows NATed to an endpoint that left, on every service address and the node port", () => {
    const before = [dns([{ ip: "10.244.0.5", port: 53 }, { ip: "10.244.0.6", port: 53 }], { nodePort: 30053, loadBalancerIPs: ["10.245.0.1"] })];
    const after = [dns([{ ip: "10.244.0.6", port: 53 }], { nodePort: 30053, loadBalancerIPs: ["10.245.0.1"] })];
    expect(staleUdpFlows(before, after)).toEqual([
      ["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--reply-src", "10.244.0.5"],
      ["-D", "-p", "udp", "--orig-dst", "10.245.0.1", "--reply-src", "10.244.0.5"],
      ["-D", "-p", "udp", "--orig-port-dst", "30053", "--reply-src", "10.244.0.5"],
    ]);
  });

  it("an endpoint turning not ready counts as leaving", () => {
    const before = [dns([{ ip: "10.244.0.5", port: 53 }, { ip: "10.244.0.6", port: 53 }])];
    const after = [dns([{ ip: "10.244.0.5", port: 53, ready: false }, { ip: "10.244.0.6", port: 53 }])];
    expect(staleUdpFlows(before, after)).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--reply-src", "10.244.0.5"]]);
  });

  it("clears un-NATed flows when a service gets its first endpoint", () => {
    expect(staleUdpFlows([dns([])], [dns([{ ip: "10.244.0.5", port: 53 }])])).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--orig-port-dst", "53"]]);
  });

  it("clears a deleted service's flows; TCP and unchanged services need nothing", () => {
    expect(staleUdpFlows([dns([{ ip: "10.244.0.5", port: 53 }])], [])).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--reply-src", "10.244.0.5"]]);
    const tcp = dns([{ ip: "10.244.0.5", port: 53 }], { protocol: "TCP" });
    expect(staleUdpFlows([tcp], [{ ...tcp, endpoints: [] }])).toEqual([]);
    const same = [dns([{ ip: "10.244.0.5", port: 53 }])];
    expect(staleUdpFlows(same, same)).toEqual([]);
  });
});

describe("a sync clears stale UDP flows with the conntrack tool", () => {
  const NS = `kl-ct-${process.pid}`;
  beforeAll(() => {
    must(["ip", "netns", "add", NS]);
    must(["ip", "link", "set", "lo", "up"], NS);
  });
  afterAll(() => {
    must(["ip", "netns", "del", NS]);
  });

  /** A flow from the node to the service, answered by `endpoint` (as kube-proxy's DNAT leaves it). */
  const flow = (endpoint: string, sport: number) =>
    must(["conntrack", "-I", "-p", "udp", "-s", "10.0.0.1", "-d", "10.96.0.10", "--sport", String(sport), "--dport", "53", "-r", endpoint, "-q", "10.0.0.1", "--reply-port-src", "53", "--reply-port-dst", String(sport), "-t", "120"], NS);
  const flows = () => must(["conntrack", "-L", "-p", "udp"], NS);

  it("deletes the flows of the endpoint that left, keeps the other's", async () => {
    const logged: string[] = [];
    const net = new IptablesNetwork({ podCIDR: "10.244.0.0/24", serviceCIDR: "10.96.0.0/12", netns: NS, localhostNodePorts: false, log: (m) => logged.push(m) });
    await net.syncServices([dns([{ ip: "10.244.0.5", port: 53 }, { ip: "10.244.0.6", port: 53 }])]);
    flow("10.244.0.5", 40000);
    flow("10.244.0.6", 40001);
    expect(flows()).toContain("src=10.244.0.5");
    await net.syncServices([dns([{ ip: "10.244.0.6", port: 53 }])]);
    const left = flows();
    expect(left).not.toContain("src=10.244.0.5");
    expect(left).toContain("src=10.244.0.6 dst=10.0.0.1 sport=53 dport=40001");
    expect(logged).toEqual([]);
    await net.teardown();
  });
});
