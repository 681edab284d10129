// The Job controller (kube-controller-manager's "job-controller", batch/v1), as of 1.32:
//  - runs `parallelism` pods from spec.template while completions remain, each created with
//    generateName "<job>-", a controller ownerReference and the tracking finalizer
//    batch.kubernetes.io/job-tracking;
//  - counts finished pods exactly once: a finished pod's UID goes to
//    status.uncountedTerminatedPods (written first), then its finalizer is removed, then it
//    moves to status.succeeded / status.failed — so a pod deleted by anyone is never lost
//    or counted twice;
//  - backoffLimit (failed pods, or container restarts with restartPolicy OnFailure),
//    activeDeadlineSeconds, Indexed completion mode (status.completedIndexes), suspend;
//  - 1.32's terminal conditions: FailureTarget / SuccessCriteriaMet first, and Failed /
//    Complete only once no pod is terminating;
//  - replacement pods after failures wait 10 s, 20 s, 40 s… (at most 10 min);
//  - Events SuccessfulCreate, SuccessfulDelete, Completed, BackoffLimitExceeded,
//    DeadlineExceeded, Suspended, Resumed.
// Not implemented: podFailurePolicy, successPolicy, backoffLimitPerIndex, managedBy,
// adopting orphan pods that match the selector (and releasing pods that stopped matching).
// Pod events sync the job at once (upstream batches them for a second).
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { EventRecorder } from "./events.js";
import type { Clock } from "../../bindings/clock.js";
import type { OwnerReference } from "../types/meta.js";
import { ApiError } from "../api/status.js";
import { timestamp } from "../api/object-store.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { objectKey, splitKey } from "./keys.js";

export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
const COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";

/** How long a sync waits for the informer to show pods it created or deleted (ExpectationsTimeout). */
const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;
/** Replacement pods after failures: 10 s doubling, at most 10 min (DefaultJobPodFailureBackOff). */
const POD_FAILURE_BACKOFF_MS = 10_000;
const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60 * 1000;
/** A delayed sync is never sooner than the upstream batching period. */
const MIN_DELAY_MS = 1000;
/** Bounds on the work of one sync (MaxUncountedPods, MaxPodCreateDeletePerSync). */
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Names of generated pods leave room for the 5-character random suffix. */
const MAX_GENERATED_NAME_LENGTH = 58;
/** Work-queue keys of orphan pods whose tracking finalizer must go (never a valid namespace). */
const ORPHAN_POD_PREFIX = "pod:";
const OWNER_INDEX = "job-controller/controller-uid";

// ---------------------------------------------------------------------------------------
// Shapes

interface Condition {
  type: string;
  status: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

interface JobSpec {
  parallelism?: number | null;
  completions?: number | null;
  backoffLimit?: number | null;
  activeDeadlineSeconds?: number | null;
  completionMode?: string | null;
  suspend?: boolean | null;
  podReplacementPolicy?: string | null;
  podFailurePolicy?: unknown;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: PodSpec };
}

interface JobStatus {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

type Job = KubeObject & { spec: JobSpec; status: JobStatus };

interface ContainerStatus {
  restartCount?: number;
  state?: { terminated?: { finishedAt?: string } };
}

interface PodSpec {
  restartPolicy?: string;
  nodeName?: string;
  hostname?: string;
  containers?: { env?: { name: string }[] }[];
  initContainers?: { env?: { name: string }[] }[];
}

type Pod = KubeObject & {
  spec?: PodSpec;
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};

// ---------------------------------------------------------------------------------------
// Small helpers about pods and jobs

const uidOf = (o: KubeObject) => o.metadata!.uid!;
const phaseOf = (p: Pod) => p.status?.phase;
const isTerminal = (p: Pod) => phaseOf(p) === "Succeeded" || phaseOf(p) === "Failed";
const hasTrackingFinalizer = (p: Pod) => p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
const timeMs = (t: string | undefined) => (t ? Date.parse(t) : NaN);

function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata?.ownerReferences?.find((r) => r.controller);
}

function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Pods the controller still counts as running (FilterActivePods). */
function isActive(p: Pod): boolean {
  return !isTerminal(p) && !p.metadata?.deletionTimestamp;
}

/** Deleted but not yet finished (CountTerminatingPods). */
function isTerminating(p: Pod): boolean {
  return !!p.metadata?.deletionTimestamp && !isTerminal(p);
}

function findCondition(job: Job, type: string): Condition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** Finished: a Complete or Failed condition that is True. */
export function isJobFinished(job: KubeObject): boolean {
  const conditions = (job.status as JobStatus | undefined)?.conditions ?? [];
  return conditions.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

const isSuspended = (job: Job) => job.spec.suspend === true;
const isIndexed = (job: Job) => job.spec.completionMode === "Indexed";

/** Only Failed pods are replaced (podReplacementPolicy Failed, or a podFailurePolicy). */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === "Failed" || job.spec.podFailurePolicy != null;
}

/** Failed, or (when terminating pods are replaced) deleted before it could succeed. */
function isPodFailed(p: Pod, job: Job): boolean {
  if (phaseOf(p) === "Failed") return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && phaseOf(p) !== "Succeeded";
}

