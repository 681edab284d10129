// `kubeling up` for a benchmark: started from the built CLI (with any extra Node flags from
// KUBELING_BENCH_SERVER_NODE_ARGS, e.g. --cpu-prof), its stdout collected until `readyLine`
// appears (bounded), killed if the benchmark ends without stopping it, its data dir removed.
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

export interface BenchKubeling {
  child: ChildProcess;
  /** Ctrl-C, and the exit awaited. */
  stop(): Promise<void>;
}

export async function startKubelingUp(dataDir: string, args: string[], readyLine: string, timeoutMs: number): Promise<BenchKubeling> {
  const nodeArgs = (process.env.KUBELING_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "dist/hosts/node/cli.js", "up", "--data-dir", dataDir, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  // A failed run must not leave the server behind (it holds this process's stderr open).
  process.on("exit", () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  for (const deadline = Date.now() + timeoutMs; !out.includes(readyLine); ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`kubeling up did not print ${JSON.stringify(readyLine)}: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    },
  };
}
