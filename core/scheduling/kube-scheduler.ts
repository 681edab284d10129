// The scheduler loop (kube-scheduler's scheduleOne), around the core's cached scheduler:
// informers keep the core's cache (nodes, bound pods, namespaces, the owners that default
// spreading uses) in step with the API; pending pods of this scheduler wait in the
// scheduling queue; each cycle runs the framework in the Wasm core, assumes the pod on the
// chosen node and binds it through pods/binding without waiting (binding runs alongside the
// next cycles, as kube-scheduler's binding cycle does). A pod that fits nowhere gets
// PodScheduled=False/Unschedulable and a FailedScheduling event with kube-scheduler's
// message; when preemption finds a node, the victims are deleted and the pod nominated.
// With `recordDecisions`, each pod gets kube-scheduler-simulator's result annotations.
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { Core } from "../index.js";
import type { StatefulScheduler, ScheduleResult } from "../scheduler/index.js";
import { R, isNotFound, type ApiClient, type KubeObject } from "../controllers/client.js";
import { InformerFactory } from "../controllers/informer.js";
import { EventRecorder } from "../controllers/events.js";
import { objectKey } from "../controllers/keys.js";
import { SchedulingQueue } from "./scheduling-queue.js";
import { timestamp } from "../api/object-store.js";
import type { V1Node, V1Pod, V1Namespace, V1Service } from "../types/core-v1.js";
import type { V1ReplicaSet, V1StatefulSet } from "../types/apps-v1.js";

/** kube-scheduler-simulator's annotations (sigs.k8s.io/kube-scheduler-simulator). */
export const RESULT_ANNOTATIONS = {
  filter: "kube-scheduler-simulator.sigs.k8s.io/filter-result",
  score: "kube-scheduler-simulator.sigs.k8s.io/score-result",
  finalScore: "kube-scheduler-simulator.sigs.k8s.io/finalscore-result",
  selectedNode: "kube-scheduler-simulator.sigs.k8s.io/selected-node",
} as const;

export interface KubeSchedulerOptions {
  client: ApiClient;
  core: Core;
  clock: Clock;
  /** A KubeSchedulerConfiguration (YAML/JSON/object) or null for the default profile. */
  profile?: unknown;
  schedulerName?: string;
  /** Write each pod's per-plugin filter results and scores as annotations. */
  recordDecisions?: boolean;
  /** Seed for ties among equally scored nodes. */
  seed?: number;
}

export class KubeScheduler {
  readonly informers: InformerFactory;
  readonly queue: SchedulingQueue;
  private readonly cache: StatefulScheduler;
  private readonly events: EventRecorder;
  private readonly schedulerName: string;
  private running = false;
  private loop: Promise<void> | null = null;
  private flushTimer: TimerHandle | null = null;
  /** Pods assumed on a node whose binding has not been observed yet: key → node. */
  private readonly assumed = new Map<string, string>();
  /** Scheduled pods since start (for benchmarks and status). */
  scheduled = 0;

  constructor(private readonly options: KubeSchedulerOptions) {
    this.schedulerName = options.schedulerName ?? "default-scheduler";
    this.cache = options.core.scheduler.create((options.profile ?? null) as never, { seed: options.seed ?? 1, schedulerName: this.schedulerName });
    this.informers = new InformerFactory(options.client);
    this.queue = new SchedulingQueue(options.clock);
    this.events = new EventRecorder(options.client, options.clock, "default-scheduler");
    this.wire();
  }

