/**
 * npm run bench: pod startup on the real node. Starts `kubeling up` (a kubelet on Docker),
 * creates 50 busybox pods one after another (each waits for the previous to be Running, as
 * Kubernetes' pod-startup SLI measures a pod alone), and reports create → Running latency
 * (p50/p99) beside the raw Docker latency of the same image measured in the same run, two
 * ways: `docker run -d` (the CLI, the issue's baseline) and create + start through the
 * Engine API (stricter: no CLI process). A pod is two containers (sandbox + app), so the
 * API ratio cannot go below ~2. Also where each pod's time went, from Docker's own
 * timestamps. Bounded: 50 pods, 120 s.
 * Needs Docker (scripts/docker-up.sh).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient } from "./admin-client.js";
import { startKubelingUp } from "./kubeling-up.js";
import { machineLock } from "../e2e/harness.js";
import Dockerode from "dockerode";

const PODS = Number(process.env.KUBELING_BENCH_NODE_PODS ?? 50);
const DEADLINE_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), "kubeling-bench-node-"));
const port = 21000 + Math.floor(Math.random() * 20000);
const nodeName = `bench-node-${process.pid}`;
const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// Other suites running `kubeling up` with a node share the bridge and the chains: take turns.
const release = await machineLock("docker-node");
process.on("exit", release);

// --- raw Docker: the same image, create + start, one at a time ---
const raw: number[] = [];
for (let i = 0; i < PODS; i++) {
  const t = performance.now();
  const c = await docker.createContainer({ Image: "busybox:latest", Cmd: ["sleep", "3600"], Labels: { "kubeling.io/bench": "raw" } });
  await c.start();
  raw.push(performance.now() - t);
  await c.remove({ force: true });
}

// --- raw `docker run -d` (the CLI, as the baseline names it): process start, create, start ---
const rawRun: number[] = [];
for (let i = 0; i < PODS; i++) {
  const t = performance.now();
  const r = spawnSync("docker", ["run", "-d", "--label", "kubeling.io/bench=raw", "busybox:latest", "sleep", "3600"], { encoding: "utf8", timeout: 30_000 });
  rawRun.push(performance.now() - t);
  if (r.status !== 0) throw new Error(`docker run: ${r.stderr}`);
  spawnSync("docker", ["rm", "-f", r.stdout.trim()], { timeout: 30_000 });
}

// --- kubeling up with its node ---
const server = await startKubelingUp(dir, ["--port", String(port), "--node-name", nodeName], `node ${nodeName}:`, 60_000);
const admin = adminClient(dir, port);
const call = admin.call;
// The node must be Ready before the clock starts.
for (const deadline = Date.now() + 30_000; ; ) {
  const r = await call("GET", `/api/v1/nodes/${nodeName}`);
  if (r.status === 200 && (JSON.parse(r.text).status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")) break;
  if (Date.now() > deadline) throw new Error("node not Ready");
  await new Promise((r) => setTimeout(r, 100));
}

const startup: number[] = [];
/** Per pod, where the time went (ms from the create call), read from Docker's own timestamps. */
const stages: { name: string; total: number; scheduled: number; sandboxCreated: number; sandboxStarted: number; appCreated: number; appStarted: number }[] = [];
const dockerTime = (iso: string) => Date.parse(iso) + Number((/\.\d{3}(\d*)Z$/.exec(iso)?.[1] ?? "").padEnd(6, "0").slice(0, 6)) / 1e6;
const started = Date.now();
for (let i = 0; i < PODS && Date.now() - started < DEADLINE_MS; i++) {
  const name = `startup-${i}`;
  const t = performance.now();
  const wall = Date.now();
  let scheduled = 0;
  const r = await call("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }], terminationGracePeriodSeconds: 0 },
  });
  if (r.status !== 201) throw new Error(`create pod: ${r.status} ${r.text}`);
  for (;;) {
    const p = JSON.parse((await call("GET", `/api/v1/namespaces/default/pods/${name}`)).text);
    if (!scheduled && p.spec?.nodeName) scheduled = performance.now() - t;
    if (p.status?.phase === "Running") break;
    if (Date.now() - started > DEADLINE_MS) throw new Error(`pod ${name} not Running in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
  startup.push(performance.now() - t);
  const at: Record<string, { created: number; started: number }> = {};
  for (const c of await docker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.name=${name}`] } })) {
    const info = await docker.getContainer(c.Id).inspect();
    const kind = info.Config.Labels["io.kubernetes.docker.type"] === "podsandbox" || info.Config.Image.includes("pause") ? "sandbox" : "app";
    at[kind] = { created: dockerTime(info.Created) - wall, started: dockerTime(info.State.StartedAt) - wall };
  }
  stages.push({ name, total: startup[startup.length - 1], scheduled, sandboxCreated: at.sandbox?.created ?? NaN, sandboxStarted: at.sandbox?.started ?? NaN, appCreated: at.app?.created ?? NaN, appStarted: at.app?.started ?? NaN });
}

await server.stop();
admin.close();

const s = [...startup].sort((a, b) => a - b);
const d = [...raw].sort((a, b) => a - b);
console.log(`\nnode benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; kubeling up with a kubelet on Docker`);
console.log("| measure | p50 ms | p99 ms | n |");
console.log("|---|---:|---:|---:|");
console.log(`| pod create → Running (API write, schedule, bind, sandbox, container, status) | ${percentile(s, 50).toFixed(0)} | ${percentile(s, 99).toFixed(0)} | ${s.length} |`);
console.log(`| raw Docker create + start of the same image | ${percentile(d, 50).toFixed(0)} | ${percentile(d, 99).toFixed(0)} | ${d.length} |`);
const dr = [...rawRun].sort((a, b) => a - b);
console.log(`| raw \`docker run -d\` of the same image (CLI) | ${percentile(dr, 50).toFixed(0)} | ${percentile(dr, 99).toFixed(0)} | ${dr.length} |`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stageRow = (label: string, pick: (x: (typeof stages)[number]) => number) => `| ${label} | ${median(stages.map(pick)).toFixed(0)} | ${[...stages].sort((a, b) => b.total - a.total).slice(0, 3).map((x) => pick(x).toFixed(0)).join(" / ")} |`;
console.log("\nwhere the time goes (ms after the create call; Docker's timestamps):");
console.log("| stage | median | the 3 slowest pods |");
console.log("|---|---:|---:|");
console.log(stageRow("seen bound to the node", (x) => x.scheduled));
console.log(stageRow("sandbox created", (x) => x.sandboxCreated));
console.log(stageRow("sandbox started", (x) => x.sandboxStarted));
console.log(stageRow("app container created", (x) => x.appCreated));
console.log(stageRow("app container started", (x) => x.appStarted));
console.log(stageRow("seen Running", (x) => x.total));
console.log(`p99 ratio kubeling / raw \`docker run -d\`: ${(percentile(s, 99) / percentile(dr, 99)).toFixed(2)} (target ≤ 2; Kubernetes' SLO is p99 ≤ 5 s)`);
console.log(`p99 ratio kubeling / raw Engine API create + start (stricter: no CLI process; a pod is two containers): ${(percentile(s, 99) / percentile(d, 99)).toFixed(2)}`);
