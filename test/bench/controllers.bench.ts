/**
 * npm run bench: the control loops at scale. Starts the real `kubeling up --simulate-nodes
 * 1000` (HTTPS, embedded store), creates 100 Deployments of 100 replicas over the API, and
 * follows every pod through one watch (as `kubectl get pods -A -w` would): when it is bound
 * (the scheduler's write) and when it is Running. Reports the time until all 10,000 are
 * Running, the scheduler's sustained rate through the full loop (API writes included),
 * and the core scheduler's own rate on the same shape (1,000 nodes, 10,000 pods) beside it.
 * Bounded: KUBELING_BENCH_LOOP_NODES / _DEPLOYMENTS / _REPLICAS, and a 180 s deadline.
 */

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { adminClient } from "./admin-client.js";
import { startKubelingUp } from "./kubeling-up.js";
import { loadCore } from "../../core/index.js";
import type { V1Pod } from "../../core/index.js";

const NODES = Number(process.env.KUBELING_BENCH_LOOP_NODES ?? 1000);
const DEPLOYMENTS = Number(process.env.KUBELING_BENCH_LOOP_DEPLOYMENTS ?? 100);
const REPLICAS = Number(process.env.KUBELING_BENCH_LOOP_REPLICAS ?? 100);
const PODS = DEPLOYMENTS * REPLICAS;
const DEADLINE_MS = 180_000;
const dir = mkdtempSync(join(tmpdir(), "kubeling-bench-loops-"));
const port = 21000 + Math.floor(Math.random() * 20000);

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const hwmMiB = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

// --- the control plane, with simulated nodes ---
const startedAt = performance.now();
const server = await startKubelingUp(dir, ["--port", String(port), "--no-node", "--simulate-nodes", String(NODES)], "simulated nodes:", 60_000);
const child = server.child;
const registeredSeconds = (performance.now() - startedAt) / 1000;

const admin = adminClient(dir, port, { maxSockets: 16 });
const call = admin.call;

// Wait for every node to be Ready (registered and heartbeating) before the clock starts.
for (const deadline = Date.now() + 60_000; ; ) {
  const nodes = JSON.parse((await call("GET", "/api/v1/nodes")).text).items as { status?: { conditions?: { type: string; status: string }[] } }[];
  const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
  if (ready === NODES) break;
  if (Date.now() > deadline) throw new Error(`only ${ready} of ${NODES} nodes Ready`);
  await new Promise((r) => setTimeout(r, 500));
}
const idleRss = rssMiB(child.pid!);

