// Pods: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES.
// STATUS is not the phase alone: it is the reason kubectl users know (ContainerCreating,
// CrashLoopBackOff, Init:1/2, Completed, Terminating...), derived the way
// printers.go's printPod derives it.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer, type PrintedRow, type TableRowCondition } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";
import { humanDuration, parseTime } from "./duration.js";

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface Pod extends HasMeta {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string; restartPolicy?: string }[];
    readinessGates?: { conditionType: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    nominatedNodeName?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** The reason the node lifecycle controller gives pods on a node that stopped reporting. */
const NODE_UNREACHABLE_REASON = "NodeLost";

// Rows of finished pods carry a "Completed" condition, as the real server's rows do.
const SUCCEEDED_CONDITIONS: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const FAILED_CONDITIONS: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

const columns = [
  nameColumn,
  column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
  column("Status", "string", "The aggregate status of the containers in this pod."),
  column(
    "Restarts",
    "string",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  ageColumn,
  column("IP", "string", FIELD_DOCS["PodStatus.podIP"], { priority: 1 }),
  column("Node", "string", FIELD_DOCS["PodSpec.nodeName"], { priority: 1 }),
  column("Nominated Node", "string", FIELD_DOCS["PodStatus.nominatedNodeName"], { priority: 1 }),
  column("Readiness Gates", "string", FIELD_DOCS["PodSpec.readinessGates"], { priority: 1 }),
] as const;

/** Restart count and the latest finish time of a previous run, summed over some containers. */
class RestartTally {
  count = 0;
  last: number | undefined;

  add(status: ContainerStatus): void {
    this.count += status.restartCount ?? 0;
    const finished = parseTime(status.lastState?.terminated?.finishedAt);
    if (finished !== undefined && (this.last === undefined || finished > this.last)) this.last = finished;
  }
}

function conditionIsTrue(pod: Pod, type: string): boolean {
  const c = pod.status?.conditions?.find((cond) => cond.type === type);
  return c?.status === "True";
}

/** A sidecar: an init container that keeps running beside the app containers. */
function isRestartableInit(pod: Pod, name: string): boolean {
  return pod.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === "Always";
}

function terminatedReason(t: NonNullable<ContainerState["terminated"]>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

/** The READY, STATUS and RESTARTS cells. */
export function podStatusCells(pod: Pod, now: Date): { ready: string; status: string; restarts: string } {
  const status = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  // Sidecars count towards READY's total; ordinary init containers do not.
  const total = (pod.spec?.containers ?? []).length + initSpecs.filter((c) => c.restartPolicy === "Always").length;
  let ready = 0;
  let reason = status.reason || status.phase || "";

  if (status.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  // Init containers run in order: the first one that has not finished decides the status.
  const allRestarts = new RestartTally();
  const sidecarRestarts = new RestartTally();
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    allRestarts.add(c);
    const sidecar = isRestartableInit(pod, c.name);
    if (sidecar) sidecarRestarts.add(c);
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, "Init:");
    else if (waiting?.reason && waiting.reason !== "PodInitializing") reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  let restarts = allRestarts;
  if (!initializing || conditionIsTrue(pod, "Initialized")) {
    // Past initialization only sidecar restarts still count, plus the app containers'.
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walked last to first, so the first container with a reason has the final word.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts.add(c);
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedReason(terminated, "");
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A container that exited cleanly while another still runs does not make the pod "Completed".
    if (reason === "Completed" && hasRunning) {
      reason = conditionIsTrue(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === NODE_UNREACHABLE_REASON) reason = "Unknown";
    else if (status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  }

  let restartsText = String(restarts.count);
  if (restarts.count !== 0 && restarts.last !== undefined) {
    restartsText = `${restarts.count} (${humanDuration(now.getTime() - restarts.last)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}

/** READINESS GATES: "true/total" over the pod's readiness gate conditions, or "<none>". */
function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const trueCount = gates.filter((g) => conditionIsTrue(pod, g.conditionType)).length;
  return `${trueCount}/${gates.length}`;
}

function printPod(pod: Pod, now: Date): PrintedRow {
  const { ready, status, restarts } = podStatusCells(pod, now);
  const cells = [
    nameOf(pod),
    ready,
    status,
    restarts,
    ageOf(pod, now),
    pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>",
    pod.spec?.nodeName || "<none>",
    pod.status?.nominatedNodeName || "<none>",
    readinessGates(pod),
  ];
  const phase = pod.status?.phase;
  const conditions = phase === "Succeeded" ? SUCCEEDED_CONDITIONS : phase === "Failed" ? FAILED_CONDITIONS : undefined;
  return conditions ? { cells, conditions: conditions.map((c) => ({ ...c })) } : { cells };
}

export const podPrinter: Printer = { columns, row: printPod };
