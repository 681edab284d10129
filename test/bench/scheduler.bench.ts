/**
 * npm run bench: scheduler throughput on scheduler_perf-shaped workloads, through the
 * stateful API (each pod added back to the cache after binding). Bounded in count.
 * So far: SchedulingBasic (5,000 nodes of 4 cpu / 32Gi / 110 pods; pods of 100m / 500Mi).
 */
import { loadCore } from "../../core/index.js";
import type { V1Node, V1Pod } from "../../core/index.js";

const NODES = 5000;
const INIT_PODS = 1000;
const PODS = Number(process.env.KUBELING_BENCH_PODS ?? 10000);

const node = (i: number): V1Node => ({
  metadata: { name: `node-${i}`, labels: { "kubernetes.io/hostname": `node-${i}` } },
  status: { allocatable: { cpu: "4", memory: "32Gi", pods: "110" } },
});

const pod = (name: string): V1Pod => ({
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m", memory: "500Mi" } }, ports: [{ containerPort: 80 }] }] },
});

async function run(percentage: number) {
  const core = await loadCore();
  const s = core.scheduler.create({ percentageOfNodesToScore: percentage });
  for (let i = 0; i < NODES; i++) s.addNode(node(i));
  const bind = (p: V1Pod, nodeName: string) => s.addPod({ ...p, spec: { ...p.spec!, nodeName } });
  for (let i = 0; i < INIT_PODS; i++) bind(pod(`init-${i}`), `node-${i % NODES}`);
  const t0 = performance.now();
  let scheduled = 0;
  for (let i = 0; i < PODS; i++) {
    const p = pod(`pod-${i}`);
    const r = s.schedule(p, { explain: false });
    if (r.node) {
      bind(p, r.node);
      scheduled++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const mem = core.memoryBytes();
  s.dispose();
  return { seconds, scheduled, mem };
}

const fmt = (n: number) => n.toFixed(0);
console.log(`scheduler benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, one thread`);
console.log("| workload | percentageOfNodesToScore | pods/s | µs per pod | ns per node per pod | core memory | kube-scheduler CI floor |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const [percentage, evaluated] of [[100, NODES], [0, 500]] as const) {
  const { seconds, scheduled, mem } = await run(percentage);
  const perPod = (seconds * 1e6) / PODS;
  console.log(
    `| SchedulingBasic ${NODES} nodes / ${PODS} pods | ${percentage === 0 ? "adaptive (10 %)" : percentage} | ${fmt(PODS / seconds)} | ${perPod.toFixed(0)} | ${fmt((perPod * 1000) / evaluated)} | ${(mem / 2 ** 20).toFixed(0)} MiB | 680 (16 threads, 10 %) |`,
  );
  if (scheduled !== PODS) throw new Error(`only ${scheduled} of ${PODS} pods scheduled`);
}