// --- one watch on every pod ---
const boundAt = new Map<string, number>();
const runningAt = new Map<string, number>();
const rv = JSON.parse((await call("GET", "/api/v1/pods?limit=1")).text).metadata.resourceVersion as string;
const watchAgent = admin.agent();
let watchEvents = 0;
const watch = request({ host: "127.0.0.1", port, method: "GET", path: `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, agent: watchAgent }, (res) => {
  res.setEncoding("utf8");
  let buffered = "";
  res.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    const now = performance.now();
    for (const line of lines) {
      if (!line) continue;
      watchEvents++;
      const e = JSON.parse(line) as { type: string; object: { metadata: { uid: string }; spec?: { nodeName?: string }; status?: { phase?: string } } };
      if (e.type === "BOOKMARK") continue;
      const uid = e.object.metadata.uid;
      if (e.object.spec?.nodeName && !boundAt.has(uid)) boundAt.set(uid, now);
      if (e.object.status?.phase === "Running" && !runningAt.has(uid)) runningAt.set(uid, now);
    }
  });
});
watch.end();

// --- 100 Deployments of 100 ---
const deployment = (i: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: `load-${i}` },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: `load-${i}` } },
    template: {
      metadata: { labels: { app: `load-${i}` } },
      spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
    },
  },
});
const cpuBefore = cpuSeconds(child.pid!);
const t0 = performance.now();
const progress: string[] = [];
const progressTimer = setInterval(() => progress.push(`${((performance.now() - t0) / 1000).toFixed(0)} s: ${boundAt.size} bound, ${runningAt.size} Running`), 5000);
for (let i = 0; i < DEPLOYMENTS; i++) {
  const r = await call("POST", "/apis/apps/v1/namespaces/default/deployments", deployment(i));
  if (r.status !== 201) throw new Error(`create deployment: ${r.status} ${r.text}`);
}
const createdSeconds = (performance.now() - t0) / 1000;
while (runningAt.size < PODS && performance.now() - t0 < DEADLINE_MS) await new Promise((r) => setTimeout(r, 100));
clearInterval(progressTimer);
const allRunningSeconds = (performance.now() - t0) / 1000;
const serverCpu = cpuSeconds(child.pid!) - cpuBefore;
// Every write bumps the store's revision: the writes the run took, and how many were Events.
const rvAfter = Number(JSON.parse((await call("GET", "/api/v1/pods?limit=1")).text).metadata.resourceVersion);
const eventList = JSON.parse((await call("GET", "/api/v1/events")).text) as { items: unknown[] };
const eventsStored = eventList.items.length;
const peakRss = hwmMiB(child.pid!);
const statusNow = readFileSync(`/proc/${child.pid}/status`, "utf8");
const anonNow = Number(/RssAnon:\s+(\d+) kB/.exec(statusNow)![1]) / 1024;
const fileNow = Number(/RssFile:\s+(\d+) kB/.exec(statusNow)![1]) / 1024;
watch.destroy();
if (runningAt.size < PODS) console.log(`!! only ${runningAt.size} of ${PODS} pods Running after ${DEADLINE_MS / 1000} s`);

// Sustained scheduler rate: bindings between 10% and 90% of the pods (ramp-up and tail excluded).
const binds = [...boundAt.values()].sort((a, b) => a - b);
const lo = binds[Math.floor(binds.length * 0.1)];
const hi = binds[Math.floor(binds.length * 0.9)];
const sustained = (binds.length * 0.8) / ((hi - lo) / 1000);
const firstBind = (binds[0] - t0) / 1000;
const lastBind = (binds[binds.length - 1] - t0) / 1000;

// --- the core scheduler alone, same shape: NODES nodes like the simulated ones, PODS pods ---
const core = await loadCore();
const s = core.scheduler.create(null as never, { seed: 1 });
for (let i = 0; i < NODES; i++) {
  const name = `kubeling-sim-${i}`;
  s.addNode({ metadata: { name, labels: { "kubernetes.io/hostname": name } }, status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" } } });
}
// Owned by a ReplicaSet the cache knows, as in the loop: PodTopologySpread's system
// default constraints then apply (they take their selector from the owner).
for (let d = 0; d < DEPLOYMENTS; d++) {
  s.addReplicaSet({ metadata: { name: `load-${d}-rs`, namespace: "default", uid: `rs-${d}` }, spec: { replicas: REPLICAS, selector: { matchLabels: { app: `load-${d}` } } } } as never);
}
const pod = (d: number, r: number): V1Pod => ({
  metadata: { name: `load-${d}-${r}`, namespace: "default", labels: { app: `load-${d}` }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `load-${d}-rs`, uid: `rs-${d}`, controller: true }] },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
});
const c0 = performance.now();
let coreScheduled = 0;
for (let r = 0; r < REPLICAS; r++) {
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const p = pod(d, r);
    const result = s.schedule(p, { explain: false });
    if (result.node) {
      s.assume(p, result.node);
      coreScheduled++;
    }
  }
}
const coreSeconds = (performance.now() - c0) / 1000;
s.dispose();

const exited = new Promise((r) => child.once("exit", r));
child.kill("SIGINT");
await exited;

console.log(`\ncontrol loops benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; kubeling up --simulate-nodes ${NODES}, embedded store`);
for (const line of progress) console.log(`  ${line}`);
console.log("| measure | value |");
console.log("|---|---:|");
console.log(`| ${NODES} simulated nodes registered and Ready (from process start) | ${registeredSeconds.toFixed(1)} s |`);
console.log(`| ${DEPLOYMENTS} Deployments × ${REPLICAS} created (API calls) | ${createdSeconds.toFixed(2)} s |`);
console.log(`| **all ${PODS} pods Running** (from the first create; target < 60 s) | **${allRunningSeconds.toFixed(1)} s** |`);
console.log(`| first / last pod bound | ${firstBind.toFixed(1)} s / ${lastBind.toFixed(1)} s |`);
console.log(`| scheduler through the full loop, sustained (10–90% of binds; Binding write included) | ${sustained.toFixed(0)} pods/s |`);
console.log(`| core scheduler alone, same ${NODES} nodes × ${PODS} pods (schedule + assume, no API) | ${(coreScheduled / coreSeconds).toFixed(0)} pods/s |`);
console.log(`| kubeling up CPU during the run (both cores count) | ${serverCpu.toFixed(1)} s (${((serverCpu * 1000) / PODS).toFixed(2)} ms per pod) |`);
console.log(`| kubeling up RSS: idle with ${NODES} nodes / peak | ${idleRss.toFixed(0)} MiB / ${peakRss.toFixed(0)} MiB |`);
console.log(`| kubeling up RSS at the end: heap and other anonymous / mapped files (the store) | ${anonNow.toFixed(0)} MiB / ${fileNow.toFixed(0)} MiB |`);
console.log(`| store writes during the run / Events stored | ${rvAfter - Number(rv)} (${((rvAfter - Number(rv)) / PODS).toFixed(1)} per pod) / ${eventsStored} |`);
console.log(`| pod watch events seen | ${watchEvents} |`);
console.log(`KWOK documents ~20 pods/s; kube-scheduler's scheduler_perf floors are a few hundred pods/s.`);
admin.close();
