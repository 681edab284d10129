// What the kubectl end-to-end suites share: the real kubectl 1.32, the built CLI, kubectl
// runs against one data dir's kubeconfig, manifests written to files, bounded waits, the
// `kubeling` and kubectl processes left running in the background, this node's Docker
// containers and bounded requests from the host.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
export const CLI = join(import.meta.dirname, "../../dist/hosts/node/cli.js");

export interface KubectlResult {
  code: number | null;
  out: string;
  err: string;
}

export type Kubectl = (...args: string[]) => KubectlResult;

/** The environment kubectl runs in: `dataDir`'s kubeconfig, and HOME is `home` so no user cache leaks in. */
export function kubectlEnv(dataDir: string, home: string): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: home };
}

/** kubectl with `dataDir`'s kubeconfig (HOME is `home`, so no user cache leaks in). */
export function kubectlFor(dataDir: string, home: string): Kubectl {
  return (...args) => {
    const result = spawnSync(KUBECTL, args, { encoding: "utf8", env: kubectlEnv(dataDir, home), timeout: 120_000 });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
}

/** `kubectl apply -f` of `text`, written to `dir/name` first. */
export function applierFor(kubectl: Kubectl, dir: string): (name: string, text: string) => KubectlResult {
  return (name, text) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return kubectl("apply", "-f", file);
  };
}

/**
 * A suite's own directory under the system temp dir (`dir`, also kubectl's HOME; the suite
 * removes it in afterAll), its data dir, a random API port, and kubectl and apply against them.
 */
export function suiteWorkspace(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `kubeling-e2e-${name}-`));
  const dataDir = join(dir, "data");
  const port = 21000 + Math.floor(Math.random() * 20000);
  const kubectl = kubectlFor(dataDir, dir);
  return { dir, dataDir, port, kubectl, apply: applierFor(kubectl, dir) };
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

/** What every pod from `kubectl get pods -o json` has; a suite's own Pod type adds what it reads. */
export interface PodMeta {
  metadata: { name: string; deletionTimestamp?: string };
}

/** The pods matching `selector`, as `kubectl get pods -l … -o json` lists them (terminating ones too). */
export function podsMatching<P extends PodMeta = PodMeta>(kubectl: Kubectl, selector: string): P[] {
  return JSON.parse(kubectl("get", "pods", "-l", selector, "-o", "json").out).items as P[];
}

/** The pods matching `selector` that are not being deleted. */
export function livePods<P extends PodMeta = PodMeta>(kubectl: Kubectl, selector: string): P[] {
  return podsMatching<P>(kubectl, selector).filter((p) => !p.metadata.deletionTimestamp);
}

/**
 * A command left running in the background, its stdout and stderr collected together in
 * `output` (and stdout alone in `stdout`) as they arrive.
 */
export class BackgroundProcess {
  readonly child: ChildProcess;
  output = "";
  stdout = "";

  constructor(command: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => {
      this.output += d;
      this.stdout += d;
    });
    this.child.stderr!.on("data", (d) => (this.output += d));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `text` has been printed; if the process exits first, fails with all it printed. */
  async waitFor(text: string, what: string, timeoutMs = 60_000): Promise<void> {
    await until(what, () => this.output.includes(text) || (!this.running && fail(this.output)), timeoutMs);
  }

  /**
   * Sends `signal` and waits for the exit. With `graceMs`, a process still running after that
   * long is killed outright (so a stuck helper cannot hold up a test).
   */
  async stop(signal: NodeJS.Signals = "SIGINT", graceMs?: number): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill(signal);
    if (graceMs === undefined) return void (await exited);
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    if (this.running) this.child.kill("SIGKILL");
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** `node dist/hosts/node/cli.js …args` (`kubeling up`, `kubeling agent`) in the background. */
export class KubelingProcess extends BackgroundProcess {
  constructor(args: string[]) {
    super(process.execPath, [CLI, ...args]);
  }
}

/** kubectl left running (port-forward, logs -f) with `dataDir`'s kubeconfig, plus `extraEnv`. */
export function spawnKubectl(dataDir: string, home: string, args: string[], extraEnv: Record<string, string> = {}): BackgroundProcess {
  return new BackgroundProcess(KUBECTL, args, { ...kubectlEnv(dataDir, home), ...extraEnv });
}

/**
 * The IDs of the Docker containers of node `nodeName` (running or not), as Docker lists them;
 * with `podPrefix`, only those of the pods whose names start with it.
 */
export function nodeContainers(nodeName: string, podPrefix?: string): string[] {
  const listed = spawnSync("docker", ["ps", "-a", "--format", '{{.ID}} {{.Label "io.kubernetes.pod.name"}}', "--filter", `label=kubeling.io/node=${nodeName}`], { encoding: "utf8" }).stdout;
  return listed
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" "))
    .filter(([, pod = ""]) => podPrefix === undefined || pod.startsWith(podPrefix))
    .map(([id]) => id);
}

/** One GET from the host with curl's own bounded timeout: the body as received ("" if none). */
export function curl(url: string, maxTimeSeconds = 3): string {
  return spawnSync("curl", ["-s", "--max-time", String(maxTimeSeconds), url], { encoding: "utf8", timeout: maxTimeSeconds * 1000 + 7_000 }).stdout;
}

/**
 * GETs `url` from the host (each request bounded to 2 s) until every one of `names` has
 * answered, for at most `timeoutMs`; returns every answer seen ("" for none), so a caller can
 * check that nothing else answered.
 */
export async function untilEachAnswers(what: string, url: string, names: ReadonlySet<string>, timeoutMs = 20_000): Promise<Set<string>> {
  const seen = new Set<string>();
  await until(what, () => {
    seen.add(curl(url, 2).trim());
    return [...names].every((n) => seen.has(n));
  }, timeoutMs);
  return seen;
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