  private wire(): void {
    const c = this.cache;
    const nodes = this.informers.for(R.nodes);
    nodes.addEventHandler({
      add: (n) => {
        c.addNode(n as V1Node);
        this.queue.moveAllUnschedulable();
      },
      update: (_, n) => {
        c.updateNode(n as V1Node);
        this.queue.moveAllUnschedulable();
      },
      delete: (n) => c.removeNode(n.metadata!.name!),
    });
    const pods = this.informers.for(R.pods);
    pods.addEventHandler({
      add: (p) => this.onPod(p),
      update: (_, p) => this.onPod(p),
      delete: (p) => {
        const key = objectKey(p);
        this.queue.delete(key);
        this.assumed.delete(key);
        c.removePod(p.metadata!.namespace!, p.metadata!.name!);
        this.queue.moveAllUnschedulable();
      },
    });
    this.informers.for(R.namespaces).addEventHandler({
      add: (n) => c.addNamespace(n as V1Namespace),
      update: (_, n) => c.addNamespace(n as V1Namespace),
      delete: (n) => c.removeNamespace(n.metadata!.name!),
    });
    this.informers.for(R.services).addEventHandler({
      add: (s) => c.addService(s as V1Service),
      update: (_, s) => c.addService(s as V1Service),
      delete: (s) => c.removeService(s.metadata!.namespace!, s.metadata!.name!),
    });
    this.informers.for(R.replicaSets).addEventHandler({
      add: (s) => c.addReplicaSet(s as V1ReplicaSet),
      update: (_, s) => c.addReplicaSet(s as V1ReplicaSet),
      delete: (s) => c.removeReplicaSet(s.metadata!.namespace!, s.metadata!.name!),
    });
    this.informers.for(R.statefulSets).addEventHandler({
      add: (s) => c.addStatefulSet(s as V1StatefulSet),
      update: (_, s) => c.addStatefulSet(s as V1StatefulSet),
      delete: (s) => c.removeStatefulSet(s.metadata!.namespace!, s.metadata!.name!),
    });
  }

  /** A pod event: bound pods go to the cache, pending pods of this scheduler to the queue. */
  private onPod(p: KubeObject): void {
    const key = objectKey(p);
    const spec = (p.spec ?? {}) as { nodeName?: string; schedulerName?: string };
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    const terminal = phase === "Succeeded" || phase === "Failed";
    if (spec.nodeName) {
      this.queue.delete(key);
      this.assumed.delete(key);
      if (terminal) this.cache.removePod(p.metadata!.namespace!, p.metadata!.name!);
      else this.cache.updatePod(p as V1Pod);
      return;
    }
    if (terminal || p.metadata?.deletionTimestamp || (spec.schedulerName ?? "default-scheduler") !== this.schedulerName) {
      this.queue.delete(key);
      return;
    }
    if (this.assumed.has(key)) return; // binding in flight
    this.queue.add(key, p);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.informers.start();
    this.loop = this.run();
    const flush = () => {
      this.queue.flushLeftovers();
      this.flushTimer = this.options.clock.schedule(30_000, flush);
    };
    this.flushTimer = this.options.clock.schedule(30_000, flush);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.close();
    if (this.flushTimer) this.options.clock.cancel(this.flushTimer);
    await this.loop;
    this.informers.stop();
    this.cache.dispose();
  }

  private async run(): Promise<void> {
    let cycles = 0;
    while (this.running) {
      const next = await this.queue.pop();
      if (!next) return;
      // The queued copy may be stale: schedule the latest cached version.
      const pod = this.informers.for(R.pods).get(next.key);
      if (!pod || (pod.spec as { nodeName?: string }).nodeName || pod.metadata?.deletionTimestamp) continue;
      this.scheduleOne(next.key, pod);
      // Let bindings, watch events and other work run between bursts of cycles.
      if (++cycles % 64 === 0) await new Promise((r) => setTimeout(r, 0));
    }
  }

  private scheduleOne(key: string, pod: KubeObject): void {
    let result: ScheduleResult;
    try {
      result = this.cache.schedule(pod as V1Pod, { explain: !!this.options.recordDecisions });
    } catch (err) {
      this.events.event(pod, "Warning", "FailedScheduling", `running scheduler: ${(err as Error).message}`);
      this.queue.backoff(key, pod);
      return;
    }
    if (result.node) {
      const node = result.node;
      this.cache.assume(pod as V1Pod, node);
      this.assumed.set(key, node);
      void this.bind(key, pod, node, result);
      return;
    }
    void this.unschedulable(key, pod, result);
  }

