// The EndpointSlice controller (pkg/controller/endpointslice, k8s.io/endpointslice): for
// each Service with a selector, discovery.k8s.io/v1 EndpointSlices named "<service>-<5
// random>" holding one endpoint per selected pod — address, conditions ready / serving /
// terminating (terminating pods stay, not ready), targetRef, nodeName, zone, hostname —
// grouped by the ports the pod resolves, at most 100 endpoints a slice, owned by the
// Service (the garbage collector removes them with it). Changes reuse slices as Kubernetes
// does: endpoints stay where they are, slices that changed are filled up first, what is left
// goes into the one unchanged slice it fits or into new slices; a Service with no endpoints
// keeps one empty placeholder slice.
import type { ControllerContext, Reconciler } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import {
  ANNOTATION_TRIGGER_TIME,
  LABEL_HEADLESS,
  TriggerTimeTracker,
  findPort,
  hasSelector,
  isIPv6,
  isNamespaceTerminating,
  isPodReady,
  podIPsOf,
  rfc3339Nano,
  sameMap,
  selectedPods,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  watchPodsForServices,
  type Pod,
  type Service,
} from "./endpoints.js";

export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";
export const LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
const LABEL_ZONE = "topology.kubernetes.io/zone";

type AddressType = "IPv4" | "IPv6";

interface SlicePort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string; resourceVersion?: string };
  nodeName?: string;
  zone?: string;
}

type Slice = KubeObject & { addressType: AddressType; endpoints: Endpoint[] | null; ports: SlicePort[] | null };

interface Changes {
  create: Slice[];
  update: Slice[];
  remove: Slice[];
}

export class EndpointSliceController implements Reconciler {
  readonly name = "endpointslice-controller";
  /** kube-controller-manager's --concurrent-service-endpoint-syncs default. */
  readonly workers = 5;
  private ctx!: ControllerContext;
  private services!: SharedInformer;
  private pods!: SharedInformer;
  private nodes!: SharedInformer;
  private slices!: SharedInformer;
  private triggerTimes = new TriggerTimeTracker();
  /**
   * What this controller last wrote, per Service: slice name → resourceVersion, or
   * "deleted". A cache older than that must not be acted on — a missing slice would be
   * created twice (endpointSliceTracker.StaleSlices).
   */
  private written = new Map<string, Map<string, string>>();

  constructor(private readonly options: { maxEndpointsPerSlice?: number } = {}) {}