function completionIndex(p: Pod): number {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return -1;
  const n = Number(v);
  return n < 0 ? -1 : n;
}

/**
 * When a pod finished: its containers' last finishedAt, else when it stopped being Ready,
 * else its deletion, else its creation (getFinishedTime).
 */
function finishedTime(p: Pod): number {
  const statuses = p.status?.containerStatuses ?? [];
  let latest: number | undefined;
  for (const s of statuses) {
    const at = timeMs(s.state?.terminated?.finishedAt);
    if (Number.isNaN(at)) {
      latest = undefined;
      break;
    }
    if (latest === undefined || at > latest) latest = at;
  }
  if (statuses.length > 0 && latest !== undefined) return latest;
  const ready = p.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "False" && ready.lastTransitionTime) return timeMs(ready.lastTransitionTime);
  if (p.metadata?.deletionTimestamp) return timeMs(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return timeMs(p.metadata?.creationTimestamp);
}

/**
 * Which active pods go first when some must (controller.ActivePods): unscheduled before
 * scheduled, Pending before Running, not ready before ready, ready for less time first,
 * more restarts first, newer first.
 */
function compareForDeletion(a: Pod, b: Pod): number {
  const aNode = !!a.spec?.nodeName;
  const bNode = !!b.spec?.nodeName;
  if (aNode !== bNode) return aNode ? 1 : -1;
  const rank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  const ra = rank[phaseOf(a) ?? "Pending"] ?? 0;
  const rb = rank[phaseOf(b) ?? "Pending"] ?? 0;
  if (ra !== rb) return ra - rb;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const ta = timeMs(a.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime);
    const tb = timeMs(b.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime);
    if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return tb - ta;
  }
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return timeMs(b.metadata?.creationTimestamp) - timeMs(a.metadata?.creationTimestamp);
}

function newCondition(type: string, status: string, reason: string, message: string, now: number): Condition {
  const t = timestamp(new Date(now));
  const c: Condition = { type, status, lastProbeTime: t, lastTransitionTime: t };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * Sets a condition (ensureJobConditionStatus): replaced when status, reason or message
 * differ; a False condition is never added where there was none. Returns whether it changed.
 */
function ensureCondition(job: Job, type: string, status: string, reason: string, message: string, now: number): boolean {
  const conditions = (job.status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i];
    if (c.status === status && (c.reason ?? "") === reason && (c.message ?? "") === message) return false;
    conditions[i] = newCondition(type, status, reason, message, now);
    return true;
  }
  if (status === "False") return false;
  conditions.push(newCondition(type, status, reason, message, now));
  return true;
}

// ---------------------------------------------------------------------------------------
// Completed indexes: ordered, merged intervals written as "0-2,4" ("0,1" for two).

type Intervals = [number, number][];

