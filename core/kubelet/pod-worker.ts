// One pod's life on a node, as the kubelet's pod worker drives it (SyncPod /
// SyncTerminatingPod / SyncTerminatedPod, with kuberuntime's computePodActions and
// startContainer): a sandbox, the init containers one at a time in order, then the app
// containers; restarts per restartPolicy with CrashLoopBackOff; images per
// imagePullPolicy with ImagePullBackOff; a pod that finished or is being deleted is stopped,
// and a deleted one is then removed with a DELETE (grace 0, uid precondition).
//
// Syncs of one pod never overlap: a trigger during a sync runs another one after it. The
// status is not written during syncs: when they are done the pod is marked dirty and the
// status queue writes what they left (so steps that happen together make one write); a
// sync busy for more than 100 ms (a start delay, a slow pull) gets the status it started
// with written meanwhile, as the kubelet reports ContainerCreating while it works.
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { ContainerStatus as RuntimeContainerStatus, Runtime } from "../../bindings/runtime.js";
import type { ApiClient, KubeObject } from "../controllers/client.js";
import { R, isConflict, isNotFound } from "../controllers/client.js";
import { defaultPullPolicy } from "../api/defaults/pod.js";
import { Backoff, formatDuration } from "./backoff.js";
import type { EventSink } from "./event-sink.js";
import {
  generatePodStatus,
  shouldContainerBeRestarted,
  statusEqual,
  type PodRuntimeStatus,
  type ProbeResults,
  type RuntimeContainer,
  type StartFailure,
} from "./pod-status.js";
import { isRestartableInit, isTerminalPhase, type ContainerSpec, type Pod, type PodStatus } from "./types.js";
import type { ContainerConfig } from "../../bindings/runtime.js";
import { ConfigError, type ConfigSources } from "./config-sources.js";
import { containerMounts, containerResources, containerSecurityContext } from "./container-config.js";
import { DownwardAPIError, type DownwardContext } from "./downward-api.js";
import { expandCommandAndArgs, makeEnvironmentVariables } from "./env.js";
import { runHook } from "./lifecycle.js";
import type { ProbeTransport } from "./probe-transport.js";
import { VolumeError, resolvePodVolumes } from "./volumes.js";

/** What a pod worker needs from its kubelet. */
export interface WorkerHost {
  readonly nodeName: string;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly client: ApiClient;
  readonly events: EventSink;
  /** Container restarts (CrashLoopBackOff). */
  readonly backoff: Backoff;
  /** Image pulls (ImagePullBackOff). */
  readonly imageBackoff: Backoff;
  readonly hostIPs: string[];
  readonly probes?: ProbeResults;
  /** ConfigMaps and Secrets for env and volumes. */
  readonly configSources: ConfigSources;
  /** node.status.allocatable: the downward API's limits for containers that set none. */
  readonly allocatable: Record<string, string>;
  /** How httpGet lifecycle hooks reach the pod. */
  readonly hookTransport?: ProbeTransport;
  /** The pod's resolv.conf for its sandbox, if the host manages DNS. */
  dnsConfigFor?(pod: Pod): { servers: string[]; searches: string[]; options: string[] } | undefined;
  /** False while the node is stopped: nothing happens. */
  readonly active: boolean;
  markStatusDirty(worker: PodWorker): void;
  sandboxStarted(sandboxId: string, worker: PodWorker): void;
  /** A pull added an image (node.status.images changes). */
  imagesChanged(): void;
  /** The pod is gone from the API and the node: drop the worker. */
  forget(worker: PodWorker): void;
}

/** How soon a failed create/start or pull is tried again (the pod worker's retry). */
const RETRY_MS = 10_000;
/** A sync busy for longer than this gets the status it started with written meanwhile. */
const BUSY_STATUS_MS = 100;
/** After ErrImagePull the next sync comes soon and shows ImagePullBackOff. */
const PULL_FAILURE_RESYNC_MS = 1_000;
/** kuberuntime's minimumGracePeriodInSeconds: what a container gets after its preStop hook at least. */
const MIN_GRACE_AFTER_PRESTOP_SECONDS = 2;

