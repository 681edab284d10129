// The kubelet's prober (pkg/kubelet/prober): one worker per container and probe type, on the
// Clock. Semantics as Kubernetes' worker.go:
//  - a worker probes once at creation and then every periodSeconds; it waits while the
//    container has not been created, and after initialDelaySeconds of it running;
//  - results start as Failure (readiness), Success (liveness) and Unknown (startup) for each
//    new container ID; startup gates the other two (they wait until the container started,
//    the startup worker stops probing once it has);
//  - a result is only recorded after failureThreshold failures / successThreshold successes
//    in a row; a liveness or startup Failure puts the worker on hold until a new container
//    appears (the kubelet kills and, per restartPolicy, restarts the container);
//  - a probe that errors (as opposed to fails) is thrown away; every failure is an
//    Unhealthy event ("Readiness probe failed: HTTP probe failed with statuscode: 500");
//  - a grpc probe is one grpc.health.v1.Health/Check to podIP:port (the transport makes the
//    call); anything but SERVING fails, worded as pkg/probe/grpc (service unhealthy
//    (responded with "NOT_SERVING"); timeout: health rpc did not complete within 1s).
// Left out: the start-up jitter (a freshly started kubelet spreads its first probes), the
// three retries of errored probes, HTTP redirects (the transport's status is taken as it is).
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { Runtime } from "../../bindings/runtime.js";
import type { KubeObject } from "../controllers/client.js";
import type { EventSink } from "./event-sink.js";
import { formatDuration } from "./backoff.js";
import type { ProbeResults } from "./pod-status.js";
import { GrpcCode, GrpcServingStatus, KUBE_PROBE_USER_AGENT, type GrpcHealthAnswer, type ProbeTarget, type ProbeTransport } from "./probe-transport.js";
import { isRestartableInit, isTerminalPhase, type ContainerSpec, type ContainerStatus, type Pod, type PodStatus } from "./types.js";

export type ProbeType = "liveness" | "readiness" | "startup";
type Result = "success" | "failure" | "unknown";

/** core/v1 Probe, the fields the prober reads (defaults as the API server sets them). */
export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** What the prober needs from its kubelet. */
export interface ProberHost {
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly events: EventSink;
  readonly nodeName: string;
  /** The pod and the status the kubelet last generated for it (the status manager's cache). */
  podStatus(uid: string): { pod: Pod; status: PodStatus | undefined } | undefined;
  /** A result changed: the pod's status is due; `sync`: a container must be killed (a pod sync). */
  probeResultChanged(uid: string, sync: boolean): void;
}

const TYPE_NAME: Record<ProbeType, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };
const INITIAL: Record<ProbeType, Result> = { readiness: "failure", liveness: "success", startup: "unknown" };
/** The exec prober reads at most this much output (maxReadLength). */
const MAX_OUTPUT = 10 * 1024;
const decoder = new TextDecoder();

/** The probe manager: workers per pod, and the results pod status reads (ProbeResults). */
export class ProbeManager implements ProbeResults {
  private readonly workers = new Map<string, ProbeWorker>();
  /** containerID → probe type → result (the results managers). */
  private readonly results = new Map<string, Map<ProbeType, Result>>();
  private running = false;

  constructor(
    readonly host: ProberHost,
    readonly transport: ProbeTransport,
  ) {}

