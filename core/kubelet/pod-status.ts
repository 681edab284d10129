// The pod status a kubelet writes, computed from the pod and what the runtime reports — a
// pure function, as the kubelet's generateAPIPodStatus (pkg/kubelet/kubelet_pods.go) with
// convertToAPIContainerStatuses, getPhase, the condition generators of
// pkg/kubelet/status/generate.go, the prober manager's started/ready and the status
// manager's lastTransitionTime/startTime bookkeeping and mergePodStatus (v1.32 defaults:
// PodReadyToStartContainers on, sidecars on, volumeMounts in container statuses).
import { timestamp } from "../api/object-store.js";
import { qosClass } from "../api/defaults/pod.js";
import {
  isRestartableInit,
  isTerminalPhase,
  type ContainerSpec,
  type ContainerStatus,
  type Pod,
  type PodCondition,
  type PodSpec,
  type PodStatus,
} from "./types.js";

/** One container as the runtime reports it (the kubelet's kubecontainer.Status). */
export interface RuntimeContainer {
  /** "<runtime>://<id>", as containerID shows it. */
  id: string;
  name: string;
  image: string;
  imageRef: string;
  state: "created" | "running" | "exited" | "unknown";
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  /** The attempt this container is (the kubelet passes it in, the runtime echoes it). */
  restartCount: number;
}

/** The runtime's view of one pod. */
export interface PodRuntimeStatus {
  /** A ready sandbox exists, so no new one is needed (PodReadyToStartContainers). */
  sandboxReady: boolean;
  /** The sandbox's IPs (none once its network is gone). */
  ips: string[];
  /** Every container the runtime still holds for the pod, in any order. */
  containers: RuntimeContainer[];
}

/** Why the last start of a container failed (the kubelet's reason cache): ErrImagePull, CrashLoopBackOff… */
export interface StartFailure {
  reason: string;
  message: string;
}

/**
 * Probe results (the prober, prober.ts, or a fixed answer in tests). A method returning
 * undefined means the container has no such probe: started once running, ready once started.
 */
export interface ProbeResults {
  started?(containerName: string, containerID: string, podUid?: string): boolean | undefined;
  ready?(containerName: string, containerID: string, podUid?: string): boolean | undefined;
  /** Why a running container must be killed ("Container c failed liveness probe"), if it must. */
  killReason?(containerName: string, containerID: string, podUid?: string): string | undefined;
  /** The grace period of such a kill, when the probe sets its own. */
  killGraceSeconds?(podUid: string, containerName: string, containerID: string): number | undefined;
}

export interface StatusInput {
  /** The pod as the API has it; its status is the API's. */
  pod: Pod;
  /** The kubelet's last generated status, if any (the status manager's cache); else the API's. */
  previous?: PodStatus;
  runtime: PodRuntimeStatus;
  failures?: ReadonlyMap<string, StartFailure>;
  /** The kubelet has decided the pod is done: its containers will not be restarted. */
  podIsTerminal?: boolean;
  /**
   * The kubelet may still have containers of the pod running (it has not finished
   * terminating it): a terminal phase is then held back (mergePodStatus).
   */
  couldHaveRunningContainers?: boolean;
  hostIPs: string[];
  now: number;
  probes?: ProbeResults;
}

/** Conditions the kubelet owns (it regenerates them; others are kept as they are). */
const KUBELET_CONDITIONS = new Set(["PodScheduled", "Ready", "Initialized", "ContainersReady", "PodReadyToStartContainers"]);