export class PodWorker {
  readonly uid: string;
  pod: Pod;
  /** Deleted from the API (watch DELETED): only cleaning up remains. */
  removed = false;
  sandboxId: string | null = null;
  private sandboxIP = "";
  private sandboxReady = false;
  /** The volumes were set up (Runtime.setUpPodVolumes) by this kubelet: containers may mount them. */
  private volumesReady = false;
  /** Containers are stopped and will not start again (the pod finished or is deleted). */
  terminated = false;
  /** The worker decided the pod is done (terminal phase, or deletion): status uses podIsTerminal. */
  private terminating = false;
  private deleteSent = false;
  private readonly failures = new Map<string, StartFailure>();
  private readonly pullErrors = new Map<string, string>();
  /** The status manager's cache: the last status generated. */
  private lastStatus: PodStatus | undefined;
  /** The pod as our last status write returned it (newer than the informer's until the watch catches up). */
  private written: KubeObject | null = null;
  private syncing = false;
  /** The status generated when the running sync began. */
  private syncStatus: PodStatus | null = null;
  /** Set once the running sync has been busy for BUSY_STATUS_MS: its starting status may be written. */
  private busy = false;
  private again = false;
  private resyncTimer: TimerHandle | null = null;
  private busyTimer: TimerHandle | null = null;
  private resyncAt = Infinity;
  private statusChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: WorkerHost,
    pod: Pod,
  ) {
    this.uid = pod.metadata.uid;
    this.pod = pod;
  }

  /**
   * The informer has a newer pod; returns whether it needs a sync. As the kubelet's pod
   * config, a change of status alone (our own writes coming back) does not: only the spec
   * (generation) and the deletion matter.
   */
  update(pod: Pod): boolean {
    const before = this.pod.metadata;
    this.pod = pod;
    return pod.metadata.deletionTimestamp !== before.deletionTimestamp || pod.metadata.generation !== before.generation;
  }

  /** The status the kubelet last generated (the status manager's cache), else the API's. */
  get currentStatus(): PodStatus | undefined {
    return this.lastStatus ?? this.pod.status;
  }

  /** Adopts a sandbox the runtime already had (a restarted kubelet). */
  adopt(sandboxId: string, ip: string, ready: boolean): void {
    this.sandboxId = sandboxId;
    this.sandboxIP = ip;
    this.sandboxReady = ready;
  }

  sandboxStopped(): void {
    this.sandboxReady = false;
  }

  /** Runs a sync now (or right after the running one). */
  trigger(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    void this.run();
  }

  cancelTimers(): void {
    if (this.busyTimer) this.host.clock.cancel(this.busyTimer);
    this.busyTimer = null;
    if (this.resyncTimer) this.host.clock.cancel(this.resyncTimer);
    this.resyncTimer = null;
    this.resyncAt = Infinity;
  }

  private async run(): Promise<void> {
    this.syncing = true;
    try {
      do {
        this.again = false;
        if (!this.host.active) return;
        try {
          await this.syncOnce();
        } catch {
          // The runtime or the API failed us: try again later, as the pod worker does.
          this.resyncIn(RETRY_MS);
        }
      } while (this.again);
    } finally {
      this.syncing = false;
      this.syncStatus = null;
      this.busy = false;
      if (this.busyTimer) this.host.clock.cancel(this.busyTimer);
      this.busyTimer = null;
      // Writes skipped while the syncs ran are due now: the status is computed from where they left things.
      if (this.host.active && !this.removed) this.host.markStatusDirty(this);
    }
  }

  private async syncOnce(): Promise<void> {
    const pod = this.pod;
    if (this.removed) {
      // Deleted for good (grace 0, or after our own DELETE): stop whatever still runs.
      await this.killPod(0, false);
      if (this.sandboxId) await this.host.runtime.removeSandbox(this.sandboxId);
      // The pod's directories go with it (tmpfs unmounted, emptyDirs deleted).
      await this.host.runtime.tearDownPodVolumes(this.uid);
      this.cancelTimers();
      this.host.forget(this);
      return;
    }
    if (pod.metadata.deletionTimestamp) return this.terminateDeleted(pod);
    if (this.terminated) return;
    if (isTerminalPhase(pod.status?.phase)) {
      // Finished before we knew it (a restarted node): make sure nothing runs.
      this.terminating = true;
      await this.killPod(0, true);
      this.terminated = true;
      return;
    }

    // The volume manager's WaitForAttachAndMount comes before the sandbox (and, after a
    // kubelet restart, before any container of an adopted sandbox starts again).
    if (!this.volumesReady && !this.sandboxId) {
      if (!(await this.setUpVolumes(pod))) return;
    }
    if (!this.sandboxReady) {
      if (this.sandboxId) {
        // The sandbox went away under us; its pod cannot continue on this node (no re-creation here).
        this.terminating = true;
        await this.killPod(0, true);
        this.terminated = true;
        return;
      }
      const ok = await this.createSandbox(pod);
      if (!ok) return;
    }

    // The status as of now is what gets written if this sync stays busy (pulling, creating,
    // starting) for a while: the kubelet generates it before acting. A sync that is done
    // sooner writes only its outcome — one write, not one per step.
    this.syncStatus = this.generate(pod, await this.runtimeStatus());
    this.busyTimer ??= this.host.clock.schedule(BUSY_STATUS_MS, () => {
      this.busyTimer = null;
      if (!this.syncing) return;
      this.busy = true;
      this.host.markStatusDirty(this);
    });

    if (!this.volumesReady && !(await this.setUpVolumes(pod))) return;
    await this.killUnhealthy(pod);

    // Sidecars start one after another within one sync; everything else is driven by events.
    for (let round = 0; round < 16; round++) {
      const progressed = await this.startNeeded(pod);
      if (!progressed) break;
    }

    const rt = await this.runtimeStatus();
    const phase = this.generate(pod, rt, false).phase;
    if (isTerminalPhase(phase)) {
      // Done: stop what is left (sidecars) and the sandbox, then report the terminal phase.
      this.terminating = true;
      await this.killPod(pod.spec.terminationGracePeriodSeconds ?? 30, true);
      this.terminated = true;
    }
  }

  /** computePodActions + starting: returns true when an init container was started and the next may follow. */
  private async startNeeded(pod: Pod): Promise<boolean> {
    const rt = await this.runtimeStatus();
    const latest = newestByName(rt.containers);
    const regularStarted = pod.spec.containers.some((c) => latest.has(c.name));

    let initDone = true;
    for (const ic of pod.spec.initContainers ?? []) {
      const l = latest.get(ic.name);
      if (isRestartableInit(ic)) {
        if (l?.state === "running") continue;
        // A sidecar that is not running is (re)started, and the next init container waits for it.
        const started = await this.startWithBackoff(pod, ic, l);
        if (!regularStarted) return started;
        continue;
      }
      if (!l || l.state === "created" || l.state === "unknown") {
        await this.startWithBackoff(pod, ic, l);
        initDone = false;
        break;
      }
      if (l.state === "running") {
        initDone = false;
        break;
      }
      if (l.exitCode === 0) continue;
      initDone = false;
      // A failed init container: with restartPolicy Never the pod has failed (getPhase says so).
      if ((pod.spec.restartPolicy ?? "Always") !== "Never") await this.startWithBackoff(pod, ic, l);
      break;
    }
    if (!initDone && !regularStarted) return false;

    for (const c of pod.spec.containers) {
      const l = latest.get(c.name);
      if (shouldContainerBeRestarted(pod, l)) await this.startWithBackoff(pod, c, l);
    }
    return false;
  }

  /**
   * computePodActions' probe part: a running container that failed its liveness or startup
   * probe is killed; startNeeded then restarts it as any exited container (restartPolicy,
   * back-off).
   */
  private async killUnhealthy(pod: Pod): Promise<void> {
    const probes = this.host.probes;
    if (!probes?.killReason) return;
    const latest = newestByName((await this.runtimeStatus()).containers);
    const specs = [...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter(isRestartableInit)];
    for (const spec of specs) {
      const c = latest.get(spec.name);
      if (c?.state !== "running") continue;
      const reason = probes.killReason(spec.name, c.id, this.uid);
      if (!reason) continue;
      const restart = (pod.spec.restartPolicy ?? "Always") !== "Never";
      this.event("Normal", "Killing", restart ? `${reason}, will be restarted` : reason);
      const grace = probes.killGraceSeconds?.(this.uid, spec.name, c.id) ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      await this.killContainer(spec, c.id.slice(c.id.indexOf("://") + 3), grace);
    }
  }

  /** kuberuntime's doBackOff, then startContainer. */
  private async startWithBackoff(pod: Pod, spec: ContainerSpec, latest: RuntimeContainer | undefined): Promise<boolean> {
    if (latest?.state === "exited") {
      const key = `${this.uid}/${spec.name}`;
      const finishedAt = latest.finishedAt ?? this.host.clock.now();
      const { backoff } = this.host;
      if (backoff.isInBackOffSince(key, finishedAt)) {
        this.event("Warning", "BackOff", `Back-off restarting failed container ${spec.name} in pod ${formatPod(pod)}`);
        this.failures.set(spec.name, {
          reason: "CrashLoopBackOff",
          message: `back-off ${formatDuration(backoff.get(key))} restarting failed container=${spec.name} pod=${formatPod(pod)}`,
        });
        this.resyncAt_(finishedAt + backoff.get(key));
        return false;
      }
      backoff.next(key, finishedAt);
    }
    return this.startContainer(spec, latest);
  }

  private async startContainer(spec: ContainerSpec, latest: RuntimeContainer | undefined): Promise<boolean> {
    const { runtime } = this.host;
    const image = spec.image ?? "";
    const pulled = await this.ensureImage(spec, image);
    if (pulled) {
      this.failures.set(spec.name, pulled);
      this.event("Warning", "Failed", `Error: ${pulled.reason}`);
      return false;
    }
    // generateContainerConfig: env (ConfigMaps, Secrets, the downward API), command, mounts.
    let config: ContainerConfig;
    try {
      config = await this.containerConfig(this.pod, spec, image, latest ? latest.restartCount + 1 : 0);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof DownwardAPIError) return this.startFailed(spec, "CreateContainerConfigError", err);
      throw err;
    }
    let id: string;
    try {
      id = await runtime.createContainer(this.sandboxId!, config);
    } catch (err) {
      return this.startFailed(spec, "CreateContainerError", err);
    }
    this.event("Normal", "Created", `Created container ${spec.name}`);
    try {
      await runtime.startContainer(id);
    } catch (err) {
      return this.startFailed(spec, "RunContainerError", err);
    }
    this.event("Normal", "Started", `Started container ${spec.name}`);
    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      // The start is not done until the hook is; a failed hook kills the container (restartPolicy decides the rest).
      const failed = await runHook(postStart, this.hookContext(spec, id, (this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000));
      if (failed) {
        this.event("Warning", "FailedPostStartHook", failed);
        await this.killContainer(spec, id, this.pod.spec.terminationGracePeriodSeconds ?? 30, false);
        this.failures.set(spec.name, { reason: "PostStartHookError", message: failed });
        return false;
      }
    }
    this.failures.delete(spec.name);
    if (latest) await this.removeOldAttempts(spec.name, id);
    return true;
  }

  /** What the runtime gets for a container: everything resolved (env, $(VAR) in command and args, mounts, resources). */
  private async containerConfig(pod: Pod, spec: ContainerSpec, image: string, attempt: number): Promise<ContainerConfig> {
    const { env, warnings } = await makeEnvironmentVariables(pod, spec, this.host.configSources, this.downwardContext());
    for (const w of warnings) this.event("Warning", w.reason, w.message);
    const mounts = containerMounts(pod, spec);
    const securityContext = containerSecurityContext(pod, spec);
    return {
      name: spec.name,
      image,
      ...expandCommandAndArgs(spec, env),
      ...(env.size > 0 ? { env: Object.fromEntries(env) } : {}),
      ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
      ...(spec.stdin ? { stdin: true, stdinOnce: !!spec.stdinOnce } : {}),
      ...(spec.tty ? { tty: true } : {}),
      attempt,
      ...(mounts.length > 0 ? { mounts } : {}),
      resources: containerResources(spec),
      ...(securityContext ? { securityContext } : {}),
    };
  }

  private downwardContext(): DownwardContext {
    return { podIPs: this.sandboxIP ? [this.sandboxIP] : [], hostIPs: this.host.hostIPs, allocatable: this.host.allocatable };
  }

  /** The volume manager: resolve the pod's volumes and have the runtime set them up; false (FailedMount, retried) when one cannot be. */
  private async setUpVolumes(pod: Pod): Promise<boolean> {
    try {
      const volumes = await resolvePodVolumes(pod, this.host.configSources, this.host.client, this.downwardContext());
      await this.host.runtime.setUpPodVolumes(this.uid, volumes);
      this.volumesReady = true;
      return true;
    } catch (err) {
      const message = err instanceof VolumeError ? `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}` : err instanceof Error ? err.message : String(err);
      this.event("Warning", "FailedMount", message);
      this.resyncIn(RETRY_MS);
      return false;
    }
  }

  private hookContext(spec: ContainerSpec, containerId: string, timeoutMs: number) {
    return { runtime: this.host.runtime, clock: this.host.clock, transport: this.host.hookTransport, pod: this.pod, podIP: this.sandboxIP, container: spec, containerId, timeoutMs };
  }

  /**
   * kuberuntime's killContainer: the preStop hook first (a running container, some grace
   * left), then SIGTERM with what remains of the grace period (at least 2 s after a hook),
   * then SIGKILL.
   */
  private async killContainer(spec: ContainerSpec | undefined, containerId: string, graceSeconds: number, preStop = true): Promise<void> {
    let grace = graceSeconds;
    const hook = spec?.lifecycle?.preStop;
    if (preStop && hook && grace > 0) {
      const started = this.host.clock.now();
      const failed = await runHook(hook, this.hookContext(spec!, containerId, grace * 1000));
      if (failed) this.event("Warning", "FailedPreStopHook", failed);
      grace = Math.max(MIN_GRACE_AFTER_PRESTOP_SECONDS, grace - Math.floor((this.host.clock.now() - started) / 1000));
    }
    await this.host.runtime.stopContainer(containerId, grace);
  }

  private startFailed(spec: ContainerSpec, reason: string, err: unknown): false {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.set(spec.name, { reason, message });
    this.event("Warning", "Failed", `Error: ${message}`);
    this.resyncIn(RETRY_MS);
    return false;
  }

  /** The image manager's EnsureImageExists; returns why the image is not there, or null. */
  private async ensureImage(spec: ContainerSpec, image: string): Promise<StartFailure | null> {
    const { runtime, imageBackoff, clock } = this.host;
    const policy = spec.imagePullPolicy ?? defaultPullPolicy(image);
    const present = await runtime.hasImage(image);
    if (policy === "Never" || (policy === "IfNotPresent" && present)) {
      if (present) {
        this.event("Normal", "Pulled", `Container image "${image}" already present on machine`);
        return null;
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.event("Warning", "ErrImageNeverPull", message);
      return { reason: "ErrImageNeverPull", message };
    }
    const key = `${this.uid}_${image}`;
    if (imageBackoff.isInBackOffSinceUpdate(key, clock.now())) {
      let message = `Back-off pulling image "${image}"`;
      this.event("Normal", "BackOff", message);
      const previous = this.pullErrors.get(key);
      if (previous) message = `${message}: ${previous}`;
      this.resyncAt_(imageBackoff.until(key)!);
      return { reason: "ImagePullBackOff", message };
    }
    this.pullErrors.delete(key);
    this.event("Normal", "Pulling", `Pulling image "${image}"`);
    const started = clock.now();
    try {
      const result = await runtime.pullImage(image);
      const took = formatDuration(clock.now() - started);
      this.event("Normal", "Pulled", `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${result.sizeBytes} bytes.`);
      this.host.imagesChanged();
      return null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.event("Warning", "Failed", `Failed to pull image "${image}": ${message}`);
      imageBackoff.next(key, clock.now());
      this.pullErrors.set(key, `ErrImagePull: ${message}`);
      this.resyncIn(PULL_FAILURE_RESYNC_MS);
      return { reason: "ErrImagePull", message };
    }
  }

  /** The container GC: of a container's dead attempts only the newest stays (for lastState). */
  private async removeOldAttempts(name: string, current: string): Promise<void> {
    const list = await this.host.runtime.listContainers({ sandboxId: this.sandboxId! });
    const dead = list.filter((c) => c.name === name && c.id !== current && c.state === "exited").sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    for (const c of dead.slice(1)) await this.host.runtime.removeContainer(c.id);
  }

  private async createSandbox(pod: Pod): Promise<boolean> {
    const m = pod.metadata;
    try {
      const { sandboxId, ip } = await this.host.runtime.runSandbox({
        uid: m.uid,
        namespace: m.namespace,
        name: m.name,
        hostname: (pod.spec.hostname ?? m.name).slice(0, 63),
        labels: { ...(m.labels ?? {}), "io.kubernetes.pod.name": m.name, "io.kubernetes.pod.namespace": m.namespace, "io.kubernetes.pod.uid": m.uid },
        annotations: { ...(m.annotations ?? {}) },
        ownerReferences: (m.ownerReferences ?? []).map((o) => ({ ...o })),
        dnsConfig: this.host.dnsConfigFor?.(pod),
      });
      this.adopt(sandboxId, ip, true);
      this.host.sandboxStarted(sandboxId, this);
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.event("Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${message}`);
      this.resyncIn(RETRY_MS);
      return false;
    }
  }

  /** Deletion: stop the containers within the grace period, report the final status, then delete the pod for real. */
  private async terminateDeleted(pod: Pod): Promise<void> {
    this.terminating = true;
    if (!this.terminated) {
      const spec = pod.spec.terminationGracePeriodSeconds ?? 30;
      const grace = Math.min(spec, pod.metadata.deletionGracePeriodSeconds ?? spec);
      await this.killPod(grace, true);
      this.terminated = true;
      this.failures.clear();
    }
    if (this.deleteSent) return;
    await this.writeStatus(true);
    this.deleteSent = true;
    try {
      await this.host.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      // Gone already, or replaced by a pod of the same name (the uid precondition).
      if (!isNotFound(err) && !isConflict(err)) {
        this.deleteSent = false;
        throw err;
      }
    }
  }

  /** killPodWithSyncResult: Killing events for running containers, stop them (app containers first, then sidecars), stop the sandbox. */
  private async killPod(graceSeconds: number, record: boolean): Promise<void> {
    if (!this.sandboxId) return;
    const { runtime } = this.host;
    const rt = await this.runtimeStatus();
    const running = rt.containers.filter((c) => c.state === "running" || c.state === "created");
    const sidecars = new Set((this.pod.spec.initContainers ?? []).filter(isRestartableInit).map((c) => c.name));
    const specs = new Map([...this.pod.spec.containers, ...(this.pod.spec.initContainers ?? [])].map((c) => [c.name, c]));
    const stop = async (c: RuntimeContainer) => {
      if (record && c.state === "running") this.event("Normal", "Killing", `Stopping container ${c.name}`);
      await this.killContainer(c.state === "running" ? specs.get(c.name) : undefined, c.id.slice(c.id.indexOf("://") + 3), graceSeconds);
    };
    await Promise.all(running.filter((c) => !sidecars.has(c.name)).map(stop));
    for (const c of running.filter((c) => sidecars.has(c.name)).reverse()) await stop(c);
    await runtime.stopSandbox(this.sandboxId);
    this.sandboxReady = false;
  }

  /** The runtime's view of the pod. */
  async runtimeStatus(): Promise<PodRuntimeStatus> {
    if (!this.sandboxId) return { sandboxReady: false, ips: [], containers: [] };
    const list = await this.host.runtime.listContainers({ sandboxId: this.sandboxId });
    const type = this.host.runtime.type;
    return {
      sandboxReady: this.sandboxReady,
      ips: this.sandboxReady && this.sandboxIP ? [this.sandboxIP] : [],
      containers: list.map((c) => toRuntimeContainer(type, c)),
    };
  }

  /** The status as the kubelet generates it; `forWrite` holds a terminal phase back until the pod is stopped. */
  private generate(pod: Pod, rt: PodRuntimeStatus, forWrite = true): PodStatus {
    const status = generatePodStatus({
      pod,
      previous: this.lastStatus,
      runtime: rt,
      failures: this.failures,
      podIsTerminal: this.terminating,
      couldHaveRunningContainers: forWrite && !this.terminated,
      hostIPs: this.host.hostIPs,
      now: this.host.clock.now(),
      probes: this.host.probes,
    });
    // The status manager's cache follows every generated status, written or not.
    if (forWrite) this.lastStatus = status;
    return status;
  }

  /** Computes the status and writes it if it changed; writes of one pod never overlap. */
  writeStatus(fromSync = false): Promise<void> {
    const next = this.statusChain.then(() => this.writeStatusNow(fromSync));
    this.statusChain = next.catch(() => undefined);
    return next;
  }

  private async writeStatusNow(fromSync: boolean): Promise<void> {
    if (!this.host.active || this.removed) return;
    // While a sync runs, only its starting status may be written, and only once it has
    // been busy a while; otherwise its end marks the pod dirty again.
    const pending = fromSync ? null : this.syncing ? this.syncStatus : null;
    if (!fromSync && this.syncing && !(this.busy && pending)) return;
    const rt = await this.runtimeStatus();
    let base = this.freshest();
    for (let attempt = 0; attempt < 4; attempt++) {
      const status = attempt === 0 && pending ? pending : this.generate(base, rt);
      if (statusEqual(status, base.status)) return;
      const m = base.metadata;
      try {
        this.written = await this.host.client.update(
          R.pods,
          m.namespace,
          { apiVersion: "v1", kind: "Pod", metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion }, status },
          "status",
        );
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
        const fresh = (await this.host.client.get(R.pods, m.namespace, m.name).catch(() => null)) as Pod | null;
        if (!fresh || fresh.metadata.uid !== this.uid) return;
        base = fresh;
        this.written = fresh as unknown as KubeObject;
      }
    }
  }

  /** The newest pod we know: the informer's, or the one our last write returned (until the watch catches up). */
  private freshest(): Pod {
    const written = this.written as Pod | null;
    if (!written || Number(written.metadata.resourceVersion) <= Number(this.pod.metadata.resourceVersion)) return this.pod;
    return written;
  }

  private resyncIn(ms: number): void {
    this.resyncAt_(this.host.clock.now() + ms);
  }

  /** Syncs again at `at` (the earliest of the asked times). */
  private resyncAt_(at: number): void {
    if (this.resyncTimer && this.resyncAt <= at) return;
    if (this.resyncTimer) this.host.clock.cancel(this.resyncTimer);
    this.resyncAt = at;
    this.resyncTimer = this.host.clock.schedule(Math.max(0, at - this.host.clock.now()), () => {
      this.resyncTimer = null;
      this.resyncAt = Infinity;
      this.trigger();
    });
  }

  private event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.host.events.event(this.pod as unknown as KubeObject, type, reason, message, this.host.nodeName);
  }
}

/** format.Pod: "name_namespace(uid)". */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

function newestByName(containers: RuntimeContainer[]): Map<string, RuntimeContainer> {
  const out = new Map<string, RuntimeContainer>();
  for (const c of containers) {
    const seen = out.get(c.name);
    if (!seen || c.createdAt > seen.createdAt || (c.createdAt === seen.createdAt && c.restartCount > seen.restartCount)) out.set(c.name, c);
  }
  return out;
}

export function toRuntimeContainer(type: string, c: RuntimeContainerStatus): RuntimeContainer {
  return {
    id: `${type}://${c.id}`,
    name: c.name,
    image: c.image,
    imageRef: c.imageRef ?? "",
    state: c.state,
    createdAt: c.createdAt ?? 0,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    exitCode: c.exitCode,
    reason: c.reason,
    message: c.message,
    restartCount: c.attempt ?? 0,
  };
}
