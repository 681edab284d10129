// A kubelet for one node, on any Runtime (bindings/runtime.ts): it registers the Node,
// renews its Lease, reports node status, and runs the pods bound to it (pod-worker.ts),
// writing their status as the kubelet does (pod-status.ts). Host-agnostic: time comes
// from the Clock, the API from an ApiClient, containers from the Runtime.
//
// Alone, a Kubelet watches its own pods (a field-selected informer) and keeps its own
// timers. SimulatedNodes runs many on shared machinery: one pod informer (it calls
// handlePod* for the pods of this node), one node informer (handleNode), one heartbeat
// queue, one status queue, one event sink.
import type { Clock } from "../../bindings/clock.js";
import type { ContainerState, Runtime, RuntimeEvent } from "../../bindings/runtime.js";
import type { ApiClient, KubeObject } from "../controllers/client.js";
import { R, isAlreadyExists, isConflict, isNotFound } from "../controllers/client.js";
import { realClock } from "../controllers/clock.js";
import { EventRecorder } from "../controllers/events.js";
import { SharedInformer } from "../controllers/informer.js";
import { Backoff } from "./backoff.js";
import { DueQueue } from "./due-queue.js";
import { EventSink } from "./event-sink.js";
import { NodeLease } from "./node-lease.js";
import { KUBELET_VERSION, defaultLabels, initialNode, nodeStatus, nodeStatusChanged, type NodeConditionLike, type NodeConfig } from "./node-status.js";
import type { ProbeResults } from "./pod-status.js";
import { ProbeManager, type ProberHost } from "./prober.js";
import { noNetworkProbeTransport, type ProbeTransport } from "./probe-transport.js";
import { PodWorker, type WorkerHost } from "./pod-worker.js";
import { StatusQueue } from "./status-queue.js";
import { ConfigSources } from "./config-sources.js";
import type { Pod } from "./types.js";

/** The pod informer index the kubelets read their pods from. */
export const NODE_NAME_INDEX = "spec.nodeName";

export const nodeNameIndex = (obj: KubeObject): string[] => {
  const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
  return nodeName ? [nodeName] : [];
};

export interface KubeletOptions {
  nodeName: string;
  /** The API, acting as the kubelet (field manager "kubelet"). */
  client: ApiClient;
  runtime: Runtime;
  clock?: Clock;
  /** The node's InternalIP (hostIP of its pods); default 172.18.0.2. */
  address?: string;
  /** cpu, memory, pods, ephemeral-storage (defaults 32, 256Gi, 110, 100Gi); other resources pass through. */
  capacity?: Record<string, string | number | undefined>;
  /** Defaults to the capacity. */
  allocatable?: Record<string, string | number | undefined>;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  /** The resolv.conf of a pod's sandbox (the kubelet's dnsPolicy handling; the host knows its cluster DNS). */
  dnsConfigFor?: (pod: Pod) => { servers: string[]; searches: string[]; options: string[] } | undefined;
  /** node.status.nodeInfo from the machine (kernelVersion, osImage, architecture); simulated nodes omit it. */
  nodeInfo?: { kernelVersion?: string; osImage?: string; architecture?: string };
  /** Set as spec.podCIDR(s) at registration (the pod network the runtime allocates from). */
  podCIDR?: string;
  /** The port of the kubelet's server (logs, exec, port-forward for a remote API server); default 10250. */
  kubeletPort?: number;
  leaseDurationSeconds?: number;
  /** Lease renewals; default 10 s (a quarter of the lease duration). */
  leaseRenewIntervalMs?: number;
  /** How often node status is computed (posted only when changed); default 10 s. */
  nodeStatusUpdateFrequencyMs?: number;
  /** Node status is posted at least this often; default 5 min. */
  nodeStatusReportFrequencyMs?: number;
  /** Delays the first lease renewal after the registration one (spreads many nodes' heartbeats). */
  heartbeatOffsetMs?: number;
  /**
   * Fixed probe results (tests): the pod's probes are then not run. Without, the kubelet
   * runs them (prober.ts) over `probeTransport`.
   */
  probes?: ProbeResults;
  /** How httpGet/tcpSocket probes reach pods; default: none (they fail, saying so). */
  probeTransport?: ProbeTransport;
  /** Shared pod informer (indexed by NODE_NAME_INDEX); its owner calls handlePod*. */
  pods?: SharedInformer;
  /** Shared node informer; its owner calls handleNode. */
  nodes?: SharedInformer;
  heartbeats?: DueQueue;
  statusQueue?: StatusQueue;
  events?: EventSink;
  /** Used for events when no sink is given (forComponent("kubelet")). */
  recorder?: EventRecorder;
}