export function generatePodStatus(input: StatusInput): PodStatus {
  const { pod, runtime } = input;
  const spec = pod.spec;
  const api = pod.status ?? {};
  const old = input.previous ?? api;
  const failures = input.failures ?? new Map<string, StartFailure>();
  const hasInit = (spec.initContainers?.length ?? 0) > 0;
  const byName = newestFirst(runtime.containers);

  const containerStatuses = convertStatuses(pod, spec.containers, old.containerStatuses, byName, failures, hasInit, false)
    // SortedContainerStatuses: by name.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const initContainerStatuses = convertStatuses(pod, spec.initContainers ?? [], old.initContainerStatuses, byName, failures, hasInit, true);
  const all = [...containerStatuses, ...initContainerStatuses];

  let phase = getPhase(spec, all, input.podIsTerminal ?? false, hasAnyRegularContainerStarted(spec, all));
  // A terminal phase, once reached (here or in the API), stays.
  if (!isTerminalPhase(phase)) {
    if (isTerminalPhase(old.phase)) phase = old.phase!;
    else if (isTerminalPhase(api.phase)) phase = api.phase!;
  }
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === old.phase) {
    reason = old.reason || api.reason;
    message = old.message || api.message;
  }
  if (isTerminalPhase(api.phase) && phase !== api.phase) phase = api.phase!;

  applyProbes(spec, containerStatuses, initContainerStatuses, input.probes, pod.metadata?.uid ?? "");

  const allStatuses = [...initContainerStatuses, ...containerStatuses];
  const conditions: PodCondition[] = (api.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)).map((c) => ({ ...c }));
  conditions.push({ type: "PodReadyToStartContainers", status: runtime.sandboxReady ? "True" : "False" });
  conditions.push(podInitializedCondition(spec, allStatuses, phase));
  conditions.push(podReadyCondition(spec, conditions, allStatuses, phase));
  conditions.push(containersReadyCondition(spec, allStatuses, phase));
  conditions.push({ type: "PodScheduled", status: "True" });

  const now = timestamp(new Date(input.now));
  const hostIP = input.hostIPs[0];
  // Host-network pods have the node's addresses. Pod IPs stay once set: a finished pod
  // keeps reporting the address it had.
  const podIPs = spec.hostNetwork
    ? input.hostIPs.map((ip) => ({ ip }))
    : runtime.ips.length > 0
      ? runtime.ips.map((ip) => ({ ip }))
      : (old.podIPs ?? api.podIPs);

  // Fields the kubelet does not own (nominatedNodeName, resourceClaimStatuses…) pass through.
  const status: PodStatus = {};
  for (const [key, value] of Object.entries(api)) if (!OWNED_FIELDS.has(key)) status[key] = structuredClone(value);
  Object.assign(status, {
    phase,
    conditions,
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    ...(hostIP ? { hostIP, hostIPs: input.hostIPs.map((ip) => ({ ip })) } : {}),
    ...(podIPs && podIPs.length > 0 ? { podIP: podIPs[0].ip, podIPs: structuredClone(podIPs) } : {}),
    startTime: old.startTime ?? api.startTime ?? now,
    ...(hasInit ? { initContainerStatuses } : {}),
    containerStatuses,
    qosClass: api.qosClass ?? qosClass(spec as unknown as Record<string, unknown>),
  });
  for (const c of status.conditions!) {
    if (!KUBELET_CONDITIONS.has(c.type)) continue;
    c.lastProbeTime = null;
    const before = old.conditions?.find((o) => o.type === c.type);
    c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
  }
  return mergeForWrite(api, status, input.couldHaveRunningContainers ?? false, now);
}

const OWNED_FIELDS = new Set([
  "phase", "conditions", "message", "reason", "hostIP", "hostIPs", "podIP", "podIPs", "startTime",
  "initContainerStatuses", "containerStatuses", "qosClass",
]);

/**
 * The status manager's mergePodStatus: a pod whose containers may still run is not reported
 * terminal yet, and a terminal pod is never reported ready.
 */
function mergeForWrite(api: PodStatus, status: PodStatus, couldHaveRunningContainers: boolean, now: string): PodStatus {
  if (!isTerminalPhase(api.phase) && isTerminalPhase(status.phase) && couldHaveRunningContainers) {
    status.phase = api.phase;
    if (api.reason) status.reason = api.reason;
    else delete status.reason;
    if (api.message) status.message = api.message;
    else delete status.message;
  }
  if (isTerminalPhase(status.phase)) {
    const reason = status.phase === "Failed" ? "PodFailed" : "PodCompleted";
    for (const c of status.conditions ?? []) {
      if ((c.type === "Ready" || c.type === "ContainersReady") && c.status === "True") {
        c.status = "False";
        c.reason = reason;
        delete c.message;
        c.lastTransitionTime = now;
      }
    }
  }
  return status;
}

/** The runtime's containers per name, newest first (the kubelet reads at most the two newest). */
function newestFirst(containers: RuntimeContainer[]): Map<string, RuntimeContainer[]> {
  const out = new Map<string, RuntimeContainer[]>();
  for (const c of containers) {
    let list = out.get(c.name);
    if (!list) out.set(c.name, (list = []));
    list.push(c);
  }
  for (const list of out.values()) list.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
  return out;
}

const stamp = (ms: number | undefined): string | null => (ms === undefined || ms <= 0 ? null : timestamp(new Date(ms)));

function volumeMounts(c: ContainerSpec): Partial<ContainerStatus> {
  if (!c.volumeMounts?.length) return {};
  return {
    volumeMounts: c.volumeMounts.map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      ...(m.readOnly ? { readOnly: true, recursiveReadOnly: "Disabled" } : {}),
    })),
  };
}

