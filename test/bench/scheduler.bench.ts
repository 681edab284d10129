/**
 * npm run bench: scheduler throughput on workloads shaped like kube-scheduler's
 * scheduler_perf (test/integration/scheduler_perf), through the stateful API: each pod is
 * scheduled, then assumed on its node in the cache (as kube-scheduler does before binding).
 * Nodes: 4 cpu / 32Gi / 110 pods. Pods: 100m / 500Mi unless a workload says otherwise.
 * Bounded in count: KUBELING_BENCH_PODS caps the measured pods of every workload.
 */
import { loadCore } from "../../core/index.js";
import type { StatefulScheduler, V1Node, V1Pod, V1Affinity, V1TopologySpreadConstraint } from "../../core/index.js";

const CAP = Number(process.env.KUBELING_BENCH_PODS ?? Infinity);
const ZONES = ["zone-a", "zone-b", "zone-c"];

function node(i: number, labels: Record<string, string> = {}): V1Node {
  return {
    metadata: { name: `node-${i}`, labels: { "kubernetes.io/hostname": `node-${i}`, ...labels } },
    status: { allocatable: { cpu: "4", memory: "32Gi", pods: "110" } },
  };
}

interface PodShape {
  labels?: Record<string, string>;
  cpu?: string;
  priority?: number;
  affinity?: V1Affinity;
  spread?: V1TopologySpreadConstraint[];
}

function pod(name: string, shape: PodShape = {}): V1Pod {
  return {
    metadata: { name, namespace: "default", labels: shape.labels },
    spec: {
      priority: shape.priority,
      affinity: shape.affinity,
      topologySpreadConstraints: shape.spread,
      containers: [{
        name: "pause",
        image: "registry.k8s.io/pause:3.10",
        resources: { requests: { cpu: shape.cpu ?? "100m", memory: "500Mi" } },
        ports: [{ containerPort: 80 }],
      }],
    },
  };
}

interface Workload {
  name: string;
  nodes: number;
  nodeLabels?: (i: number) => Record<string, string>;
  /** Pods bound before measuring: node index for init pod i, and its shape. */
  initPods: number;
  initShape?: PodShape;
  pods: number;
  shape?: PodShape;
  /** kube-scheduler's scheduler_perf CI floor (pods/s, 16 threads, adaptive percentage). */
  floor: string;
}

const antiAffinity: V1Affinity = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { color: "green" } }, topologyKey: "kubernetes.io/hostname" },
    ],
  },
};
const zoneAffinity: V1Affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["zone-a", "zone-b"] }] }],
    },
  },
};
const spread: V1TopologySpreadConstraint[] = [
  { maxSkew: 5, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { color: "blue" } } },
];

const WORKLOADS: Workload[] = [
  { name: "SchedulingBasic", nodes: 5000, initPods: 1000, pods: 10000, floor: "680" },
  {
    name: "TopologySpreading", nodes: 5000, nodeLabels: (i) => ({ "topology.kubernetes.io/zone": ZONES[i % 3] }),
    initPods: 5000, pods: 5000, shape: { labels: { color: "blue" }, spread }, floor: "460",
  },
  {
    name: "SchedulingPodAntiAffinity", nodes: 5000, initPods: 1000, initShape: { labels: { color: "green" }, affinity: antiAffinity },
    pods: 2000, shape: { labels: { color: "green" }, affinity: antiAffinity }, floor: "60",
  },
  {
    name: "SchedulingNodeAffinity", nodes: 5000, nodeLabels: (i) => ({ "topology.kubernetes.io/zone": ZONES[i % 3] }),
    initPods: 5000, pods: 10000, shape: { affinity: zoneAffinity }, floor: "220",
  },
  {
    // Every node full of low-priority pods (4 × 900m); each high-priority pod (3 cpu) must
    // preempt three of them: a preempting cycle, the victims removed, a second cycle.
    name: "Preemption", nodes: 5000, initPods: 20000, initShape: { cpu: "900m", priority: 0 },
    pods: 5000, shape: { cpu: "3", priority: 10 }, floor: "570 (PreemptionAsync)",
  },
];

function load(s: StatefulScheduler, w: Workload): void {
  for (let i = 0; i < w.nodes; i++) s.addNode(node(i, w.nodeLabels?.(i)));
  for (let i = 0; i < w.initPods; i++) {
    const p = pod(`init-${i}`, w.initShape);
    s.addPod({ ...p, spec: { ...p.spec!, nodeName: `node-${i % w.nodes}` } });
  }
}

async function run(w: Workload, percentage: number) {
  const core = await loadCore();
  const s = core.scheduler.create({ percentageOfNodesToScore: percentage });
  load(s, w);
  const pods = Math.min(w.pods, CAP);
  const t0 = performance.now();
  let scheduled = 0;
  let preempted = 0;
  for (let i = 0; i < pods; i++) {
    const p = pod(`pod-${i}`, w.shape);
    let r = s.schedule(p, { explain: false });
    if (!r.node && r.nominatedNode) {
      for (const v of r.victims ?? []) s.removePod(v.namespace, v.name);
      preempted += r.victims?.length ?? 0;
      r = s.schedule(p, { explain: false });
    }
    if (r.node) {
      s.assume(p, r.node);
      scheduled++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  // Wasm memory only grows, so its size now is the core's peak.
  const mem = core.memoryBytes();
  s.dispose();
  if (scheduled !== pods) throw new Error(`${w.name}: only ${scheduled} of ${pods} pods scheduled`);
  return { pods, seconds, mem, preempted };
}

const gc = (globalThis as { gc?: () => void }).gc;
console.log(`scheduler benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, one thread`);
console.log("| workload | nodes / init pods / pods | percentageOfNodesToScore | pods/s | µs per pod | ns per node per pod | core memory (peak) | kube-scheduler CI floor | × floor |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const w of WORKLOADS) {
  for (const percentage of [100, 0]) {
    gc?.();
    const { pods, seconds, mem, preempted } = await run(w, percentage);
    const perPod = (seconds * 1e6) / pods;
    const evaluated = percentage === 100 ? w.nodes : Math.max(100, Math.floor((w.nodes * Math.max(5, 50 - Math.floor(w.nodes / 125))) / 100));
    const note = preempted ? ` (${preempted} victims)` : "";
    console.log(
      `| ${w.name}${note} | ${w.nodes} / ${w.initPods} / ${pods} | ${percentage === 0 ? "adaptive" : percentage} | ${(pods / seconds).toFixed(0)} | ${perPod.toFixed(0)} | ${((perPod * 1000) / evaluated).toFixed(0)} | ${(mem / 2 ** 20).toFixed(0)} MiB | ${w.floor} | ${(pods / seconds / parseInt(w.floor, 10)).toFixed(1)}× |`,
    );
  }
}