  /** Starts the workers of a pod's containers (app containers and sidecars) that have probes. Idempotent. */
  addPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter(isRestartableInit)];
    for (const c of containers) {
      for (const type of ["startup", "readiness", "liveness"] as const) {
        const spec = c[`${type}Probe`] as ProbeSpec | undefined;
        const key = workerKey(uid, c.name, type);
        if (!spec || this.workers.has(key)) continue;
        const w = new ProbeWorker(this, uid, c, type, spec);
        this.workers.set(key, w);
        if (this.running) w.start();
      }
    }
  }

  /** Stops a pod's workers and forgets their results. */
  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (w.uid !== uid) continue;
      w.stop();
      this.workers.delete(key);
      if (w.containerID) this.results.get(w.containerID)?.delete(w.type);
    }
  }

  /** Runs the workers (the kubelet started). */
  start(): void {
    this.running = true;
    for (const w of this.workers.values()) w.start();
  }

  /** Pauses every worker (the kubelet stopped); results stay. */
  stop(): void {
    this.running = false;
    for (const w of this.workers.values()) w.stop();
  }

  // --- ProbeResults (the prober manager's UpdatePodStatus) ---

  started(name: string, containerID: string, podUid?: string): boolean | undefined {
    const r = this.get(containerID, "startup");
    if (r !== undefined) return r === "success";
    // A startup probe that has not run yet: not started.
    if (podUid !== undefined && this.workers.has(workerKey(podUid, name, "startup"))) return false;
    return undefined;
  }

  ready(name: string, containerID: string, podUid?: string): boolean | undefined {
    if (this.get(containerID, "readiness") === "success") return true;
    const w = podUid !== undefined ? this.workers.get(workerKey(podUid, name, "readiness")) : undefined;
    if (!w) return this.get(containerID, "readiness") === undefined ? undefined : false;
    // The readiness probe has not passed yet: run it now rather than at the next period.
    w.triggerNow();
    return false;
  }

  killReason(name: string, containerID: string): string | undefined {
    if (this.get(containerID, "liveness") === "failure") return `Container ${name} failed liveness probe`;
    if (this.get(containerID, "startup") === "failure") return `Container ${name} failed startup probe`;
    return undefined;
  }

  /** The grace period for a container killed by its probe: the probe's own, if set. */
  killGraceSeconds(podUid: string, name: string, containerID: string): number | undefined {
    const type: ProbeType = this.get(containerID, "liveness") === "failure" ? "liveness" : "startup";
    return this.workers.get(workerKey(podUid, name, type))?.spec.terminationGracePeriodSeconds;
  }

  // --- for the workers ---

  get(containerID: string, type: ProbeType): Result | undefined {
    return this.results.get(containerID)?.get(type);
  }

  set(uid: string, containerID: string, type: ProbeType, result: Result): void {
    let byType = this.results.get(containerID);
    if (!byType) this.results.set(containerID, (byType = new Map()));
    if (byType.get(type) === result) return;
    byType.set(type, result);
    this.host.probeResultChanged(uid, result === "failure" && (type === "liveness" || type === "startup"));
  }

  remove(containerID: string, type: ProbeType): void {
    const byType = this.results.get(containerID);
    byType?.delete(type);
    if (byType?.size === 0) this.results.delete(containerID);
  }

  event(pod: Pod, reason: string, message: string): void {
    this.host.events.event(pod as unknown as KubeObject, "Warning", reason, message, this.host.nodeName);
  }
}

const workerKey = (uid: string, name: string, type: ProbeType) => `${uid}/${name}/${type}`;

type Outcome = { result: "success" | "failure"; output: string } | { error: string };

/** One container's probe of one type (worker.go). */
class ProbeWorker {
  containerID = "";
  private lastResult: Result = "unknown";
  private resultRun = 0;
  /** After a liveness/startup failure: nothing until a new container appears. */
  private onHold = false;
  private timer: TimerHandle | null = null;
  private manualTimer: TimerHandle | null = null;
  private probing = false;
  /** A tick or trigger came while probing: probe again right after. */
  private pending = false;
  /** The worker finished for good (terminal pod, deletion). */
  private done = false;
  private active = false;

  constructor(
    private readonly manager: ProbeManager,
    readonly uid: string,
    private readonly container: ContainerSpec,
    readonly type: ProbeType,
    readonly spec: ProbeSpec,
  ) {}

  private get periodMs(): number {
    return Math.max(1, this.spec.periodSeconds ?? 10) * 1000;
  }

  start(): void {
    if (this.active || this.done) return;
    this.active = true;
    this.tick();
  }

  stop(): void {
    this.active = false;
    const { clock } = this.manager.host;
    if (this.timer) clock.cancel(this.timer);
    if (this.manualTimer) clock.cancel(this.manualTimer);
    this.timer = this.manualTimer = null;
  }

  /** The manualTriggerCh: one extra run, soon, unless one is already due. */
  triggerNow(): void {
    if (!this.active || this.done || this.manualTimer) return;
    if (this.probing) {
      this.pending = true;
      return;
    }
    this.manualTimer = this.manager.host.clock.schedule(0, () => {
      this.manualTimer = null;
      void this.run();
    });
  }

  /** The ticker: the next period starts now, whether or not the probe takes a while. */
  private tick(): void {
    this.timer = this.manager.host.clock.schedule(this.periodMs, () => this.tick());
    if (this.probing) this.pending = true;
    else void this.run();
  }

