// kube-proxy's iptables proxier (pkg/proxy/iptables/proxier.go), as a pure function: the
// Services' ports in, `iptables-restore` input for the nat and filter tables out. Every chain
// is ours and prefixed KUBELING- so kubeling never touches anyone else's rules:
//
//   nat    KUBELING-SERVICES      (from PREROUTING and OUTPUT) cluster / external / LB IPs,
//                                 and last, LOCAL destinations → KUBELING-NODEPORTS
//          KUBELING-NODEPORTS     node ports → KUBELING-EXT-…
//          KUBELING-POSTROUTING   (from POSTROUTING) masquerade what KUBELING-MARK-MASQ marked
//          KUBELING-MARK-MASQ     sets the masquerade bit
//          KUBELING-SVC-<hash>    cluster policy: endpoints picked with `statistic` (and `recent`
//                                 for ClientIP affinity)
//          KUBELING-SVL-<hash>    local policy: the same over this node's endpoints
//          KUBELING-EXT-<hash>    external destinations (node ports, external and LB IPs)
//          KUBELING-SEP-<hash>    one endpoint: hairpin masquerade, DNAT
//   filter KUBELING-SERVICES      (from FORWARD and OUTPUT, new connections) REJECT cluster IPs
//                                 without endpoints (DROP for internalTrafficPolicy Local
//                                 without local endpoints)
//          KUBELING-EXTERNAL-SERVICES (from INPUT and FORWARD, new connections) the same for
//                                 node ports, external and LB IPs
//          KUBELING-FORWARD       (from FORWARD) accept marked and established service traffic
//          KUBELING-FIREWALL      (from INPUT and OUTPUT) with localhost node ports: drop
//                                 127.0.0.0/8 traffic that did not come from loopback
//
// Chain names hash like kube-proxy's (base32 of sha256 of "namespace/name:port" + protocol,
// and + "ip:port" for an endpoint) but keep 15 characters, not 16: iptables allows 28
// characters and "KUBELING-SVC-" already takes 13. The output is deterministic: services
// sorted by namespace, name, port name, protocol; endpoints by address and port; chain
// declarations sorted.
import { createHash } from "node:crypto";
import type { ServiceEndpoint, ServicePortRule } from "../../../bindings/network.js";

export const CHAIN_PREFIX = "KUBELING-";
export const SERVICES_CHAIN = "KUBELING-SERVICES";
export const EXTERNAL_SERVICES_CHAIN = "KUBELING-EXTERNAL-SERVICES";
export const NODEPORTS_CHAIN = "KUBELING-NODEPORTS";
export const POSTROUTING_CHAIN = "KUBELING-POSTROUTING";
export const MARK_MASQ_CHAIN = "KUBELING-MARK-MASQ";
export const FORWARD_CHAIN = "KUBELING-FORWARD";
export const FIREWALL_CHAIN = "KUBELING-FIREWALL";
/** Chains made per service port or endpoint: deleted when no longer in use. */
export const DYNAMIC_CHAIN = /^KUBELING-(SVC|SVL|EXT|SEP)-[A-Z2-7]+$/;

/** The chains every sync declares (and so flushes), per table. */
export const BASE_CHAINS = {
  nat: [SERVICES_CHAIN, NODEPORTS_CHAIN, POSTROUTING_CHAIN, MARK_MASQ_CHAIN],
  filter: [SERVICES_CHAIN, EXTERNAL_SERVICES_CHAIN, FORWARD_CHAIN, FIREWALL_CHAIN],
} as const;

/** The jumps from the built-in chains into ours (kube-proxy's iptablesJumpChains). */
export interface JumpRule {
  table: "nat" | "filter";
  chain: string;
  /** The rule's arguments after `-A chain`, in the order `iptables-save` prints them. */
  args: string[];
}

const jump = (table: "nat" | "filter", chain: string, target: string, comment: string, extra: string[] = []): JumpRule => ({
  table,
  chain,
  args: [...extra, "-m", "comment", "--comment", comment, "-j", target],
});

