// kube-apiserver's Service IP and NodePort allocation (pkg/registry/core/service/storage
// alloc.go, ipallocator, portallocator), over the Storage binding so that API servers
// sharing one store never hand out the same address or port:
//  - every cluster IP is a key /registry/kubeling/ipaddresses/<ip>, every node port
//    /registry/kubeling/nodeports/<port>, made with a storage create (which fails when the
//    key exists) and holding the owning Service's namespace, name and uid;
//  - ClusterIP / NodePort / LoadBalancer Services get an IP from the service CIDR (default
//    10.96.0.0/12) unless they ask for one (honoured when in range and free) or are headless
//    ("None"); ExternalName gets none. Dynamic picks are random, from the upper part of the
//    range first (the lower part is the static band, as ServiceIPStaticSubrange does);
//  - NodePort and LoadBalancer Services get a node port per port unless they ask for one
//    (LoadBalancer: not with allocateLoadBalancerNodePorts=false), and a LoadBalancer with
//    externalTrafficPolicy Local a healthCheckNodePort;
//  - updates carry allocated values over when the client left them out (patchAllocatedValues),
//    refuse changes of the cluster IPs ("may not change once set") except to/from
//    ExternalName, and release what the new object no longer holds once it is stored;
//  - deletion releases; a failed write rolls back; dry run reserves nothing;
//  - repair on demand: a reservation whose owner is gone (or no longer holds it) is free
//    again once it is older than a grace period (a create may be in flight behind it).
// Host-agnostic: no Node built-ins.
import type { Storage } from "../../bindings/storage.js";
import { findResource, storageKey, type ResourceInfo } from "./resources.js";
import { Errors, type StatusCause } from "./status.js";
import type { KubeObject, StoreAllocation, StoreHooks } from "./object-store.js";

export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
export const DEFAULT_NODE_PORT_RANGE = "30000-32767";
export const IP_RESERVATION_PREFIX = "/registry/kubeling/ipaddresses/";
export const NODE_PORT_RESERVATION_PREFIX = "/registry/kubeling/nodeports/";
/** A reservation whose owner is missing is taken back only after this long. */
const STALE_AFTER_MS = 60_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

interface Reservation {
  namespace: string;
  name: string;
  uid: string;
  reservedAt: string;
}

export interface ServiceAllocatorOptions {
  serviceCIDR?: string;
  nodePortRange?: string;
  now?: () => Date;
}

/** An IPv4 CIDR: the usable addresses are first … first + size - 1 (no network, no broadcast). */
export class IPRange {
  readonly cidr: string;
  readonly first: number;
  readonly size: number;

  constructor(cidr: string) {
    const [addr, bits] = cidr.split("/");
    const ip = parseIPv4(addr ?? "");
    const prefix = Number(bits);
    if (ip === null || !/^\d{1,2}$/.test(bits ?? "") || prefix > 32) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)} (an IPv4 CIDR such as 10.96.0.0/12)`);
    const total = 2 ** (32 - prefix);
    const network = prefix === 0 ? 0 : Math.floor(ip / total) * total;
    this.cidr = `${formatIPv4(network)}/${prefix}`;
    this.first = network + 1;
    // Neither the network address nor the broadcast address.
    this.size = Math.max(0, total - 2);
  }

  /** The offset of an address in the usable range, or -1. */
  offset(ip: string): number {
    const n = parseIPv4(ip);
    if (n === null) return -1;
    const offset = n - this.first;
    return offset >= 0 && offset < this.size ? offset : -1;
  }

  at(offset: number): string {
    return formatIPv4(this.first + offset);
  }

  /** The first address a Service can get (the `kubernetes` Service's). */
  get firstAddress(): string {
    return this.at(0);
  }
}

export class PortRange {
  readonly text: string;
  readonly base: number;
  readonly size: number;

  constructor(range: string) {
    const m = /^(\d+)(?:-(\d+)|\+(\d+))?$/.exec(range.trim());
    if (!m) throw new Error(`invalid node port range ${JSON.stringify(range)} (such as 30000-32767)`);
    const base = Number(m[1]);
    const size = m[2] !== undefined ? Number(m[2]) - base + 1 : m[3] !== undefined ? Number(m[3]) + 1 : 1;
    if (base < 1 || size < 1 || base + size - 1 > 65535) throw new Error(`invalid node port range ${JSON.stringify(range)}`);
    this.base = base;
    this.size = size;
    this.text = `${base}-${base + size - 1}`;
  }

  contains(port: number): boolean {
    return port >= this.base && port < this.base + this.size;
  }
}

/** The IP allocator's static band: min(max(16, size/16), 256), none for ranges of 16 or fewer. */
function ipStaticBand(cidrSize: number): number {
  if (cidrSize <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(cidrSize / 16)), 256);
}

/** The port allocator's: min(max(16, size/32), 128), none for ranges of 16 or fewer. */
function portStaticBand(size: number): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export function parseIPv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

function formatIPv4(n: number): string {
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 256) % 256, n % 256].join(".");
}

/** Go's %#v of a []string, as field errors print a slice value. */
function goStrings(values: readonly string[] | undefined): string {
  if (!values) return "[]string(nil)";
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

function invalid(field: string, value: string, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${value}: ${detail}`, field };
}

