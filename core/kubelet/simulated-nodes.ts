// Many simulated nodes in one process, KWOK-like: N kubelets, each with its own
// in-memory runtime (a SimulatedRuntime, or whatever `runtimeFor` makes), sharing what
// scales badly when multiplied: ONE pod informer (indexed by spec.nodeName, events routed
// to the pod's kubelet by a map lookup), ONE node informer, ONE heartbeat queue (one timer
// renews the leases that are due, batched per second), ONE status write queue and ONE
// rate-limited event sink — all on one Clock.
import type { Clock } from "../../bindings/clock.js";
import type { Runtime } from "../../bindings/runtime.js";
import type { ApiClient, KubeObject } from "../controllers/client.js";
import { R } from "../controllers/client.js";
import { realClock } from "../controllers/clock.js";
import { EventRecorder } from "../controllers/events.js";
import { SharedInformer } from "../controllers/informer.js";
import { DueQueue } from "./due-queue.js";
import { EventSink } from "./event-sink.js";
import { Kubelet, NODE_NAME_INDEX, nodeNameIndex } from "./kubelet.js";
import type { ProbeResults } from "./pod-status.js";
import { simulatedProbeTransport, type ProbeTransport } from "./probe-transport.js";
import { StatusQueue } from "./status-queue.js";

export interface SimulatedNodeInfo {
  name: string;
  index: number;
  /** The node's InternalIP. */
  address: string;
  /** The node's pod CIDR (a /24). */
  podCIDR: string;
}

export interface SimulatedNodesOptions {
  /** The API, acting as the kubelets (field manager "kubelet"). */
  client: ApiClient;
  /** The runtime of each node; hosts/browser's SimulatedRuntime is the usual one. */
  runtimeFor: (node: SimulatedNodeInfo, clock: Clock) => Runtime;
  clock?: Clock;
  count?: number;
  /** Node names are `<prefix><i>`; default "kubeling-sim-". */
  prefix?: string;
  /** Per-node capacity; default cpu 32, memory 256Gi, pods 110, ephemeral-storage 100Gi. */
  capacity?: Record<string, string | number>;
  allocatable?: Record<string, string | number>;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  /** Nodes register this long after start() (and after addNodes()); default 0. */
  startDelayMs?: number;
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  nodeStatusReportFrequencyMs?: number;
  /** Heartbeats due within this window run together (one timer wake-up); default 1000 ms. */
  heartbeatBatchMs?: number;
  /** Status writes in flight at once; default 64. */
  statusConcurrency?: number;
  /** Events of all nodes together: per second, burst, queue (beyond it they are dropped). */
  eventQPS?: number;
  eventBurst?: number;
  eventQueueLimit?: number;
  /** Fixed probe results; without, the kubelets run the pods' probes over `probeTransport`. */
  probes?: ProbeResults;
  /** Default: simulatedProbeTransport() (everything healthy unless kubeling.io/simulate-probe-fail says otherwise). */
  probeTransport?: ProbeTransport;
}

/** Node i's InternalIP: 172.18.0.2, 172.18.0.3, … (as kind's docker network). */
export function simulatedNodeAddress(i: number): string {
  const n = i + 2;
  return `172.18.${(n >> 8) & 255}.${n & 255}`;
}

/** Node i's pod CIDR: the i-th /24 from 10.244.0.0 (10.244.0.0/16 holds 256; more continue into 10.245…). */
export function simulatedPodCIDR(i: number): string {
  const base = (10 << 24) + (244 << 16) + i * 256;
  return `${(base >>> 24) & 255}.${(base >>> 16) & 255}.${(base >>> 8) & 255}.0/24`;
}

export class SimulatedNodes {
  readonly clock: Clock;
  readonly pods: SharedInformer;
  readonly nodes: SharedInformer;
  readonly heartbeats: DueQueue;
  readonly statusQueue: StatusQueue;
  readonly events: EventSink;
  private readonly kubelets = new Map<string, Kubelet>();
  private readonly runtimes = new Map<string, Runtime>();
  /** One transport for every node (it keeps no state). */
  private readonly probeTransport = simulatedProbeTransport();
  private nextIndex = 0;
  private started = false;