const NEW = ["-m", "conntrack", "--ctstate", "NEW"];

export const JUMP_RULES: readonly JumpRule[] = [
  jump("nat", "PREROUTING", SERVICES_CHAIN, "kubeling service portals"),
  jump("nat", "OUTPUT", SERVICES_CHAIN, "kubeling service portals"),
  jump("nat", "POSTROUTING", POSTROUTING_CHAIN, "kubeling postrouting rules"),
  jump("filter", "INPUT", EXTERNAL_SERVICES_CHAIN, "kubeling externally-visible service portals", NEW),
  jump("filter", "FORWARD", EXTERNAL_SERVICES_CHAIN, "kubeling externally-visible service portals", NEW),
  jump("filter", "FORWARD", SERVICES_CHAIN, "kubeling service portals", NEW),
  jump("filter", "OUTPUT", SERVICES_CHAIN, "kubeling service portals", NEW),
  jump("filter", "FORWARD", FORWARD_CHAIN, "kubeling forwarding rules"),
  jump("filter", "INPUT", FIREWALL_CHAIN, "kubeling firewall"),
  jump("filter", "OUTPUT", FIREWALL_CHAIN, "kubeling firewall"),
];

export interface RulesInput {
  services: ServicePortRule[];
  /**
   * The cluster's pod range: traffic to a cluster IP from outside it is masqueraded
   * (kube-proxy's --cluster-cidr local detector). Without it only `masqueradeAll` does.
   */
  clusterCIDR?: string;
  /** Masquerade all traffic to cluster IPs (kube-proxy's --masquerade-all). */
  masqueradeAll?: boolean;
  /** The masquerade mark's bit (kube-proxy's --iptables-masquerade-bit, default 14). */
  masqueradeBit?: number;
  /**
   * Node ports answer on 127.0.0.1 too (kube-proxy's --iptables-localhost-nodeports,
   * default true). The host must set net.ipv4.conf.all.route_localnet=1 for DNAT of
   * loopback traffic to leave the loopback device; this adds the rule that drops
   * 127.0.0.0/8 traffic arriving from elsewhere, which route_localnet would let in.
   */
  localhostNodePorts?: boolean;
  /**
   * The KUBELING- chains present now (from `iptables-save`), per table: dynamic chains
   * among them that this sync does not use are flushed and deleted in the same restore.
   */
  existingChains?: { nat?: string[]; filter?: string[] };
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's base32.StdEncoding, without the padding, which is never reached). */
function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's portProtoHash: base32(sha256(s)), the first `n` characters. */
export function chainHash(s: string, n = 15): string {
  return base32(createHash("sha256").update(s).digest()).slice(0, n);
}

/** "namespace/name:port" (or "namespace/name" for an unnamed port), kube-proxy's ServicePortName. */
export function servicePortName(rule: ServicePortRule): string {
  const base = `${rule.namespace ?? "default"}/${rule.name ?? ""}`;
  return rule.portName ? `${base}:${rule.portName}` : base;
}

export interface ServiceChains {
  svc: string;
  svl: string;
  ext: string;
}

export function serviceChains(rule: ServicePortRule): ServiceChains {
  const h = chainHash(servicePortName(rule) + rule.protocol.toLowerCase());
  return { svc: `KUBELING-SVC-${h}`, svl: `KUBELING-SVL-${h}`, ext: `KUBELING-EXT-${h}` };
}

export function endpointChain(rule: ServicePortRule, ep: { ip: string; port: number }): string {
  return `KUBELING-SEP-${chainHash(servicePortName(rule) + rule.protocol.toLowerCase() + `${ep.ip}:${ep.port}`)}`;
}

/** kube-proxy's probability(n): 1/n with 10 decimals. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

export function isHeadless(rule: ServicePortRule): boolean {
  return rule.headless === true || rule.clusterIP === "" || rule.clusterIP === "None";
}

function ipKey(ip: string): string {
  const parts = ip.split(".");
  if (parts.length === 4 && parts.every((p) => /^\d+$/.test(p))) return parts.map((p) => p.padStart(3, "0")).join(".");
  return ip;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * kube-proxy's CategorizeEndpoints: ready endpoints, or when there are none the serving
 * terminating ones; the cluster set and the node-local set are chosen separately.
 */
function usable(endpoints: ServiceEndpoint[]): ServiceEndpoint[] {
  const ready = endpoints.filter((e) => e.ready !== false);
  if (ready.length > 0) return ready;
  return endpoints.filter((e) => e.terminating === true && (e.serving ?? e.ready ?? true) !== false);
}

function sortEndpoints(endpoints: ServiceEndpoint[]): ServiceEndpoint[] {
  const seen = new Set<string>();
  const out: ServiceEndpoint[] = [];
  for (const e of [...endpoints].sort((a, b) => cmp(ipKey(a.ip), ipKey(b.ip)) || a.port - b.port)) {
    const k = `${e.ip}:${e.port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/** A CIDR or address for `-d`/`-s`: plain IPv4 addresses get /32, as iptables-save prints them. */
function cidr(ip: string): string {
  return ip.includes("/") ? ip : `${ip}/32`;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, "")}"`;

/** Sorts service ports the way the output is ordered. */
export function sortServices(services: ServicePortRule[]): ServicePortRule[] {
  return [...services].sort(
    (a, b) =>
      cmp(a.namespace ?? "default", b.namespace ?? "default") ||
      cmp(a.name ?? "", b.name ?? "") ||
      cmp(a.portName ?? "", b.portName ?? "") ||
      cmp(a.protocol, b.protocol) ||
      cmp(ipKey(a.clusterIP), ipKey(b.clusterIP)) ||
      a.port - b.port,
  );
}

/** The `iptables-restore` input (nat then filter) for `input`; apply with `--noflush`. */
export function renderRules(input: RulesInput): string {
  const mark = `0x${(1 << (input.masqueradeBit ?? 14)).toString(16)}`;
  const natChains = new Set<string>();
  const natRules: string[] = [];
  const filterRules: string[] = [];
  const nodePortsLast: string[] = [];
  const w = (out: string[], ...parts: (string | number)[]) => out.push(parts.join(" "));

  natRules.push(`-A ${POSTROUTING_CHAIN} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  natRules.push(`-A ${POSTROUTING_CHAIN} -j MARK --xor-mark ${mark}`);
  natRules.push(`-A ${POSTROUTING_CHAIN} -m comment --comment ${quote("kubeling service traffic requiring SNAT")} -j MASQUERADE --random-fully`);
  natRules.push(`-A ${MARK_MASQ_CHAIN} -j MARK --or-mark ${mark}`);

  filterRules.push(`-A ${FORWARD_CHAIN} -m comment --comment ${quote("kubeling forwarding rules")} -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filterRules.push(`-A ${FORWARD_CHAIN} -m comment --comment ${quote("kubeling forwarding conntrack rule")} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  if (input.localhostNodePorts ?? true) {
    filterRules.push(
      `-A ${FIREWALL_CHAIN} -m comment --comment ${quote("block incoming localnet connections")} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
  }

  for (const svc of sortServices(input.services)) {
    if (isHeadless(svc)) continue;
    const name = servicePortName(svc);
    const proto = svc.protocol.toLowerCase();
    const match = `-m ${proto} -p ${proto}`;
    const chains = serviceChains(svc);
    const externallyAccessible = (svc.nodePort ?? 0) > 0 || (svc.externalIPs?.length ?? 0) > 0 || (svc.loadBalancerIPs?.length ?? 0) > 0;
    const internalLocal = svc.internalTrafficPolicy === "Local";
    const externalLocal = externallyAccessible && svc.externalTrafficPolicy === "Local";
    const usesCluster = !internalLocal || externallyAccessible;
    const usesLocal = internalLocal || externalLocal;

    const clusterEndpoints = usesCluster ? sortEndpoints(usable(svc.endpoints)) : [];
    const localEndpoints = usesLocal ? sortEndpoints(usable(svc.endpoints.filter((e) => e.local === true))) : [];
    const reachable = sortEndpoints([...clusterEndpoints, ...localEndpoints]);
    const hasEndpoints = reachable.length > 0;

    const internalChain = internalLocal ? chains.svl : chains.svc;
    const hasInternal = internalLocal ? localEndpoints.length > 0 : hasEndpoints;
    const externalPolicyChain = externalLocal ? chains.svl : chains.svc;
    const hasExternal = externalLocal ? localEndpoints.length > 0 : hasEndpoints;
    const usesExtChain = hasEndpoints && externallyAccessible;

    let internalFilter = "";
    let internalFilterComment = "";
    let externalFilter = "";
    let externalFilterComment = "";
    if (!hasEndpoints) {
      internalFilter = externalFilter = "REJECT --reject-with icmp-port-unreachable";
      internalFilterComment = externalFilterComment = quote(`${name} has no endpoints`);
    } else {
      if (!hasInternal) {
        internalFilter = "DROP";
        internalFilterComment = quote(`${name} has no local endpoints`);
      }
      if (!hasExternal) {
        externalFilter = "DROP";
        externalFilterComment = quote(`${name} has no local endpoints`);
      }
    }

    // The cluster IP.
    const clusterDst = `-d ${cidr(svc.clusterIP)} --dport ${svc.port}`;
    if (hasInternal) {
      w(natRules, "-A", SERVICES_CHAIN, "-m comment --comment", quote(`${name} cluster IP`), match, clusterDst, "-j", internalChain);
    } else {
      w(filterRules, "-A", SERVICES_CHAIN, "-m comment --comment", internalFilterComment, match, clusterDst, "-j", internalFilter);
    }

    // External IPs and load-balancer ingress IPs: both go to the EXT chain.
    const external: [string, string][] = [
      ...[...(svc.externalIPs ?? [])].sort((a, b) => cmp(ipKey(a), ipKey(b))).map((ip): [string, string] => [ip, "external IP"]),
      ...[...(svc.loadBalancerIPs ?? [])].sort((a, b) => cmp(ipKey(a), ipKey(b))).map((ip): [string, string] => [ip, "loadbalancer IP"]),
    ];
    for (const [ip, what] of external) {
      const dst = `-d ${cidr(ip)} --dport ${svc.port}`;
      if (hasEndpoints) w(natRules, "-A", SERVICES_CHAIN, "-m comment --comment", quote(`${name} ${what}`), match, dst, "-j", chains.ext);
      if (!hasExternal) w(filterRules, "-A", EXTERNAL_SERVICES_CHAIN, "-m comment --comment", externalFilterComment, match, dst, "-j", externalFilter);
    }

    // The node port.
    if ((svc.nodePort ?? 0) > 0) {
      if (hasEndpoints) w(nodePortsLast, "-A", NODEPORTS_CHAIN, "-m comment --comment", quote(name), match, "--dport", svc.nodePort!, "-j", chains.ext);
      if (!hasExternal) {
        w(filterRules, "-A", EXTERNAL_SERVICES_CHAIN, "-m comment --comment", externalFilterComment, "-m addrtype --dst-type LOCAL", match, "--dport", svc.nodePort!, "-j", externalFilter);
      }
    }

    // Masquerade traffic to the cluster IP from outside the cluster (or all of it).
    if (hasInternal) {
      const args = ["-A", internalChain, "-m comment --comment", quote(`${name} cluster IP`), match, clusterDst];
      if (input.masqueradeAll) w(natRules, ...args, "-j", MARK_MASQ_CHAIN);
      else if (input.clusterCIDR) w(natRules, ...args, "!", "-s", input.clusterCIDR, "-j", MARK_MASQ_CHAIN);
    }

    // External destinations.
    if (usesExtChain) {
      natChains.add(chains.ext);
      if (!externalLocal) {
        w(natRules, "-A", chains.ext, "-m comment --comment", quote(`masquerade traffic for ${name} external destinations`), "-j", MARK_MASQ_CHAIN);
      } else {
        // Pods and the node itself reach external destinations through the cluster chain
        // (short circuit); the node's own traffic has a local source and is masqueraded.
        if (input.clusterCIDR) {
          w(natRules, "-A", chains.ext, "-m comment --comment", quote(`pod traffic for ${name} external destinations`), "-s", input.clusterCIDR, "-j", chains.svc);
        }
        w(natRules, "-A", chains.ext, "-m comment --comment", quote(`masquerade LOCAL traffic for ${name} external destinations`), "-m addrtype --src-type LOCAL", "-j", MARK_MASQ_CHAIN);
        w(natRules, "-A", chains.ext, "-m comment --comment", quote(`route LOCAL traffic for ${name} external destinations`), "-m addrtype --src-type LOCAL", "-j", chains.svc);
      }
      if (hasExternal) w(natRules, "-A", chains.ext, "-j", externalPolicyChain);
    }

    const toEndpoints = (chain: string, endpoints: ServiceEndpoint[]) => {
      natChains.add(chain);
      if (svc.sessionAffinity === "ClientIP") {
        const seconds = svc.sessionAffinityTimeoutSeconds ?? 10800;
        for (const ep of endpoints) {
          const sep = endpointChain(svc, ep);
          w(natRules, "-A", chain, "-m comment --comment", quote(`${name} -> ${ep.ip}:${ep.port}`), "-m recent --name", sep, "--rcheck --seconds", seconds, "--reap -j", sep);
        }
      }
      endpoints.forEach((ep, i) => {
        const stat = i < endpoints.length - 1 ? ["-m statistic --mode random --probability", probability(endpoints.length - i)] : [];
        w(natRules, "-A", chain, "-m comment --comment", quote(`${name} -> ${ep.ip}:${ep.port}`), ...stat, "-j", endpointChain(svc, ep));
      });
    };
    if (usesCluster && clusterEndpoints.length > 0) toEndpoints(chains.svc, clusterEndpoints);
    if (usesLocal && localEndpoints.length > 0) toEndpoints(chains.svl, localEndpoints);

    for (const ep of reachable) {
      const sep = endpointChain(svc, ep);
      natChains.add(sep);
      // Hairpin: an endpoint reaching itself through the service is masqueraded.
      w(natRules, "-A", sep, "-m comment --comment", quote(name), "-s", cidr(ep.ip), "-j", MARK_MASQ_CHAIN);
      const affinity = svc.sessionAffinity === "ClientIP" ? ["-m recent --name", sep, "--set"] : [];
      w(natRules, "-A", sep, "-m comment --comment", quote(name), ...affinity, match, "-j DNAT --to-destination", `${ep.ip}:${ep.port}`);
    }
  }

  natRules.push(...nodePortsLast);
  natRules.push(
    `-A ${SERVICES_CHAIN} -m comment --comment ${quote("kubeling service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j ${NODEPORTS_CHAIN}`,
  );

  // Stale dynamic chains: declared (so flushed), then deleted.
  const stale = (existing: string[] | undefined, active: Set<string>) =>
    [...new Set(existing ?? [])].filter((c) => DYNAMIC_CHAIN.test(c) && !active.has(c)).sort(cmp);
  const natStale = stale(input.existingChains?.nat, natChains);
  const filterStale = stale(input.existingChains?.filter, new Set());

  const lines: string[] = ["*nat"];
  for (const c of [...BASE_CHAINS.nat, ...[...natChains].sort(cmp), ...natStale]) lines.push(`:${c} - [0:0]`);
  lines.push(...natRules);
  for (const c of natStale) lines.push(`-X ${c}`);
  lines.push("COMMIT", "*filter");
  for (const c of [...BASE_CHAINS.filter, ...filterStale]) lines.push(`:${c} - [0:0]`);
  lines.push(...filterRules);
  for (const c of filterStale) lines.push(`-X ${c}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}