  private get maxEndpoints(): number {
    return this.options.maxEndpointsPerSlice ?? 100;
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    // A new term as leader starts from new caches.
    this.triggerTimes = new TriggerTimeTracker();
    this.written = new Map();
    this.services = ctx.informers.for(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
    this.slices = ctx.informers.for(R.endpointSlices);
    this.slices.addIndex("service", (s) => {
      const labels = s.metadata?.labels ?? {};
      return labels[LABEL_MANAGED_BY] === CONTROLLER_NAME && labels[LABEL_SERVICE_NAME] ? [`${s.metadata!.namespace}/${labels[LABEL_SERVICE_NAME]}`] : [];
    });
    const enqueue = (o: KubeObject) => queue.add(objectKey(o));
    this.services.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s), delete: enqueue });
    watchPodsForServices(ctx, this.pods, this.services, queue);
    const serviceOf = (s: KubeObject) => {
      const labels = s.metadata?.labels ?? {};
      return labels[LABEL_MANAGED_BY] === CONTROLLER_NAME && labels[LABEL_SERVICE_NAME] ? `${s.metadata!.namespace}/${labels[LABEL_SERVICE_NAME]}` : undefined;
    };
    const enqueueOwner = (s: KubeObject) => {
      const key = serviceOf(s);
      if (key) queue.add(key);
    };
    this.slices.addEventHandler({
      add: enqueueOwner,
      update: (old, s) => {
        enqueueOwner(s);
        enqueueOwner(old);
      },
      delete: (s) => {
        // Gone, whoever deleted it: nothing to wait for any more (and, if unexpected, remade).
        const key = serviceOf(s);
        if (key) this.written.get(key)?.delete(s.metadata!.name!);
        enqueueOwner(s);
      },
    });
  }

  async reconcile(key: string): Promise<void> {
    const service = this.services.get(key) as Service | undefined;
    if (!service) {
      // Its slices are the garbage collector's to remove (they are owned by it).
      this.triggerTimes.forget(key);
      this.written.delete(key);
      return;
    }
    if (service.spec?.type === "ExternalName" || !hasSelector(service)) return;
    const pods = selectedPods(this.ctx, this.pods, service);
    const existing = (this.slices.byIndex("service", key) as Slice[]).filter((s) => !s.metadata?.deletionTimestamp);
    if (this.stale(key, existing)) throw new Error(`EndpointSlice informer cache is out of date for Service ${key}`);
    const triggerTime = this.triggerTimes.compute(key, service, pods);
    const errors: string[] = [];
    const families = addressTypes(service);
    const changes: Changes = { create: [], update: [], remove: [] };
    for (const slice of existing) if (!families.includes(slice.addressType)) changes.remove.push(slice);
    for (const family of families) {
      const ofFamily = existing.filter((s) => s.addressType === family);
      const byFamily = this.reconcileAddressType(service, pods, ofFamily, family, errors);
      changes.create.push(...byFamily.create);
      changes.update.push(...byFamily.update);
      changes.remove.push(...byFamily.remove);
    }
    try {
      await this.finalize(key, service, changes, triggerTime);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (errors.length > 0) {
      const message = errors.join(", ");
      this.ctx.events.event(service, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${key}: ${message}`);
      throw new Error(message);
    }
  }

  /** reconcileByAddressType: the slices of one address type, grouped by their ports. */
  private reconcileAddressType(service: Service, pods: Pod[], existing: Slice[], family: AddressType, errors: string[]): Changes {
    const changes: Changes = { create: [], update: [], remove: [] };
    const existingByPorts = new Map<string, Slice[]>();
    for (const slice of existing) {
      if (!ownedBy(slice, service)) {
        changes.remove.push(slice);
        continue;
      }
      const key = portMapKey(slice.ports ?? []);
      existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
    }
    const desired = new Map<string, { ports: SlicePort[]; endpoints: Map<string, Endpoint> }>();
    const publishNotReady = service.spec?.publishNotReadyAddresses === true;
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPorts(service, pod);
      const key = portMapKey(ports);
      let group = desired.get(key);
      if (!group) desired.set(key, (group = { ports, endpoints: new Map() }));
      const nodeName = pod.spec?.nodeName ?? "";
      const node = nodeName ? this.nodes.get(nodeName) : undefined;
      if (!node && !publishNotReady) {
        // A pod on a node that does not exist is left out (and the Service retried).
        errors.push(`skipping Pod ${pod.metadata!.name} for Service ${service.metadata!.namespace}/${service.metadata!.name}: Node ${nodeName} Not Found`);
        continue;
      }
      const endpoint = podToEndpoint(pod, node, service, family);
      if (endpoint.addresses.length > 0) group.endpoints.set(endpointKey(endpoint), endpoint);
    }
    for (const [key, group] of desired) {
      const byPorts = this.reconcilePortMapping(service, existingByPorts.get(key) ?? [], group.endpoints, group.ports, family);
      changes.create.push(...byPorts.create);
      changes.update.push(...byPorts.update);
      changes.remove.push(...byPorts.remove);
    }
    for (const [key, slices] of existingByPorts) if (!desired.has(key)) changes.remove.push(...slices);
    // No slice would be left: keep (or create) one empty placeholder.
    if (existing.length === changes.remove.length && changes.create.length === 0) {
      const placeholder = newSlice(service, [], family);
      if (changes.remove.length === 1 && isPlaceholderLike(changes.remove[0], placeholder)) changes.remove = [];
      else changes.create.push(placeholder);
    }
    return changes;
  }

  /**
   * reconcileByPortMapping: 1. keep the endpoints still wanted where they are (updated when
   * they changed), drop the rest; 2. fill the slices being updated anyway, fullest first;
   * 3. put what is left into the unchanged slice it fits best, else into new slices.
   */
  private reconcilePortMapping(service: Service, existing: Slice[], desired: Map<string, Endpoint>, ports: SlicePort[], family: AddressType): Changes {
    const max = this.maxEndpoints;
    const byName = new Map<string, Slice>();
    const unchanged = new Set<string>();
    const toUpdate = new Set<string>();
    const toDelete = new Set<string>();
    for (const slice of existing) {
      const name = slice.metadata!.name!;
      byName.set(name, slice);
      const kept: Endpoint[] = [];
      let endpointChanged = false;
      for (const endpoint of slice.endpoints ?? []) {
        const key = endpointKey(endpoint);
        const want = desired.get(key);
        if (!want) continue;
        kept.push(want);
        if (!sameEndpoint(want, endpoint)) endpointChanged = true;
        desired.delete(key);
      }
      const labels = sliceLabels(service);
      const labelsChanged = !sameMap(slice.metadata?.labels, labels);
      if (endpointChanged || kept.length !== (slice.endpoints ?? []).length) {
        if (kept.length === 0) {
          toDelete.add(name);
        } else {
          byName.set(name, withMeta(slice, { endpoints: kept, labels }));
          toUpdate.add(name);
        }
      } else if (labelsChanged) {
        byName.set(name, withMeta(slice, { endpoints: slice.endpoints, labels }));
        toUpdate.add(name);
      } else {
        unchanged.add(name);
      }
    }
    const remaining = [...desired.values()];
    if (remaining.length > 0 && toUpdate.size > 0) {
      const fullestFirst = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
      for (const slice of fullestFirst) {
        const endpoints = (slice.endpoints ??= []);
        while (remaining.length > 0 && endpoints.length < max) endpoints.push(remaining.shift()!);
      }
    }
    const create: Slice[] = [];
    while (remaining.length > 0) {
      let fill: Slice | undefined;
      if (remaining.length < max && unchanged.size > 0) {
        const candidate = sliceToFill([...unchanged].map((n) => byName.get(n)!), remaining.length, max);
        if (candidate) {
          fill = withMeta(candidate, { endpoints: [...(candidate.endpoints ?? [])], labels: candidate.metadata?.labels });
          byName.set(candidate.metadata!.name!, fill);
        }
      }
      fill ??= newSlice(service, ports, family);
      const endpoints = (fill.endpoints ??= []);
      while (remaining.length > 0 && endpoints.length < max) endpoints.push(remaining.shift()!);
      if (fill.metadata?.name) {
        toUpdate.add(fill.metadata.name);
        unchanged.delete(fill.metadata.name);
      } else {
        create.push(fill);
      }
    }
    return { create, update: [...toUpdate].map((n) => byName.get(n)!), remove: [...toDelete].map((n) => byName.get(n)!) };
  }

  /**
   * finalize: a slice to create replaces one to delete (an update of it instead); nothing
   * is created for a Service being deleted (the garbage collector is removing its slices).
   */
  private async finalize(key: string, service: Service, changes: Changes, triggerTime: number | undefined): Promise<void> {
    const { create, update, remove } = changes;
    for (let i = 0; i < remove.length && create.length > 0; ) {
      const old = remove[i];
      const replacement = create[create.length - 1];
      if (old.addressType === replacement.addressType && ownedBy(old, service)) {
        create.pop();
        update.push({ ...replacement, metadata: { ...old.metadata, labels: replacement.metadata?.labels, ownerReferences: replacement.metadata?.ownerReferences } });
        remove.splice(i, 1);
      } else {
        i++;
      }
    }
    const namespace = service.metadata!.namespace!;
    const written = this.written.get(key) ?? new Map<string, string>();
    this.written.set(key, written);
    if (!service.metadata?.deletionTimestamp) {
      for (const slice of create) {
        let created: KubeObject;
        try {
          created = await this.ctx.client.create(R.endpointSlices, namespace, withTriggerTime(slice, triggerTime));
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw new Error(`failed to create EndpointSlice for Service ${key}: ${(err as Error).message}`);
        }
        written.set(created.metadata!.name!, created.metadata!.resourceVersion!);
      }
    }
    for (const slice of update) {
      let updated: KubeObject;
      try {
        updated = await this.ctx.client.update(R.endpointSlices, namespace, withTriggerTime(slice, triggerTime));
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata!.name} EndpointSlice for Service ${key}: ${(err as Error).message}`);
      }
      written.set(updated.metadata!.name!, updated.metadata!.resourceVersion!);
    }
    for (const slice of remove) {
      try {
        await this.ctx.client.delete(R.endpointSlices, namespace, slice.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`failed to delete ${slice.metadata!.name} EndpointSlice for Service ${key}: ${(err as Error).message}`);
      }
      written.set(slice.metadata!.name!, "deleted");
    }
  }

  /** Whether the cache still lacks what this controller wrote for the Service. */
  private stale(key: string, slices: Slice[]): boolean {
    const written = this.written.get(key);
    if (!written) return false;
    const cached = new Map(this.slices.byIndex("service", key).map((s) => [s.metadata!.name!, s]));
    for (const [name, rv] of written) {
      const slice = cached.get(name);
      if (rv === "deleted") {
        if (slice && slices.includes(slice as Slice)) return true;
        if (!slice) written.delete(name); // Seen gone: nothing left to wait for.
      } else if (!slice || Number(slice.metadata!.resourceVersion) < Number(rv)) {
        return true;
      }
    }
    return false;
  }
}