  constructor(private readonly options: SimulatedNodesOptions) {
    this.clock = options.clock ?? realClock;
    const client = options.client;
    this.pods = new SharedInformer(client, R.pods);
    this.pods.addIndex(NODE_NAME_INDEX, nodeNameIndex);
    this.nodes = new SharedInformer(client, R.nodes);
    this.heartbeats = new DueQueue(this.clock, options.heartbeatBatchMs ?? 1000);
    this.statusQueue = new StatusQueue(this.clock, { concurrency: options.statusConcurrency ?? 64 });
    this.events = new EventSink(new EventRecorder(client, this.clock, "kubelet"), this.clock, {
      qps: options.eventQPS ?? 200,
      burst: options.eventBurst ?? 500,
      queueLimit: options.eventQueueLimit ?? 5000,
    });
    // Route by spec.nodeName: one map lookup per event, whatever the number of nodes.
    this.pods.addEventHandler({
      add: (o) => this.kubeletOf(o)?.handlePodAdd(o),
      update: (_, o) => this.kubeletOf(o)?.handlePodUpdate(o),
      delete: (o) => this.kubeletOf(o)?.handlePodDelete(o),
    });
    this.nodes.addEventHandler({
      add: (o) => this.kubelets.get(o.metadata?.name ?? "")?.handleNode(o),
      update: (_, o) => this.kubelets.get(o.metadata?.name ?? "")?.handleNode(o),
    });
    for (let i = 0; i < (options.count ?? 0); i++) this.create();
  }

  /** Node names, in order. */
  get names(): string[] {
    return [...this.kubelets.keys()];
  }

  kubelet(name: string): Kubelet | undefined {
    return this.kubelets.get(name);
  }

  runtime(name: string): Runtime | undefined {
    return this.runtimes.get(name);
  }

  /** Starts the informers, then every node (registration, leases, pods). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.statusQueue.start();
    void this.pods.start();
    void this.nodes.start();
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
    await this.delay();
    await Promise.all([...this.kubelets.values()].map((k) => k.start()));
  }

  /** Stops every node and the shared machinery. */
  async stop(): Promise<void> {
    this.started = false;
    for (const k of this.kubelets.values()) k.stop();
    this.heartbeats.clear();
    this.statusQueue.stop();
    this.events.stop();
    this.pods.stop();
    this.nodes.stop();
  }

  /** One node stops: no heartbeats, no status; its containers keep "running" in its runtime. */
  stopNode(name: string): void {
    this.require(name).stop();
  }

  async startNode(name: string): Promise<void> {
    await this.require(name).start();
  }

  /** Adds `n` nodes (started at once when the set runs); returns their names. */
  async addNodes(n: number): Promise<string[]> {
    const added: Kubelet[] = [];
    for (let i = 0; i < n; i++) added.push(this.create());
    if (this.started) {
      await this.delay();
      await Promise.all(added.map((k) => k.start()));
    }
    return added.map((k) => k.nodeName);
  }

  private create(): Kubelet {
    const o = this.options;
    const index = this.nextIndex++;
    const info: SimulatedNodeInfo = {
      name: `${o.prefix ?? "kubeling-sim-"}${index}`,
      index,
      address: simulatedNodeAddress(index),
      podCIDR: simulatedPodCIDR(index),
    };
    const runtime = o.runtimeFor(info, this.clock);
    const kubelet = new Kubelet({
      nodeName: info.name,
      client: o.client,
      runtime,
      clock: this.clock,
      address: info.address,
      capacity: { cpu: "32", memory: "256Gi", pods: "110", ...(o.capacity ?? {}) },
      allocatable: o.allocatable,
      labels: o.labels,
      taints: o.taints,
      podCIDR: info.podCIDR,
      leaseDurationSeconds: o.leaseDurationSeconds,
      leaseRenewIntervalMs: o.leaseRenewIntervalMs,
      nodeStatusUpdateFrequencyMs: o.nodeStatusUpdateFrequencyMs,
      nodeStatusReportFrequencyMs: o.nodeStatusReportFrequencyMs,
      // Spread the renewals over the interval, so the batches stay small.
      heartbeatOffsetMs: ((index % 10) * (o.leaseRenewIntervalMs ?? 10_000)) / 10,
      probes: o.probes,
      probeTransport: o.probeTransport ?? this.probeTransport,
      pods: this.pods,
      nodes: this.nodes,
      heartbeats: this.heartbeats,
      statusQueue: this.statusQueue,
      events: this.events,
    });
    this.kubelets.set(info.name, kubelet);
    this.runtimes.set(info.name, runtime);
    return kubelet;
  }

  private kubeletOf(obj: KubeObject): Kubelet | undefined {
    const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
    return nodeName ? this.kubelets.get(nodeName) : undefined;
  }

  private require(name: string): Kubelet {
    const k = this.kubelets.get(name);
    if (!k) throw new Error(`no simulated node ${name}`);
    return k;
  }

  private delay(): Promise<void> {
    const ms = this.options.startDelayMs ?? 0;
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.clock.schedule(ms, resolve));
  }
}
