// What the kubectl end-to-end suites share: the real kubectl 1.32, the built CLI, kubectl
// runs against one data dir's kubeconfig, manifests written to files, and bounded waits.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
export const CLI = join(import.meta.dirname, "../../dist/hosts/node/cli.js");

export interface KubectlResult {
  code: number | null;
  out: string;
  err: string;
}

/** kubectl with `dataDir`'s kubeconfig (HOME is `home`, so no user cache leaks in). */
export function kubectlFor(dataDir: string, home: string): (...args: string[]) => KubectlResult {
  return (...args) => {
    const result = spawnSync(KUBECTL, args, { encoding: "utf8", env: { ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: home }, timeout: 120_000 });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
}

/** `kubectl apply -f` of `text`, written to `dir/name` first. */
export function applierFor(kubectl: (...args: string[]) => KubectlResult, dir: string): (name: string, text: string) => KubectlResult {
  return (name, text) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return kubectl("apply", "-f", file);
  };
}

/** Polls `fn` every 200 ms until it returns something truthy, for at most `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A lock held across test processes: suites that run `kubeling up` with a Docker node share
 * this machine's pod bridge, its node podCIDR 10.244.0.0/24, the KUBELING chains and the
 * cluster DNS address, so they take turns (vitest runs files in parallel forks). A lock whose
 * holder died is taken over. Returns the release function.
 */
export async function machineLock(name: string, timeoutMs = 600_000): Promise<() => void> {
  const { mkdirSync, readFileSync, rmSync: rm, writeFileSync: write } = await import("node:fs");
  const dir = join("/tmp/kubeling-test-locks", name);
  mkdirSync("/tmp/kubeling-test-locks", { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      write(join(dir, "pid"), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(dir, "pid"), "utf8"));
      } catch {
        // Being written right now, or being released.
      }
      if (holder && !alive(holder)) rm(dir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${name} lock (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