function parseIndexes(text: string | undefined, completions: number): Intervals {
  const out: Intervals = [];
  if (!text) return out;
  for (const part of text.split(",")) {
    const [a, b] = part.split("-");
    const first = Number(a);
    if (!/^\d+$/.test(a ?? "")) continue;
    if (first >= completions) break;
    let last = first;
    if (b !== undefined) {
      if (!/^\d+$/.test(b)) continue;
      last = Math.min(Number(b), completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev && prev[1] === first - 1) prev[1] = last;
    else out.push([first, last]);
  }
  return out;
}

function withIndexes(intervals: Intervals, indexes: Iterable<number>): Intervals {
  const all: Intervals = [...intervals.map((i) => [i[0], i[1]] as [number, number]), ...[...indexes].map((i) => [i, i] as [number, number])];
  all.sort((x, y) => x[0] - y[0]);
  const out: Intervals = [];
  for (const iv of all) {
    const last = out[out.length - 1];
    if (!last || iv[0] > last[1] + 1) out.push(iv);
    else if (iv[1] > last[1]) last[1] = iv[1];
  }
  return out;
}

const totalOf = (intervals: Intervals) => intervals.reduce((n, [a, b]) => n + b - a + 1, 0);

function formatIndexes(intervals: Intervals): string {
  return intervals.map(([a, b]) => (b === a ? `${a}` : b === a + 1 ? `${a},${b}` : `${a}-${b}`)).join(",");
}

function hasIndex(intervals: Intervals, ix: number): boolean {
  return intervals.some(([a, b]) => a <= ix && ix <= b);
}

// ---------------------------------------------------------------------------------------
// Bookkeeping that lives only in the controller (as upstream): expectations and backoff.

/**
 * Pods a sync created or deleted and the informer has not shown yet. Until it has, the job
 * is not managed again: a stale cache would otherwise create the same pods twice.
 */
class PodExpectations {
  private readonly byJob = new Map<string, { creations: number; deletions: Set<string>; at: number }>();
  constructor(private readonly clock: Clock) {}

  satisfied(key: string): boolean {
    const e = this.byJob.get(key);
    if (!e) return true;
    if (e.creations <= 0 && e.deletions.size === 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  expectCreations(key: string, n: number): void {
    this.byJob.set(key, { creations: n, deletions: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, uids: string[]): void {
    this.byJob.set(key, { creations: 0, deletions: new Set(uids), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.byJob.get(key);
    if (e) e.creations--;
  }

  deletionObserved(key: string, uid: string): void {
    this.byJob.get(key)?.deletions.delete(uid);
  }

  forget(key: string): void {
    this.byJob.delete(key);
  }
}

/** Pods whose tracking finalizer this controller removed and the informer may not show yet. */
class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  expected(key: string): Set<string> {
    return new Set(this.byJob.get(key) ?? []);
  }

  expect(key: string, uids: string[]): void {
    let set = this.byJob.get(key);
    if (!set) this.byJob.set(key, (set = new Set()));
    for (const uid of uids) set.add(uid);
  }

  observed(key: string, uid: string): void {
    const set = this.byJob.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.byJob.delete(key);
  }

  forget(key: string): void {
    this.byJob.delete(key);
  }
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number | null;
}

/** Failures since the last success, and when the last one was (backoffRecord). */
function nextBackoffRecord(old: BackoffRecord | undefined, succeeded: Pod[], failed: Pod[]): BackoffRecord {
  const record: BackoffRecord = old ? { ...old } : { failuresAfterLastSuccess: 0, lastFailureTime: null };
  const byTime = (a: Pod, b: Pod) => finishedTime(a) - finishedTime(b);
  const s = [...succeeded].sort(byTime);
  const f = [...failed].sort(byTime);
  if (s.length === 0) {
    if (f.length === 0) return record;
    return { failuresAfterLastSuccess: record.failuresAfterLastSuccess + f.length, lastFailureTime: finishedTime(f[f.length - 1]) };
  }
  const out: BackoffRecord = { failuresAfterLastSuccess: 0, lastFailureTime: null };
  const lastSuccess = finishedTime(s[s.length - 1]);
  for (let i = f.length - 1; i >= 0; i--) {
    const at = finishedTime(f[i]);
    if (!(at > lastSuccess)) break;
    out.lastFailureTime ??= at;
    out.failuresAfterLastSuccess++;
  }
  return out;
}

/** How long until a replacement pod may be created: 10 s × 2^(failures-1), capped. */
function backoffRemaining(record: BackoffRecord, now: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === null) return 0;
  let delay = POD_FAILURE_BACKOFF_MS;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delay *= 2;
    if (delay >= MAX_POD_FAILURE_BACKOFF_MS) {
      delay = MAX_POD_FAILURE_BACKOFF_MS;
      break;
    }
  }
  const elapsed = now - record.lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}

// ---------------------------------------------------------------------------------------
// One sync's view of a job (syncJobCtx).

interface SyncState {
  key: string;
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  expectedRemovals: Set<string>;
  finishedCondition: Condition | null;
  prevSucceededIndexes: Intervals;
  succeededIndexes: Intervals;
  backoff: BackoffRecord;
  requeueAfterMs?: number;
  /** The first error of creating or deleting pods: the sync still records its status, then fails. */
  manageError?: unknown;
}

function requeueAfter(s: SyncState, ms: number): void {
  s.requeueAfterMs = s.requeueAfterMs === undefined ? ms : Math.min(s.requeueAfterMs, ms);
}

export class JobController implements Reconciler {
  readonly name = "job-controller";
  private ctx!: ControllerContext;
  private queue!: WorkQueue;
  private jobs!: SharedInformer;
  private pods!: SharedInformer;
  private events!: EventRecorder;
  private expectations!: PodExpectations;
  private readonly finalizerExpectations = new FinalizerExpectations();
  private readonly backoffs = new Map<string, BackoffRecord>();

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    this.events = ctx.events.forComponent("job-controller");
    this.expectations = new PodExpectations(ctx.clock);
    this.jobs = ctx.informers.for(R.jobs);
    this.pods = ctx.informers.for(R.pods);
    this.pods.addIndex(OWNER_INDEX, (o) => {
      const ref = controllerOf(o);
      return ref?.kind === "Job" ? [ref.uid] : [];
    });
    this.jobs.addEventHandler({
      add: (job) => queue.add(objectKey(job)),
      update: (_old, job) => {
        queue.add(objectKey(job));
        // Finished: any pod still holding the finalizer is released (a backup of syncJob).
        if (isJobFinished(job)) this.releasePodFinalizers(job);
      },
      delete: (job) => {
        queue.add(objectKey(job));
        this.releasePodFinalizers(job);
      },
    });
    this.pods.addEventHandler({
      add: (pod) => this.podAdded(pod as Pod),
      update: (old, pod) => this.podUpdated(old as Pod, pod as Pod),
      delete: (pod) => this.podDeleted(pod as Pod, true),
    });
  }

  // --- event handlers: only bookkeeping and enqueueing -----------------------------------

  /** The Job a controller reference names, if the cache has that very Job (same UID). */
  private resolve(namespace: string | undefined, ref: OwnerReference): KubeObject | undefined {
    if (ref.kind !== "Job") return undefined;
    const job = this.jobs.get(`${namespace}/${ref.name}`);
    return job && uidOf(job) === ref.uid ? job : undefined;
  }

  private podAdded(pod: Pod): void {
    // Already being deleted when first seen (a controller restart): not a creation.
    if (pod.metadata?.deletionTimestamp) return this.podDeleted(pod, false);
    const ref = controllerOf(pod);
    if (ref) {
      const job = this.resolve(pod.metadata?.namespace, ref);
      if (!job) return;
      const key = objectKey(job);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN_POD_PREFIX + objectKey(pod));
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    // A graceful delete shows first as an update: the job may replace the pod now.
    if (pod.metadata?.deletionTimestamp) return this.podDeleted(pod, false);
    const finalizerRemoved = !hasTrackingFinalizer(pod);
    const ref = controllerOf(pod);
    const oldRef = controllerOf(old);
    if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(ref)) {
      const oldJob = this.resolve(old.metadata?.namespace, oldRef);
      if (oldJob) {
        if (finalizerRemoved) this.finalizerExpectations.observed(objectKey(oldJob), uidOf(pod));
        this.queue.add(objectKey(oldJob));
      }
    }
    if (ref) {
      const job = this.resolve(pod.metadata?.namespace, ref);
      if (!job) return;
      if (finalizerRemoved) this.finalizerExpectations.observed(objectKey(job), uidOf(pod));
      this.queue.add(objectKey(job));
      return;
    }
    if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN_POD_PREFIX + objectKey(pod));
  }

  /** `final`: gone from the store; otherwise marked for deletion. */
  private podDeleted(pod: Pod, final: boolean): void {
    const ref = controllerOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    const job = ref && this.resolve(pod.metadata?.namespace, ref);
    if (!job || isJobFinished(job)) {
      // No live Job will count this pod: just let it go.
      if (hasFinalizer && !final) this.queue.add(ORPHAN_POD_PREFIX + objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.expectations.deletionObserved(key, uidOf(pod));
    if (final || !hasFinalizer) this.finalizerExpectations.observed(key, uidOf(pod));
    this.queue.add(key);
  }

  private releasePodFinalizers(job: KubeObject): void {
    for (const pod of this.pods.byIndex(OWNER_INDEX, uidOf(job))) {
      if (hasTrackingFinalizer(pod as Pod)) this.queue.add(ORPHAN_POD_PREFIX + objectKey(pod));
    }
  }

  // --- reconcile ------------------------------------------------------------------------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.syncOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const shared = this.jobs.get(key);
    if (!shared) {
      this.expectations.forget(key);
      this.finalizerExpectations.forget(key);
      this.backoffs.delete(key);
      return;
    }
    if (isJobFinished(shared)) {
      this.backoffs.delete(key);
      return;
    }
    const mode = (shared.spec as JobSpec | undefined)?.completionMode;
    if (mode != null && mode !== "NonIndexed" && mode !== "Indexed") {
      this.events.event(shared, "Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
      return;
    }
    // The cache's object is shared: work on a copy.
    const job = structuredClone(shared) as Job;
    job.spec ??= {};
    job.status ??= {};
    if (isIndexed(job) && job.spec.completions == null) return; // rejected by validation upstream
    return this.syncJob(key, job);
  }

  private async syncJob(key: string, job: Job): Promise<ReconcileResult | void> {
    const now = this.ctx.clock.now();
    const status = job.status;
    status.uncountedTerminatedPods ??= {};
    // Checked before reading pods: a pod arriving in between only defers the sync.
    const satisfied = this.expectations.satisfied(key);
    const pods = this.pods.byIndex(OWNER_INDEX, uidOf(job)) as Pod[];
    const activePods = pods.filter(isActive);
    const s: SyncState = {
      key,
      job,
      pods,
      activePods,
      ready: activePods.filter(isPodReady).length,
      terminating: pods.filter(isTerminating).length,
      succeeded: 0,
      failed: 0,
      uncountedSucceeded: new Set(status.uncountedTerminatedPods.succeeded ?? []),
      uncountedFailed: new Set(status.uncountedTerminatedPods.failed ?? []),
      expectedRemovals: this.finalizerExpectations.expected(key),
      finishedCondition: null,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      backoff: { failuresAfterLastSuccess: 0, lastFailureTime: null },
    };
    let active = activePods.length;
    const newSucceeded = this.newFinishedPods(s, s.uncountedSucceeded, (p) => phaseOf(p) === "Succeeded");
    const newFailed = this.newFinishedPods(s, s.uncountedFailed, (p) => isPodFailed(p, job));
    s.succeeded = (status.succeeded ?? 0) + newSucceeded.length + s.uncountedSucceeded.size;
    s.failed = (status.failed ?? 0) + newFailed.length + s.uncountedFailed.size;

    let startTimeSet = false;
    // The job starts when first synced unsuspended.
    if (!status.startTime && !isSuspended(job)) {
      status.startTime = timestamp(new Date(now));
      startTimeSet = true;
    }
    s.backoff = nextBackoffRecord(this.backoffs.get(key), newSucceeded, newFailed);

    const backoffLimit = job.spec.backoffLimit ?? 6;
    // This sync resumes the job and restarts its clock (below): the time it spent suspended
    // does not count against activeDeadlineSeconds ("continuously active").
    const resuming = !isSuspended(job) && findCondition(job, "Suspended")?.status === "True";
    const successCriteriaMet = findCondition(job, "SuccessCriteriaMet");
    if (successCriteriaMet?.status === "True") s.finishedCondition = successCriteriaMet;
    if (!s.finishedCondition) {
      const target = findCondition(job, "FailureTarget");
      if (target?.status === "True") s.finishedCondition = newCondition("Failed", "True", target.reason ?? "", target.message ?? "", now);
    }
    if (!s.finishedCondition) {
      if (s.failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        s.finishedCondition = newCondition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
      } else if (!resuming && this.pastActiveDeadline(job, now)) {
        s.finishedCondition = newCondition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now);
      } else if (job.spec.activeDeadlineSeconds != null && !isSuspended(job) && status.startTime) {
        const started = resuming ? now : timeMs(status.startTime);
        requeueAfter(s, job.spec.activeDeadlineSeconds * 1000 - (now - started));
      }
    }

    if (isIndexed(job)) {
      const completions = job.spec.completions!;
      s.prevSucceededIndexes = parseIndexes(status.completedIndexes, completions);
      const fresh = new Set<number>();
      for (const p of pods) {
        const ix = completionIndex(p);
        if (phaseOf(p) === "Succeeded" && ix >= 0 && ix < completions && hasTrackingFinalizer(p)) fresh.add(ix);
      }
      s.succeededIndexes = withIndexes(s.prevSucceededIndexes, fresh);
      s.succeeded = totalOf(s.succeededIndexes);
    }

    let suspendChanged = false;
    if (s.finishedCondition) {
      // Failed or succeeded: stop what still runs; finished only once every pod is seen gone.
      const deleted = await this.deleteActivePods(s);
      if (deleted !== active || !satisfied) s.finishedCondition = null;
      active -= deleted;
    } else {
      let managed = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        active = await this.manageJob(s);
        managed = true;
      }
      const completions = job.spec.completions;
      // Without completions, the first success ends the job once nothing runs.
      const complete = completions == null ? s.succeeded > 0 && active === 0 : s.succeeded >= completions && active === 0;
      if (complete) {
        s.finishedCondition = newCondition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
      } else if (managed) {
        if (isSuspended(job)) {
          if (ensureCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", now)) {
            suspendChanged = true;
            this.events.event(job, "Normal", "Suspended", "Job suspended");
          }
        } else if (ensureCondition(job, "Suspended", "False", "JobResumed", "Job resumed", now)) {
          suspendChanged = true;
          this.events.event(job, "Normal", "Resumed", "Job resumed");
          // activeDeadlineSeconds counts time continuously active: it starts over.
          status.startTime = timestamp(new Date(now));
        }
      }
    }

    const needsStatusUpdate =
      startTimeSet || suspendChanged || active !== (status.active ?? 0) || status.ready !== s.ready || status.terminating !== s.terminating;
    status.active = active;
    status.ready = s.ready;
    status.terminating = s.terminating;
    await this.trackStatusAndRemoveFinalizers(s, needsStatusUpdate);
    if (s.manageError !== undefined) throw s.manageError;
    if (s.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(0, s.requeueAfterMs) };
  }

  /** Finished pods not yet counted: still holding the finalizer and not in `uncounted`. */
  private newFinishedPods(s: SyncState, uncounted: Set<string>, filter: (p: Pod) => boolean): Pod[] {
    const completions = s.job.spec.completions ?? 0;
    return s.pods.filter((p) => {
      const uid = uidOf(p);
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || s.expectedRemovals.has(uid)) return false;
      if (isIndexed(s.job)) {
        const ix = completionIndex(p);
        if (ix < 0 || ix >= completions) return false;
      }
      return filter(p);
    });
  }

  private pastActiveDeadline(job: Job, now: number): boolean {
    const ads = job.spec.activeDeadlineSeconds;
    if (ads == null || !job.status.startTime || isSuspended(job)) return false;
    return now - timeMs(job.status.startTime) >= ads * 1000;
  }

  /**
   * Keeps min(parallelism, remaining completions) pods running (manageJob): deletes
   * extras (or all, when suspended) or creates the missing ones. Returns the active count.
   */
  private async manageJob(s: SyncState): Promise<number> {
    const job = s.job;
    let active = s.activePods.length;
    const parallelism = job.spec.parallelism ?? 1;

    if (isSuspended(job)) {
      const victims = activePodsForRemoval(job, s.activePods, active);
      return active - (await this.deleteExtraPods(s, victims));
    }

    const completions = job.spec.completions;
    let wantActive: number;
    if (completions == null) {
      // After a first success, what runs may finish; nothing new starts.
      wantActive = s.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - s.succeeded, parallelism));
    }

    const victims = activePodsForRemoval(job, s.activePods, Math.max(0, active - wantActive)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    // A sync either deletes or creates, never both; deleting comes first.
    if (victims.length > 0) return active - (await this.deleteExtraPods(s, victims));

    const terminating = onlyReplaceFailedPods(job) ? s.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    const wait = backoffRemaining(s.backoff, this.ctx.clock.now());
    if (wait > 0) {
      requeueAfter(s, Math.max(wait, MIN_DELAY_MS));
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = firstPendingIndexes(s, diff, completions!);
      diff = indexes.length;
    }
    this.expectations.expectCreations(s.key, diff);
    active += diff;

    const template = structuredClone(job.spec.template ?? {});
    if (isIndexed(job)) addCompletionIndexEnv(template.spec ?? {});
    // Slow start: 1, 2, 4… creations at once, stopping at the first batch with a failure
    // (a quota or admission error would fail them all).
    for (let batch = Math.min(diff, 1); diff > 0; batch = Math.min(2 * batch, diff)) {
      const results = await Promise.all(
        Array.from({ length: batch }, () => this.createPod(job, template, indexes.length > 0 ? indexes.shift()! : -1)),
      );
      const failures = results.filter((r) => r !== true);
      for (const failure of failures) {
        this.expectations.creationObserved(s.key);
        active--;
        s.manageError ??= failure;
      }
      diff -= batch;
      if (failures.length > 0 && diff > 0) {
        // Pods never attempted are not expected either; a later sync retries them.
        for (let i = 0; i < diff; i++) this.expectations.creationObserved(s.key);
        active -= diff;
        break;
      }
    }
    return active;
  }

  /** One pod from the template (GetPodFromTemplate). Returns true, or the error. */
  private async createPod(job: Job, template: NonNullable<JobSpec["template"]>, index: number): Promise<true | unknown> {
    const meta = template.metadata ?? {};
    const labels = { ...(meta.labels ?? {}) };
    const annotations = { ...(meta.annotations ?? {}) };
    const spec = structuredClone(template.spec ?? {}) as PodSpec;
    const name = job.metadata!.name!;
    let generateName = `${name}-`;
    if (index >= 0) {
      annotations[JOB_COMPLETION_INDEX] = String(index);
      labels[JOB_COMPLETION_INDEX] = String(index);
      spec.hostname = `${name}-${index}`;
      generateName = indexedGenerateName(name, index);
    }
    const finalizers = [...(meta.finalizers ?? [])];
    if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName,
        namespace: job.metadata!.namespace,
        ...(Object.keys(labels).length ? { labels } : {}),
        ...(Object.keys(annotations).length ? { annotations } : {}),
        finalizers,
        ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: uidOf(job), controller: true, blockOwnerDeletion: true }],
      },
      spec: spec as Record<string, unknown>,
    };
    try {
      const created = await this.ctx.client.create(R.pods, job.metadata!.namespace, pod);
      this.events.event(job, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata!.name}`);
      return true;
    } catch (err) {
      // A namespace being deleted refuses every pod: nothing to report or retry.
      const causes = err instanceof ApiError ? (err.status.details?.causes ?? []) : [];
      if (causes.some((c) => c.reason === "NamespaceTerminating")) return true;
      this.events.event(job, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
      return err;
    }
  }

  /**
   * Deletes pods the job no longer wants (deleteJobPods): their finalizer goes first, so
   * they are not counted as failures. Returns how many were deleted.
   */
  private async deleteExtraPods(s: SyncState, victims: Pod[]): Promise<number> {
    if (victims.length === 0) return 0;
    this.expectations.expectDeletions(s.key, victims.map(uidOf));
    let deleted = 0;
    await Promise.all(
      victims.map(async (pod) => {
        try {
          if (hasTrackingFinalizer(pod)) await this.removeFinalizerPatch(pod);
          await this.deletePod(s.job, pod);
        } catch (err) {
          // The informer will not show this deletion: stop waiting for it.
          this.expectations.deletionObserved(s.key, uidOf(pod));
          if (!isNotFound(err)) {
            s.manageError ??= err;
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) s.ready--;
      }),
    );
    s.terminating += deleted;
    return deleted;
  }

  /**
   * Deletes a failed or finished job's running pods, finalizers kept (deleteActivePods):
   * they are then counted as failed and released by trackStatusAndRemoveFinalizers.
   */
  private async deleteActivePods(s: SyncState): Promise<number> {
    let deleted = 0;
    await Promise.all(
      s.activePods.map(async (pod) => {
        try {
          await this.deletePod(s.job, pod);
        } catch (err) {
          if (!isNotFound(err)) {
            s.manageError ??= err;
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) s.ready--;
      }),
    );
    s.terminating += deleted;
    return deleted;
  }

  /** DELETE with the pod control's Events; NotFound is passed on silently. */
  private async deletePod(job: Job, pod: Pod): Promise<void> {
    const name = pod.metadata!.name!;
    try {
      await this.ctx.client.delete(R.pods, pod.metadata!.namespace, name);
    } catch (err) {
      if (!isNotFound(err)) this.events.event(job, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
      throw err;
    }
    this.events.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
  }

  /**
   * Removes only our finalizer (others may have theirs). A pod already deleted goes with
   * it: the API server deletes an object whose deletion waited on its last finalizer.
   */
  private async removeFinalizerPatch(pod: Pod): Promise<void> {
    await this.ctx.client.patch(R.pods, pod.metadata!.namespace, pod.metadata!.name!, "application/strategic-merge-patch+json", {
      metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
    });
  }

  /**
   * trackJobStatusAndRemoveFinalizers: finished pods go to uncountedTerminatedPods (written
   * first), lose their finalizer, then move to succeeded/failed; then the terminal
   * condition, once nothing is uncounted or terminating.
   */
  private async trackStatusAndRemoveFinalizers(s: SyncState, needsFlush: boolean): Promise<void> {
    const job = s.job;
    const status = job.status;
    const indexed = isIndexed(job);
    const completions = job.spec.completions ?? 0;
    const uncounted = status.uncountedTerminatedPods!;
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    const pods = indexed ? [...s.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : s.pods;
    const withFinalizer = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !s.expectedRemovals.has(uidOf(p))).map(uidOf));
    if (countUncountedWithoutFinalizers(status, withFinalizer)) needsFlush = true;

    const release: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      const uid = uidOf(pod);
      // Counted in an earlier sync.
      if (!hasTrackingFinalizer(pod) || s.expectedRemovals.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      if (!canRemoveFinalizer(s, pod, failed)) continue;
      release.push(pod);
      if (phaseOf(pod) === "Succeeded" && !s.uncountedFailed.has(uid)) {
        if (indexed) {
          // The index is enough to never count a success twice.
          const ix = completionIndex(pod);
          if (ix >= 0 && ix < completions && !hasIndex(s.prevSucceededIndexes, ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!s.uncountedSucceeded.has(uid)) {
          uncounted.succeeded.push(uid);
          needsFlush = true;
        }
      } else if (failed || (s.finishedCondition && s.finishedCondition.type !== "SuccessCriteriaMet")) {
        // Once the job has failed, every pod that did not succeed counts as failed.
        const ix = completionIndex(pod);
        if (!s.uncountedFailed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
          uncounted.failed.push(uid);
          needsFlush = true;
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
        // Keeps status small and one big job from starving the others; the updates requeue it.
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      s.succeededIndexes = withIndexes(s.succeededIndexes, newSucceededIndexes);
      const text = formatIndexes(s.succeededIndexes);
      if (text !== (status.completedIndexes ?? "")) needsFlush = true;
      status.succeeded = totalOf(s.succeededIndexes);
      status.completedIndexes = text;
    }
    const now = this.ctx.clock.now();
    if (s.finishedCondition?.type === "FailureTarget") {
      // The interim condition is written before the finalizers go; Failed comes after.
      (status.conditions ??= []).push(s.finishedCondition);
      needsFlush = true;
      s.finishedCondition = newCondition("Failed", "True", s.finishedCondition.reason ?? "", s.finishedCondition.message ?? "", now);
    }
    if (s.finishedCondition?.type === "SuccessCriteriaMet") {
      const existing = findCondition(job, "SuccessCriteriaMet");
      if (!existing || existing.status !== "True") {
        (status.conditions ??= []).push(s.finishedCondition);
        needsFlush = true;
      }
      s.finishedCondition = newCondition("Complete", "True", s.finishedCondition.reason ?? "", s.finishedCondition.message ?? "", now);
    }
    needsFlush = await this.flushAndRemoveFinalizers(s, release, withFinalizer, needsFlush);
    const finished = !reachedMax && this.enactJobFinished(s);
    if (finished) needsFlush = true;
    if (!needsFlush) return;
    await this.updateStatus(s);
    if (finished) this.recordJobFinished(job, s.finishedCondition!);
  }

  /** Writes the status with the new uncounted pods, removes finalizers, counts what went. */
  private async flushAndRemoveFinalizers(s: SyncState, release: Pod[], withFinalizer: Set<string>, needsFlush: boolean): Promise<boolean> {
    if (needsFlush) {
      await this.updateStatus(s);
      this.backoffs.set(s.key, s.backoff);
      needsFlush = false;
    }
    let removalError: unknown;
    if (release.length > 0) {
      this.finalizerExpectations.expect(s.key, release.map(uidOf));
      await Promise.all(
        release.map(async (pod) => {
          try {
            await this.removeFinalizerPatch(pod);
            withFinalizer.delete(uidOf(pod));
          } catch (err) {
            // No update will show the removal: stop expecting it.
            this.finalizerExpectations.observed(s.key, uidOf(pod));
            if (isNotFound(err)) withFinalizer.delete(uidOf(pod));
            else removalError ??= err;
          }
        }),
      );
    }
    if (countUncountedWithoutFinalizers(s.job.status, withFinalizer)) needsFlush = true;
    if (removalError !== undefined) {
      // Keep what was counted, then retry the rest.
      if (needsFlush) await this.updateStatus(s);
      throw removalError;
    }
    return needsFlush;
  }

  /** Adds Complete or Failed once no pod is uncounted or terminating (enactJobFinished). */
  private enactJobFinished(s: SyncState): boolean {
    const c = s.finishedCondition;
    if (!c) return false;
    const uncounted = s.job.status.uncountedTerminatedPods;
    if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return false;
    if (s.terminating > 0) return false;
    const now = this.ctx.clock.now();
    ensureCondition(s.job, c.type, c.status, c.reason ?? "", c.message ?? "", now);
    if (c.type === "Complete") s.job.status.completionTime = findCondition(s.job, "Complete")!.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: Job, c: Condition): void {
    if (c.type === "Complete") {
      const completions = job.spec.completions;
      if (completions != null && (job.status.succeeded ?? 0) > completions) {
        this.events.event(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
      }
      this.events.event(job, "Normal", "Completed", "Job completed");
    } else {
      this.events.event(job, "Warning", c.reason ?? "", c.message ?? "");
    }
  }

  /** PUT /status with the resourceVersion read: a stale cache conflicts and is retried. */
  private async updateStatus(s: SyncState): Promise<void> {
    const body = { ...s.job, status: wireStatus(s.job.status) } as KubeObject;
    const updated = await this.ctx.client.update(R.jobs, s.job.metadata!.namespace, body, "status");
    s.job.metadata!.resourceVersion = updated.metadata!.resourceVersion;
  }

  /** An orphan pod (its Job gone or finished) keeps no tracking finalizer. */
  private async syncOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.get(podKey) as Pod | undefined;
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== "Job" || ref.apiVersion !== "batch/v1") return;
      const job = this.resolve(splitKey(podKey).namespace, ref);
      if (job && !isJobFinished(job)) return;
    }
    try {
      await this.removeFinalizerPatch(pod);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** UIDs without a finalizer leave uncountedTerminatedPods for succeeded / failed. */
function countUncountedWithoutFinalizers(status: JobStatus, withFinalizer: Set<string>): boolean {
  const uncounted = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  for (const kind of ["succeeded", "failed"] as const) {
    const list = uncounted[kind] ?? [];
    const keep = list.filter((uid) => withFinalizer.has(uid));
    if (keep.length !== list.length) {
      changed = true;
      status[kind] = (status[kind] ?? 0) + list.length - keep.length;
      uncounted[kind] = keep;
    }
  }
  return changed;
}

/** The finalizer may go once the pod is done for, or the whole job is (canRemoveFinalizer). */
function canRemoveFinalizer(s: SyncState, pod: Pod, failed: boolean): boolean {
  if (s.job.metadata?.deletionTimestamp || s.finishedCondition || phaseOf(pod) === "Succeeded") return true;
  return failed;
}

/** Container restarts of pods still running count against backoffLimit with OnFailure. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    if (phaseOf(p) !== "Running" && phaseOf(p) !== "Pending") continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/**
 * Pods to delete (activePodsForRemoval): for Indexed jobs, those without a valid index and
 * all but one per repeated index; then the least advanced, up to `atLeast`.
 */
function activePodsForRemoval(job: Job, pods: Pod[], atLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left: Pod[] = pods;
  if (isIndexed(job)) {
    left = [];
    const completions = job.spec.completions ?? 0;
    const byIndex = new Map<number, Pod[]>();
    for (const p of pods) {
      const ix = completionIndex(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const group of byIndex.values()) {
      group.sort(compareForDeletion);
      rm.push(...group.slice(0, -1));
      left.push(group[group.length - 1]);
    }
  }
  if (rm.length < atLeast) rm.push(...[...left].sort(compareForDeletion).slice(0, atLeast - rm.length));
  return rm;
}

/** The lowest `count` indexes that neither succeeded nor have a pod (firstPendingIndexes). */
function firstPendingIndexes(s: SyncState, count: number, completions: number): number[] {
  const taken = new Set<number>();
  for (const p of s.activePods) taken.add(completionIndex(p));
  if (onlyReplaceFailedPods(s.job)) for (const p of s.pods.filter(isTerminating)) taken.add(completionIndex(p));
  const out: number[] = [];
  for (let ix = 0; ix < completions && out.length < count; ix++) {
    if (!taken.has(ix) && !hasIndex(s.succeededIndexes, ix)) out.push(ix);
  }
  return out;
}

/** "<job>-<index>-", shortened so the random suffix still fits. */
function indexedGenerateName(job: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = job + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? job.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

/** JOB_COMPLETION_INDEX from the pod's index label, in every container that lacks it. */
function addCompletionIndexEnv(spec: PodSpec): void {
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const env = (c.env ??= []) as { name: string; valueFrom?: unknown }[];
    if (env.some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
    env.push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } });
  }
}

/** The status as the API prints it: zero counters and empty lists omitted (omitempty). */
function wireStatus(status: JobStatus): JobStatus {
  const out: JobStatus = { ...status };
  for (const k of ["active", "succeeded", "failed"] as const) if (!out[k]) delete out[k];
  if (!out.completedIndexes) delete out.completedIndexes;
  const u = status.uncountedTerminatedPods ?? {};
  out.uncountedTerminatedPods = {
    ...(u.succeeded?.length ? { succeeded: [...u.succeeded] } : {}),
    ...(u.failed?.length ? { failed: [...u.failed] } : {}),
  };
  if (out.conditions && out.conditions.length === 0) delete out.conditions;
  return out;
}
