// Services and EndpointSlices (plain JSON, as the API serves them) → the Network binding's
// ServicePortRules: what kube-proxy's ServiceChangeTracker and EndpointSliceCache compute.
// Pure and free of Node imports, so it can move into core/ when the node agent lands.
import type { ServiceEndpoint, ServicePortRule } from "../../../bindings/network.js";

export interface ServiceObject {
  metadata?: { namespace?: string; name?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ports?: { name?: string; protocol?: string; port: number; nodePort?: number; targetPort?: number | string }[];
    externalIPs?: string[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}

export interface EndpointSliceObject {
  metadata?: { namespace?: string; name?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?:
    | {
        addresses: string[];
        conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
        nodeName?: string;
      }[]
    | null;
  ports?: { name?: string | null; protocol?: string | null; port?: number | null }[] | null;
}

export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The rules for `services` with their `slices`, as seen from the node `nodeName` (endpoints
 * on it are `local`). ExternalName services and IPv6 addresses are left out; headless
 * services come out with `headless: true` (and get no rules).
 */
export function servicePortRules(services: ServiceObject[], slices: EndpointSliceObject[], nodeName?: string): ServicePortRule[] {
  const byService = new Map<string, EndpointSliceObject[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[LABEL_SERVICE_NAME];
    if (!svc || (s.addressType ?? "IPv4") !== "IPv4") continue;
    const key = `${s.metadata?.namespace ?? "default"}/${svc}`;
    const list = byService.get(key);
    if (list) list.push(s);
    else byService.set(key, [s]);
  }

  const out: ServicePortRule[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    const type = spec.type ?? "ClusterIP";
    if (type === "ExternalName") continue;
    const namespace = svc.metadata?.namespace ?? "default";
    const name = svc.metadata?.name ?? "";
    const clusterIP = spec.clusterIPs?.find((ip) => IPV4.test(ip)) ?? spec.clusterIP ?? "";
    const headless = clusterIP === "" || clusterIP === "None";
    if (!headless && !IPV4.test(clusterIP)) continue;
    const exposesNodePort = type === "NodePort" || type === "LoadBalancer";
    const lbIPs = type === "LoadBalancer" ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && IPV4.test(i.ip) && i.ipMode !== "Proxy").map((i) => i.ip!) : [];
    const externalIPs = (spec.externalIPs ?? []).filter((ip) => IPV4.test(ip));
    const sliceList = byService.get(`${namespace}/${name}`) ?? [];

    for (const p of spec.ports ?? []) {
      const protocol = (p.protocol ?? "TCP") as ServicePortRule["protocol"];
      const portName = p.name ?? "";
      const endpoints = new Map<string, ServiceEndpoint>();
      for (const slice of sliceList) {
        const sp = (slice.ports ?? []).find((x) => (x.name ?? "") === portName && (x.protocol ?? "TCP") === protocol);
        if (!sp || sp.port == null) continue;
        for (const e of slice.endpoints ?? []) {
          const ip = e.addresses?.[0];
          if (!ip) continue;
          const ready = e.conditions?.ready ?? true;
          const ep: ServiceEndpoint = {
            ip,
            port: sp.port,
            ready,
            serving: e.conditions?.serving ?? ready,
            terminating: e.conditions?.terminating ?? false,
            local: nodeName !== undefined && e.nodeName === nodeName,
          };
          const key = `${ip}:${sp.port}`;
          // The same endpoint in two slices (mid-move): a ready copy wins.
          const prev = endpoints.get(key);
          if (!prev || (!prev.ready && ep.ready)) endpoints.set(key, ep);
        }
      }
      const rule: ServicePortRule = {
        namespace,
        name,
        portName,
        protocol,
        clusterIP: headless ? "None" : clusterIP,
        port: p.port,
        endpoints: [...endpoints.values()],
      };
      if (headless) rule.headless = true;
      if (exposesNodePort && p.nodePort) rule.nodePort = p.nodePort;
      if (externalIPs.length > 0) rule.externalIPs = externalIPs;
      if (lbIPs.length > 0) rule.loadBalancerIPs = lbIPs;
      if (spec.sessionAffinity === "ClientIP") {
        rule.sessionAffinity = "ClientIP";
        rule.sessionAffinityTimeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
      }
      if (spec.externalTrafficPolicy === "Local") rule.externalTrafficPolicy = "Local";
      if (spec.internalTrafficPolicy === "Local") rule.internalTrafficPolicy = "Local";
      out.push(rule);
    }
  }
  return out;
}
