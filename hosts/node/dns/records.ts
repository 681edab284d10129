// Cluster DNS records as CoreDNS's kubernetes plugin serves them (the Kubernetes DNS-Based
// Service Discovery spec, schema 1.1.0), answered from an index of Services and
// EndpointSlices kept up to date by the caller. Pure: no Node APIs, so the browser sandbox
// can use it too; the wire format is the caller's (see server.ts).
//
// Names under the cluster domain (default "cluster.local"):
//   <svc>.<ns>.svc.<zone>              A/AAAA: the ClusterIPs; headless: the ready endpoint
//                                      addresses; ExternalName: a CNAME to spec.externalName
//   <host>.<svc>.<ns>.svc.<zone>       an endpoint of the service by its hostname, or by its
//                                      address with dashes (10-244-1-5) when it has none
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV for a named port (the bare service name
//                                      answers SRV for every port)
//   <a-b-c-d>.<ns>.pod.<zone>          A: a.b.c.d ("pods insecure", CoreDNS's default in
//                                      kubeadm's Corefile)
//   dns-version.<zone>                 TXT "1.1.0"
//   <reverse>.in-addr.arpa / ip6.arpa  PTR for ClusterIPs and endpoint addresses
// A name in the zone that does not exist is NXDOMAIN, an existing name without records of
// the asked type NODATA; both carry the zone's SOA in the authority section. What is outside
// the zone (and reverse names nobody here owns) is marked `forward`: CoreDNS's
// `fallthrough in-addr.arpa ip6.arpa` + `forward . /etc/resolv.conf`.

export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";
/** CoreDNS kubernetes plugin's default `ttl`. */
export const DEFAULT_TTL = 5;
/** The DNS schema version the spec defines, answered at dns-version.<zone>. */
export const DNS_SCHEMA_VERSION = "1.1.0";
const LABEL_SERVICE_NAME = "kubernetes.io/service-name";

export type Rcode = "NOERROR" | "FORMERR" | "SERVFAIL" | "NXDOMAIN" | "NOTIMP" | "REFUSED";

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** A resource record, shaped as dns-packet encodes it. */
export type DnsRecord =
  | { name: string; type: "A" | "AAAA" | "CNAME" | "PTR" | "NS"; class: "IN"; ttl: number; data: string }
  | { name: string; type: "SRV"; class: "IN"; ttl: number; data: SrvData }
  | { name: string; type: "SOA"; class: "IN"; ttl: number; data: SoaData }
  | { name: string; type: "TXT"; class: "IN"; ttl: number; data: string[] };

export interface DnsResult {
  rcode: Rcode;
  /** The answer is ours (the AA bit). */
  authoritative: boolean;
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  /** Not ours: ask an upstream resolver. */
  forward?: boolean;
}

// The parts of the Kubernetes objects read here.
export interface ServiceObject {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: { name?: string; protocol?: string; port: number }[] | null;
  };
}

export interface EndpointSliceObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?:
    | {
        addresses?: string[];
        conditions?: { ready?: boolean | null };
        hostname?: string;
        targetRef?: { kind?: string; name?: string; namespace?: string };
      }[]
    | null;
  ports?: { name?: string | null; protocol?: string | null; port?: number | null }[] | null;
}

export interface RecordsOptions {
  clusterDomain?: string;
  ttl?: number;
  /** "insecure" (default): any a-b-c-d.<ns>.pod name answers a.b.c.d; "disabled": none do. */
  pods?: "insecure" | "disabled";
  /** The cluster DNS server's own addresses: answered at ns.dns.<zone> and as the zone's NS glue. */
  dnsIPs?: string[];
  /**
   * Check that namespaces exist (fed by setNamespace/deleteNamespace), as CoreDNS does; off,
   * every namespace is taken to exist.
   */
  trackNamespaces?: boolean;
}

