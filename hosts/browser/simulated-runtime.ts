/**
 * A container runtime in memory (bindings/runtime.ts), for the browser sandbox and for
 * simulated nodes: nothing runs, containers only go through the states a real runtime would
 * report, on a Clock (so virtual time drives them).
 *
 * What a container does is decided when it is created, from its command and the pod's
 * annotations (first match wins):
 *  - `kubeling.io/simulate-crash-loop: "true"`: every start exits 1 after `crashAfterMs`;
 *  - `kubeling.io/simulate-exit-code: "<n>"`: exits n after `kubeling.io/simulate-run-seconds`
 *    (default 1); `simulate-run-seconds` alone exits 0 after that long;
 *  - a command it understands: `true`, `/bin/true`, `sh -c true|:|exit 0` exit 0 at once;
 *    `false`, `sh -c false|exit N` exit 1 / N; `sleep N` exits 0 after N s; `echo …` prints
 *    and exits 0;
 *  - a container of a pod owned by a Job (any other command) completes, exit 0, after
 *    `simulate-run-seconds` (default 1) — as KWOK's stages complete Job pods;
 *  - anything else runs until stopped.
 * `kubeling.io/simulate-start-delay-ms` overrides the start delay for the pod's containers.
 * A stopped container exits with `stopExitCode` (143: killed by SIGTERM) at once.
 *
 * exec runs a small shell (sim-shell.ts) over an in-memory filesystem per container:
 * /etc/hostname holds the pod's hostname, and a `sh -c` start command's file effects before
 * its first `sleep` are applied when the container starts (`touch /tmp/healthy; sleep 3600`),
 * so `cat /tmp/healthy` probes pass until an exec `rm`s the file. Every exec in a container
 * named by `kubeling.io/simulate-probe-fail` (core/kubelet/probe-transport.ts) exits 1.
 *
 * Volumes are kept as the kubelet resolved them (podVolumes() shows them to tests); a files
 * volume's contents (configMap, secret, downwardAPI, projected) appear in the filesystem of
 * each container that mounts it, so `cat` in an exec reads them. hostPath type checks
 * cannot be made without a machine: every hostPath is taken as it is.
 */
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type {
  ContainerConfig,
  ContainerStatus,
  ExecOptions,
  ExecResult,
  ExecStream,
  ImageInfo,
  PodSandboxConfig,
  PodSandboxStatus,
  PodVolume,
  Runtime,
  RuntimeEvent,
} from "../../bindings/runtime.js";
import { realClock } from "../../core/controllers/clock.js";
import { simulatedProbeFails } from "../../core/kubelet/probe-transport.js";
import { initialFiles, runCommand, type ShellEnv } from "./sim-shell.js";
import { ByteChannel } from "../../bindings/byte-channel.js";

export const SIMULATE_EXIT_CODE = "kubeling.io/simulate-exit-code";
export const SIMULATE_RUN_SECONDS = "kubeling.io/simulate-run-seconds";
export const SIMULATE_CRASH_LOOP = "kubeling.io/simulate-crash-loop";
export const SIMULATE_START_DELAY_MS = "kubeling.io/simulate-start-delay-ms";

export interface SimulatedRuntimeOptions {
  clock?: Clock;
  /** Sandbox IPs come from here (.1 is the bridge's); default 10.244.0.0/24. */
  podCIDR?: string;
  /** Images present from the start; default busybox, busybox:latest and pause. */
  images?: string[];
  /** Every image counts as present (and pulls always succeed); default true. */
  anyImage?: boolean;
  /** Time from startContainer to running; default 0. */
  startDelayMs?: number;
  /** How long a pull takes; default 0. */
  pullDelayMs?: number;
  /** How long a crash-looping container runs; default 500 ms. */
  crashAfterMs?: number;
  /** Exit code of a container stopped by stopContainer/stopSandbox; default 143 (SIGTERM). */
  stopExitCode?: number;
}

interface Plan {
  /** null: runs until stopped. */
  runMs: number | null;
  exitCode: number;
  output: string[];
}

interface SimSandbox {
  id: string;
  config: PodSandboxConfig;
  ip: string;
  ipNumber: number;
  state: "ready" | "notready";
  createdAt: number;
  containers: Set<string>;
}