function convertOne(rc: RuntimeContainer, old: ContainerStatus | undefined, spec: ContainerSpec): ContainerStatus {
  const status: ContainerStatus = {
    name: rc.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: rc.restartCount,
    image: rc.image,
    imageID: rc.imageRef,
    containerID: rc.id,
    started: false,
    ...volumeMounts(spec),
  };
  switch (rc.state) {
    case "running":
      status.state = { running: { startedAt: stamp(rc.startedAt) } };
      break;
    case "created":
      status.state = { waiting: {} };
      break;
    case "exited":
      status.state = {
        terminated: {
          exitCode: rc.exitCode ?? 0,
          reason: rc.reason ?? ((rc.exitCode ?? 0) === 0 ? "Completed" : "Error"),
          ...(rc.message ? { message: rc.message } : {}),
          startedAt: stamp(rc.startedAt),
          finishedAt: stamp(rc.finishedAt),
          containerID: rc.id,
        },
      };
      break;
    default:
      if (old?.state?.running) {
        // It ran and the runtime lost it: report it dead, not waiting (which would make the pod Pending).
        status.state = {
          terminated: {
            exitCode: 137,
            reason: "ContainerStatusUnknown",
            message: "The container could not be located when the pod was terminated",
            startedAt: null,
            finishedAt: null,
          },
        };
        status.restartCount = (old.restartCount ?? 0) + 1;
      } else {
        status.state = { waiting: {} };
      }
  }
  return status;
}

function convertStatuses(
  pod: Pod,
  specs: ContainerSpec[],
  previous: ContainerStatus[] | undefined,
  byName: Map<string, RuntimeContainer[]>,
  failures: ReadonlyMap<string, StartFailure>,
  hasInit: boolean,
  isInit: boolean,
): ContainerStatus[] {
  const defaultReason = hasInit ? "PodInitializing" : "ContainerCreating";
  const out: ContainerStatus[] = [];
  for (const c of specs) {
    const old = previous?.find((s) => s.name === c.name);
    let status: ContainerStatus = {
      name: c.name,
      state: { waiting: { reason: defaultReason } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: c.image ?? "",
      imageID: "",
      started: false,
      ...volumeMounts(c),
    };
    if (old) {
      if (old.state?.terminated) status = structuredClone(old);
      else {
        status.restartCount = old.restartCount ?? 0;
        status.lastState = structuredClone(old.lastState ?? {});
      }
    }
    const attempts = byName.get(c.name) ?? [];
    if (attempts.length === 0 && old?.state?.running && status.state.waiting?.reason === defaultReason && !status.lastState.terminated) {
      // It was running and is gone: it stopped, even if we cannot say how.
      status.lastState = {
        terminated: {
          exitCode: 137,
          reason: "ContainerStatusUnknown",
          message: "The container could not be located when the pod was deleted.  The container used to be Running",
          startedAt: null,
          finishedAt: null,
        },
      };
      if (!pod.metadata.deletionTimestamp) status.restartCount++;
    }
    if (attempts.length > 0) {
      status = convertOne(attempts[0], old, c);
      if (attempts.length > 1) status.lastState = convertOne(attempts[1], old, c).state;
    }
    // A container the kubelet will start again shows why it has not yet (the reason cache).
    const completedInit = isInit && attempts[0]?.state === "exited" && attempts[0].exitCode === 0;
    const failure = failures.get(c.name);
    if (!completedInit && failure && shouldContainerBeRestarted(pod, attempts[0])) {
      if (status.state.terminated) status.lastState = status.state;
      status.state = { waiting: { reason: failure.reason, ...(failure.message ? { message: failure.message } : {}) } };
    }
    out.push(status);
  }
  return out;
}

/** kubecontainer.ShouldContainerBeRestarted, given the newest runtime container of that name. */
export function shouldContainerBeRestarted(pod: Pod, latest: RuntimeContainer | undefined): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (!latest) return true;
  if (latest.state === "running") return false;
  if (latest.state === "unknown" || latest.state === "created") return true;
  const policy = pod.spec.restartPolicy ?? "Always";
  if (policy === "Never") return false;
  if (policy === "OnFailure" && (latest.exitCode ?? 0) === 0) return false;
  return true;
}