export class Kubelet implements WorkerHost, ProberHost {
  readonly nodeName: string;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly client: ApiClient;
  readonly events: EventSink;
  readonly backoff: Backoff;
  readonly imageBackoff: Backoff;
  readonly hostIPs: string[];
  readonly probes?: ProbeResults;
  /** The prober, unless fixed `probes` were given. */
  readonly prober?: ProbeManager;
  readonly configSources: ConfigSources;
  readonly hookTransport?: ProbeTransport;
  private readonly heartbeats: DueQueue;
  private readonly statusQueue: StatusQueue;
  private readonly ownsQueues: boolean;
  private readonly lease: NodeLease;
  private readonly options: KubeletOptions;
  private config: NodeConfig | null = null;
  private readonly workers = new Map<string, PodWorker>();
  private readonly bySandbox = new Map<string, PodWorker>();
  private ownPods: SharedInformer | null = null;
  private unsubscribe: (() => void) | null = null;
  private node: KubeObject | null = null;
  private informerNode: KubeObject | null = null;
  private lastReportAt = -Infinity;
  private running = false;
  /** Registered and caught up with the runtime: pod syncs may run. */
  private ready = false;

  constructor(options: KubeletOptions) {
    this.options = options;
    this.nodeName = options.nodeName;
    this.runtime = options.runtime;
    this.clock = options.clock ?? realClock;
    this.client = options.client;
    this.hostIPs = [options.address ?? "172.18.0.2"];
    if (options.probes) this.probes = options.probes;
    else this.probes = this.prober = new ProbeManager(this, options.probeTransport ?? noNetworkProbeTransport);
    this.configSources = new ConfigSources(this.client);
    this.hookTransport = options.probeTransport;
    this.backoff = new Backoff(this.clock);
    this.imageBackoff = new Backoff(this.clock);
    this.ownsQueues = !options.statusQueue;
    this.heartbeats = options.heartbeats ?? new DueQueue(this.clock);
    this.statusQueue = options.statusQueue ?? new StatusQueue(this.clock);
    const recorder = options.recorder ? options.recorder.forComponent("kubelet") : new EventRecorder(this.client, this.clock, "kubelet");
    this.events = options.events ?? new EventSink(recorder, this.clock);
    this.lease = new NodeLease(this.client, this.nodeName, options.leaseDurationSeconds ?? 40);
  }

  /** Whether the node runs (heartbeats, status, pod syncs). */
  get active(): boolean {
    return this.running && this.ready;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Pods this kubelet knows (running, finished or being removed). */
  get podCount(): number {
    return this.workers.size;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.ownsQueues) this.statusQueue.start();
    this.unsubscribe = this.runtime.subscribe((e) => this.onRuntimeEvent(e));
    if (!this.options.pods) {
      if (!this.ownPods) {
        this.ownPods = new SharedInformer(this.client, R.pods, { fieldSelector: `spec.nodeName=${this.nodeName}` });
        this.ownPods.addEventHandler({
          add: (o) => this.handlePodAdd(o),
          update: (_, o) => this.handlePodUpdate(o),
          delete: (o) => this.handlePodDelete(o),
        });
      }
      void this.ownPods.start();
      await this.ownPods.waitForSync();
    }
    await this.register();
    if (!this.running) return;
    await this.adoptSandboxes();
    if (!this.running) return;
    this.ready = true;
    await this.renewLease(this.options.heartbeatOffsetMs ?? 0);
    this.scheduleNodeStatus(this.clock.now() + this.statusUpdateMs);
    this.prober?.start();
    for (const w of this.workers.values()) w.trigger();
  }