/** The address types a Service's slices carry: its ipFamilies (else by clusterIP; headless gets both). */
function addressTypes(service: Service): AddressType[] {
  const families = (service.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === "IPv4" || f === "IPv6");
  if (families.length > 0) return [...new Set(families)];
  const ip = service.spec?.clusterIP;
  if (ip && ip !== "None") return [isIPv6(ip) ? "IPv6" : "IPv4"];
  return ["IPv4", "IPv6"];
}

/** getEndpointPorts: each Service port the pod resolves (a headless Service may have none). */
function endpointPorts(service: Service, pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  if (!service.spec?.ports?.length && service.spec?.clusterIP === "None") return out;
  for (const sp of service.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? "", protocol: sp.protocol ?? "TCP", port, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** The same ports, whatever their order. */
function portMapKey(ports: SlicePort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? "", p.protocol ?? "", p.port, p.appProtocol ?? ""]).sort());
}

/**
 * podToEndpoint: serving is the pod's readiness; ready is serving and not terminating (or
 * publishNotReadyAddresses); the addresses are the pod's IPs of the family.
 */
function podToEndpoint(pod: Pod, node: KubeObject | undefined, service: Service, family: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const endpoint: Endpoint = {
    addresses: podIPsOf(pod).filter((ip) => isIPv6(ip) === (family === "IPv6")),
    conditions: { ready, serving, terminating },
    targetRef: { kind: "Pod", namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
  };
  if (shouldSetHostname(pod, service)) endpoint.hostname = pod.spec!.hostname;
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[LABEL_ZONE];
  if (zone) endpoint.zone = zone;
  return endpoint;
}

/** An endpoint's identity: its addresses, hostname and pod (endpointsliceutil's hash). */
function endpointKey(e: Endpoint): string {
  return JSON.stringify([[...e.addresses].sort(), e.hostname ?? "", e.targetRef?.namespace ?? "", e.targetRef?.name ?? ""]);
}

/** EndpointsEqualBeyondHash: nodeName, zone, conditions and targetRef (but its resourceVersion). */
function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  const ref = (e: Endpoint) => JSON.stringify(e.targetRef ? { ...e.targetRef, resourceVersion: undefined } : null);
  const c = (e: Endpoint) => JSON.stringify([e.conditions?.ready ?? null, e.conditions?.serving ?? null, e.conditions?.terminating ?? null]);
  return (a.nodeName ?? null) === (b.nodeName ?? null) && (a.zone ?? null) === (b.zone ?? null) && c(a) === c(b) && ref(a) === ref(b);
}

