// Helpers for suites that build throwaway network namespaces (needs root, iproute2, iptables
// and busybox): commands in a namespace, busybox httpd "pods", bounded HTTP probes, and
// cleanup. Nothing here touches the root namespace's network settings.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function sh(args: string[], ns?: string) {
  const full = ns ? ["ip", "netns", "exec", ns, ...args] : args;
  const r = spawnSync(full[0], full.slice(1), { encoding: "utf8", timeout: 10_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export function must(args: string[], ns?: string): string {
  const r = sh(args, ns);
  if (r.code !== 0) throw new Error(`${args.join(" ")} (in ${ns ?? "root"}): ${r.stderr}`);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One HTTP GET with busybox wget from `ns`: the body, or the error; killed after `timeoutMs`. */
export async function get(url: string, ns: string, timeoutMs = 3_000): Promise<{ ok: boolean; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    // busybox 1.35's `wget -T` crashes; a timer bounds the request instead.
    const child = spawn("ip", ["netns", "exec", ns, "busybox", "wget", "-qO-", url], { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, body: code === 0 ? out.trim() : err.trim() || `exit ${code ?? signal}`, ms: Date.now() - started });
    });
  });
}

/**
 * Requests `url` until every answer in `want` has been seen (or, without `want`, `n` times),
 * at most `n` requests and `budgetMs`: how often each answer (or error) came.
 */
export async function answers(url: string, ns: string, n: number, budgetMs = 15_000, want: string[] = []): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < n && Date.now() < deadline; i++) {
    const r = await get(url, ns);
    const key = r.ok ? r.body : `error: ${r.body}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (want.length > 0 && want.every((w) => seen.has(w))) break;
    if (!r.ok) await sleep(100);
  }
  return seen;
}

/** Serves `index.html` = `body` on :8080 in `ns` (busybox httpd); resolves once it answers. */
export async function startHttpd(ns: string, ip: string, root: string, body: string): Promise<ChildProcess> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "index.html"), `${body}\n`);
  const child = spawn("ip", ["netns", "exec", ns, "busybox", "httpd", "-f", "-p", "8080", "-h", root], { stdio: "ignore" });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const r = await get(`http://${ip}:8080/`, ns);
    if (r.ok && r.body === body) return child;
    if (Date.now() > deadline) throw new Error(`httpd in ${ns} did not answer: ${r.body}`);
    await sleep(100);
  }
}

/** Kills whatever still runs in each namespace, then deletes it (missing ones are fine). */
export function removeNamespaces(names: string[]): void {
  for (const ns of names) {
    const pids = sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) spawnSync("kill", ["-9", pid]);
    sh(["ip", "netns", "del", ns]);
  }
}

/** A veth pair from `node` into a new namespace `pod`: `eth0` there with `ip/prefix`, default via `gw`. */
export function addPodNamespace(node: string, pod: string, hostIf: string, ip: string, prefix: number, gw: string, bridge?: string): void {
  must(["ip", "netns", "add", pod]);
  must(["ip", "link", "set", "lo", "up"], pod);
  must(["ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", pod], node);
  if (bridge) must(["ip", "link", "set", hostIf, "master", bridge], node);
  must(["ip", "link", "set", hostIf, "up"], node);
  must(["ip", "addr", "add", `${ip}/${prefix}`, "dev", "eth0"], pod);
  must(["ip", "link", "set", "eth0", "up"], pod);
  must(["ip", "route", "add", "default", "via", gw], pod);
}
