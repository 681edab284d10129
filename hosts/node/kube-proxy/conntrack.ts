// Stale UDP conntrack entries (kube-proxy's conntrack cleanup, pkg/proxy/conntrack): a UDP
// "connection" lives in conntrack as long as packets keep coming, so a client that keeps
// sending to a service keeps being DNATed to an endpoint that is gone, and one that sent
// while the service had no endpoint keeps its un-NATed entry after endpoints appear. TCP
// needs none of this (a dead endpoint resets or times out and the client reconnects).
//
// What kube-proxy does, as commands of the conntrack tool (`conntrack -D` exits 1 when
// nothing matched, which is not an error):
//  - an endpoint left a UDP service port: delete flows to each of its service addresses
//    (cluster IP, external and load-balancer IPs) answered from that endpoint, and node-port
//    flows answered from it (matched on the reply's source, the endpoint: kube-proxy's old
//    `--dst-nat` filter needs the entry's DST_NAT status bit, the reply tuple does not);
//  - a UDP service port went from no endpoints to some: delete flows to its addresses (they
//    were never NATed) and to its node port.
import type { ServicePortRule } from "../../../bindings/network.js";
import type { Run } from "./service-route.js";

const usable = (rule: ServicePortRule) => {
  const ready = rule.endpoints.filter((e) => e.ready !== false);
  return ready.length > 0 ? ready : rule.endpoints.filter((e) => e.terminating === true && (e.serving ?? e.ready ?? true) !== false);
};
const key = (r: ServicePortRule) => `${r.namespace ?? "default"}/${r.name ?? ""}:${r.portName ?? ""}/${r.protocol}`;
const addresses = (r: ServicePortRule) => [r.clusterIP, ...(r.externalIPs ?? []), ...(r.loadBalancerIPs ?? [])].filter((ip) => ip && ip !== "None");

/** The `conntrack` argument lists that clear what `prev` → `next` left stale (UDP only). */
export function staleUdpFlows(prev: ServicePortRule[], next: ServicePortRule[]): string[][] {
  const before = new Map(prev.filter((r) => r.protocol === "UDP" && !r.headless).map((r) => [key(r), r]));
  const out: string[][] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => {
    const k = args.join(" ");
    if (!seen.has(k)) {
      seen.add(k);
      out.push(args);
    }
  };
  for (const rule of next) {
    if (rule.protocol !== "UDP" || rule.headless) continue;
    const old = before.get(key(rule));
    const nowIPs = new Set(usable(rule).map((e) => e.ip));
    const oldEndpoints = old ? usable(old) : [];
    if (old && oldEndpoints.length === 0 && nowIPs.size > 0) {
      for (const ip of addresses(rule)) add(["-D", "-p", "udp", "--orig-dst", ip, "--orig-port-dst", String(rule.port)]);
      if (rule.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(rule.nodePort)]);
    }
    for (const ep of oldEndpoints) {
      if (nowIPs.has(ep.ip)) continue;
      for (const ip of addresses(old!)) add(["-D", "-p", "udp", "--orig-dst", ip, "--reply-src", ep.ip]);
      if (old!.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(old!.nodePort), "--reply-src", ep.ip]);
    }
  }
  // Service ports that are gone altogether: their endpoints' flows too.
  const nextKeys = new Set(next.map(key));
  for (const [k, old] of before) {
    if (nextKeys.has(k)) continue;
    for (const ep of usable(old)) {
      for (const ip of addresses(old)) add(["-D", "-p", "udp", "--orig-dst", ip, "--reply-src", ep.ip]);
      if (old.nodePort) add(["-D", "-p", "udp", "--orig-port-dst", String(old.nodePort), "--reply-src", ep.ip]);
    }
  }
  return out;
}

/**
 * Runs the deletions. Returns "missing" when the conntrack tool is not installed (nothing
 * is cleared then; the caller says so once), otherwise the number of commands run.
 */
export async function clearStaleUdpFlows(run: Run, commands: string[][]): Promise<number | "missing"> {
  let ran = 0;
  for (const args of commands) {
    let r;
    try {
      r = await run("conntrack", args);
    } catch {
      return "missing"; // spawn ENOENT
    }
    // 127: not found through `ip netns exec`; 1: nothing matched (fine).
    if (r.code === 127 || (r.code !== 0 && r.code !== 1 && /No such file|not found/i.test(r.stderr))) return "missing";
    ran++;
  }
  return ran;
}
