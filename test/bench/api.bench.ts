/**
 * npm run bench: the API server on loopback. Starts `kubeling up` (the real command, HTTPS,
 * the embedded store) in a temporary data dir, measures its idle RSS, then drives it from
 * this process over keep-alive HTTPS with the admin's client certificate: creates
 * (16 in flight, after an unmeasured warm-up), gets, a list of everything, and a watch fan-out to 1,000 watchers.
 * Bounded: KUBELING_BENCH_API_OBJECTS objects (default 5,000), at most ~60 s per phase.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { adminClient } from "./admin-client.js";
import { startKubelingUp } from "./kubeling-up.js";

const OBJECTS = Number(process.env.KUBELING_BENCH_API_OBJECTS ?? 5000);
const WATCHERS = Number(process.env.KUBELING_BENCH_API_WATCHERS ?? 1000);
const INFLIGHT = Number(process.env.KUBELING_BENCH_API_INFLIGHT ?? 16);
const dir = mkdtempSync(join(tmpdir(), "kubeling-bench-api-"));
const port = 21000 + Math.floor(Math.random() * 20000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const server = await startKubelingUp(dir, ["--port", String(port), "--no-node"], "API server listening", 20_000);
const child = server.child;
await new Promise((r) => setTimeout(r, 2000));
const idleRss = rssMiB(child.pid!);

const admin = adminClient(dir, port, { maxSockets: 64 });
const call = admin.call;

async function pool<T>(count: number, inFlight: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}

const rows: string[] = [];
const record = (what: string, count: number, seconds: number, latencies?: number[]) => {
  const sorted = latencies?.length ? [...latencies].sort((a, b) => a - b) : undefined;
  rows.push(`| ${what} | ${count} | ${(count / seconds).toFixed(0)} | ${sorted ? percentile(sorted, 50).toFixed(2) : "–"} | ${sorted ? percentile(sorted, 99).toFixed(2) : "–"} |`);
};

const configmap = (i: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, labels: { bench: "api", n: String(i % 10) } }, data: { value: "x".repeat(200) } });

// Watch fan-out: WATCHERS streams on configmaps in default, opened before the creates.
let watchEvents = 0;
const lastSeen = new Map<string, number>();
const sentAt = new Map<string, number>();
const watchAgent = admin.agent();
const watchers: ReturnType<typeof request>[] = [];
const WATCHED = 100;
await pool(WATCHERS, 50, () =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "GET", path: "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=bench%3Dwatched&resourceVersion=1", agent: watchAgent }, (res) => {
      res.setEncoding("utf8");
      let buffered = "";
      res.on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (!line) continue;
          const name = (JSON.parse(line) as { object: { metadata: { name: string } } }).object.metadata.name;
          const t = performance.now();
          watchEvents++;
          lastSeen.set(name, t);
        }
      });
      resolve();
    });
    req.on("error", reject);
    req.end();
    watchers.push(req);
  }),
);
const rssWithWatchers = rssMiB(child.pid!);

// Warm-up (not measured): the server's code paths get compiled, as in a cluster that has run for a while.
await pool(Math.min(OBJECTS, 2000), INFLIGHT, (i) => call("POST", "/api/v1/namespaces/kube-public/configmaps", configmap(i)));

// Creates, 16 in flight.
let t0 = performance.now();
const serverCpu0 = cpuSeconds(child.pid!);
const clientCpu0 = process.cpuUsage();
const creates = await pool(OBJECTS, INFLIGHT, (i) => call("POST", "/api/v1/namespaces/default/configmaps", configmap(i)));
record(`create (${INFLIGHT} in flight)`, OBJECTS, (performance.now() - t0) / 1000, creates.map((r) => r.ms));
const clientCpu = process.cpuUsage(clientCpu0);
const createCpu = `CPU per create: server ${((1000 * (cpuSeconds(child.pid!) - serverCpu0)) / OBJECTS).toFixed(2)} ms, this client ${((clientCpu.user + clientCpu.system) / 1000 / OBJECTS).toFixed(2)} ms (both share the machine's cores)`;
if (creates.some((r) => r.status !== 201)) throw new Error(`a create failed: ${creates.find((r) => r.status !== 201)!.text}`);

// Gets, one at a time.
t0 = performance.now();
const gets = await pool(Math.min(OBJECTS, 2000), 1, (i) => call("GET", `/api/v1/namespaces/default/configmaps/cm-${i}`));
record("get (sequential)", gets.length, (performance.now() - t0) / 1000, gets.map((r) => r.ms));

// Lists of everything, and with a label selector (matched by the Wasm core).
t0 = performance.now();
const lists = await pool(10, 1, () => call("GET", "/api/v1/namespaces/default/configmaps"));
record(`list ${OBJECTS} objects`, lists.length, (performance.now() - t0) / 1000, lists.map((r) => r.ms));
t0 = performance.now();
const selected = await pool(10, 1, () => call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=n%20in%20(1,2),bench%3Dapi"));
record(`list with labelSelector (${OBJECTS} scanned)`, selected.length, (performance.now() - t0) / 1000, selected.map((r) => r.ms));

// Watch fan-out: WATCHED creates, each to be seen by every watcher.
t0 = performance.now();
await pool(WATCHED, 4, async (i) => {
  sentAt.set(`watched-${i}`, performance.now());
  return call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: `watched-${i}`, labels: { bench: "watched" } } });
});
const fanoutDeadline = Date.now() + 60_000;
while (watchEvents < WATCHED * WATCHERS && Date.now() < fanoutDeadline) await new Promise((r) => setTimeout(r, 20));
const fanoutSeconds = (performance.now() - t0) / 1000;
const delivery = [...lastSeen].map(([name, t]) => t - sentAt.get(name)!);
record(`watch events delivered (${WATCHERS} watchers × ${WATCHED} creates)`, watchEvents, fanoutSeconds, delivery);
const rssAfter = rssMiB(child.pid!);

for (const w of watchers) w.destroy();
await server.stop();
rmSync(dir, { recursive: true, force: true });
admin.close();
watchAgent.destroy();

console.log(`\nAPI server benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, kubeling up on loopback HTTPS, embedded store`);
console.log("| operation | count | per second | p50 ms | p99 ms |");
console.log("|---|---:|---:|---:|---:|");
for (const row of rows) console.log(row);
console.log(`\n${createCpu}`);
console.log(`watch delivery: p50/p99 is the time from a create being sent until the last of ${WATCHERS} watchers saw it`);
console.log(`RSS of kubeling up: idle ${idleRss.toFixed(0)} MiB, with ${WATCHERS} watchers ${rssWithWatchers.toFixed(0)} MiB, after the run ${rssAfter.toFixed(0)} MiB (target idle < 150 MB)`);
console.log(`targets: ≥ 2,000 creates/s, p99 < 50 ms for single-object calls`);