/** The prober manager's UpdatePodStatus: started and ready per container. */
function applyProbes(spec: PodSpec, containers: ContainerStatus[], inits: ContainerStatus[], probes: ProbeResults | undefined, uid: string): void {
  const started = (s: ContainerStatus) => (s.state.running ? (probes?.started?.(s.name, s.containerID ?? "", uid) ?? true) : false);
  const ready = (s: ContainerStatus) => (s.state.running ? (probes?.ready?.(s.name, s.containerID ?? "", uid) ?? true) : false);
  for (const s of containers) {
    s.started = started(s);
    s.ready = s.started ? ready(s) : false;
  }
  for (const s of inits) {
    s.started = started(s);
    const c = spec.initContainers?.find((i) => i.name === s.name);
    if (!c || !isRestartableInit(c)) {
      s.ready = s.state.terminated?.exitCode === 0;
      continue;
    }
    s.ready = s.started ? ready(s) : false;
  }
}

/** kubecontainer.HasAnyRegularContainerStarted: a regular container ran, so initialization is done. */
export function hasAnyRegularContainerStarted(spec: PodSpec, statuses: ContainerStatus[]): boolean {
  const names = new Set(spec.containers.map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state.running !== undefined || s.state.terminated !== undefined));
}

/** The kubelet's getPhase (v1.32, without the ContainerRestartRules gate). */
export function getPhase(spec: PodSpec, info: ContainerStatus[], podIsTerminal: boolean, podHasInitialized: boolean): string {
  const find = (name: string) => info.find((s) => s.name === name);
  let pendingRestartableInit = 0;
  let pendingRegularInit = 0;
  let failedInitialization = 0;
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInit(c)) continue;
    const s = find(c.name);
    if (!s) pendingRegularInit++;
    else if (s.state.running) pendingRegularInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingRegularInit++;
    } else pendingRegularInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = find(c.name);
    if (!s) unknown++;
    else if (s.state.running) {
      if (!s.started) pendingRestartableInit++;
      running++;
    } else if (s.state.terminated) {
      // Stopped sidecars do not count.
    } else if (s.state.waiting) {
      if (!s.lastState?.terminated) {
        pendingRestartableInit++;
        waiting++;
      }
    } else {
      pendingRestartableInit++;
      unknown++;
    }
  }
  for (const c of spec.containers) {
    const s = find(c.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const restartPolicy = spec.restartPolicy ?? "Always";
  if (failedInitialization > 0 && restartPolicy === "Never") return "Failed";
  if (pendingRegularInit > 0 || (pendingRestartableInit > 0 && !podHasInitialized) || waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? "Succeeded" : "Failed";
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

/** Go's %s of a []string: "[a b]". */
const list = (names: string[]) => `[${names.join(" ")}]`;

function containersReadyCondition(spec: PodSpec, statuses: ContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string) => {
    const s = statuses.find((x) => x.name === name);
    if (!s) unknown.push(name);
    else if (!s.ready) unready.push(name);
  };
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) check(c.name);
  for (const c of spec.containers) check(c.name);
  if (phase === "Succeeded" && unknown.length === 0) return { type: "ContainersReady", status: "False", reason: "PodCompleted" };
  if (phase === "Failed") return { type: "ContainersReady", status: "False", reason: "PodFailed" };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${list(unready)}`);
  if (messages.length > 0) return { type: "ContainersReady", status: "False", reason: "ContainersNotReady", message: messages.join(", ") };
  return { type: "ContainersReady", status: "True" };
}

function podReadyCondition(spec: PodSpec, conditions: PodCondition[], statuses: ContainerStatus[], phase: string): PodCondition {
  const containersReady = containersReadyCondition(spec, statuses, phase);
  if (containersReady.status !== "True") {
    return { type: "Ready", status: containersReady.status, reason: containersReady.reason, ...(containersReady.message ? { message: containersReady.message } : {}) };
  }
  const messages: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== "True") messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return { type: "Ready", status: "False", reason: "ReadinessGatesNotReady", message: messages.join(", ") };
  return { type: "Ready", status: "True" };
}

function podInitializedCondition(spec: PodSpec, statuses: ContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    const initialized = isRestartableInit(c) ? s.started === true : s.ready;
    if (!initialized) incomplete.push(c.name);
  }
  if (phase === "Succeeded" && unknown.length === 0) return { type: "Initialized", status: "True", reason: "PodCompleted" };
  if (hasAnyRegularContainerStarted(spec, statuses)) return { type: "Initialized", status: "True" };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${list(incomplete)}`);
  if (messages.length > 0) return { type: "Initialized", status: "False", reason: "ContainersNotInitialized", message: messages.join(", ") };
  return { type: "Initialized", status: "True" };
}

/** Whether two statuses are the same (key order and undefined fields aside): nothing to write. */
export function statusEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => statusEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (ao[k] === undefined && bo[k] === undefined) continue;
    if (!statusEqual(ao[k], bo[k])) return false;
  }
  return true;
}
