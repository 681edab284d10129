// The Runtime binding (bindings/runtime.ts) on the Docker engine, in the way dockershim ran
// pods: a sandbox is a "pause" container that owns the pod's network namespace, and the
// app containers join it (NetworkMode container:<sandbox>), so they share localhost and the
// pod IP. Everything the runtime needs to find its containers again lives in Docker labels,
// so a restarted kubelet re-adopts what it ran; each runtime sees only the containers
// labelled with its node name, so many nodes can share one engine.
//
// Pod network: sandboxes start with no Docker network; bridge-cni.ts puts each on one Linux
// bridge (kubeling0) over the whole cluster CIDR, as the CNI bridge plugin would. Every node
// hands out IPs itself from its own podCIDR (a slice of the cluster CIDR, like host-local
// IPAM), so pods of different nodes on one machine reach each other directly over the
// shared bridge, and the host reaches them through it.
import Dockerode from "dockerode";
import type {
  ContainerConfig,
  ContainerState,
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
import { normalizeImage } from "../browser/simulated-runtime.js";
import { dockerAttach, dockerExec, dockerExecStream } from "./docker-exec.js";
import { mkdir, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PodVolumes } from "./pod-volumes.js";
import { renderResolvConf } from "./dns/resolv-conf.js";
import { BridgeCni } from "./bridge-cni.js";

export interface DockerRuntimeOptions {
  /** The engine; default: the local socket. */
  docker?: Dockerode;
  /** The node this runtime serves; its containers carry it as a label. */
  nodeName: string;
  /** Where this node's pod IPs come from; default 10.244.0.0/24. */
  podCIDR?: string;
  /** The range of the bridge every node's sandboxes join (all nodes' podCIDRs); default 10.244.0.0/16. */
  clusterCIDR?: string;
  /** That bridge; default kubeling0. */
  bridgeName?: string;
  /** The sandbox image; it must run until SIGTERM by itself. Default kubeling/pause:3.10. */
  pauseImage?: string;
  /** How long a failing pull may take before it is abandoned; default 10 s. */
  pullTimeoutMs?: number;
  /** Where the pods' volume directories go (<podsDir>/<uid>/volumes/…); default /var/lib/kubeling/<node>/pods. */
  podsDir?: string;
}

/** Label keys, as dockershim wrote them, plus kubeling's own. */
const L = {
  podUid: "io.kubernetes.pod.uid",
  podName: "io.kubernetes.pod.name",
  podNamespace: "io.kubernetes.pod.namespace",
  type: "io.kubernetes.docker.type",
  containerName: "io.kubernetes.container.name",
  sandboxId: "io.kubernetes.sandbox.id",
  node: "kubeling.io/node",
  attempt: "kubeling.io/attempt",
  ip: "kubeling.io/ip",
  podLabels: "kubeling.io/pod-labels",
  podAnnotations: "kubeling.io/pod-annotations",
  image: "kubeling.io/image",
} as const;

const SANDBOX = "podsandbox";
/** The Docker network earlier versions put sandboxes on (it owned the kubeling0 bridge). */
const LEGACY_NETWORK = "kubeling";
const CONTAINER = "container";
/** Docker's zero time.Time: a container that never started or never finished. */
const ZERO_TIME = "0001-01-01T00:00:00Z";
/** How long the pause container gets to exit on SIGTERM (it exits at once). */
const PAUSE_STOP_SECONDS = 2;
/** Exited containers' inspections never change; this many are kept. */
const INSPECT_CACHE_SIZE = 2000;

type Inspection = Dockerode.ContainerInspectInfo;

/** The bridge's own address on a pod network: the range's first host address (the pods' gateway). */
export function networkGateway(cidr: string): string {
  return formatIP(parseCIDR(cidr).base + 1);
}

export class DockerRuntime implements Runtime {
  readonly type = "docker";
  readonly nodeName: string;
  readonly podCIDR: string;
  private readonly docker: Dockerode;
  private readonly clusterCIDR: string;
  private readonly cni: BridgeCni;
  private readonly pauseImage: string;
  private readonly pullTimeoutMs: number;
  private readonly ips: IPAllocator;
  private readonly exitedInspections = new Map<string, Inspection>();
  private ready: Promise<void> | undefined;
  private readonly events: EventStream;
  readonly volumes: PodVolumes;

  constructor(options: DockerRuntimeOptions) {
    this.docker = options.docker ?? new Dockerode({ socketPath: "/var/run/docker.sock" });
    this.nodeName = options.nodeName;
    this.clusterCIDR = options.clusterCIDR ?? "10.244.0.0/16";
    this.podCIDR = options.podCIDR ?? "10.244.0.0/24";
    this.cni = new BridgeCni({ bridge: options.bridgeName ?? "kubeling0", clusterCIDR: this.clusterCIDR, gateway: networkGateway(this.clusterCIDR) });
    this.pauseImage = options.pauseImage ?? "kubeling/pause:3.10";
    this.pullTimeoutMs = options.pullTimeoutMs ?? 10_000;
    this.ips = new IPAllocator(this.podCIDR);
    if (!cidrContains(parseCIDR(this.clusterCIDR), parseCIDR(this.podCIDR))) {
      throw new Error(`pod CIDR ${this.podCIDR} is not inside the cluster CIDR ${this.clusterCIDR}`);
    }
    this.events = new EventStream(this.docker, this.nodeName);
    this.volumes = new PodVolumes(options.podsDir ?? join("/var/lib/kubeling", this.nodeName, "pods"));
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const v = await this.docker.version();
    return { runtimeName: "docker", runtimeVersion: v.Version };
  }

  // --- network ---

  /** The pod bridge and its host rules (bridge-cni.ts). Idempotent; shared by this machine's nodes. */
  async ensureNetwork(): Promise<void> {
    // Before this runtime wired pods itself, a Docker network named "kubeling" owned the
    // bridge; it goes once nothing is attached to it (Docker refuses otherwise).
    const legacy = await this.docker.getNetwork(LEGACY_NETWORK).inspect().catch(() => undefined);
    if (legacy) await this.docker.getNetwork(LEGACY_NETWORK).remove();
    await this.cni.ensure();
  }

  /**
   * Removes the bridge and its rules when no sandbox of any node on this machine runs
   * (the last node to stop takes them); true when it did.
   */
  async removeNetworkIfUnused(): Promise<boolean> {
    const running = await this.docker.listContainers({ filters: { label: [`${L.type}=${SANDBOX}`, L.node] } });
    if (running.length > 0) return false;
    await this.cni.teardown();
    return true;
  }

  /** Once per runtime: the network, and the IPs of the sandboxes a previous process left. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await this.ensureNetwork();
      for (const c of await this.listRaw(SANDBOX)) {
        const ip = c.Labels[L.ip];
        if (ip) this.ips.reserve(ip);
      }
    })().catch((err) => {
      this.ready = undefined; // let the next call try again
      throw err;
    });
    return this.ready;
  }

  // --- images ---

  async hasImage(image: string): Promise<boolean> {
    return (await this.inspectImage(image)) !== undefined;
  }

  async pullImage(image: string): Promise<{ imageRef: string; sizeBytes: number }> {
    const present = await this.inspectImage(image);
    if (present) return { imageRef: present.Id, sizeBytes: present.Size };
    const name = normalizeImage(image);
    try {
      await this.pull(image);
    } catch (err) {
      throw pullError(name, err);
    }
    const pulled = await this.inspectImage(image);
    if (!pulled) throw pullError(name, new Error("the image is missing after the pull"));
    return { imageRef: pulled.Id, sizeBytes: pulled.Size };
  }

  /** docker pull, abandoned after pullTimeoutMs: a registry that does not answer must not hang the pod worker. */
  private async pull(image: string): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.pullTimeoutMs);
    try {
      const stream = (await this.docker.pull(image, { abortSignal: abort.signal })) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new Error(`pull timed out after ${this.pullTimeoutMs / 1000} s`));
        abort.signal.addEventListener("abort", onAbort, { once: true });
        // Errors arrive as {"error": …} lines inside a 200 response.
        this.docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
          abort.signal.removeEventListener("abort", onAbort);
          const failed = err ?? output?.find((o) => o.error);
          if (failed) reject(failed instanceof Error ? failed : new Error(String(failed.error)));
          else resolve();
        });
      });
    } catch (err) {
      if (abort.signal.aborted) throw new Error(`pull timed out after ${this.pullTimeoutMs / 1000} s`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async listImages(): Promise<ImageInfo[]> {
    const images = await this.docker.listImages();
    const out: ImageInfo[] = [];
    for (const i of images) {
      const names = [...(i.RepoDigests ?? []), ...(i.RepoTags ?? [])].filter((n) => !n.startsWith("<none>"));
      if (names.length > 0) out.push({ names, sizeBytes: i.Size });
    }
    return out;
  }

  private async inspectImage(image: string): Promise<Dockerode.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(image).inspect();
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  // --- sandboxes ---

  async runSandbox(config: PodSandboxConfig): Promise<{ sandboxId: string; ip: string }> {
    await this.prepare();
    // IPs come from this node's own range (host-local IPAM): nobody else hands them out.
    const ip = this.ips.allocate();
    try {
      return { sandboxId: await this.createSandbox(config, ip), ip };
    } catch (err) {
      this.ips.release(ip);
      throw err;
    }
  }

  /**
   * The pod's resolv.conf, written over the one Docker made for the sandbox (dockershim's
   * rewriteResolvFile): the app containers share the sandbox's network and so this file,
   * and they resolve through cluster DNS rather than Docker's embedded 127.0.0.11.
   */
  private async writeResolvConf(info: Dockerode.ContainerInspectInfo, dns: { servers: string[]; searches: string[]; options: string[] }): Promise<void> {
    if (!info.ResolvConfPath) throw new Error(`sandbox ${info.Id}: Docker reports no resolv.conf path`);
    await writeFile(info.ResolvConfPath, renderResolvConf(dns));
  }

  private async createSandbox(config: PodSandboxConfig, ip: string): Promise<string> {
    const labels: Record<string, string> = {
      [L.podUid]: config.uid,
      [L.podName]: config.name,
      [L.podNamespace]: config.namespace,
      [L.type]: SANDBOX,
      [L.node]: this.nodeName,
      [L.ip]: ip,
      [L.podLabels]: JSON.stringify(config.labels ?? {}),
      [L.podAnnotations]: JSON.stringify(config.annotations ?? {}),
    };
    const container = await this.createNamed(
      (n) => `k8s_POD_${config.name}_${config.namespace}_${config.uid}_${n}`,
      {
        Image: this.pauseImage,
        Hostname: config.hostname.slice(0, 63),
        Labels: labels,
        // shareable: the pod's containers join its IPC namespace too, as dockershim had them.
        // No Docker network: bridge-cni.ts wires the namespace once the pause process runs.
        HostConfig: { NetworkMode: "none", IpcMode: "shareable" },
      },
    );
    try {
      await container.start();
      const info = await container.inspect();
      if (!info.State.Pid) throw new Error(`sandbox ${container.id} exited as it started`);
      await Promise.all([this.cni.add(container.id, info.State.Pid, ip), config.dnsConfig ? this.writeResolvConf(info, config.dnsConfig) : undefined]);
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    return container.id;
  }

  async stopSandbox(sandboxId: string): Promise<void> {
    // "At once": the kubelet has given the containers their grace period already.
    const members = await this.listRaw(CONTAINER, sandboxId);
    await Promise.all(members.map((c) => this.stopContainer(c.Id, 0)));
    await this.stopContainer(sandboxId, PAUSE_STOP_SECONDS);
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    const members = await this.listRaw(CONTAINER, sandboxId);
    await Promise.all(members.map((c) => this.removeContainer(c.Id)));
    const sandbox = await this.inspect(sandboxId);
    if (!sandbox || !this.isMine(sandbox, SANDBOX)) return;
    await this.removeContainer(sandboxId);
    const ip = sandbox.Config.Labels?.[L.ip];
    if (ip) this.ips.release(ip);
  }

  async listSandboxes(): Promise<PodSandboxStatus[]> {
    const list = await this.listRaw(SANDBOX);
    return list.map((c) => {
      const ready = c.State === "running";
      return {
        id: c.Id,
        uid: c.Labels[L.podUid] ?? "",
        namespace: c.Labels[L.podNamespace] ?? "",
        name: c.Labels[L.podName] ?? "",
        // A stopped sandbox has left the network: no IP, as after CNI DEL.
        ip: ready ? (c.Labels[L.ip] ?? "") : "",
        state: ready ? "ready" : "notready",
        createdAt: c.Created * 1000,
      };
    });
  }

  // --- volumes ---

  setUpPodVolumes(podUid: string, volumes: PodVolume[]): Promise<void> {
    return this.volumes.setUp(podUid, volumes);
  }

  tearDownPodVolumes(podUid: string): Promise<void> {
    return this.volumes.tearDown(podUid);
  }

  /** Docker binds for a container's mounts (dockershim's makeMountBindings), each inside its volume. */
  private async binds(podUid: string, config: ContainerConfig): Promise<string[]> {
    const out: string[] = [];
    for (const m of config.mounts ?? []) {
      const root = this.volumes.hostPath(podUid, m.volume);
      if (root === undefined) throw new Error(`rpc error: code = InvalidArgument desc = volume "${m.volume}" of pod ${podUid} is not set up`);
      let source = root;
      if (m.subPath) {
        source = join(root, m.subPath);
        // The kubelet makes a missing subPath a directory; it must stay inside its volume (no symlink escapes).
        if (!(await stat(source).catch(() => null))) await mkdir(source, { recursive: true, mode: 0o755 });
        const [real, realRoot] = await Promise.all([realpath(source), realpath(root)]);
        if (real !== realRoot && !real.startsWith(`${realRoot}/`)) throw new Error(`subpath "${m.subPath}" not within volume path "${root}"`);
      }
      out.push(`${source}:${m.containerPath}${m.readOnly ? ":ro" : ""}`);
    }
    return out;
  }

  // --- containers ---

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = await this.inspect(sandboxId);
    if (!sandbox || !this.isMine(sandbox, SANDBOX)) {
      throw new Error(`rpc error: code = NotFound desc = failed to get sandbox "${sandboxId}": not found`);
    }
    const pod = sandbox.Config.Labels ?? {};
    const attempt = config.attempt ?? 0;
    const labels: Record<string, string> = {
      [L.podUid]: pod[L.podUid] ?? "",
      [L.podName]: pod[L.podName] ?? "",
      [L.podNamespace]: pod[L.podNamespace] ?? "",
      [L.type]: CONTAINER,
      [L.containerName]: config.name,
      [L.sandboxId]: sandbox.Id,
      [L.attempt]: String(attempt),
      [L.node]: this.nodeName,
      [L.image]: config.image,
    };
    const base = `k8s_${config.name}_${pod[L.podName]}_${pod[L.podNamespace]}_${pod[L.podUid]}_${attempt}`;
    const binds = await this.binds(pod[L.podUid] ?? "", config);
    const sc = config.securityContext ?? {};
    if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
      throw new Error(`rpc error: code = Unknown desc = user group "${sc.runAsGroup}" is specified without user`);
    }
    const r = config.resources ?? {};
    try {
      // The same attempt created twice (a kubelet that crashed between create and start)
      // gets a suffixed name, as dockershim did on a name conflict.
      const container = await this.createNamed((n) => (n === 0 ? base : `${base}_${randomSuffix()}`), {
        Image: config.image,
        // Kubernetes' rule: command replaces ENTRYPOINT, args replace CMD; an ENTRYPOINT given
        // here also drops the image's CMD (Docker's rule), which is what Kubernetes wants.
        ...(config.command ? { Entrypoint: config.command } : {}),
        ...(config.args ? { Cmd: config.args } : {}),
        Env: Object.entries(config.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
        // stdin/tty as `docker run -i -t`: the process gets them, and an attach can reach them.
        ...(config.stdin ? { OpenStdin: true, StdinOnce: !!config.stdinOnce, AttachStdin: true } : {}),
        ...(config.tty ? { Tty: true } : {}),
        Labels: labels,
        ...(sc.runAsUser !== undefined ? { User: sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser) } : {}),
        HostConfig: {
          NetworkMode: `container:${sandbox.Id}`,
          IpcMode: `container:${sandbox.Id}`,
          ...(binds.length > 0 ? { Binds: binds } : {}),
          ...(r.cpuShares !== undefined ? { CpuShares: r.cpuShares } : {}),
          ...(r.cpuQuota !== undefined ? { CpuQuota: r.cpuQuota, CpuPeriod: r.cpuPeriod ?? 100_000 } : {}),
          ...(r.memoryLimitBytes !== undefined ? { Memory: r.memoryLimitBytes } : {}),
          ...(sc.readOnlyRootFilesystem ? { ReadonlyRootfs: true } : {}),
          ...(sc.privileged ? { Privileged: true } : {}),
        },
      });
      return container.id;
    } catch (err) {
      if (statusCode(err) === 404) {
        throw new Error(`rpc error: code = NotFound desc = failed to create containerd container: image "${normalizeImage(config.image)}": not found`);
      }
      throw err;
    }
  }

  async startContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (err) {
      if (statusCode(err) === 304) return; // already running
      throw err;
    }
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(containerId).stop({ t: Math.max(0, Math.floor(graceSeconds)) });
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404) return; // already stopped, or gone
      throw err;
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    this.exitedInspections.delete(containerId);
    try {
      await this.docker.getContainer(containerId).remove({ force: true });
    } catch (err) {
      const code = statusCode(err);
      // 404: gone already; 409: another call is removing it right now.
      if (code === 404 || (code === 409 && /already in progress/i.test(errorText(err)))) return;
      throw err;
    }
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    const list = await this.listRaw(CONTAINER, filter?.sandboxId);
    const inspected = await Promise.all(list.map((c) => this.inspectForStatus(c)));
    return inspected.filter((i): i is Inspection => i !== undefined).map((i) => toStatus(i));
  }

  /** Inspects a listed container; an exited one's inspection is cached (it no longer changes). */
  private async inspectForStatus(c: Dockerode.ContainerInfo): Promise<Inspection | undefined> {
    const cached = this.exitedInspections.get(c.Id);
    if (cached && c.State === "exited") return cached;
    const info = await this.inspect(c.Id);
    if (info && (info.State.Status === "exited" || info.State.Status === "dead")) {
      if (this.exitedInspections.size >= INSPECT_CACHE_SIZE) {
        this.exitedInspections.delete(this.exitedInspections.keys().next().value!);
      }
      this.exitedInspections.set(c.Id, info);
    }
    return info;
  }

  logs(containerId: string, options: { tailLines?: number; follow?: boolean } = {}): AsyncIterable<Uint8Array> {
    const docker = this.docker;
    return {
      async *[Symbol.asyncIterator]() {
        const container = docker.getContainer(containerId);
        // No tail: Docker's default, every line.
        const tail = options.tailLines === undefined ? {} : { tail: Math.max(0, Math.floor(options.tailLines)) };
        const frames = new FrameDecoder();
        if (!options.follow) {
          const body = (await container.logs({ stdout: true, stderr: true, follow: false, ...tail })) as unknown as Buffer;
          yield* frames.push(body);
          return;
        }
        const stream = (await container.logs({ stdout: true, stderr: true, follow: true, ...tail })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
        try {
          // Docker ends a followed log stream when the container exits.
          for await (const chunk of stream as AsyncIterable<Buffer>) yield* frames.push(chunk);
        } finally {
          stream.destroy?.(); // the consumer may stop early
        }
      },
    };
  }

  exec(containerId: string, command: string[], options?: ExecOptions): Promise<ExecResult> {
    return dockerExec(this.docker, containerId, command, options);
  }

  execStream(containerId: string, command: string[], options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
    return dockerExecStream(this.docker, containerId, command, options);
  }

  attach(containerId: string, options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
    return dockerAttach(this.docker, containerId, options);
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    return this.events.add(listener);
  }

  // --- helpers ---

  /** This node's containers of one kind (sandboxes, or app containers, optionally of one sandbox). */
  private async listRaw(type: typeof SANDBOX | typeof CONTAINER, sandboxId?: string): Promise<Dockerode.ContainerInfo[]> {
    const label = [`${L.node}=${this.nodeName}`, `${L.type}=${type}`];
    if (sandboxId !== undefined) label.push(`${L.sandboxId}=${sandboxId}`);
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  private async inspect(id: string): Promise<Inspection | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  private isMine(info: Inspection, type: string): boolean {
    const labels = info.Config.Labels ?? {};
    return labels[L.node] === this.nodeName && labels[L.type] === type;
  }

  /** Creates a container named name(0), or name(1), name(2)… while the name is taken. */
  private async createNamed(name: (n: number) => string, options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    for (let n = 0; ; n++) {
      try {
        return await this.docker.createContainer({ ...options, name: name(n) });
      } catch (err) {
        if (statusCode(err) !== 409 || n >= 100) throw err;
      }
    }
  }
}

// --- status mapping ---

function toStatus(info: Inspection): ContainerStatus {
  const labels = info.Config.Labels ?? {};
  const state = stateOf(info.State.Status);
  const status: ContainerStatus = {
    id: info.Id,
    sandboxId: labels[L.sandboxId] ?? "",
    name: labels[L.containerName] ?? "",
    image: normalizeImage(labels[L.image] || info.Config.Image),
    imageRef: info.Image,
    state,
    attempt: Number(labels[L.attempt] ?? 0),
    createdAt: dockerTime(info.Created),
  };
  const startedAt = dockerTime(info.State.StartedAt);
  if (startedAt !== undefined) status.startedAt = startedAt;
  if (state === "exited") {
    const finishedAt = dockerTime(info.State.FinishedAt);
    // Docker stamps StartedAt after runc's start returns and FinishedAt from the exit event,
    // so a process that exits at once can "finish" a moment before it "started".
    if (finishedAt !== undefined) status.finishedAt = Math.max(finishedAt, startedAt ?? finishedAt);
    status.exitCode = info.State.ExitCode;
    status.reason = info.State.OOMKilled ? "OOMKilled" : info.State.ExitCode === 0 ? "Completed" : "Error";
  }
  if (info.State.Error) status.message = info.State.Error;
  return status;
}

function stateOf(docker: string): ContainerState {
  switch (docker) {
    case "created":
      return "created";
    case "running":
    case "paused":
    case "restarting":
      return "running";
    case "exited":
    case "dead":
    case "removing":
      return "exited";
    default:
      return "unknown";
  }
}

/** Docker's RFC 3339 nanosecond times → ms; its zero time → undefined. */
function dockerTime(value: string | undefined): number | undefined {
  if (!value || value === ZERO_TIME || value.startsWith("0001-")) return undefined;
  // Date.parse wants at most milliseconds.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? undefined : ms;
}


// --- errors ---

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const json = (err as { json?: { message?: string } }).json;
    return json?.message ?? err.message;
  }
  return String(err);
}