  private async run(): Promise<void> {
    if (!this.active || this.done) return;
    this.probing = true;
    try {
      do {
        this.pending = false;
        let keepGoing = true;
        try {
          keepGoing = await this.doProbe();
        } catch {
          // As HandleCrash: a broken probe run does not end the worker.
        }
        if (!keepGoing) {
          this.done = true;
          this.stop();
          return;
        }
      } while (this.pending && this.active);
    } finally {
      this.probing = false;
    }
  }

  /** worker.doProbe: returns false when the worker should end. */
  private async doProbe(): Promise<boolean> {
    const { manager, type, spec } = this;
    const entry = manager.host.podStatus(this.uid);
    if (!entry?.status) return true; // not synced yet, or gone
    const { pod, status } = entry;
    if (isTerminalPhase(status.phase)) return false;

    const find = (list: ContainerStatus[] | undefined) => list?.find((s) => s.name === this.container.name && s.containerID);
    const c = find(status.containerStatuses) ?? find(status.initContainerStatuses);
    if (!c?.containerID) return true; // not created yet

    if (this.containerID !== c.containerID) {
      if (this.containerID) manager.remove(this.containerID, type);
      this.containerID = c.containerID;
      manager.set(this.uid, this.containerID, type, INITIAL[type]);
      this.onHold = false; // a new container: probe again
    }
    if (this.onHold) return true;

    if (!c.state.running) {
      manager.set(this.uid, this.containerID, type, "failure");
      // A container that will not run again ends the worker.
      return !c.state.terminated || (pod.spec.restartPolicy ?? "Always") !== "Never";
    }

    if (pod.metadata.deletionTimestamp && (type === "liveness" || type === "startup")) {
      // Graceful shutdown: a last Success, so nothing kills the container meanwhile.
      manager.set(this.uid, this.containerID, type, "success");
      return false;
    }

    const startedAt = c.state.running.startedAt ? Date.parse(c.state.running.startedAt) : manager.host.clock.now();
    if (Math.trunc((manager.host.clock.now() - startedAt) / 1000) < (spec.initialDelaySeconds ?? 0)) return true;

    if (c.started) {
      if (type === "startup") return true; // done for this container
    } else if (type !== "startup") {
      return true; // wait for the startup probe
    }

    const outcome = await this.probe(pod, status);
    if ("error" in outcome) {
      manager.event(pod, "Unhealthy", `${TYPE_NAME[type]} probe errored: ${outcome.error}`);
      return true; // thrown away
    }
    if (outcome.result === "failure") manager.event(pod, "Unhealthy", `${TYPE_NAME[type]} probe failed: ${outcome.output}`);
    // The container may have changed while the probe ran (the probe is then stale).
    if (this.containerID !== c.containerID) return true;

    const result = outcome.result;
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === "failure" && this.resultRun < (spec.failureThreshold ?? 3)) || (result === "success" && this.resultRun < (spec.successThreshold ?? 1))) {
      return true; // below the threshold: the recorded result stays
    }
    manager.set(this.uid, this.containerID, type, result);
    if (result === "failure" && (type === "liveness" || type === "startup")) {
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }

  /** prober.probe: runs the handler the probe has. */
  private async probe(pod: Pod, status: PodStatus): Promise<Outcome> {
    const { spec } = this;
    const timeoutMs = Math.max(1, spec.timeoutSeconds ?? 1) * 1000;
    const target: ProbeTarget = {
      pod: { namespace: pod.metadata.namespace, name: pod.metadata.name, annotations: pod.metadata.annotations },
      container: this.container.name,
      probeType: this.type,
    };
    const podIP = status.podIP ?? "";
    if (spec.exec) return this.execProbe(spec.exec.command ?? [], timeoutMs);
    if (spec.httpGet) {
      const h = spec.httpGet;
      const port = resolvePort(h.port, this.container);
      if (typeof port === "string") return { error: port };
      const scheme = (h.scheme ?? "HTTP").toLowerCase();
      const path = h.path ?? "/";
      const url = `${scheme}://${joinHostPort(h.host || podIP, port)}${path.startsWith("/") ? path : `/${path}`}`;
      const headers: Record<string, string> = {};
      for (const { name, value } of h.httpHeaders ?? []) headers[name] = value;
      // The kubelet's defaults, unless the probe sets them.
      const has = (n: string) => Object.keys(headers).some((k) => k.toLowerCase() === n);
      if (!has("user-agent")) headers["User-Agent"] = KUBE_PROBE_USER_AGENT;
      if (!has("accept")) headers["Accept"] = "*/*";
      const res = await this.manager.transport.http(url, headers, timeoutMs, target);
      if (res instanceof Error) return { result: "failure", output: `Get "${url}": ${res.message}` };
      if (res.status >= 200 && res.status < 400) return { result: "success", output: "" };
      return { result: "failure", output: `HTTP probe failed with statuscode: ${res.status}` };
    }
    if (spec.tcpSocket) {
      const port = resolvePort(spec.tcpSocket.port, this.container);
      if (typeof port === "string") return { error: port };
      const host = spec.tcpSocket.host || podIP;
      const res = await this.manager.transport.tcp(host, port, timeoutMs, target);
      if (res === true) return { result: "success", output: "" };
      return { result: "failure", output: res instanceof Error ? res.message : `dial tcp ${joinHostPort(host, port)}: connect: connection refused` };
    }
    if (spec.grpc) {
      // As the kubelet: the pod IP and a numeric port (the API allows no named port here).
      const { port, service = "" } = spec.grpc;
      const transport = this.manager.transport;
      const answer: GrpcHealthAnswer = transport.grpc
        ? await transport.grpc(podIP, port, service, timeoutMs, target)
        : { kind: "connectError", message: "gRPC probes are not available on this host (its ProbeTransport has no grpc)" };
      return grpcProbeOutcome(answer, joinHostPort(podIP, port), timeoutMs);
    }
    return { error: `missing probe handler for ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid}):${this.container.name}` };
  }

  private async execProbe(command: string[], timeoutMs: number): Promise<Outcome> {
    const id = this.containerID.slice(this.containerID.indexOf("://") + 3);
    let res;
    try {
      res = await this.manager.host.runtime.exec(id, command, { timeoutMs });
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
    if (res.timedOut) return { result: "failure", output: `command "${command.join(" ")}" timed out` };
    const out = new Uint8Array(res.stdout.length + res.stderr.length);
    out.set(res.stdout);
    out.set(res.stderr, res.stdout.length);
    const output = decoder.decode(out.subarray(0, MAX_OUTPUT));
    return { result: res.exitCode === 0 ? "success" : "failure", output };
  }
}

