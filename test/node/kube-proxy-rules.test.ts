// kube-proxy's iptables rules as text: renderRules (pure) and the Service/EndpointSlice → rules conversion.
import { describe, expect, it } from "vitest";
import {
  chainHash,
  endpointChain,
  probability,
  renderRules,
  serviceChains,
  type RulesInput,
} from "../../dist/hosts/node/kube-proxy/rules.js";
import { servicePortRules } from "../../dist/hosts/node/kube-proxy/service-rules.js";
import { parseChains } from "../../dist/hosts/node/kube-proxy/iptables.js";
import type { ServicePortRule } from "../../dist/bindings/network.js";

const svc = (over: Partial<ServicePortRule> = {}): ServicePortRule => ({
  namespace: "default",
  name: "web",
  portName: "http",
  protocol: "TCP",
  clusterIP: "10.96.0.10",
  port: 80,
  endpoints: [
    { ip: "10.244.1.2", port: 8080 },
    { ip: "10.244.2.2", port: 8080 },
  ],
  ...over,
});

const render = (services: ServicePortRule[], extra: Partial<RulesInput> = {}) => renderRules({ services, clusterCIDR: "10.244.0.0/16", ...extra });
const lines = (text: string, chain: string) => text.split("\n").filter((l) => l.startsWith(`-A ${chain} `));
const table = (text: string, name: "nat" | "filter") => {
  const start = text.indexOf(`*${name}\n`);
  return text.slice(start, text.indexOf("COMMIT", start));
};

const WEB = serviceChains(svc());
const SEP_A = endpointChain(svc(), { ip: "10.244.1.2", port: 8080 });
const SEP_B = endpointChain(svc(), { ip: "10.244.2.2", port: 8080 });

describe("chain names", () => {
  it("hash like kube-proxy (base32 of sha256 of the service port name and protocol)", () => {
    // Chain names of real clusters' well-known services.
    expect(chainHash("default/kubernetes:https" + "tcp", 16)).toBe("NPX46M4PTMTKRN6Y");
    expect(chainHash("kube-system/kube-dns:dns" + "udp", 16)).toBe("TCOU7JCQXEZGVUNU");
    expect(chainHash("default/nginx" + "tcp", 16)).toBe("2CMXP7HKUVJN7L6M");
  });

  it("are stable, prefixed and fit iptables' 28 characters", () => {
    const c = serviceChains(svc({ namespace: "default", name: "kubernetes", portName: "https" }));
    expect(c).toEqual({ svc: "KUBELING-SVC-NPX46M4PTMTKRN6", svl: "KUBELING-SVL-NPX46M4PTMTKRN6", ext: "KUBELING-EXT-NPX46M4PTMTKRN6" });
    expect(SEP_A).toMatch(/^KUBELING-SEP-[A-Z2-7]{15}$/);
    expect(SEP_A).not.toBe(SEP_B);
    for (const name of [c.svc, c.svl, c.ext, SEP_A, "KUBELING-EXTERNAL-SERVICES"]) expect(name.length).toBeLessThanOrEqual(28);
    expect(endpointChain(svc(), { ip: "10.244.1.2", port: 8080 })).toBe(SEP_A);
    expect(serviceChains(svc({ protocol: "UDP" })).svc).not.toBe(WEB.svc);
  });

  it("formats probabilities with 10 decimals", () => {
    expect([2, 3, 4, 7].map(probability)).toEqual(["0.5000000000", "0.3333333333", "0.2500000000", "0.1428571429"]);
  });
});

