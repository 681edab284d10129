/**
 * npm run bench: pod startup on the real node. Starts `kubeling up` (a kubelet on Docker),
 * creates 50 busybox pods one after another (each waits for the previous to be Running, as
 * Kubernetes' pod-startup SLI measures a pod alone), and reports create → Running latency
 * (p50/p99) beside the raw Docker latency of the same image measured in the same run
 * (`docker run -d`: create + start, through the Engine API). Bounded: 50 pods, 120 s.
 * Needs Docker (scripts/docker-up.sh).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient } from "./admin-client.js";
import Dockerode from "dockerode";

const PODS = Number(process.env.KUBELING_BENCH_NODE_PODS ?? 50);
const DEADLINE_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), "kubeling-bench-node-"));
const port = 21000 + Math.floor(Math.random() * 20000);
const nodeName = `bench-node-${process.pid}`;
const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// --- raw Docker: the same image, create + start, one at a time ---
const raw: number[] = [];
for (let i = 0; i < PODS; i++) {
  const t = performance.now();
  const c = await docker.createContainer({ Image: "busybox:latest", Cmd: ["sleep", "3600"], Labels: { "kubeling.io/bench": "raw" } });
  await c.start();
  raw.push(performance.now() - t);
  await c.remove({ force: true });
}

// --- kubeling up with its node ---
const child = spawn(process.execPath, ["dist/hosts/node/cli.js", "up", "--data-dir", dir, "--port", String(port), "--node-name", nodeName], { stdio: ["ignore", "pipe", "inherit"] });
process.on("exit", () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
let out = "";
child.stdout!.on("data", (d) => (out += d));
for (const deadline = Date.now() + 60_000; !out.includes(`node ${nodeName}:`); ) {
  if (Date.now() > deadline || child.exitCode !== null) throw new Error(`kubeling up did not start its node: ${out}`);
  await new Promise((r) => setTimeout(r, 50));
}
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
const started = Date.now();
for (let i = 0; i < PODS && Date.now() - started < DEADLINE_MS; i++) {
  const name = `startup-${i}`;
  const t = performance.now();
  const r = await call("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }], terminationGracePeriodSeconds: 0 },
  });
  if (r.status !== 201) throw new Error(`create pod: ${r.status} ${r.text}`);
  for (;;) {
    const p = JSON.parse((await call("GET", `/api/v1/namespaces/default/pods/${name}`)).text);
    if (p.status?.phase === "Running") break;
    if (Date.now() - started > DEADLINE_MS) throw new Error(`pod ${name} not Running in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
  startup.push(performance.now() - t);
}

const exited = new Promise((r) => child.once("exit", r));
child.kill("SIGINT");
await exited;
admin.close();

const s = [...startup].sort((a, b) => a - b);
const d = [...raw].sort((a, b) => a - b);
console.log(`\nnode benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; kubeling up with a kubelet on Docker`);
console.log("| measure | p50 ms | p99 ms | n |");
console.log("|---|---:|---:|---:|");
console.log(`| pod create → Running (API write, schedule, bind, sandbox, container, status) | ${percentile(s, 50).toFixed(0)} | ${percentile(s, 99).toFixed(0)} | ${s.length} |`);
console.log(`| raw Docker create + start of the same image | ${percentile(d, 50).toFixed(0)} | ${percentile(d, 99).toFixed(0)} | ${d.length} |`);
console.log(`p99 ratio kubeling / raw Docker: ${(percentile(s, 99) / percentile(d, 99)).toFixed(2)} (target ≤ 2; Kubernetes' SLO is p99 ≤ 5 s)`);
