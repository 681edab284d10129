// Which UDP conntrack entries a sync leaves stale (kube-proxy's cleanup), as conntrack commands.
import { describe, expect, it } from "vitest";
import { staleUdpFlows } from "../../dist/hosts/node/kube-proxy/index.js";
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
      ["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--dst-nat", "10.244.0.5"],
      ["-D", "-p", "udp", "--orig-dst", "10.245.0.1", "--dst-nat", "10.244.0.5"],
      ["-D", "-p", "udp", "--orig-port-dst", "30053", "--dst-nat", "10.244.0.5"],
    ]);
  });

  it("an endpoint turning not ready counts as leaving", () => {
    const before = [dns([{ ip: "10.244.0.5", port: 53 }, { ip: "10.244.0.6", port: 53 }])];
    const after = [dns([{ ip: "10.244.0.5", port: 53, ready: false }, { ip: "10.244.0.6", port: 53 }])];
    expect(staleUdpFlows(before, after)).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--dst-nat", "10.244.0.5"]]);
  });

  it("clears un-NATed flows when a service gets its first endpoint", () => {
    expect(staleUdpFlows([dns([])], [dns([{ ip: "10.244.0.5", port: 53 }])])).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--orig-port-dst", "53"]]);
  });

  it("clears a deleted service's flows; TCP and unchanged services need nothing", () => {
    expect(staleUdpFlows([dns([{ ip: "10.244.0.5", port: 53 }])], [])).toEqual([["-D", "-p", "udp", "--orig-dst", "10.96.0.10", "--dst-nat", "10.244.0.5"]]);
    const tcp = dns([{ ip: "10.244.0.5", port: 53 }], { protocol: "TCP" });
    expect(staleUdpFlows([tcp], [{ ...tcp, endpoints: [] }])).toEqual([]);
    const same = [dns([{ ip: "10.244.0.5", port: 53 }])];
    expect(staleUdpFlows(same, same)).toEqual([]);
  });
});
