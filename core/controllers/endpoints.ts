// The endpoints controller (pkg/controller/endpoint): for each Service with a selector, an
// Endpoints object of the same name listing the selected pods' IPs — ready ones in
// `addresses`, the others in `notReadyAddresses` (all in `addresses` with
// publishNotReadyAddresses) — grouped into subsets by the ports they serve (a named
// targetPort resolves per pod). Terminal pods, pods without an IP and (unless
// publishNotReadyAddresses) terminating pods are left out. Labels come from the Service
// (plus service.kubernetes.io/headless), and the last-change-trigger-time annotation says
// when the change that led to this version happened. A Service that goes takes its
// Endpoints along; a Service without a selector (or ExternalName) is left to its users.
// The pod helpers here are shared with the EndpointSlice controller.
import type { ControllerContext, Reconciler } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isNamespaceTerminating, isNotFound, type KubeObject } from "./client.js";
import { objectKey, splitKey } from "./keys.js";

export const LABEL_HEADLESS = "service.kubernetes.io/headless";
export const ANNOTATION_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
const ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
/** Leader-election records kept in Endpoints by old components: never ours to delete. */
const ANNOTATION_LEADER = "control-plane.alpha.kubernetes.io/leader";
/** Addresses one Endpoints object holds; beyond it the list is truncated. */
const MAX_CAPACITY = 1000;

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export type Service = KubeObject & {
  spec?: {
    selector?: Record<string, string> | null;
    type?: string;
    clusterIP?: string;
    ports?: ServicePort[];
    publishNotReadyAddresses?: boolean;
    ipFamilies?: string[];
  };
};

export type Pod = KubeObject & {
  spec?: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
    initContainers?: { restartPolicy?: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: { type: string; status: string; lastTransitionTime?: string | null }[];
  };
};

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string; resourceVersion?: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export class EndpointsController implements Reconciler {
  readonly name = "endpoint-controller";
  /** kube-controller-manager's --concurrent-endpoint-syncs default. */
  readonly workers = 5;
  private ctx!: ControllerContext;
  private services!: SharedInformer;
  private pods!: SharedInformer;
  private endpoints!: SharedInformer;
  private triggerTimes = new TriggerTimeTracker();

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.triggerTimes = new TriggerTimeTracker();
    this.services = ctx.informers.for(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.endpoints = ctx.informers.for(R.endpoints);
    const enqueue = (o: KubeObject) => queue.add(objectKey(o));
    this.services.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s), delete: enqueue });
    watchPodsForServices(ctx, this.pods, this.services, queue);
    this.endpoints.addEventHandler({
      // checkLeftoverEndpoints: at start, Endpoints whose Service went while we were away.
      add: (ep) => {
        if (!this.endpoints.hasSynced && !ep.metadata?.annotations?.[ANNOTATION_LEADER]) enqueue(ep);
      },
      delete: enqueue,
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const service = this.services.get(key) as Service | undefined;
    if (!service) {
      this.triggerTimes.forget(key);
      try {
        await this.ctx.client.delete(R.endpoints, namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const spec = service.spec ?? {};
    if (spec.type === "ExternalName" || !hasSelector(service)) return;
    const pods = selectedPods(this.ctx, this.pods, service);
    const triggerTime = this.triggerTimes.compute(key, service, pods);
    const publishNotReady = spec.publishNotReadyAddresses === true;
    let subsets: EndpointSubset[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const ip = podIPsOf(pod).find((a) => isIPv6(a) === (serviceFamily(service, pod) === "IPv6"));
      if (!ip) continue;
      const address: EndpointAddress = { ip };
      if (shouldSetHostname(pod, service)) address.hostname = pod.spec!.hostname;
      address.nodeName = pod.spec?.nodeName ?? "";
      address.targetRef = { kind: "Pod", namespace: pod.metadata!.namespace, name: pod.metadata!.name, uid: pod.metadata!.uid };
      const ready = publishNotReady || isPodReady(pod);
      const subset = (ports: EndpointPort[]): EndpointSubset => (ready ? { addresses: [address], ports } : { notReadyAddresses: [address], ports });
      if (!spec.ports?.length) {
        // A headless Service may have no ports.
        if (spec.clusterIP === "None") subsets.push(subset([]));
        continue;
      }
      for (const sp of spec.ports) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        subsets.push(subset([endpointPort(sp, port)]));
      }
    }
    subsets = repackSubsets(subsets);

    const current = this.endpoints.get(key);
    const serviceLabels = service.metadata?.labels ?? {};
    const currentLabels = { ...(current?.metadata?.labels ?? {}) };
    delete currentLabels[LABEL_HEADLESS];
    if (
      current &&
      sameSubsets((current.subsets as EndpointSubset[] | undefined) ?? [], subsets) &&
      sameMap(currentLabels, serviceLabels) &&
      capacityAnnotationCorrect(current.metadata?.annotations, (current.subsets as EndpointSubset[] | undefined) ?? [])
    ) {
      return;
    }
    const next: KubeObject = current ? structuredClone(current) : { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace } };
    const meta = next.metadata!;
    const annotations = { ...(meta.annotations ?? {}) };
    if (triggerTime !== undefined) annotations[ANNOTATION_TRIGGER_TIME] = rfc3339Nano(triggerTime);
    else delete annotations[ANNOTATION_TRIGGER_TIME];
    if (truncate(subsets)) annotations[ANNOTATION_OVER_CAPACITY] = "truncated";
    else delete annotations[ANNOTATION_OVER_CAPACITY];
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    else delete meta.annotations;
    const labels = { ...serviceLabels };
    if (isHeadless(service)) labels[LABEL_HEADLESS] = "";
    if (Object.keys(labels).length > 0) meta.labels = labels;
    else delete meta.labels;
    if (subsets.length > 0) next.subsets = subsets;
    else delete next.subsets;
    try {
      if (current) await this.ctx.client.update(R.endpoints, namespace, next);
      else await this.ctx.client.create(R.endpoints, namespace, next);
    } catch (err) {
      // A terminating namespace refuses new objects; the namespace goes anyway.
      if (!current && isNamespaceTerminating(err)) return;
      if (current) this.ctx.events.event(next, "Warning", "FailedToUpdateEndpoint", `Failed to update endpoint ${namespace}/${name}: ${(err as Error).message}`);
      else this.ctx.events.event(next, "Warning", "FailedToCreateEndpoint", `Failed to create endpoint for service ${namespace}/${name}: ${(err as Error).message}`);
      throw err;
    }
  }
}

/**
 * Pod events queue the Services selecting the pod, before and after the change (its labels
 * may have moved it from one Service to another). Shared with the EndpointSlice controller.
 */
export function watchPodsForServices(ctx: ControllerContext, pods: SharedInformer, services: SharedInformer, queue: WorkQueue): void {
  const enqueueFor = (pod: KubeObject) => {
    for (const svc of services.inNamespace(pod.metadata!.namespace!)) {
      if (hasSelector(svc as Service) && ctx.core.labels.matches(selectorString(svc as Service), pod.metadata?.labels)) queue.add(objectKey(svc));
    }
  };
  pods.addEventHandler({
    add: enqueueFor,
    update: (old, pod) => {
      enqueueFor(pod);
      if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {})) enqueueFor(old);
    },
    delete: enqueueFor,
  });
}

