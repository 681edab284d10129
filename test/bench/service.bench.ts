/**
 * npm run bench: Service throughput on the real node. Starts `kubeling up` (a kubelet on
 * Docker, kube-proxy in iptables mode), runs 2 busybox httpd pods behind a ClusterIP
 * Service, and sends HTTP GETs from this process — the same client, the same pods — once
 * through the cluster IP (nat OUTPUT: DNAT to a pod picked by `statistic`, masquerade) and
 * once straight to the pod IPs (alternating, so both pods share the load as behind the
 * Service). busybox httpd closes every connection, so each request is a new TCP connection:
 * what the Service costs is one trip through the nat chains per connection.
 * Reports req/s, p50/p99 latency and the ratio ClusterIP / pod IP. Bounded: each run stops
 * at REQUESTS requests or SECONDS seconds, whichever comes first, CONCURRENCY in flight.
 * Holds the docker-node machine lock (it shares the bridge and chains with the e2e suites).
 */

import { mkdtempSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { request, Agent } from "node:http";
import { adminClient } from "./admin-client.js";
import { startKubelingUp } from "./kubeling-up.js";
import { machineLock } from "../e2e/harness.js";

const REQUESTS = Number(process.env.KUBELING_BENCH_SERVICE_REQUESTS ?? 20_000);
const SECONDS = Number(process.env.KUBELING_BENCH_SERVICE_SECONDS ?? 5);
const CONCURRENCY = 16;
const WARMUP = 200;
const dir = mkdtempSync(join(tmpdir(), "kubeling-bench-service-"));
const port = 21000 + Math.floor(Math.random() * 20000);
const nodeName = `bench-service-${process.pid}`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// No keep-alive (httpd closes anyway): every request is a fresh connection, as a Service sees new clients.
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function get(host: string, port: number): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: "/", agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`HTTP ${res.statusCode} from ${host}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout from ${host}`)));
    req.on("error", reject);
    req.end();
  });
}

interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/** CONCURRENCY loops, each sending to targets[i % n] until the count or the time runs out. */
async function load(targets: [string, number][], maxRequests: number, maxSeconds: number): Promise<Run> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < maxRequests && performance.now() < deadline) {
        const [host, p] = targets[issued++ % targets.length];
        try {
          latencies.push(await get(host, p));
        } catch {
          errors++;
          if (errors > 100) throw new Error(`too many errors against ${targets.map((t) => t.join(":")).join(", ")}`);
        }
      }
    }),
  );
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b), errors };
}

const release = await machineLock("docker-node");
process.on("exit", release);
const server = await startKubelingUp(dir, ["--port", String(port), "--node-name", nodeName], "load balancers:", 90_000);
const admin = adminClient(dir, port);
const call = admin.call;
const must = async (method: string, path: string, body?: unknown) => {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return JSON.parse(r.text);
};

await must("POST", "/apis/apps/v1/namespaces/default/deployments", {
  metadata: { name: "bench-web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "bench-web" } },
    template: {
      metadata: { labels: { app: "bench-web" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "httpd", image: "busybox", command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"] }],
      },
    },
  },
});
const svc = await must("POST", "/api/v1/namespaces/default/services", {
  metadata: { name: "bench-web" },
  spec: { selector: { app: "bench-web" }, ports: [{ port: 80, targetPort: 8080 }] },
});
const clusterIP: string = svc.spec.clusterIP;

// Both pods Running with IPs, both in the Service's EndpointSlice and answering through it.
let podIPs: string[] = [];
for (const deadline = Date.now() + 60_000; ; ) {
  const pods = (await must("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dbench-web")).items as { status: { phase?: string; podIP?: string } }[];
  podIPs = pods.filter((p) => p.status.phase === "Running" && p.status.podIP).map((p) => p.status.podIP!);
  const slices = (await must("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dbench-web")).items as { endpoints?: { conditions?: { ready?: boolean } }[] }[];
  const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
  if (podIPs.length === 2 && ready === 2 && (await get(clusterIP, 80).then(() => true, () => false))) break;
  if (Date.now() > deadline) throw new Error("the pods or the Service did not come up");
  await sleep(200);
}
const viaService: [string, number][] = [[clusterIP, 80]];
const direct: [string, number][] = podIPs.map((ip): [string, number] => [ip, 8080]);

await load(viaService, WARMUP, 10);
await load(direct, WARMUP, 10);
// Alternate the order between rounds so neither side always runs on a warmer machine.
const results: { what: string; run: Run }[] = [];
for (const [what, targets] of [["ClusterIP", viaService], ["pod IPs", direct], ["pod IPs", direct], ["ClusterIP", viaService]] as const) {
  results.push({ what, run: await load(targets as [string, number][], REQUESTS, SECONDS) });
}

await server.stop();
admin.close();

const merge = (what: string) => {
  const runs = results.filter((r) => r.what === what).map((r) => r.run);
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return { rate: requests / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), requests, errors: runs.reduce((n, r) => n + r.errors, 0) };
};
const s = merge("ClusterIP");
const d = merge("pod IPs");
console.log(`\nservice benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs; kubeling up, kube-proxy (iptables), 2 busybox httpd pods`);
console.log(`HTTP GET from the host, a new connection each, concurrency ${CONCURRENCY}, two runs each of ≤ ${REQUESTS} requests or ≤ ${SECONDS} s`);
console.log("| path | req/s | p50 ms | p99 ms | requests | errors |");
console.log("|---|---:|---:|---:|---:|---:|");
console.log(`| ClusterIP ${clusterIP}:80 (DNAT + masquerade) | ${s.rate.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.requests} | ${s.errors} |`);
console.log(`| pod IPs directly (${podIPs.join(", ")}:8080) | ${d.rate.toFixed(0)} | ${d.p50.toFixed(2)} | ${d.p99.toFixed(2)} | ${d.requests} | ${d.errors} |`);
console.log(`ratio ClusterIP / pod IP: throughput ${(s.rate / d.rate).toFixed(2)}, p50 ${(s.p50 / d.p50).toFixed(2)}, p99 ${(s.p99 / d.p99).toFixed(2)}`);