/**
 * A failed pull, worded as containerd words it (what kubelets show in ErrImagePull events):
 * NotFound when the registry says the image does not exist, Unknown otherwise (no registry,
 * timeouts).
 */
function pullError(name: string, err: unknown): Error {
  const detail = errorText(err).replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
  const notFound = /not found|manifest unknown|does not exist|pull access denied/i.test(detail);
  const code = notFound ? "NotFound" : "Unknown";
  return new Error(`rpc error: code = ${code} desc = failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${detail}`);
}

// --- events ---

/** One `docker events` stream for all of a runtime's listeners, open while there are any. */
class EventStream {
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
  private opening = false;
  /** Where a reopened stream resumes (Docker replays its recent events from `since`). */
  private since = "";

  constructor(
    private readonly docker: Dockerode,
    private readonly nodeName: string,
  ) {}

  add(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      // Events between now and the stream's opening are replayed, not lost.
      this.since = dockerTimestamp(Date.now());
      this.open();
    }
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.stream?.destroy();
      this.stream = undefined;
    };
  }

  private open(): void {
    if (this.opening || this.stream) return;
    this.opening = true;
    const filters = { type: ["container"], label: [`${L.node}=${this.nodeName}`] };
    // `since` as Docker's "<seconds>.<nanoseconds>" string: finer than the typed number.
    this.docker.getEvents({ since: this.since, filters } as unknown as Dockerode.GetEventsOptions).then(
      (stream) => {
        this.opening = false;
        const s = stream as NodeJS.ReadableStream & { destroy(): void };
        if (this.listeners.size === 0) return s.destroy(); // everyone left meanwhile
        this.stream = s;
        this.read(s);
      },
      () => {
        this.opening = false;
        this.retry();
      },
    );
  }

  private read(stream: NodeJS.ReadableStream & { destroy(): void }): void {
    let pending = "";
    stream.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) this.onMessage(line);
      }
    });
    const ended = () => {
      if (this.stream !== stream) return; // closed on purpose
      this.stream = undefined;
      this.retry();
    };
    stream.on("end", ended);
    stream.on("error", ended);
  }

  /** The engine went away (restart): reopen from the last event while anyone listens. */
  private retry(): void {
    if (this.listeners.size === 0) return;
    setTimeout(() => this.listeners.size > 0 && this.open(), 1000).unref();
  }

  private onMessage(line: string): void {
    let message: DockerEvent;
    try {
      message = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    if (message.timeNano) this.since = nanosToTimestamp(message.timeNano + 1);
    const event = toRuntimeEvent(message);
    if (!event) return;
    for (const l of [...this.listeners]) l(event);
  }
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

function toRuntimeEvent(e: DockerEvent): RuntimeEvent | undefined {
  const id = e.Actor?.ID ?? "";
  const labels = e.Actor?.Attributes ?? {};
  if (labels[L.type] === SANDBOX) return e.Action === "die" ? { type: "SandboxStopped", sandboxId: id } : undefined;
  if (labels[L.type] !== CONTAINER) return undefined;
  const type = ({ start: "ContainerStarted", die: "ContainerExited", destroy: "ContainerRemoved" } as const)[e.Action as "start" | "die" | "destroy"];
  return type ? { type, sandboxId: labels[L.sandboxId] ?? "", containerId: id } : undefined;
}

/** Docker's "<seconds>.<nanoseconds>" timestamps. */
function dockerTimestamp(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}000000`;
}

function nanosToTimestamp(nanos: number): string {
  // timeNano exceeds 2^53; a few hundred ns of float error do not matter for `since`.
  const seconds = Math.floor(nanos / 1e9);
  return `${seconds}.${String(Math.max(0, Math.floor(nanos - seconds * 1e9))).padStart(9, "0")}`;
}

// --- logs ---

/**
 * Docker's multiplexed stream (no TTY): frames of an 8-byte header — stream (1 stdout,
 * 2 stderr), three zero bytes, payload length (big-endian u32) — then the payload.
 * stdout and stderr come out interleaved in order, as `kubectl logs` shows them.
 */
class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  *push(chunk: Buffer): Generator<Uint8Array> {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + size) break;
      const payload = this.buffered.subarray(8, 8 + size);
      this.buffered = this.buffered.subarray(8 + size);
      if (payload.length > 0) yield new Uint8Array(payload);
    }
  }
}

// --- IP addresses ---

/** host-local IPAM over one pod CIDR: skips the network address, .1 and broadcast; reuses freed ones. */
class IPAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(cidr: string) {
    ({ base: this.base, size: this.size } = parseCIDR(cidr));
  }

  allocate(): string {
    if (this.used.size >= this.size - 3) {
      throw new Error("rpc error: code = Unknown desc = failed to allocate pod IP: no IP addresses available in range");
    }
    // The next free address after the last one handed out, wrapping around, so a just-freed
    // address (maybe still held by a sandbox being torn down) is the last to come back.
    for (;;) {
      const n = this.next;
      this.next = n + 1 >= this.size - 1 ? 2 : n + 1;
      if (!this.used.has(n)) {
        this.used.add(n);
        return formatIP(this.base + n);
      }
    }
  }

  reserve(ip: string): void {
    const n = parseIP(ip) - this.base;
    if (n >= 0 && n < this.size) this.used.add(n);
  }

  release(ip: string): void {
    this.used.delete(parseIP(ip) - this.base);
  }
}

function parseIP(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip.trim());
  if (!m) throw new Error(`invalid IPv4 address ${ip}`);
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

function parseCIDR(cidr: string): { base: number; size: number } {
  const m = /^([\d.]+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid CIDR ${cidr}`);
  const bits = Number(m[2]);
  if (bits < 8 || bits > 29) throw new Error(`CIDR ${cidr}: prefix must be /8../29`);
  const size = 2 ** (32 - bits);
  const ip = parseIP(m[1]);
  return { base: ip - (ip % size), size };
}

function cidrContains(outer: { base: number; size: number }, inner: { base: number; size: number }): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

function formatIP(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function randomSuffix(): string {
  return Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
}
