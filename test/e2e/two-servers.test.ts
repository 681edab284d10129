// Two `kubeling up --etcd` servers on one etcd serve one cluster: what kubectl writes
// through one, a kubectl watch through the other sees.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd, type EtcdProcess } from "../storage/etcd-process.js";

const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const CLI = join(import.meta.dirname, "../../dist/hosts/node/cli.js");
const dir = mkdtempSync(join(tmpdir(), "kubeling-two-"));
let etcd: EtcdProcess;
const servers: { child: ChildProcess; kubeconfig: string }[] = [];

async function up(name: string, endpoint: string): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const dataDir = join(dir, name);
  const port = 21000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [CLI, "up", "--data-dir", dataDir, "--port", String(port), "--no-node", "--etcd", endpoint], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 20_000;
  while (!output.includes("API server listening")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`kubeling up (${name}) did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, kubeconfig: join(dataDir, "kubeconfig") };
}

function kubectl(kubeconfig: string, args: string[]) {
  return spawnSync(KUBECTL, args, { encoding: "utf8", env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 30_000 });
}

beforeAll(async () => {
  etcd = await startEtcd();
  servers.push(await up("a", etcd.endpoint), await up("b", etcd.endpoint));
});

afterAll(async () => {
  for (const s of servers) {
    if (s.child.exitCode === null) {
      const exited = new Promise((r) => s.child.once("exit", r));
      s.child.kill("SIGINT");
      await exited;
    }
  }
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("two kubeling API servers on one etcd", () => {
  it("a write through one is seen by a watch through the other", async () => {
    const [a, b] = servers;
    const watcher = spawn(KUBECTL, ["get", "configmaps", "-w", "--output-watch-events"], { env: { ...process.env, KUBECONFIG: b.kubeconfig, HOME: dir } });
    let seen = "";
    watcher.stdout.on("data", (d) => (seen += d));
    await new Promise((r) => setTimeout(r, 1500));
    const file = join(dir, "cm.yaml");
    writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  from: a\n");
    expect(kubectl(a.kubeconfig, ["create", "-f", file]).stdout.trim()).toBe("configmap/shared created");
    const deadline = Date.now() + 10_000;
    while (!/ADDED\s+shared/.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watcher.kill();
    expect(seen).toMatch(/ADDED\s+shared/);
    expect(kubectl(b.kubeconfig, ["get", "cm", "shared", "-o", "jsonpath={.data.from}"]).stdout).toBe("a");
    // A conflicting write through b, with a's resourceVersion after a changed it, is refused.
    const fromA = JSON.parse(kubectl(a.kubeconfig, ["get", "cm", "shared", "-o", "json"]).stdout) as Record<string, unknown>;
    expect(kubectl(a.kubeconfig, ["label", "cm", "shared", "x=1"]).status).toBe(0);
    const stale = spawnSync(KUBECTL, ["replace", "-f", "-"], { input: JSON.stringify(fromA), encoding: "utf8", env: { ...process.env, KUBECONFIG: b.kubeconfig, HOME: dir } });
    expect(stale.stderr).toContain("Error from server (Conflict)");
  });
});