interface SimContainer {
  status: ContainerStatus;
  config: ContainerConfig;
  plan: Plan;
  startDelayMs: number;
  timer: TimerHandle | null;
  /** Settles a startContainer waiting for its start delay. */
  started: (() => void) | null;
  output: string[];
  /** The container's filesystem, for exec. */
  files: Map<string, string>;
}

const DEFAULT_IMAGES = ["busybox", "busybox:latest", "pause"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SIMULATE_PROBE_FAIL_NAME = "kubeling.io/simulate-probe-fail";

/** `cat` alone (or `sh -c cat`): an interactive echo. */
function isBareCat(argv: string[]): boolean {
  if (argv.length === 1) return argv[0] === "cat" || argv[0] === "/bin/cat";
  return argv.length === 3 && argv[1] === "-c" && argv[2].trim() === "cat";
}

export class SimulatedRuntime implements Runtime {
  readonly type = "sim";
  private readonly clock: Clock;
  private readonly anyImage: boolean;
  private readonly startDelayMs: number;
  private readonly pullDelayMs: number;
  private readonly crashAfterMs: number;
  private readonly stopExitCode: number;
  /** Normalized name → image. */
  private readonly images = new Map<string, ImageInfo>();
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  /** Pod uid → its volumes by name, as set up. */
  private readonly volumes = new Map<string, Map<string, PodVolume>>();
  private readonly network: { base: number; size: number; next: number; used: Set<number> };

  constructor(options: SimulatedRuntimeOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.anyImage = options.anyImage ?? true;
    this.startDelayMs = options.startDelayMs ?? 0;
    this.pullDelayMs = options.pullDelayMs ?? 0;
    this.crashAfterMs = options.crashAfterMs ?? 500;
    this.stopExitCode = options.stopExitCode ?? 143;
    const { base, size } = parseCIDR(options.podCIDR ?? "10.244.0.0/24");
    this.network = { base, size, next: 2, used: new Set() };
    for (const image of options.images ?? DEFAULT_IMAGES) this.addImage(image);
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    return { runtimeName: "sim", runtimeVersion: "1.0.0" };
  }

  // --- images ---

  async hasImage(image: string): Promise<boolean> {
    return this.anyImage || this.images.has(normalizeImage(image));
  }

  async pullImage(image: string): Promise<{ imageRef: string; sizeBytes: number }> {
    if (this.pullDelayMs > 0) await this.sleep(this.pullDelayMs);
    const name = normalizeImage(image);
    if (!this.anyImage && !this.images.has(name)) {
      throw new Error(
        `rpc error: code = NotFound desc = failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${name}: not found`,
      );
    }
    const info = this.addImage(image);
    return { imageRef: info.names[0], sizeBytes: info.sizeBytes };
  }

  async listImages(): Promise<ImageInfo[]> {
    return [...this.images.values()].map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes }));
  }

  /** Makes `image` present (tests, and a host that preloads images). */
  addImage(image: string): ImageInfo {
    const name = normalizeImage(image);
    let info = this.images.get(name);
    if (!info) {
      const at = name.indexOf("@");
      let repo = at >= 0 ? name.slice(0, at) : name;
      const colon = repo.lastIndexOf(":");
      if (colon > repo.lastIndexOf("/")) repo = repo.slice(0, colon);
      const digest = hex64(name);
      // A plausible size, stable per image: 1–200 MB.
      const sizeBytes = 1_000_000 + (parseInt(digest.slice(0, 8), 16) % 199_000_000);
      info = { names: [`${repo}@sha256:${digest}`, name], sizeBytes };
      this.images.set(name, info);
    }
    return info;
  }

  // --- sandboxes ---

  async runSandbox(config: PodSandboxConfig): Promise<{ sandboxId: string; ip: string }> {
    const ipNumber = this.allocateIP();
    const sandbox: SimSandbox = {
      id: randomId(),
      config: structuredClone(config),
      ip: formatIP(this.network.base + ipNumber),
      ipNumber,
      state: "ready",
      createdAt: this.clock.now(),
      containers: new Set(),
    };
    this.sandboxes.set(sandbox.id, sandbox);
    return { sandboxId: sandbox.id, ip: sandbox.ip };
  }

  async stopSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    for (const id of sandbox.containers) this.exit(this.containers.get(id)!, this.stopExitCode, "Error");
    if (sandbox.state === "ready") {
      sandbox.state = "notready";
      this.network.used.delete(sandbox.ipNumber);
      this.emit({ type: "SandboxStopped", sandboxId });
    }
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    await this.stopSandbox(sandboxId);
    for (const id of sandbox.containers) this.containers.delete(id);
    this.sandboxes.delete(sandboxId);
  }

  async listSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => ({
      id: s.id,
      uid: s.config.uid,
      namespace: s.config.namespace,
      name: s.config.name,
      ip: s.state === "ready" ? s.ip : "",
      state: s.state,
      createdAt: s.createdAt,
    }));
  }

  // --- volumes ---

  async setUpPodVolumes(podUid: string, volumes: PodVolume[]): Promise<void> {
    this.volumes.set(podUid, new Map(volumes.map((v) => [v.name, structuredClone(v)])));
  }

  async tearDownPodVolumes(podUid: string): Promise<void> {
    this.volumes.delete(podUid);
  }

  /** The volumes set up for a pod (tests read the files the kubelet computed). */
  podVolumes(podUid: string): PodVolume[] | undefined {
    const v = this.volumes.get(podUid);
    return v ? [...v.values()].map((x) => structuredClone(x)) : undefined;
  }

  /** The config a container was created with (tests check env, mounts, resources). */
  containerConfig(containerId: string): ContainerConfig | undefined {
    const c = this.containers.get(containerId);
    return c ? structuredClone(c.config) : undefined;
  }

  // --- containers ---

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new Error(`rpc error: code = NotFound desc = sandbox ${sandboxId} not found`);
    if (sandbox.state !== "ready") throw new Error(`rpc error: code = Unknown desc = sandbox ${sandboxId} is not ready`);
    const podVolumes = this.volumes.get(sandbox.config.uid);
    const files = initialFiles(sandbox.config.hostname);
    for (const m of config.mounts ?? []) {
      const v = podVolumes?.get(m.volume);
      if (!v) throw new Error(`rpc error: code = InvalidArgument desc = volume "${m.volume}" of pod ${sandbox.config.uid} is not set up`);
      const base = m.containerPath.replace(/\/+$/, "");
      for (const f of v.files ?? []) {
        if (m.subPath && !(f.path === m.subPath || f.path.startsWith(`${m.subPath}/`))) continue;
        const rel = m.subPath ? f.path.slice(m.subPath.length).replace(/^\//, "") : f.path;
        files.set(rel ? `${base}/${rel}` : base, decoder.decode(f.content));
      }
    }
    const name = normalizeImage(config.image);
    if (!this.anyImage && !this.images.has(name)) {
      throw new Error(`rpc error: code = NotFound desc = failed to get image "${name}": not found`);
    }
    const image = this.addImage(config.image);
    const annotations = sandbox.config.annotations ?? {};
    const delay = Number(annotations[SIMULATE_START_DELAY_MS]);
    const id = randomId();
    const container: SimContainer = {
      status: {
        id,
        sandboxId,
        name: config.name,
        image: name,
        imageRef: image.names[0],
        state: "created",
        attempt: config.attempt ?? 0,
        createdAt: this.clock.now(),
      },
      config: structuredClone(config),
      plan: this.plan(config, sandbox.config),
      startDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : this.startDelayMs,
      timer: null,
      started: null,
      output: [],
      files,
    };
    this.containers.set(id, container);
    sandbox.containers.add(id);
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`rpc error: code = NotFound desc = container ${containerId} not found`);
    if (c.status.state !== "created" || c.started) throw new Error(`rpc error: code = Unknown desc = container ${containerId} is ${c.status.state}, not created`);
    if (c.startDelayMs > 0) {
      await new Promise<void>((resolve) => {
        c.started = resolve;
        c.timer = this.clock.schedule(c.startDelayMs, () => {
          c.timer = null;
          c.started = null;
          this.run(c);
          resolve();
        });
      });
    } else {
      this.run(c);
    }
  }

  async stopContainer(containerId: string, _graceSeconds: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (c) this.exit(c, this.stopExitCode, "Error");
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    this.exit(c, this.stopExitCode, "Error");
    this.containers.delete(containerId);
    this.sandboxes.get(c.status.sandboxId)?.containers.delete(containerId);
    this.emit({ type: "ContainerRemoved", sandboxId: c.status.sandboxId, containerId });
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    if (filter.sandboxId !== undefined) {
      const sandbox = this.sandboxes.get(filter.sandboxId);
      if (!sandbox) return [];
      return [...sandbox.containers].map((id) => ({ ...this.containers.get(id)!.status }));
    }
    return [...this.containers.values()].map((c) => ({ ...c.status }));
  }

  async *logs(containerId: string, options: { tailLines?: number; follow?: boolean } = {}): AsyncIterable<Uint8Array> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`rpc error: code = NotFound desc = container ${containerId} not found`);
    // tailLines 0 is no lines (slice(-0) would be all of them).
    const lines = options.tailLines === undefined ? c.output : options.tailLines === 0 ? [] : c.output.slice(-options.tailLines);
    for (const line of lines) yield encoder.encode(line + "\n");
  }

  async exec(containerId: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { env, fails } = this.execTarget(containerId);
    let stdin = "";
    if (options.stdin) for await (const chunk of options.stdin) stdin += decoder.decode(chunk, { stream: true });
    const run = fails
      ? Promise.resolve({ exitCode: 1, stdout: "", stderr: `simulated failure (${SIMULATE_PROBE_FAIL_NAME})\n` })
      : runCommand(command, env, stdin);
    let timer: TimerHandle | null = null;
    const timeout = options.timeoutMs !== undefined && options.timeoutMs > 0
      ? new Promise<null>((resolve) => (timer = this.clock.schedule(options.timeoutMs!, () => resolve(null))))
      : new Promise<null>(() => undefined);
    const res = await Promise.race([run, timeout]);
    if (timer) this.clock.cancel(timer);
    if (!res) return { exitCode: -1, stdout: new Uint8Array(), stderr: new Uint8Array(), timedOut: true };
    const stdout = encoder.encode(options.tty ? res.stdout + res.stderr : res.stdout);
    return { exitCode: res.exitCode, stdout, stderr: encoder.encode(options.tty ? "" : res.stderr) };
  }

  async execStream(containerId: string, command: string[], options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
    const { env, fails } = this.execTarget(containerId);
    const stdout = new ByteChannel();
    const stderr = options.tty ? stdout : new ByteChannel();
    const input = new ByteChannel();
    let closeInput = () => input.end();
    const interactiveCat = options.stdin && !fails && isBareCat(command);
    const exitCode = (async () => {
      if (interactiveCat) {
        // `cat` echoes as it reads: each write comes straight back.
        for await (const chunk of input) stdout.push(chunk);
        return 0;
      }
      let text = "";
      if (options.stdin) for await (const chunk of input) text += decoder.decode(chunk, { stream: true });
      const res = fails ? { exitCode: 1, stdout: "", stderr: `simulated failure (${SIMULATE_PROBE_FAIL_NAME})\n` } : await runCommand(command, env, text);
      stdout.push(encoder.encode(res.stdout));
      stderr.push(encoder.encode(res.stderr));
      return res.exitCode;
    })().finally(() => {
      stdout.end();
      stderr.end();
    });
    if (!options.stdin) closeInput();
    return {
      ...(options.stdin
        ? {
            stdin: {
              write: async (chunk: Uint8Array) => input.push(chunk.slice()),
              close: async () => closeInput(),
            },
          }
        : {}),
      stdout,
      ...(options.tty ? {} : { stderr }),
      exitCode,
      resize: () => undefined,
    };
  }

  /**
   * Attach: simulated containers read no stdin (what is written is dropped); their output
   * from now on, until they exit, with their exit code.
   */
  async attach(containerId: string, options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`rpc error: code = NotFound desc = container ${containerId} not found`);
    // Simulated output is written at start: nothing new comes; the session lasts until the container exits.
    const stdout = new ByteChannel();
    const exitCode = new Promise<number>((resolve) => {
      const done = () => {
        const status = this.containers.get(containerId)?.status;
        if (status?.state === "running") return false;
        resolve(status?.exitCode ?? 0);
        return true;
      };
      if (done()) return;
      const unsubscribe = this.subscribe((e) => {
        if (e.containerId === containerId && done()) unsubscribe();
      });
    }).finally(() => stdout.end());
    return {
      ...(options.stdin ? { stdin: { write: async () => undefined, close: async () => undefined } } : {}),
      stdout,
      ...(options.tty ? {} : { stderr: new ByteChannel() }),
      exitCode,
      resize: () => undefined,
    };
  }

  /** The running container an exec goes to, and how its commands run. */
  private execTarget(containerId: string): { c: SimContainer; env: ShellEnv; fails: boolean } {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`rpc error: code = NotFound desc = container ${containerId} not found`);
    if (c.status.state !== "running") throw new Error(`rpc error: code = FailedPrecondition desc = container ${containerId} is not running`);
    const sandbox = this.sandboxes.get(c.status.sandboxId)!;
    const env: ShellEnv = { files: c.files, hostname: sandbox.config.hostname, sleep: (ms) => this.sleep(ms) };
    return { c, env, fails: simulatedProbeFails(sandbox.config.annotations, c.config.name) };
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sandboxes and containers held (the scale tests check nothing leaks). */
  get counts(): { sandboxes: number; containers: number } {
    return { sandboxes: this.sandboxes.size, containers: this.containers.size };
  }

  // --- internals ---

  private run(c: SimContainer): void {
    if (c.status.state !== "created") return;
    c.status.state = "running";
    c.status.startedAt = this.clock.now();
    c.output.push(...c.plan.output);
    this.applyStartupFiles(c);
    this.emit({ type: "ContainerStarted", sandboxId: c.status.sandboxId, containerId: c.status.id });
    const { runMs, exitCode } = c.plan;
    if (runMs === null) return;
    // Exiting "at once" still happens after the start is reported, as a real process would.
    if (runMs <= 0) queueMicrotask(() => this.exit(c, exitCode));
    else c.timer = this.clock.schedule(runMs, () => this.exit(c, exitCode));
  }

  /** A `sh -c` start command's file effects up to its first sleep (touch, echo > file). */
  private applyStartupFiles(c: SimContainer): void {
    const argv = [...(c.config.command ?? []), ...(c.config.args ?? [])];
    if (!(argv.length === 3 && argv[1] === "-c" && /(^|\/)(ba|a)?sh$/.test(argv[0]))) return;
    const sandbox = this.sandboxes.get(c.status.sandboxId);
    const env: ShellEnv = { files: c.files, hostname: sandbox?.config.hostname ?? "", sleep: async () => undefined, stopAtSleep: true };
    void runCommand(argv, env).catch(() => undefined);
  }

  private exit(c: SimContainer, exitCode: number, reason?: string): void {
    if (c.status.state === "exited") return;
    if (c.timer) this.clock.cancel(c.timer);
    c.timer = null;
    const now = this.clock.now();
    c.status.state = "exited";
    c.status.exitCode = exitCode;
    c.status.reason = reason ?? (exitCode === 0 ? "Completed" : "Error");
    c.status.startedAt ??= now;
    c.status.finishedAt = now;
    const started = c.started;
    c.started = null;
    started?.();
    this.emit({ type: "ContainerExited", sandboxId: c.status.sandboxId, containerId: c.status.id });
  }

  private plan(config: ContainerConfig, pod: PodSandboxConfig): Plan {
    const annotations = pod.annotations ?? {};
    const runSeconds = Number(annotations[SIMULATE_RUN_SECONDS] ?? "1");
    const runMs = (Number.isFinite(runSeconds) && runSeconds >= 0 ? runSeconds : 1) * 1000;
    if (annotations[SIMULATE_CRASH_LOOP] === "true") return { runMs: this.crashAfterMs, exitCode: 1, output: [] };
    const code = annotations[SIMULATE_EXIT_CODE];
    if (code !== undefined && /^\d+$/.test(code.trim())) return { runMs, exitCode: Number(code) & 255, output: [] };
    if (annotations[SIMULATE_RUN_SECONDS] !== undefined) return { runMs, exitCode: 0, output: [] };
    const known = commandPlan([...(config.command ?? []), ...(config.args ?? [])]);
    if (known) return known;
    if ((pod.ownerReferences ?? []).some((o) => o.kind === "Job")) return { runMs, exitCode: 0, output: [] };
    return { runMs: null, exitCode: 0, output: [] };
  }

  private allocateIP(): number {
    const { size, used } = this.network;
    const hosts = size - 3; // network, gateway, broadcast
    if (used.size >= hosts) throw new Error("rpc error: code = Unknown desc = failed to allocate pod IP: no IP addresses available in range");
    // host-local IPAM: the next free address after the last one handed out, wrapping around.
    for (;;) {
      const n = this.network.next;
      this.network.next = n + 1 >= size - 1 ? 2 : n + 1;
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  }

  private emit(event: RuntimeEvent): void {
    if (this.listeners.size === 0) return;
    queueMicrotask(() => {
      for (const l of this.listeners) l(event);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.schedule(ms, resolve));
  }
}

/** What the simulation makes of a command it recognises; undefined: it runs until stopped. */
export function commandPlan(argv: string[]): Plan | undefined {
  if (argv.length === 0) return undefined;
  const shells = new Set(["sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"]);
  if (shells.has(argv[0]) && argv[1] === "-c" && argv.length === 3) return scriptPlan(argv[2].trim());
  const [cmd, ...rest] = argv;
  const base = cmd.split("/").pop()!;
  if (base === "true" && rest.length === 0) return { runMs: 0, exitCode: 0, output: [] };
  if (base === "false" && rest.length === 0) return { runMs: 0, exitCode: 1, output: [] };
  if (base === "sleep" && rest.length === 1) return sleepPlan(rest[0]);
  if (base === "echo") return { runMs: 0, exitCode: 0, output: [rest.join(" ")] };
  return undefined;
}

function scriptPlan(script: string): Plan | undefined {
  if (script === "true" || script === ":") return { runMs: 0, exitCode: 0, output: [] };
  if (script === "false") return { runMs: 0, exitCode: 1, output: [] };
  const exit = /^exit\s+(\d+)$/.exec(script);
  if (exit) return { runMs: 0, exitCode: Number(exit[1]) & 255, output: [] };
  const sleep = /^sleep\s+(\S+)$/.exec(script);
  if (sleep) return sleepPlan(sleep[1]);
  const echo = /^echo\s+(?:"([^"]*)"|'([^']*)'|([^;&|"']*))$/.exec(script);
  if (echo) return { runMs: 0, exitCode: 0, output: [(echo[1] ?? echo[2] ?? echo[3]).trim()] };
  return undefined;
}