const isService = (r: ResourceInfo) => r.kind === "Service" && r.group === "";
const needsClusterIP = (spec: ServiceSpec) => (spec.type ?? "ClusterIP") !== "ExternalName";
const needsNodePorts = (spec: ServiceSpec) => spec.type === "NodePort" || spec.type === "LoadBalancer";
const needsHealthCheck = (spec: ServiceSpec) => spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
const allocatesNodePorts = (spec: ServiceSpec) => spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
const headless = (spec: ServiceSpec) => spec.clusterIP === "None" || spec.clusterIPs?.[0] === "None";

/** The cluster IPs a stored Service holds. */
function heldIPs(spec: ServiceSpec): string[] {
  if (!needsClusterIP(spec) || headless(spec)) return [];
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== "None");
}

/** The node ports (and health check node port) a stored Service holds. */
function heldPorts(spec: ServiceSpec): number[] {
  const out = new Set<number>();
  for (const p of spec.ports ?? []) if (p.nodePort) out.add(p.nodePort);
  if (spec.healthCheckNodePort) out.add(spec.healthCheckNodePort);
  return [...out];
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameNodePorts(a: ServiceSpec, b: ServiceSpec): boolean {
  const x = a.ports ?? [];
  const y = b.ports ?? [];
  return x.length === y.length && x.every((p, i) => (p.nodePort ?? 0) === (y[i].nodePort ?? 0));
}

export class ServiceAllocator implements StoreHooks {
  readonly ipRange: IPRange;
  readonly portRange: PortRange;
  private readonly now: () => Date;
  private readonly services: ResourceInfo;

  constructor(
    private readonly storage: Storage,
    options: ServiceAllocatorOptions = {},
  ) {
    this.ipRange = new IPRange(options.serviceCIDR ?? DEFAULT_SERVICE_CIDR);
    this.portRange = new PortRange(options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE);
    this.now = options.now ?? (() => new Date());
    this.services = findResource("", "v1", "services")!;
  }

  /**
   * Before defaulting: on create, clusterIPs from a lone clusterIP; on update, the allocated
   * values the client left out (patchAllocatedValues), the fields a type change drops
   * (dropTypeDependentFields), then clusterIP and clusterIPs in step (normalizeClusterIPs).
   */
  prepare(r: ResourceInfo, old: KubeObject | null, obj: KubeObject): void {
    if (!isService(r)) return;
    const spec = (obj.spec ??= {}) as ServiceSpec;
    if (!old) {
      if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
      return;
    }
    const before = (old.spec ?? {}) as ServiceSpec;
    // patchAllocatedValues
    if (needsClusterIP(before) && needsClusterIP(spec)) {
      if (!spec.clusterIP && before.clusterIP) spec.clusterIP = before.clusterIP;
      if (!spec.clusterIPs?.length && before.clusterIPs?.length) spec.clusterIPs = [...before.clusterIPs];
    }
    if (needsNodePorts(before) && needsNodePorts(spec)) {
      const newPorts = new Set((spec.ports ?? []).map((p) => p.nodePort).filter(Boolean));
      const used = new Set((before.ports ?? []).map((p) => p.nodePort).filter((n) => n && newPorts.has(n)));
      const byName = new Map((before.ports ?? []).map((p) => [p.name ?? "", p.nodePort ?? 0]));
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        const was = byName.get(p.name ?? "") ?? 0;
        if (was && !used.has(was)) p.nodePort = was;
      }
    }
    if (needsHealthCheck(before) && needsHealthCheck(spec) && !spec.healthCheckNodePort && before.healthCheckNodePort) {
      spec.healthCheckNodePort = before.healthCheckNodePort;
    }
    // dropTypeDependentFields
    if (needsClusterIP(before) && !needsClusterIP(spec) && (!spec.clusterIP || spec.clusterIP === before.clusterIP) && (!spec.clusterIPs?.length || sameStrings(spec.clusterIPs, before.clusterIPs))) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
    if (needsNodePorts(before) && !needsNodePorts(spec) && sameNodePorts(before, spec)) {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
    if (needsHealthCheck(before) && !needsHealthCheck(spec) && spec.healthCheckNodePort === before.healthCheckNodePort) delete spec.healthCheckNodePort;
    // normalizeClusterIPs
    if (before.clusterIPs?.length && !spec.clusterIPs?.length && before.clusterIP === spec.clusterIP) spec.clusterIPs = [...before.clusterIPs];
    if ((before.clusterIP ?? "") !== (spec.clusterIP ?? "") && sameStrings(before.clusterIPs, spec.clusterIPs)) {
      if (before.clusterIP && !spec.clusterIP) delete spec.clusterIPs;
      else spec.clusterIPs = [spec.clusterIP!];
    }
  }

  /**
   * After defaulting, before the write: validates the IP fields, reserves what the object
   * asks for or needs, fills in what was allocated. The transaction's commit releases what
   * the old object held and the new one does not; revert releases the new reservations.
   */
  async allocate(r: ResourceInfo, old: KubeObject | null, obj: KubeObject, dryRun: boolean): Promise<StoreAllocation | null> {
    if (!isService(r)) return null;
    const spec = (obj.spec ??= {}) as ServiceSpec;
    const before = old ? ((old.spec ?? {}) as ServiceSpec) : null;
    const name = obj.metadata?.name ?? "";
    this.validate(name, spec, before);

    const owner: Reservation = { namespace: obj.metadata?.namespace ?? "", name, uid: obj.metadata?.uid ?? "", reservedAt: this.now().toISOString() };
    const reserved: { key: string; revision: number }[] = [];
    const revert = async () => {
      for (const { key, revision } of reserved.splice(0)) await this.storage.delete(key, revision).catch(() => undefined);
    };
    const heldIPSet = new Set(before ? heldIPs(before) : []);
    const heldPortSet = new Set(before ? heldPorts(before) : []);
    try {
      // Cluster IPs.
      if (needsClusterIP(spec) && !headless(spec)) {
        if (!spec.clusterIPs?.length) {
          const ip = await this.allocateNextIP(owner, dryRun, reserved);
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        } else {
          for (const ip of spec.clusterIPs) {
            if (heldIPSet.has(ip)) continue;
            const why = await this.reserveIP(ip, owner, dryRun, reserved);
            if (why) throw Errors.invalid("Service", "", name, [invalid("spec.clusterIPs", goStrings(spec.clusterIPs), `failed to allocate IP ${ip}: ${why}`)]);
          }
          spec.clusterIP = spec.clusterIPs[0];
        }
      }
      // Node ports: one per distinct port number (TCP and UDP of one port share it).
      const wantedPorts = new Set<number>();
      if (needsNodePorts(spec)) {
        const byPort = new Map<number, number>();
        const ports = spec.ports ?? [];
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i];
          if (!p.nodePort && !allocatesNodePorts(spec)) continue;
          const shared = byPort.get(p.port ?? 0);
          if (!p.nodePort && shared) {
            p.nodePort = shared;
            continue;
          }
          if (!p.nodePort) {
            // A later port of the same number may ask for one: use it (findRequestedNodePort).
            const requested = ports.slice(i + 1).find((q) => q.port === p.port && q.nodePort)?.nodePort;
            if (requested) p.nodePort = requested;
          }
          if (p.nodePort) {
            if (!heldPortSet.has(p.nodePort) && !wantedPorts.has(p.nodePort)) {
              const why = await this.reservePort(p.nodePort, owner, dryRun, reserved);
              if (why) throw Errors.invalid("Service", "", name, [invalid(`spec.ports[${i}].nodePort`, String(p.nodePort), why)]);
            }
          } else {
            p.nodePort = await this.allocateNextPort(owner, dryRun, reserved, "failed to allocate a nodePort");
          }
          wantedPorts.add(p.nodePort);
          byPort.set(p.port ?? 0, p.nodePort);
        }
      }
      if (needsHealthCheck(spec)) {
        const requested = spec.healthCheckNodePort;
        if (requested) {
          if (!heldPortSet.has(requested) && !wantedPorts.has(requested)) {
            const why = await this.reservePort(requested, owner, dryRun, reserved);
            if (why) throw Errors.internal(`failed to allocate requested HealthCheck NodePort ${requested}: ${why}`);
          }
        } else {
          spec.healthCheckNodePort = await this.allocateNextPort(owner, dryRun, reserved, "failed to allocate a HealthCheck NodePort 0");
        }
      } else {
        // Only LoadBalancers with externalTrafficPolicy Local have one.
        delete spec.healthCheckNodePort;
      }
    } catch (err) {
      await revert();
      throw err;
    }
    if (dryRun) return null;
    const keepIPs = new Set(heldIPs(spec));
    const keepPorts = new Set(heldPorts(spec));
    const releaseIPs = [...heldIPSet].filter((ip) => !keepIPs.has(ip));
    const releasePorts = [...heldPortSet].filter((p) => !keepPorts.has(p));
    if (reserved.length === 0 && releaseIPs.length === 0 && releasePorts.length === 0) return null;
    const uid = old?.metadata?.uid ?? owner.uid;
    return {
      commit: async () => {
        for (const ip of releaseIPs) await this.release(IP_RESERVATION_PREFIX + ip, uid);
        for (const port of releasePorts) await this.release(NODE_PORT_RESERVATION_PREFIX + port, uid);
      },
      revert,
    };
  }

  /** After a Service left storage: its IPs and ports are free again. */
  async released(r: ResourceInfo, obj: KubeObject): Promise<void> {
    if (!isService(r)) return;
    const spec = (obj.spec ?? {}) as ServiceSpec;
    const uid = obj.metadata?.uid ?? "";
    for (const ip of heldIPs(spec)) await this.release(IP_RESERVATION_PREFIX + ip, uid);
    for (const port of heldPorts(spec)) await this.release(NODE_PORT_RESERVATION_PREFIX + port, uid);
  }

  /** ValidateServiceClusterIPsRelatedFields and the update rules, as far as allocation needs them. */
  private validate(name: string, spec: ServiceSpec, before: ServiceSpec | null): void {
    const causes: StatusCause[] = [];
    if (needsClusterIP(spec)) {
      const ips = spec.clusterIPs ?? [];
      if (spec.clusterIP) {
        if (ips.length === 0) causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.clusterIPs" });
        else if (ips[0] !== spec.clusterIP) causes.push(invalid("spec.clusterIPs", goStrings(ips), "first value must match `clusterIP`"));
      } else if (ips.length) {
        causes.push(invalid("spec.clusterIPs", goStrings(ips), "must be empty when `clusterIP` is not specified"));
      }
      ips.forEach((ip, i) => {
        if (ip === "None") {
          if (ips.length > 1) causes.push(invalid("spec.clusterIPs", goStrings(ips), "'None' must be the first and only value"));
        } else if (parseIPv4(ip) === null) {
          causes.push(invalid(`spec.clusterIPs[${i}]`, JSON.stringify(ip), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
      });
    }
    if (spec.type === "ClusterIP") {
      (spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort) causes.push({ reason: "FieldValueForbidden", message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: `spec.ports[${i}].nodePort` });
      });
    }
    // validateUpgradeDowngradeClusterIPs: to and from ExternalName is free.
    if (before && needsClusterIP(before) && needsClusterIP(spec)) {
      const old = before.clusterIPs ?? [];
      const now = spec.clusterIPs ?? [];
      old.forEach((ip, i) => {
        if (i < now.length && now[i] !== ip) causes.push(invalid(`spec.clusterIPs[${i}]`, goStrings(now), "may not change once set"));
      });
      if (old.length > 0 && now.length === 0) causes.push(invalid("spec.clusterIPs[0]", goStrings(spec.clusterIPs), "primary clusterIP can not be unset"));
    }
    if (causes.length) throw Errors.invalid("Service", "", name, causes);
  }

  /** Reserves a requested IP; returns why it cannot be had (kube-apiserver's words), or null. */
  private async reserveIP(ip: string, owner: Reservation, dryRun: boolean, reserved: { key: string; revision: number }[]): Promise<string | null> {
    if (this.ipRange.offset(ip) < 0) return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.ipRange.cidr}`;
    return (await this.reserve(IP_RESERVATION_PREFIX + ip, owner, dryRun, reserved)) ? null : "provided IP is already allocated";
  }

  private async reservePort(port: number, owner: Reservation, dryRun: boolean, reserved: { key: string; revision: number }[]): Promise<string | null> {
    if (!this.portRange.contains(port)) return `provided port is not in the valid range. The range of valid ports is ${this.portRange.text}`;
    return (await this.reserve(NODE_PORT_RESERVATION_PREFIX + port, owner, dryRun, reserved)) ? null : "provided port is already allocated";
  }

  /** A random free address, from above the static band first. */
  private async allocateNextIP(owner: Reservation, dryRun: boolean, reserved: { key: string; revision: number }[]): Promise<string> {
    const { size } = this.ipRange;
    const offset = await this.allocateNext(size, ipStaticBand(size + 2), IP_RESERVATION_PREFIX, (i) => this.ipRange.at(i), owner, dryRun, reserved);
    if (offset === null) throw Errors.internal("failed to allocate a serviceIP: range is full");
    return this.ipRange.at(offset);
  }

  private async allocateNextPort(owner: Reservation, dryRun: boolean, reserved: { key: string; revision: number }[], what: string): Promise<number> {
    const { size, base } = this.portRange;
    const offset = await this.allocateNext(size, portStaticBand(size), NODE_PORT_RESERVATION_PREFIX, (i) => String(base + i), owner, dryRun, reserved);
    if (offset === null) throw Errors.internal(`${what}: range is full`);
    return base + offset;
  }

  /**
   * allocateNextWithOffset: a few random tries in [band, size), then a scan of that part
   * from a random start, then of [0, band); what the store already holds is skipped (one
   * list), a stale reservation is taken back.
   */
  private async allocateNext(
    size: number,
    band: number,
    prefix: string,
    keyOf: (offset: number) => string,
    owner: Reservation,
    dryRun: boolean,
    reserved: { key: string; revision: number }[],
  ): Promise<number | null> {
    if (size <= 0) return null;
    const upper = size - band;
    const random = (n: number) => Math.floor(Math.random() * n);
    for (let attempt = 0; attempt < 3 && upper > 0; attempt++) {
      const offset = band + random(upper);
      if (await this.reserve(prefix + keyOf(offset), owner, dryRun, reserved, false)) return offset;
    }
    const taken = await this.taken(prefix);
    const scan = async (from: number, count: number, skipTaken: boolean): Promise<number | null> => {
      if (count <= 0) return null;
      const start = random(count);
      for (let i = 0; i < count; i++) {
        const offset = from + ((start + i) % count);
        const key = keyOf(offset);
        if (skipTaken && taken.has(key)) continue;
        if (await this.reserve(prefix + key, owner, dryRun, reserved, !skipTaken)) return offset;
      }
      return null;
    };
    // Free ones first; then the taken ones, whose owners may be gone (repair).
    return (await scan(band, upper, true)) ?? (await scan(0, band, true)) ?? (await scan(band, upper, false)) ?? (await scan(0, band, false));
  }

  /** The keys under a reservation prefix (what follows the prefix). */
  private async taken(prefix: string): Promise<Set<string>> {
    const out = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.storage.list(prefix, { after, limit: 10_000 });
      for (const kv of page.items) out.add(kv.key.slice(prefix.length));
      if (!page.more || page.items.length === 0) return out;
      after = page.items[page.items.length - 1].key;
    }
  }

  /**
   * Creates the reservation key. When it exists, a stale one (its owner gone, or no longer
   * holding it, for longer than the grace period) is taken back if `repair`. Dry run writes
   * nothing: true when it could be had.
   */
  private async reserve(key: string, owner: Reservation, dryRun: boolean, reserved: { key: string; revision: number }[], repair = true): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (dryRun) {
        const kv = await this.storage.get(key);
        return !kv || (repair && (await this.isStale(key, kv.value)));
      }
      const result = await this.storage.create(key, encoder.encode(JSON.stringify(owner)));
      if (result.ok) {
        reserved.push({ key, revision: result.revision });
        return true;
      }
      if (!repair || !result.current) return false;
      if (!(await this.isStale(key, result.current.value))) return false;
      // Take it back (compare-and-swap: another server may have done so first), then retry.
      await this.storage.delete(key, result.current.modRevision);
    }
    return false;
  }

  /** The repair loop's question, asked on demand: is the owner of this reservation gone? */
  private async isStale(key: string, value: Uint8Array): Promise<boolean> {
    let owner: Partial<Reservation>;
    try {
      owner = JSON.parse(decoder.decode(value)) as Partial<Reservation>;
    } catch {
      return true;
    }
    const reservedAt = Date.parse(owner.reservedAt ?? "");
    if (Number.isFinite(reservedAt) && this.now().getTime() - reservedAt < STALE_AFTER_MS) return false;
    if (!owner.name) return true;
    const kv = await this.storage.get(storageKey(this.services, owner.namespace, owner.name));
    if (!kv) return true;
    let service: KubeObject;
    try {
      service = JSON.parse(decoder.decode(kv.value)) as KubeObject;
    } catch {
      return false;
    }
    if (service.metadata?.uid !== owner.uid) return true;
    const spec = (service.spec ?? {}) as ServiceSpec;
    if (key.startsWith(IP_RESERVATION_PREFIX)) return !heldIPs(spec).includes(key.slice(IP_RESERVATION_PREFIX.length));
    return !heldPorts(spec).includes(Number(key.slice(NODE_PORT_RESERVATION_PREFIX.length)));
  }

  /** Deletes a reservation if this owner (uid) holds it. */
  private async release(key: string, uid: string): Promise<void> {
    try {
      const kv = await this.storage.get(key);
      if (!kv) return;
      const owner = JSON.parse(decoder.decode(kv.value)) as Partial<Reservation>;
      if (owner.uid && uid && owner.uid !== uid) return;
      await this.storage.delete(key, kv.modRevision);
    } catch {
      // Left for the repair: the owner is gone, so the next allocation takes it back.
    }
  }
}
