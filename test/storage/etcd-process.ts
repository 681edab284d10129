// A throwaway etcd (Debian's etcd-server) on loopback for the tests: its own data dir and
// ports, stopped and removed afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EtcdProcess {
  endpoint: string;
  /** SIGKILL, as a crash would. */
  crash(): Promise<void>;
  /** Starts again on the same data dir and ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdProcess> {
  const dir = mkdtempSync(join(tmpdir(), "kubeling-etcd-"));
  const client = 20000 + Math.floor(Math.random() * 20000);
  const peer = client + 1;
  const endpoint = `http://127.0.0.1:${client}`;
  const args = [
    "--name", "test",
    "--data-dir", join(dir, "data"),
    "--listen-client-urls", endpoint,
    "--advertise-client-urls", endpoint,
    "--listen-peer-urls", `http://127.0.0.1:${peer}`,
    "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
    "--initial-cluster", `test=http://127.0.0.1:${peer}`,
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn("etcd", args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (d) => (log = (log + d).slice(-4000)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${log}`);
      try {
        const res = await fetch(`${endpoint}/health`);
        if (res.ok && ((await res.json()) as { health?: string }).health === "true") return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  };
  await launch();
  return {
    endpoint,
    crash: () => kill("SIGKILL"),
    restart: launch,
    async stop() {
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