  private async bind(key: string, pod: KubeObject, node: string, result: ScheduleResult): Promise<void> {
    const m = pod.metadata!;
    try {
      if (this.options.recordDecisions) await this.annotate(pod, result);
      await this.options.client.bind(m.namespace!, m.name!, node, m.uid);
      this.scheduled++;
      this.queue.done(key);
      this.events.event(pod, "Normal", "Scheduled", `Successfully assigned ${m.namespace}/${m.name} to ${node}`);
    } catch (err) {
      // Forget the assumption; the pod is tried again after its backoff (unless it is gone).
      this.assumed.delete(key);
      this.cache.removePod(m.namespace!, m.name!);
      if (isNotFound(err)) return;
      this.events.event(pod, "Warning", "FailedScheduling", `Binding rejected: ${(err as Error).message}`);
      const latest = this.informers.for(R.pods).get(key);
      if (latest && !(latest.spec as { nodeName?: string }).nodeName) this.queue.backoff(key, latest);
    }
  }

  private async unschedulable(key: string, pod: KubeObject, result: ScheduleResult): Promise<void> {
    const m = pod.metadata!;
    const message = result.message ?? "0/0 nodes are available";
    this.queue.unschedulableNow(key, pod);
    this.events.event(pod, "Warning", "FailedScheduling", message);
    try {
      if (result.nominatedNode && result.victims?.length) {
        for (const v of result.victims) {
          const victim = this.informers.for(R.pods).get(`${v.namespace}/${v.name}`);
          if (victim) this.events.event(victim, "Normal", "Preempted", `Preempted by pod ${m.uid} on node ${result.nominatedNode}`);
          await this.options.client.delete(R.pods, v.namespace, v.name).catch((err) => {
            if (!isNotFound(err)) throw err;
          });
        }
      }
      const status = (pod.status ?? {}) as { conditions?: { type: string; status: string; reason?: string; message?: string }[]; nominatedNodeName?: string };
      const current = status.conditions?.find((c) => c.type === "PodScheduled");
      const nominated = result.nominatedNode ?? status.nominatedNodeName;
      if (current?.status === "False" && current.reason === "Unschedulable" && current.message === message && nominated === status.nominatedNodeName) return;
      const conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"),
        { type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: timestamp(new Date(this.options.clock.now())), reason: "Unschedulable", message },
      ];
      const patch: Record<string, unknown> = { status: { conditions, ...(nominated ? { nominatedNodeName: nominated } : {}) } };
      await this.options.client.patch(R.pods, m.namespace, m.name!, "application/merge-patch+json", patch, "status");
      if (this.options.recordDecisions) await this.annotate(pod, result);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** kube-scheduler-simulator's result annotations: JSON per node and plugin. */
  private async annotate(pod: KubeObject, result: ScheduleResult): Promise<void> {
    const filter: Record<string, Record<string, string>> = {};
    const score: Record<string, Record<string, string>> = {};
    const finalScore: Record<string, Record<string, string>> = {};
    for (const [node, r] of Object.entries(result.nodes)) {
      filter[node] = r.feasible ? { "": "passed" } : { [r.plugin ?? ""]: r.reasons.join(", ") || (r.code ?? "rejected") };
      if (r.feasible) {
        score[node] = Object.fromEntries(Object.entries(r.scores).map(([p, s]) => [p, String(s)]));
        finalScore[node] = { total: String(r.total) };
      }
    }
    const annotations: Record<string, string> = {
      [RESULT_ANNOTATIONS.filter]: JSON.stringify(filter),
      [RESULT_ANNOTATIONS.score]: JSON.stringify(score),
      [RESULT_ANNOTATIONS.finalScore]: JSON.stringify(finalScore),
    };
    if (result.node) annotations[RESULT_ANNOTATIONS.selectedNode] = result.node;
    await this.options.client.patch(R.pods, pod.metadata!.namespace, pod.metadata!.name!, "application/merge-patch+json", { metadata: { annotations } });
  }
}