interface Endpoint {
  ip: string;
  /** Endpoint hostname, or the address with dashes. */
  host: string;
  ports: { name: string; protocol: string; port: number }[];
}

interface ServiceEntry {
  kind: "clusterIP" | "headless" | "externalName";
  clusterIPs: string[];
  externalName: string;
  ports: { name: string; protocol: string; port: number }[];
  /** Ready endpoints, one per address (deduplicated across slices). */
  endpoints: Endpoint[];
  /** Reverse entries this service added (which map, ip, PTR target), for removal. */
  ptrs: ["service" | "endpoint", string, string][];
}

/** One answerable thing a name resolves to. */
interface Target {
  /** An IP address, or a domain name for ExternalName. */
  host: string;
  /** The owner name of the address record (SRV targets point at it). */
  owner: string;
  port?: number;
}

type Lookup = { kind: "records"; targets: Target[] } | { kind: "nodata" } | { kind: "nxdomain" };

export class ClusterRecords {
  readonly zone: string;
  readonly ttl: number;
  private readonly podMode: "insecure" | "disabled";
  private readonly dnsIPs: string[];
  private readonly trackNamespaces: boolean;

  /** ns → name → entry */
  private readonly services = new Map<string, Map<string, ServiceEntry>>();
  private readonly serviceObjects = new Map<string, ServiceObject>();
  /** "ns/svc" → slice name → slice */
  private readonly slices = new Map<string, Map<string, EndpointSliceObject>>();
  /** Which service a slice was filed under ("ns/slice" → "ns/svc"), to move it when the label changes. */
  private readonly sliceOwner = new Map<string, string>();
  private readonly namespaces = new Set<string>();
  /** ip → PTR targets of services (ClusterIPs) */
  private readonly ptrService = new Map<string, Set<string>>();
  /** ip → PTR targets of endpoints */
  private readonly ptrEndpoint = new Map<string, Set<string>>();
  /** SOA serial: the time of the last change, in seconds. */
  private serial = Math.floor(Date.now() / 1000);

