// Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR, and the Endpoints
// objects behind them: NAME ENDPOINTS AGE.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";
import { formatLabels, sortedUnique } from "./format.js";

interface Service extends HasMeta {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: { port: number; nodePort?: number; protocol?: string }[];
    selector?: Record<string, string> | null;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** EXTERNAL-IP: external IPs, the load balancer's addresses, or the ExternalName target. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  // An unset type is ClusterIP: the API server defaults it before anything is stored.
  switch (spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      // The server prints with Wide=true, so the address list is never clipped to 16 characters.
      const ingress = svc.status?.loadBalancer?.ingress ?? [];
      const lb = sortedUnique(ingress.map((i) => i.ip || i.hostname || "").filter((a) => a !== ""));
      if (externalIPs.length > 0) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

/** PORT(S): "80/TCP", or "80:30080/TCP" with a node port; comma-joined. */
export function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return "<none>";
  return ports
    .map((p) => {
      const protocol = p.protocol ?? "TCP";
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(",");
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column("Type", "string", FIELD_DOCS["ServiceSpec.type"]),
    column("Cluster-IP", "string", FIELD_DOCS["ServiceSpec.clusterIP"]),
    column("External-IP", "string", FIELD_DOCS["ServiceSpec.externalIPs"]),
    column("Port(s)", "string", FIELD_DOCS["ServiceSpec.ports"]),
    ageColumn,
    column("Selector", "string", FIELD_DOCS["ServiceSpec.selector"], { priority: 1 }),
  ],
  row: (svc: Service, now) => {
    const spec = svc.spec ?? {};
    // clusterIPs[0] is what upstream prints; clusterIP is the same address when clusterIPs is unset.
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || "<none>";
    return {
      cells: [
        nameOf(svc),
        spec.type ?? "ClusterIP",
        clusterIP,
        serviceExternalIP(svc),
        servicePorts(svc),
        ageOf(svc, now),
        formatLabels(spec.selector),
      ],
    };
  },
};

interface Endpoints extends HasMeta {
  subsets?: {
    addresses?: { ip: string }[];
    ports?: { name?: string; port: number }[];
  }[];
}

/** Go's net.JoinHostPort: IPv6 addresses get brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** ENDPOINTS: up to three "ip:port" pairs (bare IPs for port-less subsets), then "+ N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    // Every address is counted once per port (once if headless without ports).
    const pairs = ports.length === 0 ? addresses.map((a) => a.ip) : ports.flatMap((p) => addresses.map((a) => hostPort(a.ip, p.port)));
    count += pairs.length;
    for (const pair of pairs) if (shown.length < max) shown.push(pair);
  }
  const text = shown.join(",");
  return count > max ? `${text} + ${count - max} more...` : text;
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn, column("Endpoints", "string", FIELD_DOCS["Endpoints.subsets"]), ageColumn],
  row: (ep: Endpoints, now) => ({ cells: [nameOf(ep), formatEndpoints(ep), ageOf(ep, now)] }),
};
