// The CronJob controller (kube-controller-manager's "cronjob-controller", the v2 controller
// of 1.32): at each scheduled time it creates a Job from spec.jobTemplate, named
// "<cronjob>-<scheduled time in minutes since the epoch>" — the name is the lock that keeps
// a restarted or stale controller from starting one run twice. It honours
// startingDeadlineSeconds (a run too late is skipped: MissSchedule), concurrencyPolicy
// Allow / Forbid / Replace, suspend and spec.timeZone; keeps status.active,
// lastScheduleTime and lastSuccessfulTime; deletes the oldest finished Jobs beyond the
// history limits; and asks to be synced again just after the next scheduled time.
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { EventRecorder } from "./events.js";
import type { OwnerReference } from "../types/meta.js";
import { ApiError } from "../api/status.js";
import { timestamp } from "../api/object-store.js";
import { R, isAlreadyExists, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import { CronError, TimeZone, formatRFC1123Z, parseCronJobSchedule, type Schedule } from "./cron-schedule.js";

export const CRONJOB_SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/** Requeues land this long after the scheduled time, so clock skew never makes them early. */
const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed runs than this since the last one: warn (TooManyMissedTimes). */
const MANY_MISSED = 100;
const OWNER_INDEX = "cronjob-controller/controller-uid";

interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion?: string;
}

interface CronJobSpec {
  schedule?: string;
  timeZone?: string | null;
  startingDeadlineSeconds?: number | null;
  concurrencyPolicy?: string;
  suspend?: boolean | null;
  successfulJobsHistoryLimit?: number | null;
  failedJobsHistoryLimit?: number | null;
  jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
}

interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

type CronJob = KubeObject & { spec: CronJobSpec; status: CronJobStatus };

interface JobCondition {
  type: string;
  status: string;
}

type Job = KubeObject & { status?: { conditions?: JobCondition[]; startTime?: string; completionTime?: string } };

const uidOf = (o: KubeObject) => o.metadata!.uid!;
const timeMs = (t: string | undefined) => (t ? Date.parse(t) : NaN);

function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata?.ownerReferences?.find((r) => r.controller);
}

/** "Complete" or "Failed" when the Job has finished, else undefined. */
function finishedStatus(job: Job): string | undefined {
  return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;
}

const inActiveList = (cj: CronJob, uid: string) => (cj.status.active ?? []).some((r) => r.uid === uid);

function deleteFromActiveList(cj: CronJob, uid: string): void {
  cj.status.active = (cj.status.active ?? []).filter((r) => r.uid !== uid);
}

/** The Job name for a scheduled time: minutes since the epoch, one name per minute. */
export function jobNameFor(cronJob: string, scheduledMs: number): string {
  return `${cronJob}-${Math.floor(scheduledMs / 60_000)}`;
}

type Missed = "none" | "few" | "many";

interface MostRecent {
  /** The last schedule time (or creation), moved up to the starting deadline. */
  earliest: number;
  /** The latest scheduled time not after now, if any is due. */
  mostRecent?: number;
  missed: Missed;
  error?: string;
}

/**
 * mostRecentScheduleTime: the latest run due since the last one (or the CronJob's
 * creation), without walking every missed run — it estimates how many were missed from
 * the interval between two runs, as upstream does.
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: Schedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = timeMs(cj.status.lastScheduleTime ?? cj.metadata?.creationTimestamp);
  if (Number.isNaN(earliest)) earliest = now;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline != null) {
    // Nothing before this point is ever started.
    earliest = Math.max(earliest, now - deadline * 1000);
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 === null ? null : schedule.next(t1);
  if (t1 !== null && now < t1) return { earliest, missed: "none" };
  if (t1 !== null && t2 !== null && now < t2) return { earliest, mostRecent: t1, missed: "none" };
  // A schedule that never fires ("0 0 31 2 *") has no interval.
  const between = t1 === null || t2 === null ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  const elapsed = Math.trunc((now - t1!) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // Start a little before the estimate and let the schedule find the exact last run
  // (irregular schedules like "30 6-16/4 * * 1-5").
  const potentialEarliest = t1! + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest); t !== null && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: Missed = missedCount > MANY_MISSED ? "many" : missedCount > 0 ? "few" : "none";
  return { earliest, mostRecent, missed };
}

/** How long until just after the next run (nextScheduleTimeDuration), or undefined if none comes. */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent === undefined) from = r.missed === "none" ? r.earliest : now;
  else from = r.mostRecent;
  const next = schedule.next(from);
  return next === null ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