function sleepPlan(arg: string): Plan | undefined {
  if (arg === "infinity") return { runMs: null, exitCode: 0, output: [] };
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]]!;
  return { runMs: Number(m[1]) * unit * 1000, exitCode: 0, output: [] };
}

/** "busybox" → "docker.io/library/busybox:latest", as containerd names images. */
export function normalizeImage(image: string): string {
  let name = image.trim();
  const at = name.indexOf("@");
  const digest = at >= 0 ? name.slice(at) : "";
  if (at >= 0) name = name.slice(0, at);
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) name = slash >= 0 ? `docker.io/${name}` : `docker.io/library/${name}`;
  const lastSlash = name.lastIndexOf("/");
  if (!digest && name.indexOf(":", lastSlash) < 0) name += ":latest";
  return name + digest;
}

function parseCIDR(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid pod CIDR ${cidr}`);
  const bits = Number(m[5]);
  if (bits < 8 || bits > 29) throw new Error(`pod CIDR ${cidr}: prefix must be /8../29`);
  const size = 2 ** (32 - bits);
  const ip = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  return { base: ip - (ip % size), size };
}

function formatIP(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Random bytes fetched in bulk: thousands of containers start at once on simulated nodes. */
const randomPool = new Uint8Array(8192);
let randomOffset = randomPool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A 64-hex id, as containerd's. */
function randomId(): string {
  if (randomOffset + 32 > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  let out = "";
  for (let i = 0; i < 32; i++) out += HEX[randomPool[randomOffset + i]];
  randomOffset += 32;
  return out;
}

/** A stable 64-hex "digest" of a name (FNV-1a, stretched); not cryptographic, only stable. */
function hex64(name: string): string {
  let out = "";
  for (let round = 0; round < 8; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}