/** The Service's labels (but the reserved ones), the headless marker, service-name and managed-by. */
function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) {
    if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY && k !== LABEL_HEADLESS) labels[k] = v;
  }
  if (service.spec?.clusterIP === "None") labels[LABEL_HEADLESS] = "";
  labels[LABEL_SERVICE_NAME] = service.metadata!.name!;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

/** newEndpointSlice: "<service>-" plus five random characters, controlled by the Service. */
function newSlice(service: Service, ports: SlicePort[], family: AddressType): Slice {
  const m = service.metadata!;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${m.name}-`,
      namespace: m.namespace,
      labels: sliceLabels(service),
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: m.name!, uid: m.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: family,
    endpoints: null,
    ports: ports.length > 0 ? ports : null,
  };
}

/** A copy of a cached slice with new endpoints and labels (cached objects are never changed). */
function withMeta(slice: Slice, change: { endpoints: Endpoint[] | null; labels: Record<string, string> | undefined }): Slice {
  return { ...slice, metadata: { ...slice.metadata, labels: change.labels }, endpoints: change.endpoints ? [...change.endpoints] : null };
}

function withTriggerTime(slice: Slice, triggerTime: number | undefined): Slice {
  const annotations = { ...(slice.metadata?.annotations ?? {}) };
  if (triggerTime !== undefined) annotations[ANNOTATION_TRIGGER_TIME] = rfc3339Nano(triggerTime);
  else delete annotations[ANNOTATION_TRIGGER_TIME];
  const metadata = { ...slice.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...slice, metadata, endpoints: slice.endpoints?.length ? slice.endpoints : null };
}

/** getSliceToFill: the unchanged slice the remaining endpoints fill most exactly. */
function sliceToFill(slices: Slice[], count: number, max: number): Slice | undefined {
  let closestDiff = max;
  let closest: Slice | undefined;
  for (const slice of slices) {
    const diff = max - (count + (slice.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = slice;
      if (diff === 0) break;
    }
  }
  return closest;
}

function ownedBy(slice: Slice, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === service.metadata?.uid && o.kind === "Service" && o.apiVersion === "v1");
}

/** An existing slice that is already the placeholder wanted (no endpoints, same labels and owner). */
function isPlaceholderLike(slice: Slice, placeholder: Slice): boolean {
  return (
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0 &&
    slice.addressType === placeholder.addressType &&
    sameMap(slice.metadata?.labels, placeholder.metadata?.labels) &&
    JSON.stringify(slice.metadata?.ownerReferences) === JSON.stringify(placeholder.metadata?.ownerReferences)
  );
}