  /** Stops heartbeats, status reports and pod syncs; the runtime's containers keep running. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.ready = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.heartbeats.remove(this.leaseKey);
    this.heartbeats.remove(this.statusKey);
    this.prober?.stop();
    for (const w of this.workers.values()) {
      w.cancelTimers();
      this.statusQueue.forget(w.uid);
    }
    this.ownPods?.stop();
    if (this.ownsQueues) this.statusQueue.stop();
  }

  // --- pods, from the informer ---

  handlePodAdd(obj: KubeObject): void {
    const pod = obj as unknown as Pod;
    if (pod.spec?.nodeName !== this.nodeName) return;
    let w = this.workers.get(pod.metadata.uid);
    if (w) {
      if (!w.update(pod)) return;
    } else {
      w = this.newWorker(pod);
    }
    if (this.active) w.trigger();
  }

  handlePodUpdate(obj: KubeObject): void {
    this.handlePodAdd(obj);
  }

  handlePodDelete(obj: KubeObject): void {
    const pod = obj as unknown as Pod;
    const w = this.workers.get(pod.metadata?.uid);
    if (!w) return;
    w.removed = true;
    if (this.active) w.trigger();
  }

  /**
   * The runtime container behind `kubectl logs` / `exec`: the pod's newest attempt of
   * `container`, or with `previous` the one before it. Errors carry the kubelet's messages.
   */
  async findContainer(namespace: string, podName: string, container: string, previous = false): Promise<{ id: string; state: ContainerState } | { error: string }> {
    const worker = [...this.workers.values()].find((w) => w.pod.metadata.namespace === namespace && w.pod.metadata.name === podName && !w.removed);
    if (!worker?.sandboxId) return { error: `pod "${podName}" not found on node ${this.nodeName}` };
    const attempts = (await this.runtime.listContainers({ sandboxId: worker.sandboxId }))
      .filter((c) => c.name === container)
      .sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0) || (b.createdAt ?? 0) - (a.createdAt ?? 0));
    const pick = attempts[previous ? 1 : 0];
    if (!pick) {
      return { error: previous ? `previous terminated container "${container}" in pod "${podName}" not found` : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating` };
    }
    return { id: pick.id, state: pick.state };
  }

  /** A container's log bytes (stdout and stderr), as `kubectl logs` reads them. */
  async logs(namespace: string, podName: string, container: string, options: { previous?: boolean; follow?: boolean; tailLines?: number } = {}): Promise<AsyncIterable<Uint8Array> | { error: string }> {
    const found = await this.findContainer(namespace, podName, container, options.previous);
    if ("error" in found) return found;
    return this.runtime.logs(found.id, { follow: options.follow && !options.previous, tailLines: options.tailLines });
  }

  handleNode(obj: KubeObject): void {
    if (obj.metadata?.name === this.nodeName) this.informerNode = obj;
  }

  private newWorker(pod: Pod): PodWorker {
    const w = new PodWorker(this, pod);
    this.workers.set(pod.metadata.uid, w);
    this.prober?.addPod(pod);
    return w;
  }

  // --- ProberHost ---

  podStatus(uid: string): { pod: Pod; status: Pod["status"] } | undefined {
    const w = this.workers.get(uid);
    if (!w || w.removed) return undefined;
    return { pod: w.pod, status: w.currentStatus };
  }

  probeResultChanged(uid: string, sync: boolean): void {
    const w = this.workers.get(uid);
    if (!w || !this.active) return;
    this.markStatusDirty(w);
    if (sync) w.trigger();
  }

  // --- WorkerHost ---

  get allocatable(): Record<string, string> {
    return this.config?.allocatable ?? {};
  }

  dnsConfigFor(pod: Pod): { servers: string[]; searches: string[]; options: string[] } | undefined {
    return this.options.dnsConfigFor?.(pod);
  }

  markStatusDirty(worker: PodWorker): void {
    this.statusQueue.enqueue(worker.uid, () => worker.writeStatus());
  }

  sandboxStarted(sandboxId: string, worker: PodWorker): void {
    this.bySandbox.set(sandboxId, worker);
  }

  imagesChanged(): void {
    if (this.active) this.scheduleNodeStatus(this.clock.now());
  }

  forget(worker: PodWorker): void {
    this.workers.delete(worker.uid);
    this.prober?.removePod(worker.uid);
    if (worker.sandboxId) this.bySandbox.delete(worker.sandboxId);
    this.statusQueue.forget(worker.uid);
    this.backoff.forget(`${worker.uid}/`);
    this.imageBackoff.forget(`${worker.uid}_`);
  }

  private onRuntimeEvent(e: RuntimeEvent): void {
    if (!this.active) return;
    const w = this.bySandbox.get(e.sandboxId);
    if (!w) return;
    if (e.type === "ContainerStarted") this.markStatusDirty(w);
    else if (e.type === "ContainerExited") w.trigger();
    else if (e.type === "SandboxStopped") {
      w.sandboxStopped();
      w.trigger();
    }
  }

  /** After a restart: pods whose sandboxes the runtime still has get them back; sandboxes of pods that are gone are removed. */
  private async adoptSandboxes(): Promise<void> {
    const sandboxes = await this.runtime.listSandboxes();
    const pods = this.options.pods ? this.options.pods.byIndex(NODE_NAME_INDEX, this.nodeName) : (this.ownPods?.list() ?? []);
    for (const obj of pods) {
      const pod = obj as unknown as Pod;
      if (!this.workers.has(pod.metadata.uid)) this.newWorker(pod);
    }
    for (const s of sandboxes.sort((a, b) => b.createdAt - a.createdAt)) {
      if (this.bySandbox.has(s.id)) continue;
      const w = this.workers.get(s.uid);
      if (w && !w.sandboxId) {
        w.adopt(s.id, s.ip, s.state === "ready");
        this.bySandbox.set(s.id, w);
      } else if (!w) {
        await this.runtime.stopSandbox(s.id);
        await this.runtime.removeSandbox(s.id);
        await this.runtime.tearDownPodVolumes(s.uid);
      }
    }
  }

  // --- the Node ---

  private get statusUpdateMs(): number {
    return this.options.nodeStatusUpdateFrequencyMs ?? 10_000;
  }

  private get leaseKey(): string {
    return `lease/${this.nodeName}`;
  }

  private get statusKey(): string {
    return `status/${this.nodeName}`;
  }

  private async nodeConfig(): Promise<NodeConfig> {
    if (this.config) return this.config;
    const o = this.options;
    const capacity = resourceList({ cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0", ...(o.capacity ?? {}) });
    const allocatable = o.allocatable ? resourceList({ ...capacity, ...o.allocatable }) : { ...capacity };
    const { runtimeName, runtimeVersion } = await this.runtime.version();
    const id = stableId(this.nodeName);
    this.config = {
      name: this.nodeName,
      address: this.hostIPs[0],
      capacity,
      allocatable,
      labels: { ...(o.labels ?? {}) },
      taints: (o.taints ?? []).map((t) => ({ ...t })),
      podCIDR: o.podCIDR,
      kubeletPort: o.kubeletPort,
      containerRuntimeVersion: `${runtimeName}://${runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      machineID: id,
      bootID: stableId(`${this.nodeName}/boot/${this.clock.now()}`),
      ...(o.nodeInfo ?? {}),
    };
    return this.config;
  }

  /** registerWithAPIServer: create the Node, or reconcile the one already there (default labels). */
  private async register(): Promise<void> {
    const config = await this.nodeConfig();
    const images = await this.runtime.listImages();
    try {
      this.node = await this.client.create(R.nodes, undefined, initialNode(config, images, this.clock.now()));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.get(R.nodes, undefined, this.nodeName);
      const labels = { ...(existing.metadata?.labels ?? {}) };
      let changed = false;
      for (const [k, v] of Object.entries(defaultLabels(this.nodeName))) {
        if (labels[k] !== v) {
          labels[k] = v;
          changed = true;
        }
      }
      this.node = changed ? await this.client.update(R.nodes, undefined, { ...existing, metadata: { ...existing.metadata, labels } }) : existing;
    }
    await this.syncNodeStatus(true);
  }

  private async renewLease(delayMs = 0): Promise<void> {
    if (!this.active) return;
    let next = this.clock.now() + (this.options.leaseRenewIntervalMs ?? 10_000);
    try {
      await this.lease.renew(this.clock.now(), this.freshestNode()?.metadata?.uid);
    } catch {
      // nodelease retries quickly after a failure (200 ms doubling to 7 s); one second here.
      next = this.clock.now() + 1000;
    }
    if (this.active) this.heartbeats.schedule(this.leaseKey, next + delayMs, () => void this.renewLease());
  }

  private scheduleNodeStatus(at: number): void {
    this.heartbeats.schedule(this.statusKey, at, () => {
      void this.syncNodeStatus(false).finally(() => {
        if (this.active) this.scheduleNodeStatus(this.clock.now() + this.statusUpdateMs);
      });
    });
  }

  /** Posts node status when it changed, when a report is due, or when forced. */
  private async syncNodeStatus(force: boolean): Promise<void> {
    if (!this.running) return;
    const config = await this.nodeConfig();
    const images = await this.runtime.listImages();
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = this.freshestNode();
      if (!node) return;
      const now = this.clock.now();
      const current = (node.status ?? {}) as Record<string, unknown>;
      const ours = nodeStatus(config, images, current, now);
      const mine = new Set(((ours.conditions as NodeConditionLike[]) ?? []).map((c) => c.type));
      const reported = Object.fromEntries(Object.keys(ours).map((k) => [k, current[k]]));
      reported.conditions = ((current.conditions as NodeConditionLike[] | undefined) ?? []).filter((c) => mine.has(c.type));
      const due = now - this.lastReportAt >= (this.options.nodeStatusReportFrequencyMs ?? 300_000);
      if (!force && !due && !nodeStatusChanged(reported, ours)) return;
      const others = ((current.conditions as NodeConditionLike[] | undefined) ?? []).filter((c) => !mine.has(c.type));
      const status = { ...current, ...ours, conditions: [...others, ...(ours.conditions as NodeConditionLike[])] };
      try {
        this.node = await this.client.update(
          R.nodes,
          undefined,
          { apiVersion: "v1", kind: "Node", metadata: { name: this.nodeName, resourceVersion: node.metadata?.resourceVersion }, status },
          "status",
        );
        this.lastReportAt = now;
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
        this.node = await this.client.get(R.nodes, undefined, this.nodeName).catch(() => null);
      }
    }
  }

  private freshestNode(): KubeObject | null {
    const a = this.node;
    const b = this.informerNode;
    if (!a || !b) return a ?? b;
    return Number(b.metadata?.resourceVersion) > Number(a.metadata?.resourceVersion) ? b : a;
  }
}

/** Resource quantities as strings ("110", not 110). */
function resourceList(r: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** A stable 32-hex id from a name (machineID, systemUUID). */
function stableId(name: string): string {
  let out = "";
  for (let round = 0; round < 4; round++) {
    let h = 0x811c9dc5 ^ (round * 0x9e3779b9);
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}