/** The pods of the Service's namespace its selector picks, by name. */
export function selectedPods(ctx: ControllerContext, pods: SharedInformer, service: Service): Pod[] {
  const selector = selectorString(service);
  return (pods.inNamespace(service.metadata!.namespace!) as Pod[])
    .filter((p) => ctx.core.labels.matches(selector, p.metadata?.labels))
    .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : a.metadata!.name! > b.metadata!.name! ? 1 : 0));
}

/** A Service selects pods only with a non-empty selector (an empty one stores as none). */
export function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}

/** The selector map as a label selector string ("a=b,c=d"). */
export function selectorString(service: Service): string {
  return Object.entries(service.spec?.selector ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * Headless: clusterIP "None". (Kubernetes tests "no IP set"; every non-ExternalName Service
 * there has one, while here none is allocated yet, so "" does not count as headless.)
 */
export function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === "None";
}

/** status.podIPs, or status.podIP alone (the API server's conversion fills one from the other). */
export function podIPsOf(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(":");
}

/** The family a Service's addresses come from: its first ipFamily, else the pod's IP's. */
function serviceFamily(service: Service, pod: Pod): "IPv4" | "IPv6" {
  const first = service.spec?.ipFamilies?.[0];
  if (first === "IPv4" || first === "IPv6") return first;
  const ip = service.spec?.clusterIP && service.spec.clusterIP !== "None" ? service.spec.clusterIP : (podIPsOf(pod)[0] ?? "");
  return isIPv6(ip) ? "IPv6" : "IPv4";
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** ShouldPodBeInEndpoints: not finished, has an IP, and (unless included) not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (podIPsOf(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** The pod's hostname counts when its subdomain is this Service (same namespace). */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name && pod.metadata?.namespace === service.metadata?.namespace;
}

/**
 * FindPort: a numeric targetPort as it is; a named one is the container port of that name
 * and the Service port's protocol (in a container, or a restartable init container).
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  const protocol = sp.protocol ?? "TCP";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  return {
    ...(sp.name ? { name: sp.name } : {}),
    port,
    protocol: sp.protocol ?? "TCP",
    ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
  };
}

/**
 * RepackSubsets: one subset per distinct set of addresses, carrying every port those
 * addresses serve. An address (IP + pod uid) not ready on one port is not ready on all.
 */
function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const byPort = new Map<string, { port: EndpointPort | null; ready: Map<string, boolean> }>();
  const note = (address: EndpointAddress, port: EndpointPort | null, ready: boolean) => {
    const key = `${address.ip}\u0000${address.targetRef?.uid ?? ""}`;
    if (!addresses.has(key)) addresses.set(key, address);
    const portKey = port ? JSON.stringify([port.name ?? "", port.port, port.protocol ?? "", port.appProtocol ?? ""]) : "";
    let entry = byPort.get(portKey);
    if (!entry) byPort.set(portKey, (entry = { port, ready: new Map() }));
    if (entry.ready.get(key) !== false) entry.ready.set(key, ready);
  };
  for (const s of subsets) {
    for (const port of s.ports?.length ? s.ports : [null]) {
      for (const a of s.addresses ?? []) note(a, port, true);
      for (const a of s.notReadyAddresses ?? []) note(a, port, false);
    }
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const hash = [...ready].map(([k, r]) => `${k}\u0000${r}`).sort().join("\u0001");
    let group = groups.get(hash);
    if (!group) groups.set(hash, (group = { ready, ports: [] }));
    if (port) group.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const { ready, ports } of groups.values()) {
    const subset: EndpointSubset = {};
    const readyAddrs = [...ready].filter(([, r]) => r).map(([k]) => addresses.get(k)!).sort(byIPAndUID);
    const notReady = [...ready].filter(([, r]) => !r).map(([k]) => addresses.get(k)!).sort(byIPAndUID);
    if (readyAddrs.length) subset.addresses = readyAddrs;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (ports.length) subset.ports = ports.sort((a, b) => compare(a.name ?? "", b.name ?? "") || a.port - b.port || compare(a.protocol ?? "", b.protocol ?? ""));
    out.push(subset);
  }
  return out.sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
}

function byIPAndUID(a: EndpointAddress, b: EndpointAddress): number {
  return compare(a.ip, b.ip) || compare(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Subsets equal but for the pods' resourceVersions in targetRef. */
function sameSubsets(a: EndpointSubset[], b: EndpointSubset[]): boolean {
  const strip = (subsets: EndpointSubset[]) =>
    JSON.stringify(subsets, (k, v) => (k === "resourceVersion" ? undefined : v));
  return strip(a) === strip(b);
}

/** Map equality where a missing map is an empty one. */
export function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  return x.length === Object.keys(b ?? {}).length && x.every(([k, v]) => (b ?? {})[k] === v);
}

function capacityAnnotationCorrect(annotations: Record<string, string> | undefined, subsets: EndpointSubset[]): boolean {
  const count = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (count > MAX_CAPACITY) return false;
  return !annotations?.[ANNOTATION_OVER_CAPACITY];
}

/**
 * truncateEndpoints: past 1000 addresses, keep each subset's share of 1000 — ready addresses
 * first (not-ready ones are dropped when the ready ones alone exceed it).
 */
function truncate(subsets: EndpointSubset[]): boolean {
  const totalReady = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const totalNotReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (totalReady + totalNotReady <= MAX_CAPACITY) return false;
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = s.addresses?.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      s.notReadyAddresses = s.notReadyAddresses?.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

/**
 * TriggerTimeTracker: when did the change happen that this sync reflects? For a Service seen
 * for the first time, its creation; after that, the earliest of the pods' Ready transitions
 * (and the Service's creation) that moved since the previous sync, or none.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, { pods: Map<string, number>; service: number }>();

  compute(key: string, service: Service, pods: Pod[]): number | undefined {
    const state = this.states.get(key);
    const podTimes = new Map<string, number>();
    let earliest: number | undefined;
    const consider = (t: number) => (earliest = earliest === undefined ? t : Math.min(earliest, t));
    for (const pod of pods) {
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready");
      const t = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
      if (Number.isNaN(t)) continue;
      podTimes.set(pod.metadata!.name!, t);
      if (t > (state?.pods.get(pod.metadata!.name!) ?? -Infinity)) consider(t);
    }
    const created = Date.parse(service.metadata?.creationTimestamp ?? "");
    if (!Number.isNaN(created) && created > (state?.service ?? -Infinity)) consider(created);
    this.states.set(key, { pods: podTimes, service: Number.isNaN(created) ? -Infinity : created });
    if (!state) return Number.isNaN(created) ? undefined : created;
    return earliest;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}

/** time.RFC3339Nano in UTC: fractional seconds only when there are any, without trailing zeros. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : "Z"));
}

export { isNamespaceTerminating } from "./client.js";