  constructor(options: RecordsOptions = {}) {
    this.zone = normalize(options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
    this.ttl = options.ttl ?? DEFAULT_TTL;
    this.podMode = options.pods ?? "insecure";
    this.dnsIPs = options.dnsIPs ?? [];
    this.trackNamespaces = options.trackNamespaces ?? false;
  }

  // ---- the index ----

  setNamespace(name: string): void {
    this.namespaces.add(name);
  }

  deleteNamespace(name: string): void {
    this.namespaces.delete(name);
  }

  setService(svc: ServiceObject): void {
    const ns = svc.metadata?.namespace;
    const name = svc.metadata?.name;
    if (!ns || !name) return;
    this.serviceObjects.set(`${ns}/${name}`, svc);
    this.rebuild(ns, name);
  }

  deleteService(namespace: string, name: string): void {
    this.serviceObjects.delete(`${namespace}/${name}`);
    this.rebuild(namespace, name);
  }

  setEndpointSlice(slice: EndpointSliceObject): void {
    const ns = slice.metadata?.namespace;
    const name = slice.metadata?.name;
    if (!ns || !name) return;
    const svc = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
    const sliceKey = `${ns}/${name}`;
    const previous = this.sliceOwner.get(sliceKey);
    if (previous && previous !== `${ns}/${svc}`) this.dropSlice(sliceKey, previous);
    if (!svc) return;
    const owner = `${ns}/${svc}`;
    let bySlice = this.slices.get(owner);
    if (!bySlice) this.slices.set(owner, (bySlice = new Map()));
    bySlice.set(name, slice);
    this.sliceOwner.set(sliceKey, owner);
    this.rebuild(ns, svc);
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const sliceKey = `${namespace}/${name}`;
    const owner = this.sliceOwner.get(sliceKey);
    if (owner) this.dropSlice(sliceKey, owner);
  }

  private dropSlice(sliceKey: string, owner: string): void {
    const name = sliceKey.slice(sliceKey.indexOf("/") + 1);
    const bySlice = this.slices.get(owner);
    bySlice?.delete(name);
    if (bySlice && bySlice.size === 0) this.slices.delete(owner);
    this.sliceOwner.delete(sliceKey);
    const slash = owner.indexOf("/");
    this.rebuild(owner.slice(0, slash), owner.slice(slash + 1));
  }

  /** Recomputes one service's records (and its reverse entries) from its object and slices. */
  private rebuild(ns: string, name: string): void {
    this.serial = Math.max(this.serial + 1, Math.floor(Date.now() / 1000));
    let byName = this.services.get(ns);
    const old = byName?.get(name);
    if (old) for (const [which, ip, target] of old.ptrs) removeFrom(which === "service" ? this.ptrService : this.ptrEndpoint, ip, target);
    const svc = this.serviceObjects.get(`${ns}/${name}`);
    if (!svc) {
      byName?.delete(name);
      if (byName && byName.size === 0) this.services.delete(ns);
      return;
    }
    const spec = svc.spec ?? {};
    const kind: ServiceEntry["kind"] = spec.type === "ExternalName" ? "externalName" : spec.clusterIP === "None" ? "headless" : "clusterIP";
    const clusterIPs =
      kind === "clusterIP" ? (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ipFamily(ip) !== 0) : [];
    const entry: ServiceEntry = {
      kind,
      clusterIPs,
      externalName: kind === "externalName" ? normalize(spec.externalName ?? "") : "",
      ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? "").toLowerCase(), protocol: (p.protocol ?? "TCP").toLowerCase(), port: p.port })),
      endpoints: kind === "externalName" ? [] : this.endpointsOf(`${ns}/${name}`),
      ptrs: [],
    };
    const svcName = `${name}.${ns}.svc.${this.zone}`;
    for (const ip of clusterIPs) {
      entry.ptrs.push(["service", canonicalIP(ip), svcName]);
      addTo(this.ptrService, canonicalIP(ip), svcName);
    }
    for (const ep of entry.endpoints) {
      const target = `${ep.host}.${svcName}`;
      entry.ptrs.push(["endpoint", ep.ip, target]);
      addTo(this.ptrEndpoint, ep.ip, target);
    }
    if (!byName) this.services.set(ns, (byName = new Map()));
    byName.set(name, entry);
  }

  private endpointsOf(owner: string): Endpoint[] {
    const bySlice = this.slices.get(owner);
    if (!bySlice) return [];
    const byIP = new Map<string, Endpoint>();
    // Slices in name order, so the answer does not depend on event order.
    for (const name of [...bySlice.keys()].sort()) {
      const slice = bySlice.get(name)!;
      if (slice.addressType === "FQDN") continue;
      const ports = (slice.ports ?? [])
        .filter((p) => p.port != null)
        .map((p) => ({ name: (p.name ?? "").toLowerCase(), protocol: (p.protocol ?? "TCP").toLowerCase(), port: p.port! }));
      for (const ep of slice.endpoints ?? []) {
        // Unset readiness counts as ready (EndpointSlice API: "nil should be interpreted as true").
        if (ep.conditions?.ready === false) continue;
        for (const raw of ep.addresses ?? []) {
          if (ipFamily(raw) === 0) continue;
          const ip = canonicalIP(raw);
          const existing = byIP.get(ip);
          if (existing) {
            for (const p of ports) if (!existing.ports.some((q) => q.name === p.name && q.protocol === p.protocol && q.port === p.port)) existing.ports.push(p);
            continue;
          }
          const host = ep.hostname ? ep.hostname.toLowerCase() : ip.replace(/[.:]/g, "-");
          byIP.set(ip, { ip, host, ports: [...ports] });
        }
      }
    }
    return [...byIP.values()];
  }

  // ---- answering ----

  /** The answer to one question (name as asked, type as a mnemonic like "A", "SRV"). */
  answer(question: { name: string; type: string }): DnsResult {
    const qname = question.name.replace(/\.$/, "");
    const name = normalize(qname);
    const type = question.type.toUpperCase();

    if (isReverse(name)) return this.reverse(qname, name, type);
    if (name !== this.zone && !name.endsWith("." + this.zone)) return { rcode: "NOERROR", authoritative: false, answers: [], authorities: [], additionals: [], forward: true };

    const base = name === this.zone ? "" : name.slice(0, name.length - this.zone.length - 1);
    if (base === "") return this.apex(qname, type);
    if (base === "dns-version") {
      return type === "TXT" ? this.ok([{ name: qname, type: "TXT", class: "IN", ttl: this.ttl, data: [DNS_SCHEMA_VERSION] }]) : this.nodata();
    }
    if (base === "ns.dns" && this.dnsIPs.length > 0) return this.addresses(qname, type, this.dnsIPs.map((ip) => ({ host: ip, owner: qname })));

    const lookup = this.lookup(base);
    if (lookup.kind === "nxdomain") return this.negative("NXDOMAIN");
    if (lookup.kind === "nodata") return this.nodata();
    if (type === "SRV") return this.srv(qname, lookup.targets);
    return this.addresses(qname, type, lookup.targets);
  }

  /** What a name below the zone (without the zone) stands for. */
  private lookup(base: string): Lookup {
    const segs = base.split(".");
    if (segs.some((s) => s === "")) return { kind: "nxdomain" };
    let last = segs.length - 1;
    const podOrSvc = segs[last--];
    if (podOrSvc !== "svc" && podOrSvc !== "pod") return { kind: "nxdomain" };
    if (last < 0) return { kind: "nodata" };
    const namespace = segs[last--];
    if (!this.namespaceExists(namespace)) return { kind: "nxdomain" };
    if (last < 0) return { kind: "nodata" };
    const service = segs[last--];
    let endpoint = "";
    let port = "*";
    let protocol = "*";
    if (last === 0) endpoint = segs[0];
    else if (last === 1) {
      protocol = stripUnderscore(segs[1]);
      port = stripUnderscore(segs[0]);
    } else if (last > 1) return { kind: "nxdomain" };

    if (podOrSvc === "pod") {
      if (this.podMode === "disabled" || last >= 0) return { kind: "nxdomain" };
      const ip = service.split("-").length === 4 && !service.includes("--") ? service.replace(/-/g, ".") : service.replace(/-/g, ":");
      if (ipFamily(ip) === 0) return { kind: "nxdomain" };
      return { kind: "records", targets: [{ host: canonicalIP(ip), owner: `${service}.${namespace}.pod.${this.zone}` }] };
    }

    const entry = this.services.get(namespace)?.get(service);
    if (!entry) return { kind: "nxdomain" };
    const svcName = `${service}.${namespace}.svc.${this.zone}`;
    const matches = (p: { name: string; protocol: string }) => (port === "*" || port === p.name) && (protocol === "*" || protocol === p.protocol);

    if (entry.kind === "externalName") {
      if (endpoint || !entry.externalName || ipFamily(entry.externalName) !== 0) return { kind: "nxdomain" };
      return { kind: "records", targets: [{ host: entry.externalName, owner: svcName }] };
    }
    const targets: Target[] = [];
    if (entry.kind === "headless" || endpoint) {
      for (const ep of entry.endpoints) {
        if (endpoint && ep.host !== endpoint) continue;
        const owner = `${ep.host}.${svcName}`;
        // Endpoints without ports still answer A/AAAA (CoreDNS's "no ports" sentinel).
        if (ep.ports.length === 0) {
          if (port === "*" && protocol === "*") targets.push({ host: ep.ip, owner });
          continue;
        }
        for (const p of ep.ports) if (matches(p)) targets.push({ host: ep.ip, owner, port: p.port });
      }
    } else {
      for (const p of entry.ports) if (matches(p)) for (const ip of entry.clusterIPs) targets.push({ host: ip, owner: svcName, port: p.port });
      // A ClusterIP service without ports still has its address.
      if (entry.ports.length === 0 && port === "*" && protocol === "*") for (const ip of entry.clusterIPs) targets.push({ host: ip, owner: svcName });
    }
    return targets.length ? { kind: "records", targets } : { kind: "nxdomain" };
  }

  private namespaceExists(namespace: string): boolean {
    return !this.trackNamespaces || this.namespaces.has(namespace);
  }

  private addresses(qname: string, type: string, targets: Target[]): DnsResult {
    const answers: DnsRecord[] = [];
    const seen = new Set<string>();
    for (const t of targets) {
      const family = ipFamily(t.host);
      if (family === 0) {
        // ExternalName: the CNAME, whatever the type asked (its target is the client's to resolve,
        // or ours to chase when it is in the zone).
        if (seen.has("cname")) continue;
        seen.add("cname");
        answers.push({ name: qname, type: "CNAME", class: "IN", ttl: this.ttl, data: t.host });
        if ((type === "A" || type === "AAAA") && (t.host === this.zone || t.host.endsWith("." + this.zone))) {
          const chased = this.answer({ name: t.host, type });
          if (chased.rcode === "NOERROR") answers.push(...chased.answers.filter((a) => a.type !== "CNAME"));
        }
        continue;
      }
      const rtype = family === 4 ? "A" : "AAAA";
      if (type !== rtype && type !== "ANY") continue;
      if (seen.has(t.host)) continue;
      seen.add(t.host);
      answers.push({ name: qname, type: rtype, class: "IN", ttl: this.ttl, data: t.host });
    }
    return answers.length ? this.ok(answers) : this.nodata();
  }

  private srv(qname: string, targets: Target[]): DnsResult {
    const answers: DnsRecord[] = [];
    const additionals: DnsRecord[] = [];
    const seen = new Set<string>();
    const withPort = targets.filter((t) => t.port !== undefined);
    for (const t of withPort) {
      const external = ipFamily(t.host) === 0;
      const target = external ? t.host : t.owner;
      const key = `${target}:${t.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      answers.push({ name: qname, type: "SRV", class: "IN", ttl: this.ttl, data: { priority: 0, weight: 0, port: t.port!, target } });
      if (!external && !seen.has(`glue ${target} ${t.host}`)) {
        seen.add(`glue ${target} ${t.host}`);
        additionals.push({ name: target, type: ipFamily(t.host) === 4 ? "A" : "AAAA", class: "IN", ttl: this.ttl, data: t.host });
      }
    }
    // Equal weights summing to 100, as CoreDNS spreads them within one priority.
    const weight = Math.floor(100 / Math.max(1, answers.length));
    for (const a of answers) if (a.type === "SRV") a.data.weight = weight;
    if (answers.length === 0) return this.nodata();
    return { ...this.ok(answers), additionals };
  }

  private apex(qname: string, type: string): DnsResult {
    if (type === "SOA") return this.ok([this.soa(qname)]);
    if (type === "NS") {
      const ns = `ns.dns.${this.zone}`;
      const additionals: DnsRecord[] = this.dnsIPs.map((ip) => ({ name: ns, type: ipFamily(ip) === 6 ? "AAAA" : "A", class: "IN", ttl: this.ttl, data: ip }));
      return { ...this.ok([{ name: qname, type: "NS", class: "IN", ttl: this.ttl, data: ns }]), additionals };
    }
    return this.nodata();
  }

  private reverse(qname: string, name: string, type: string): DnsResult {
    const ip = reverseToIP(name);
    const targets = ip ? (this.ptrService.get(ip) ?? this.ptrEndpoint.get(ip)) : undefined;
    if (!targets || targets.size === 0) return { rcode: "NOERROR", authoritative: false, answers: [], authorities: [], additionals: [], forward: true };
    if (type !== "PTR") return this.nodata();
    return this.ok([...targets].sort().map((t) => ({ name: qname, type: "PTR", class: "IN", ttl: this.ttl, data: t }) as DnsRecord));
  }

  /** The zone's SOA, as CoreDNS makes it (refresh 7200, retry 1800, expire 86400, minimum = ttl). */
  soa(name = this.zone): DnsRecord {
    return {
      name,
      type: "SOA",
      class: "IN",
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private ok(answers: DnsRecord[]): DnsResult {
    return { rcode: "NOERROR", authoritative: true, answers, authorities: [], additionals: [] };
  }

  private nodata(): DnsResult {
    return this.negative("NOERROR");
  }

  private negative(rcode: "NOERROR" | "NXDOMAIN"): DnsResult {
    return { rcode, authoritative: true, answers: [], authorities: [this.soa()], additionals: [] };
  }
}

// ---- helpers ----

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function stripUnderscore(s: string): string {
  return s.startsWith("_") ? s.slice(1) : s;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function isReverse(name: string): boolean {
  return name === "in-addr.arpa" || name.endsWith(".in-addr.arpa") || name === "ip6.arpa" || name.endsWith(".ip6.arpa");
}

/** 4 or 6 for a literal IPv4/IPv6 address, else 0. */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((o) => Number(o) <= 255 && (o === "0" || !o.startsWith("0"))) ? 4 : 0;
  return parseIPv6(s) ? 6 : 0;
}

/** The 8 groups of an IPv6 address, or null. */
function parseIPv6(s: string): number[] | null {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  // A trailing dotted IPv4 part (::ffff:10.0.0.1) becomes two groups.
  const lastColon = s.lastIndexOf(":");
  const v4 = s.slice(lastColon + 1);
  if (v4.includes(".")) {
    if (ipFamily(v4) !== 4) return null;
    const o = v4.split(".").map(Number);
    s = `${s.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const parts = s.split("::");
  if (parts.length > 2) return null;
  const groups = (p: string) => (p === "" ? [] : p.split(":"));
  const left = groups(parts[0]);
  const right = parts.length === 2 ? groups(parts[1]) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const total = left.length + right.length;
  if (parts.length === 2 ? total > 7 : total !== 8) return null;
  const hex = (g: string) => parseInt(g, 16);
  return [...left.map(hex), ...new Array<number>(8 - total).fill(0), ...right.map(hex)];
}

/** One spelling per address: IPv6 in RFC 5952 form, so index keys match reverse lookups. */
export function canonicalIP(ip: string): string {
  if (ipFamily(ip) !== 6) return ip;
  const g = parseIPv6(ip)!;
  // The longest run (≥2) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** The address a full in-addr.arpa / ip6.arpa name stands for, or null. */
export function reverseToIP(name: string): string | null {
  if (name.endsWith(".in-addr.arpa")) {
    const labels = name.slice(0, -".in-addr.arpa".length).split(".");
    if (labels.length !== 4) return null;
    const ip = labels.reverse().join(".");
    return ipFamily(ip) === 4 ? ip : null;
  }
  if (name.endsWith(".ip6.arpa")) {
    const nibbles = name.slice(0, -".ip6.arpa".length).split(".");
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return null;
    const hex = nibbles.reverse().join("");
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return canonicalIP(groups.join(":"));
  }
  return null;
}

/** The in-addr.arpa / ip6.arpa name of an address. */
export function reverseName(ip: string): string {
  if (ipFamily(ip) === 4) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  const g = parseIPv6(ip);
  if (!g) throw new Error(`not an IP address: ${ip}`);
  return `${g.map((x) => x.toString(16).padStart(4, "0")).join("").split("").reverse().join(".")}.ip6.arpa`;
}