interface SyncOutcome {
  requeueAfterMs?: number;
  updateStatus: boolean;
  error?: unknown;
}

export class CronJobController implements Reconciler {
  readonly name = "cronjob-controller";
  private ctx!: ControllerContext;
  private queue!: WorkQueue;
  private cronJobs!: SharedInformer;
  private jobs!: SharedInformer;
  private events!: EventRecorder;

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    this.events = ctx.events.forComponent("cronjob-controller");
    this.cronJobs = ctx.informers.for(R.cronJobs);
    this.jobs = ctx.informers.for(R.jobs);
    this.jobs.addIndex(OWNER_INDEX, (o) => {
      const ref = controllerOf(o);
      return ref?.kind === "CronJob" ? [ref.uid] : [];
    });
    this.cronJobs.addEventHandler({
      add: (cj) => queue.add(objectKey(cj)),
      update: (old, cj) => this.cronJobUpdated(old as CronJob, cj as CronJob),
      delete: (cj) => queue.add(objectKey(cj)),
    });
    this.jobs.addEventHandler({
      add: (job) => this.enqueueOwner(job),
      update: (old, job) => {
        if (old.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
        const oldRef = controllerOf(old);
        if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(controllerOf(job))) this.enqueueOwner(old);
        this.enqueueOwner(job);
      },
      delete: (job) => this.enqueueOwner(job),
    });
  }

  private resolve(namespace: string | undefined, ref: OwnerReference): KubeObject | undefined {
    if (ref.kind !== "CronJob") return undefined;
    const cj = this.cronJobs.get(`${namespace}/${ref.name}`);
    return cj && uidOf(cj) === ref.uid ? cj : undefined;
  }

  private enqueueOwner(job: KubeObject): void {
    const ref = controllerOf(job);
    const cj = ref && this.resolve(job.metadata?.namespace, ref);
    if (cj) this.queue.add(objectKey(cj));
  }

  /**
   * A new schedule or time zone: sync at its next run rather than now (which could start a
   * run the new schedule "missed"); any other change: now.
   */
  private cronJobUpdated(old: CronJob, cj: CronJob): void {
    const key = objectKey(cj);
    if (old.spec?.schedule === cj.spec?.schedule && (old.spec?.timeZone ?? null) === (cj.spec?.timeZone ?? null)) {
      this.queue.add(key);
      return;
    }
    let schedule: Schedule;
    try {
      schedule = parseCronJobSchedule(cj.spec?.schedule ?? "", validZone(cj.spec?.timeZone));
    } catch {
      this.events.event(cj, "Warning", "UnParseableCronJobSchedule", `unparseable schedule for cronjob: ${cj.spec?.schedule ?? ""}`);
      return;
    }
    const delay = nextScheduleDelay({ ...cj, status: cj.status ?? {} } as CronJob, this.ctx.clock.now(), schedule);
    if (delay !== undefined) this.queue.addAfter(key, delay);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const shared = this.cronJobs.get(key);
    if (!shared) return;
    const cj = structuredClone(shared) as CronJob;
    cj.spec ??= {};
    cj.status ??= {};
    const jobs = this.jobs.byIndex(OWNER_INDEX, uidOf(cj)) as Job[];
    const cleaned = await this.cleanupFinishedJobs(cj, jobs);
    const outcome = await this.syncCronJob(cj, jobs);
    if (cleaned || outcome.updateStatus) await this.updateStatus(outcome.cronJob ?? cj);
    if (outcome.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(0, outcome.requeueAfterMs) };
    if (outcome.error !== undefined) throw outcome.error;
  }

  /** PUT /status with the resourceVersion read (a stale cache conflicts and is retried). */
  private async updateStatus(cj: CronJob): Promise<void> {
    const status: CronJobStatus = { ...cj.status };
    if (!status.active?.length) delete status.active;
    await this.ctx.client.update(R.cronJobs, cj.metadata!.namespace, { ...cj, status } as KubeObject, "status");
  }

  /** Deletes the oldest finished Jobs beyond the history limits. Returns whether status changed. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const { successfulJobsHistoryLimit: keepSucceeded, failedJobsHistoryLimit: keepFailed } = cj.spec;
    if (keepSucceeded == null && keepFailed == null) return false;
    const succeeded = jobs.filter((j) => finishedStatus(j) === "Complete");
    const failed = jobs.filter((j) => finishedStatus(j) === "Failed");
    let changed = false;
    if (keepSucceeded != null && (await this.removeOldestJobs(cj, succeeded, keepSucceeded))) changed = true;
    if (keepFailed != null && (await this.removeOldestJobs(cj, failed, keepFailed))) changed = true;
    return changed;
  }

  private async removeOldestJobs(cj: CronJob, jobs: Job[], keep: number): Promise<boolean> {
    const excess = jobs.length - keep;
    if (excess <= 0) return false;
    // Oldest start first; never-started last; names break ties.
    const sorted = [...jobs].sort((a, b) => {
      const sa = timeMs(a.status?.startTime);
      const sb = timeMs(b.status?.startTime);
      if (Number.isNaN(sa) !== Number.isNaN(sb)) return Number.isNaN(sa) ? 1 : -1;
      if (sa === sb || (Number.isNaN(sa) && Number.isNaN(sb))) return a.metadata!.name!.localeCompare(b.metadata!.name!);
      return sa - sb;
    });
    let changed = false;
    for (const job of sorted.slice(0, excess)) if (await this.deleteJob(cj, job)) changed = true;
    return changed;
  }

  /** Deletes a Job (its pods go by background garbage collection) and its active reference. */
  private async deleteJob(cj: CronJob, job: KubeObject): Promise<boolean> {
    try {
      await this.ctx.client.delete(R.jobs, job.metadata!.namespace, job.metadata!.name!, { propagationPolicy: "Background" });
    } catch (err) {
      this.events.event(cj, "Warning", "FailedDelete", `Deleted job: ${(err as Error).message}`);
      return false;
    }
    deleteFromActiveList(cj, uidOf(job));
    this.events.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata!.name}`);
    return true;
  }

  /** syncCronJob: reconciles status.active with the Jobs, then starts the due run, if any. */
  private async syncCronJob(cronJob: CronJob, jobs: Job[]): Promise<SyncOutcome & { cronJob?: CronJob }> {
    let cj = cronJob;
    const now = this.ctx.clock.now();
    let updateStatus = false;
    const done = (o: Omit<SyncOutcome, "updateStatus"> = {}) => ({ ...o, updateStatus, cronJob: cj });

    const children = new Set<string>();
    for (const job of jobs) {
      const uid = uidOf(job);
      children.add(uid);
      const found = inActiveList(cj, uid);
      const finished = finishedStatus(job);
      if (!found && !finished) {
        // Our cached status may predate the Job: ask the API before calling it unexpected.
        let fresh: CronJob;
        try {
          fresh = (await this.ctx.client.get(R.cronJobs, cj.metadata!.namespace, cj.metadata!.name!)) as CronJob;
        } catch (err) {
          return done({ error: err });
        }
        fresh.status ??= {};
        if (inActiveList(fresh, uid)) {
          cj = fresh;
          continue;
        }
        this.events.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${job.metadata!.name}`);
      } else if (found && finished) {
        deleteFromActiveList(cj, uid);
        this.events.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${job.metadata!.name}, status: ${finished}`);
        updateStatus = true;
      } else if (finished === "Complete") {
        const completed = job.status?.completionTime;
        if (completed && (!cj.status.lastSuccessfulTime || timeMs(completed) > timeMs(cj.status.lastSuccessfulTime))) {
          cj.status.lastSuccessfulTime = completed;
          updateStatus = true;
        }
      }
    }

    // An active Job that is gone (checked against the API, not a lagging cache) is dropped.
    for (const ref of [...(cj.status.active ?? [])]) {
      if (children.has(ref.uid)) continue;
      try {
        await this.ctx.client.get(R.jobs, ref.namespace, ref.name);
      } catch (err) {
        if (!isNotFound(err)) return done({ error: err });
        this.events.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cj, ref.uid);
        updateStatus = true;
      }
    }

    if (cj.metadata?.deletionTimestamp) return done();

    const zoneName = cj.spec.timeZone;
    if (zoneName != null) {
      try {
        TimeZone.load(zoneName);
      } catch (err) {
        this.events.event(cj, "Warning", "UnknownTimeZone", `invalid timeZone: ${JSON.stringify(zoneName)}: ${(err as Error).message}`);
        return done();
      }
    }
    if (cj.spec.suspend) return done();

    const spec = cj.spec.schedule ?? "";
    if (spec.includes("TZ")) {
      this.events.event(
        cj,
        "Warning",
        "UnsupportedSchedule",
        `CRON_TZ or TZ used in schedule ${JSON.stringify(spec)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let schedule: Schedule;
    try {
      schedule = parseCronJobSchedule(spec, zoneName);
    } catch (err) {
      // A user error: nothing to retry until the spec changes.
      this.events.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec)} : ${(err as Error).message}`);
      return done();
    }

    const due = mostRecentScheduleTime(cj, now, schedule, true);
    if (due.error) {
      this.events.event(cj, "Warning", "InvalidSchedule", `invalid schedule: ${spec} : ${due.error}`);
      return done();
    }
    const next = () => nextScheduleDelay(cj, now, schedule);
    if (due.mostRecent === undefined || due.mostRecent > now) return done({ requeueAfterMs: next() });
    const scheduledTime = due.mostRecent;
    if (due.missed === "many") {
      this.events.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }

    const deadline = cj.spec.startingDeadlineSeconds;
    if (deadline != null && scheduledTime + deadline * 1000 < now) {
      this.events.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${formatRFC1123Z(scheduledTime)}`);
      return done({ requeueAfterMs: next() });
    }
    const name = jobNameFor(cj.metadata!.name!, scheduledTime);
    if ((cj.status.active ?? []).some((r) => r.name === name && r.namespace === cj.metadata!.namespace) || timeMs(cj.status.lastScheduleTime) === scheduledTime) {
      // This run was already started.
      return done({ requeueAfterMs: next() });
    }
    const policy = cj.spec.concurrencyPolicy ?? "Allow";
    if (policy === "Forbid" && (cj.status.active ?? []).length > 0) {
      this.events.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return done({ requeueAfterMs: next() });
    }
    if (policy === "Replace") {
      for (const ref of [...(cj.status.active ?? [])]) {
        let job: KubeObject;
        try {
          job = await this.ctx.client.get(R.jobs, ref.namespace, ref.name);
        } catch (err) {
          this.events.event(cj, "Warning", "FailedGet", `Get job: ${(err as Error).message}`);
          return done({ error: err });
        }
        if (!(await this.deleteJob(cj, job))) return done({ error: new Error(`could not replace job ${ref.namespace}/${ref.name}`) });
        updateStatus = true;
      }
    }

    let created: KubeObject;
    let alreadyExisted = false;
    try {
      created = await this.ctx.client.create(R.jobs, cj.metadata!.namespace, this.jobFromTemplate(cj, scheduledTime, TimeZone.load(zoneName)));
    } catch (err) {
      const causes = err instanceof ApiError ? (err.status.details?.causes ?? []) : [];
      if (causes.some((c) => c.reason === "NamespaceTerminating")) return done({ error: err });
      if (!isAlreadyExists(err)) {
        this.events.event(cj, "Warning", "FailedCreate", `Error creating job: ${(err as Error).message}`);
        return done({ error: err });
      }
      // Created before, by us (the status update was lost) or by someone else.
      alreadyExisted = true;
      try {
        created = await this.ctx.client.get(R.jobs, cj.metadata!.namespace, name);
      } catch (getErr) {
        return done({ error: getErr });
      }
      if (controllerOf(created)?.uid !== uidOf(cj)) return done();
      if (inActiveList(cj, uidOf(created))) return done();
    }
    if (!alreadyExisted) this.events.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata!.name}`);
    const m = created.metadata!;
    (cj.status.active ??= []).push({ kind: "Job", namespace: m.namespace, name: m.name!, uid: m.uid!, apiVersion: "batch/v1", resourceVersion: m.resourceVersion });
    cj.status.lastScheduleTime = timestamp(new Date(scheduledTime));
    updateStatus = true;
    return done({ requeueAfterMs: next() });
  }

  /** The Job of one run (getJobFromTemplate2). */
  private jobFromTemplate(cj: CronJob, scheduledTime: number, zone: TimeZone): KubeObject {
    const template = cj.spec.jobTemplate ?? {};
    const labels = { ...(template.metadata?.labels ?? {}) };
    const annotations = { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: zone.formatRFC3339(scheduledTime) };
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: jobNameFor(cj.metadata!.name!, scheduledTime),
        namespace: cj.metadata!.namespace,
        ...(Object.keys(labels).length ? { labels } : {}),
        annotations,
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata!.name!, uid: uidOf(cj), controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? {}),
    };
  }
}

/** spec.timeZone if it loads, else undefined (formatSchedule falls back to the plain schedule). */
function validZone(name: string | null | undefined): string | undefined {
  if (name == null) return undefined;
  try {
    TimeZone.load(name);
    return name;
  } catch (err) {
    if (err instanceof CronError) return undefined;
    throw err;
  }
}