describe("renderRules", () => {
  it("spreads a ClusterIP service over two endpoints", () => {
    const text = render([svc()]);
    expect(lines(text, "KUBELING-SERVICES")).toEqual([
      `-A KUBELING-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j ${WEB.svc}`,
      `-A KUBELING-SERVICES -m comment --comment "kubeling service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBELING-NODEPORTS`,
    ]);
    expect(lines(text, WEB.svc)).toEqual([
      `-A ${WEB.svc} -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 ! -s 10.244.0.0/16 -j KUBELING-MARK-MASQ`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j ${SEP_A}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.2.2:8080" -j ${SEP_B}`,
    ]);
    expect(lines(text, SEP_A)).toEqual([
      `-A ${SEP_A} -m comment --comment "default/web:http" -s 10.244.1.2/32 -j KUBELING-MARK-MASQ`,
      `-A ${SEP_A} -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080`,
    ]);
    expect(table(text, "nat")).toContain(`:${WEB.svc} - [0:0]\n`);
    expect(table(text, "nat")).not.toContain(WEB.ext);
    expect(table(text, "filter")).not.toContain("default/web");
    expect(lines(text, "KUBELING-POSTROUTING")).toEqual([
      "-A KUBELING-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
      "-A KUBELING-POSTROUTING -j MARK --xor-mark 0x4000",
      '-A KUBELING-POSTROUTING -m comment --comment "kubeling service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    expect(lines(text, "KUBELING-MARK-MASQ")).toEqual(["-A KUBELING-MARK-MASQ -j MARK --or-mark 0x4000"]);
  });

  it("gives three endpoints 1/3, then 1/2, then the rest", () => {
    const s = svc({ endpoints: ["10.244.3.2", "10.244.1.2", "10.244.2.2"].map((ip) => ({ ip, port: 8080 })) });
    const probs = lines(render([s]), WEB.svc)
      .slice(1)
      .map((l) => /--probability (\S+)/.exec(l)?.[1] ?? "last");
    expect(probs).toEqual(["0.3333333333", "0.5000000000", "last"]);
    // Endpoints in address order, whatever the input order.
    expect(lines(render([s]), WEB.svc)[1]).toContain("-> 10.244.1.2:8080");
  });

  it("sends a single endpoint unconditionally", () => {
    const l = lines(render([svc({ endpoints: [{ ip: "10.244.1.2", port: 8080 }] })]), WEB.svc);
    expect(l).toHaveLength(2);
    expect(l[1]).toBe(`-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.1.2:8080" -j ${SEP_A}`);
  });

  it("pins clients with ClientIP affinity (recent --rcheck in the service chain, --set in the endpoint's)", () => {
    const text = render([svc({ sessionAffinity: "ClientIP", sessionAffinityTimeoutSeconds: 60 })]);
    expect(lines(text, WEB.svc).slice(1)).toEqual([
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m recent --name ${SEP_A} --rcheck --seconds 60 --reap -j ${SEP_A}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.2.2:8080" -m recent --name ${SEP_B} --rcheck --seconds 60 --reap -j ${SEP_B}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j ${SEP_A}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.2.2:8080" -j ${SEP_B}`,
    ]);
    expect(lines(text, SEP_B)[1]).toBe(
      `-A ${SEP_B} -m comment --comment "default/web:http" -m recent --name ${SEP_B} --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080`,
    );
    // The default timeout is kube's 10800 s.
    expect(render([svc({ sessionAffinity: "ClientIP" })])).toContain("--rcheck --seconds 10800 --reap");
  });

  it("routes a NodePort through KUBELING-NODEPORTS and the external chain, masquerading", () => {
    const text = render([svc({ nodePort: 30080 })]);
    expect(lines(text, "KUBELING-NODEPORTS")).toEqual([
      `-A KUBELING-NODEPORTS -m comment --comment "default/web:http" -m tcp -p tcp --dport 30080 -j ${WEB.ext}`,
    ]);
    expect(lines(text, WEB.ext)).toEqual([
      `-A ${WEB.ext} -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBELING-MARK-MASQ`,
      `-A ${WEB.ext} -j ${WEB.svc}`,
    ]);
    // The jump to the node ports stays the last rule of KUBELING-SERVICES.
    expect(lines(text, "KUBELING-SERVICES").at(-1)).toContain("-m addrtype --dst-type LOCAL -j KUBELING-NODEPORTS");
    // Localhost node ports: 127.0.0.0/8 traffic from elsewhere is dropped.
    expect(lines(text, "KUBELING-FIREWALL")).toHaveLength(1);
    expect(lines(render([svc()], { localhostNodePorts: false }), "KUBELING-FIREWALL")).toHaveLength(0);
  });

  it("treats external IPs and load-balancer IPs as external destinations", () => {
    const text = render([svc({ externalIPs: ["192.0.2.10"], loadBalancerIPs: ["198.51.100.7", "198.51.100.3"] })]);
    expect(lines(text, "KUBELING-SERVICES").slice(1, 4)).toEqual([
      `-A KUBELING-SERVICES -m comment --comment "default/web:http external IP" -m tcp -p tcp -d 192.0.2.10/32 --dport 80 -j ${WEB.ext}`,
      `-A KUBELING-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 198.51.100.3/32 --dport 80 -j ${WEB.ext}`,
      `-A KUBELING-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 198.51.100.7/32 --dport 80 -j ${WEB.ext}`,
    ]);
  });

  it("rejects a service without ready endpoints in the filter table, with no nat chains", () => {
    const s = svc({ nodePort: 30080, loadBalancerIPs: ["198.51.100.7"], endpoints: [{ ip: "10.244.1.2", port: 8080, ready: false }] });
    const text = render([s]);
    expect(table(text, "nat")).not.toContain("default/web");
    expect(table(text, "nat")).not.toMatch(/KUBELING-(SVC|SEP|EXT)-/);
    expect(lines(text, "KUBELING-SERVICES").filter((l) => l.includes("REJECT"))).toEqual([
      `-A KUBELING-SERVICES -m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j REJECT --reject-with icmp-port-unreachable`,
    ]);
    expect(lines(text, "KUBELING-EXTERNAL-SERVICES")).toEqual([
      `-A KUBELING-EXTERNAL-SERVICES -m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 198.51.100.7/32 --dport 80 -j REJECT --reject-with icmp-port-unreachable`,
      `-A KUBELING-EXTERNAL-SERVICES -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable`,
    ]);
    expect(render([svc({ endpoints: [] })])).toContain('"default/web:http has no endpoints"');
  });

  it("falls back to serving terminating endpoints when none is ready", () => {
    const text = render([svc({ endpoints: [{ ip: "10.244.1.2", port: 8080, ready: false, serving: true, terminating: true }, { ip: "10.244.2.2", port: 8080, ready: false }] })]);
    expect(lines(text, WEB.svc).slice(1)).toEqual([`-A ${WEB.svc} -m comment --comment "default/web:http -> 10.244.1.2:8080" -j ${SEP_A}`]);
  });

  it("gives headless services no rules", () => {
    const empty = render([]);
    expect(render([svc({ clusterIP: "None" })])).toBe(empty);
    expect(render([svc({ clusterIP: "", headless: true })])).toBe(empty);
  });

  it("sends external traffic only to local endpoints with externalTrafficPolicy Local", () => {
    const s = svc({
      nodePort: 30080,
      externalTrafficPolicy: "Local",
      endpoints: [
        { ip: "10.244.1.2", port: 8080, local: true },
        { ip: "10.244.2.2", port: 8080 },
      ],
    });
    const text = render([s]);
    // Cluster IP: both endpoints.
    expect(lines(text, WEB.svc).filter((l) => l.includes("-> "))).toHaveLength(2);
    expect(lines(text, WEB.ext)).toEqual([
      `-A ${WEB.ext} -m comment --comment "pod traffic for default/web:http external destinations" -s 10.244.0.0/16 -j ${WEB.svc}`,
      `-A ${WEB.ext} -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBELING-MARK-MASQ`,
      `-A ${WEB.ext} -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j ${WEB.svc}`,
      `-A ${WEB.ext} -j ${WEB.svl}`,
    ]);
    expect(lines(text, WEB.svl)).toEqual([`-A ${WEB.svl} -m comment --comment "default/web:http -> 10.244.1.2:8080" -j ${SEP_A}`]);

    // No local endpoint: external traffic that was not short-circuited is dropped.
    const none = render([{ ...s, endpoints: s.endpoints.map((e) => ({ ...e, local: false })) }]);
    expect(lines(none, WEB.ext).some((l) => l.includes(WEB.svl))).toBe(false);
    expect(none).not.toContain(`:${WEB.svl}`);
    expect(lines(none, "KUBELING-EXTERNAL-SERVICES")).toEqual([
      `-A KUBELING-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP`,
    ]);
  });

  it("sends cluster-IP traffic only to local endpoints with internalTrafficPolicy Local", () => {
    const s = svc({ internalTrafficPolicy: "Local", endpoints: [{ ip: "10.244.1.2", port: 8080, local: true }, { ip: "10.244.2.2", port: 8080 }] });
    const text = render([s]);
    expect(lines(text, "KUBELING-SERVICES")[0]).toContain(`-j ${WEB.svl}`);
    expect(text).not.toContain(`:${WEB.svc}`);
    // No local endpoint: rejected like no endpoints at all (kube-proxy: only local ones are reachable)…
    const none = render([{ ...s, endpoints: [{ ip: "10.244.2.2", port: 8080 }] }]);
    expect(lines(none, "KUBELING-SERVICES").find((l) => l.includes("REJECT"))).toContain('"default/web:http has no endpoints"');
    // …but dropped when a node port still reaches the cluster's endpoints.
    const np = render([{ ...s, nodePort: 30080, endpoints: [{ ip: "10.244.2.2", port: 8080 }] }]);
    expect(lines(np, "KUBELING-SERVICES").find((l) => l.includes("DROP"))).toBe(
      '-A KUBELING-SERVICES -m comment --comment "default/web:http has no local endpoints" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j DROP',
    );
    expect(lines(np, "KUBELING-NODEPORTS")).toHaveLength(1);
  });

  it("masquerades all cluster-IP traffic with masqueradeAll, none without a cluster CIDR", () => {
    expect(lines(renderRules({ services: [svc()], masqueradeAll: true }), WEB.svc)[0]).toBe(
      `-A ${WEB.svc} -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j KUBELING-MARK-MASQ`,
    );
    expect(lines(renderRules({ services: [svc()] }), WEB.svc).some((l) => l.includes("MARK-MASQ"))).toBe(false);
    expect(renderRules({ services: [], masqueradeBit: 5 })).toContain("--or-mark 0x20");
  });

  it("is deterministic: same text whatever the input order", () => {
    const a = svc({ name: "a", nodePort: 30001, clusterIP: "10.96.0.1" });
    const b = svc({ name: "b", clusterIP: "10.96.0.2", endpoints: [{ ip: "10.244.2.9", port: 80 }, { ip: "10.244.1.9", port: 80 }] });
    const c = svc({ namespace: "kube-system", name: "dns", portName: "dns", protocol: "UDP", clusterIP: "10.96.0.10", port: 53 });
    const one = render([a, b, c]);
    const two = render([c, { ...b, endpoints: [...b.endpoints].reverse() }, a]);
    expect(two).toBe(one);
    const clusterLines = lines(one, "KUBELING-SERVICES").map((l) => /--comment "([^"]+)"/.exec(l)![1]);
    expect(clusterLines.slice(0, 3)).toEqual(["default/a:http cluster IP", "default/b:http cluster IP", "kube-system/dns:dns cluster IP"]);
    // Chain declarations: fixed ones, then dynamic ones sorted.
    const decl = table(one, "nat")
      .split("\n")
      .filter((l) => l.startsWith(":"))
      .map((l) => l.slice(1, -8));
    expect(decl.slice(0, 4)).toEqual(["KUBELING-SERVICES", "KUBELING-NODEPORTS", "KUBELING-POSTROUTING", "KUBELING-MARK-MASQ"]);
    expect(decl.slice(4)).toEqual([...decl.slice(4)].sort());
    expect(one).toContain("-m udp -p udp -d 10.96.0.10/32 --dport 53");
  });

  it("deletes stale dynamic chains it is told about, and only those", () => {
    const stale = endpointChain(svc(), { ip: "10.244.9.9", port: 8080 });
    const text = render([svc()], { existingChains: { nat: ["KUBELING-SERVICES", WEB.svc, SEP_A, stale, "KUBELING-OTHER"], filter: ["KUBELING-SERVICES"] } });
    expect(table(text, "nat")).toContain(`:${stale} - [0:0]\n`);
    expect(table(text, "nat")).toContain(`-X ${stale}\n`);
    expect(text.match(/^-X /gm)).toHaveLength(1);
  });
});

describe("parseChains", () => {
  it("lists KUBELING- chains per table from iptables-save", () => {
    const save = "*filter\n:INPUT ACCEPT [0:0]\n:KUBELING-FORWARD - [0:0]\nCOMMIT\n*nat\n:OUTPUT ACCEPT [0:0]\n:KUBELING-SVC-AAAA - [0:0]\n:KUBE-SVC-X - [0:0]\nCOMMIT\n";
    expect(parseChains(save)).toEqual({ nat: ["KUBELING-SVC-AAAA"], filter: ["KUBELING-FORWARD"] });
  });
});

describe("servicePortRules", () => {
  const service = {
    metadata: { namespace: "default", name: "web" },
    spec: {
      type: "LoadBalancer",
      clusterIP: "10.96.0.10",
      clusterIPs: ["10.96.0.10"],
      ports: [
        { name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 },
        { name: "dns", protocol: "UDP", port: 53, targetPort: 53, nodePort: 30053 },
      ],
      externalIPs: ["192.0.2.10"],
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } },
      externalTrafficPolicy: "Local",
    },
    status: { loadBalancer: { ingress: [{ ip: "198.51.100.7" }, { hostname: "lb.example" }] } },
  };
  const slice = {
    metadata: { namespace: "default", name: "web-abcde", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [
      { addresses: ["10.244.1.2"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n1" },
      { addresses: ["10.244.2.2"], conditions: { ready: false, serving: true, terminating: true }, nodeName: "n2" },
      { addresses: ["10.244.3.2"], conditions: {}, nodeName: "n2" },
    ],
    ports: [
      { name: "http", protocol: "TCP", port: 8080 },
      { name: "dns", protocol: "UDP", port: 53 },
    ],
  };

  it("turns a Service and its EndpointSlices into one rule per port", () => {
    const rules = servicePortRules([service], [slice, { ...slice, addressType: "IPv6", endpoints: [{ addresses: ["fd00::1"], conditions: {} }] }], "n1");
    expect(rules).toHaveLength(2);
    expect(rules[0]).toEqual({
      namespace: "default",
      name: "web",
      portName: "http",
      protocol: "TCP",
      clusterIP: "10.96.0.10",
      port: 80,
      nodePort: 30080,
      externalIPs: ["192.0.2.10"],
      loadBalancerIPs: ["198.51.100.7"],
      sessionAffinity: "ClientIP",
      sessionAffinityTimeoutSeconds: 30,
      externalTrafficPolicy: "Local",
      endpoints: [
        { ip: "10.244.1.2", port: 8080, ready: true, serving: true, terminating: false, local: true },
        { ip: "10.244.2.2", port: 8080, ready: false, serving: true, terminating: true, local: false },
        { ip: "10.244.3.2", port: 8080, ready: true, serving: true, terminating: false, local: false },
      ],
    });
    expect(rules[1]).toMatchObject({ portName: "dns", protocol: "UDP", port: 53, nodePort: 30053, endpoints: [{ port: 53 }, { port: 53 }, { port: 53 }] });
    // And into rules.
    expect(renderRules({ services: rules, clusterCIDR: "10.244.0.0/16" })).toContain("--dport 30053");
  });

  it("leaves out ExternalName, marks headless, ignores other services' slices and node ports of ClusterIP services", () => {
    const rules = servicePortRules(
      [
        { metadata: { name: "ext" }, spec: { type: "ExternalName" } },
        { metadata: { name: "hl" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } },
        { metadata: { namespace: "other", name: "web" }, spec: { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, nodePort: 30000 }] } },
      ],
      [slice],
    );
    expect(rules).toEqual([
      { namespace: "default", name: "hl", portName: "", protocol: "TCP", clusterIP: "None", port: 80, headless: true, endpoints: [] },
      { namespace: "other", name: "web", portName: "http", protocol: "TCP", clusterIP: "10.96.0.20", port: 80, endpoints: [] },
    ]);
  });
});