const SERVING_STATUS_NAMES = Object.fromEntries(Object.entries(GrpcServingStatus).map(([name, n]) => [n, name])) as Record<number, string>;
/** codes.Code's String(): the names in "rpc error: code = NotFound desc = …". */
const GRPC_CODE_NAMES = [
  "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
  "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
  "DataLoss", "Unauthenticated",
];

/**
 * pkg/probe/grpc's Probe: every way a health check ends is a Success or a Failure (never an
 * error), with its output in that file's words. `addr` is host:port as dialed.
 */
export function grpcProbeOutcome(answer: GrpcHealthAnswer, addr: string, timeoutMs: number): { result: "success" | "failure"; output: string } {
  const within = formatDuration(timeoutMs);
  switch (answer.kind) {
    case "connectTimeout":
      return { result: "failure", output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded` };
    case "connectError":
      return { result: "failure", output: `error: failed to connect service at ${JSON.stringify(addr)}: ${answer.message}` };
    case "rpcError":
      if (answer.code === GrpcCode.UNIMPLEMENTED) {
        return { result: "failure", output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${answer.message}` };
      }
      if (answer.code === GrpcCode.DEADLINE_EXCEEDED) return { result: "failure", output: `timeout: health rpc did not complete within ${within}` };
      return { result: "failure", output: `error: health rpc probe failed: rpc error: code = ${GRPC_CODE_NAMES[answer.code] ?? `Code(${answer.code})`} desc = ${answer.message}` };
    case "response":
      if (answer.status === GrpcServingStatus.SERVING) return { result: "success", output: "service healthy" };
      // An enum number protobuf does not know prints as the number.
      return { result: "failure", output: `service unhealthy (responded with ${JSON.stringify(SERVING_STATUS_NAMES[answer.status] ?? String(answer.status))})` };
  }
}

/** probe.ResolveContainerPort: a number, or the container port of that name; a string is the error. */
function resolvePort(port: number | string, container: ContainerSpec): number | string {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) return `couldn't find port: ${port} in ${JSON.stringify(container.ports ?? [])}`;
  return found.containerPort;
}

/** net.JoinHostPort: IPv6 hosts in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
