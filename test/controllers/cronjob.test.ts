// The CronJob controller on virtual time: Jobs at each scheduled time with deterministic
// names, concurrency policies, suspend, starting deadlines, time zones, history limits and
// the Events `kubectl describe cronjob` shows. The Job controller is not running unless a
// test adds it: tests finish Jobs by writing their status.
import { afterEach, describe, expect, it } from "vitest";
import { CronJobController, jobNameFor, mostRecentScheduleTime, nextScheduleDelay } from "../../dist/core/controllers/cronjob.js";
import { JobController } from "../../dist/core/controllers/job.js";
import { parseStandard } from "../../dist/core/controllers/cron-schedule.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { R, isConflict, type KubeObject } from "../../dist/core/controllers/client.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

const NS = "default";
type Any = Record<string, any>;
const T0 = Date.UTC(2026, 0, 1); // Thursday 2026-01-01 00:00:00 UTC
const MIN = 60_000;
/** Minutes since the epoch of T0: the suffix of a Job scheduled at T0. */
const T0_MINUTES = 29453760;

let h: Harness | undefined;
let clock: VirtualClock;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: { start?: number; withJobController?: boolean } = {}): Promise<Harness> {
  clock = new VirtualClock(options.start ?? T0);
  const reconcilers = options.withJobController ? [new CronJobController(), new JobController()] : [new CronJobController()];
  h = await startControlPlane(reconcilers, { clock });
  return h;
}

/** Polls `cond` while virtual time creeps on (5 ms a poll), so retries after conflicts run. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 4000): Promise<void> {
  await waitFor(
    async () => {
      await clock.advance(5);
      return cond();
    },
    ms,
    what,
  );
}

/** Lets pending work settle without moving virtual time much. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await clock.advance(1);
  await new Promise((r) => setTimeout(r, 50));
}

function cronJobManifest(name: string, spec: Any): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name },
    spec: {
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "hello", image: "busybox", command: ["date"] }] } } },
      },
      ...spec,
    },
  };
}

const createCronJob = (name: string, spec: Any) => h!.client.create(R.cronJobs, NS, cronJobManifest(name, spec)) as Promise<Any>;
const getCronJob = (name: string) => h!.client.get(R.cronJobs, NS, name) as Promise<Any>;

async function jobsOf(cronJob: string): Promise<Any[]> {
  const list = await h!.client.list(R.jobs, NS, { labelSelector: `app=${cronJob}` });
  return (list.items as Any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const jobNames = async (cronJob: string) => (await jobsOf(cronJob)).map((j) => j.metadata.name);
const runName = (cronJob: string, minutesAfterT0: number) => `${cronJob}-${T0_MINUTES + minutesAfterT0}`;

async function updateCronJob(name: string, change: (cj: Any) => Any): Promise<void> {
  for (;;) {
    const cj = await getCronJob(name);
    try {
      await h!.client.update(R.cronJobs, NS, change(cj));
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** What the Job controller would write when a Job ends. */
async function finishJob(name: string, type: "Complete" | "Failed", startedMinutesAfterT0: number): Promise<void> {
  const stamp = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const startTime = new Date(T0 + startedMinutesAfterT0 * MIN).toISOString().replace(/\.\d{3}Z$/, "Z");
  for (;;) {
    const job = (await h!.client.get(R.jobs, NS, name)) as Any;
    const status = {
      ...job.status,
      startTime,
      conditions: [{ type, status: "True", lastProbeTime: stamp, lastTransitionTime: stamp }],
      ...(type === "Complete" ? { completionTime: stamp, succeeded: 1 } : { failed: 1 }),
    };
    try {
      await h!.client.update(R.jobs, NS, { ...job, status }, "status");
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

async function events(name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await h!.client.list(R.events, NS);
  return (list.items as Any[]).filter((e) => e.involvedObject?.name === name && e.involvedObject?.kind === "CronJob").map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
}

async function hasEvent(name: string, reason: string): Promise<boolean> {
  return (await events(name)).some((e) => e.reason === reason);
}

describe("mostRecentScheduleTime and the requeue delay", () => {
  const cj = (created: string, extra: Any = {}) =>
    ({ metadata: { name: "c", creationTimestamp: created }, spec: extra.spec ?? {}, status: extra.status ?? {} }) as unknown as KubeObject;
  const every5 = parseStandard("*/5 * * * *");

  it.each([
    { case: "nothing due yet", now: "00:04:59", mostRecent: undefined, missed: "none" },
    { case: "the first run is due", now: "00:05:00", mostRecent: "00:05:00", missed: "none" },
    { case: "several missed: the latest", now: "00:17:00", mostRecent: "00:15:00", missed: "few" },
  ])("$case", ({ now, mostRecent, missed }) => {
    const r = mostRecentScheduleTime(cj("2026-01-01T00:00:00Z") as never, Date.parse(`2026-01-01T${now}Z`), every5, true);
    expect(r.mostRecent === undefined ? undefined : new Date(r.mostRecent).toISOString().slice(11, 19)).toBe(mostRecent);
    expect(r.missed).toBe(missed);
  });

  it("counts from lastScheduleTime, and startingDeadlineSeconds hides runs older than the deadline", () => {
    const status = { lastScheduleTime: "2026-01-01T00:05:00Z" };
    const now = Date.parse("2026-01-01T00:17:00Z");
    expect(mostRecentScheduleTime(cj("2026-01-01T00:00:00Z", { status }) as never, now, every5, true).mostRecent).toBe(Date.parse("2026-01-01T00:15:00Z"));
    const late = cj("2026-01-01T00:00:00Z", { status, spec: { startingDeadlineSeconds: 60 } });
    expect(mostRecentScheduleTime(late as never, now, every5, true).mostRecent).toBeUndefined();
  });

  it("reports many missed runs (> 100)", () => {
    const r = mostRecentScheduleTime(cj("2026-01-01T00:00:00Z") as never, Date.parse("2026-01-06T00:30:00Z"), parseStandard("@hourly"), true);
    expect(r.missed).toBe("many");
    expect(r.mostRecent).toBe(Date.parse("2026-01-06T00:00:00Z"));
  });

  it("errors on a schedule that never fires", () => {
    expect(mostRecentScheduleTime(cj("2026-01-01T00:00:00Z") as never, T0 + 10 * MIN, parseStandard("0 0 31 2 *"), true).error).toBe(
      "time difference between two schedules is less than 1 second",
    );
  });

  it("requeues 100 ms after the next run", () => {
    expect(nextScheduleDelay(cj("2026-01-01T00:00:00Z") as never, T0 + 2 * MIN, every5)).toBe(3 * MIN + 100);
  });

  it("names a run's Job by minutes since the epoch", () => {
    expect(jobNameFor("hello", T0 + 5 * MIN)).toBe(`hello-${T0_MINUTES + 5}`);
  });
});

describe("CronJob defaults", () => {
  it("sets concurrencyPolicy, suspend and the history limits, and leaves the jobTemplate's Job fields to Job creation", async () => {
    await start();
    const cj = await createCronJob("defaults", { schedule: "@daily" });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });
});

describe("scheduling Jobs", () => {
  it("creates a Job at each scheduled time, named by the minute, owned by the CronJob", async () => {
    await start();
    const cj = await createCronJob("hello", { schedule: "*/5 * * * *" });
    await settle();
    await clock.advance(4 * MIN);
    await settle();
    expect(await jobsOf("hello")).toHaveLength(0);

    await clock.advance(1 * MIN);
    await until(async () => (await jobsOf("hello")).length === 1, "the first Job");
    const [job] = await jobsOf("hello");
    expect(job.metadata.name).toBe(runName("hello", 5));
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata.annotations).toEqual({ "batch.kubernetes.io/cronjob-scheduled-timestamp": "2026-01-01T00:05:00Z" });
    expect(job.metadata.labels).toEqual({ app: "hello" });
    // The API server defaulted the Job's spec from the template.
    expect(job.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1 });
    expect(job.spec.template.spec.containers[0].command).toEqual(["date"]);

    await until(async () => (await getCronJob("hello")).status?.lastScheduleTime === "2026-01-01T00:05:00Z", "lastScheduleTime");
    const status = (await getCronJob("hello")).status;
    expect(status.active).toEqual([{ kind: "Job", namespace: NS, name: job.metadata.name, uid: job.metadata.uid, apiVersion: "batch/v1", resourceVersion: job.metadata.resourceVersion }]);
    await until(() => hasEvent("hello", "SuccessfulCreate"), "the event");
    expect(await events("hello")).toContainEqual({ reason: "SuccessfulCreate", message: `Created job ${job.metadata.name}`, type: "Normal" });

    // Allow: the next run starts while the first is still active.
    await clock.advance(5 * MIN);
    await until(async () => (await jobsOf("hello")).length === 2, "the second Job");
    expect(await jobNames("hello")).toEqual([runName("hello", 5), runName("hello", 10)]);
    await until(async () => (await getCronJob("hello")).status?.active?.length === 2, "two active");
    expect((await events("hello")).filter((e) => e.type === "Warning")).toEqual([]);
  });

  it("notices finished Jobs: SawCompletedJob, active list, lastSuccessfulTime", async () => {
    await start();
    await createCronJob("done", { schedule: "*/5 * * * *" });
    await settle();
    await clock.advance(5 * MIN);
    await until(async () => (await getCronJob("done")).status?.active?.length === 1, "one active");
    await clock.advance(1 * MIN);
    await finishJob(runName("done", 5), "Complete", 5);
    await until(async () => !(await getCronJob("done")).status?.active, "no active Job");
    await until(async () => (await getCronJob("done")).status?.lastSuccessfulTime === "2026-01-01T00:06:00Z", "lastSuccessfulTime");
    expect(await events("done")).toContainEqual({ reason: "SawCompletedJob", message: `Saw completed job: ${runName("done", 5)}, status: Complete`, type: "Normal" });
  });

  it("drops an active Job that went missing", async () => {
    await start();
    await createCronJob("lost", { schedule: "*/5 * * * *" });
    await settle();
    await clock.advance(5 * MIN);
    await until(async () => (await getCronJob("lost")).status?.active?.length === 1, "one active");
    await h!.client.delete(R.jobs, NS, runName("lost", 5), { propagationPolicy: "Background" });
    await until(async () => !(await getCronJob("lost")).status?.active, "the reference dropped");
    expect(await events("lost")).toContainEqual({ reason: "MissingJob", message: `Active job went missing: ${runName("lost", 5)}`, type: "Normal" });
  });

  it("runs a schedule in spec.timeZone and stamps the run in that zone", async () => {
    await start({ start: Date.UTC(2025, 11, 31, 23, 0) });
    await createCronJob("tokyo", { schedule: "0 9 * * *", timeZone: "Asia/Tokyo" });
    await settle();
    await clock.advance(60 * MIN);
    await until(async () => (await jobsOf("tokyo")).length === 1, "the 09:00 JST Job");
    const [job] = await jobsOf("tokyo");
    expect(job.metadata.name).toBe(runName("tokyo", 0));
    expect(job.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe("2026-01-01T09:00:00+09:00");
  });
});

describe("concurrency policies", () => {
  it("Forbid: skips a run while one is active (JobAlreadyActive), then starts the missed run late", async () => {
    await start();
    await createCronJob("forbid", { schedule: "*/5 * * * *", concurrencyPolicy: "Forbid" });
    await settle();
    await clock.advance(5 * MIN);
    await until(async () => (await getCronJob("forbid")).status?.active?.length === 1, "one active");
    await clock.advance(5 * MIN);
    await until(() => hasEvent("forbid", "JobAlreadyActive"), "JobAlreadyActive");
    expect(await jobNames("forbid")).toEqual([runName("forbid", 5)]);
    expect(await events("forbid")).toContainEqual({
      reason: "JobAlreadyActive",
      message: "Not starting job because prior execution is running and concurrency policy is Forbid",
      type: "Normal",
    });
    // The active run ends at 00:12: the 00:10 run, never started, starts now.
    await clock.advance(2 * MIN);
    await finishJob(runName("forbid", 5), "Complete", 5);
    await until(async () => (await jobsOf("forbid")).length === 2, "the late run");
    expect(await jobNames("forbid")).toEqual([runName("forbid", 5), runName("forbid", 10)]);
  });

  it("Replace: deletes the active Job (background propagation) and starts the new run", async () => {
    await start();
    const deletes: { name: string; options: unknown }[] = [];
    const original = h!.client.delete.bind(h!.client);
    h!.client.delete = async (r, ns, name, options) => {
      if (r.plural === "jobs") deletes.push({ name, options });
      return original(r, ns, name, options);
    };
    await createCronJob("replace", { schedule: "*/5 * * * *", concurrencyPolicy: "Replace" });
    await settle();
    await clock.advance(5 * MIN);
    await until(async () => (await getCronJob("replace")).status?.active?.length === 1, "one active");
    await clock.advance(5 * MIN);
    await until(async () => (await jobNames("replace")).join() === runName("replace", 10), "the replacement");
    expect(deletes).toEqual([{ name: runName("replace", 5), options: { propagationPolicy: "Background" } }]);
    await until(async () => (await getCronJob("replace")).status?.active?.[0]?.name === runName("replace", 10), "active is the new run");
    expect((await getCronJob("replace")).status.active).toHaveLength(1);
    expect(await events("replace")).toContainEqual({ reason: "SuccessfulDelete", message: `Deleted job ${runName("replace", 5)}`, type: "Normal" });
  });
});

describe("suspend and starting deadlines", () => {
  it("a suspended CronJob starts nothing; resumed, it starts the most recent missed run", async () => {
    await start();
    await createCronJob("nap", { schedule: "*/5 * * * *", suspend: true });
    await settle();
    await clock.advance(12 * MIN);
    await settle();
    expect(await jobsOf("nap")).toHaveLength(0);
    await updateCronJob("nap", (cj) => ({ ...cj, spec: { ...cj.spec, suspend: false } }));
    await until(async () => (await jobsOf("nap")).length === 1, "the missed run");
    expect(await jobNames("nap")).toEqual([runName("nap", 10)]);
  });

  it("startingDeadlineSeconds: a run missed by more than the deadline is not started", async () => {
    await start();
    await createCronJob("strict", { schedule: "*/5 * * * *", suspend: true, startingDeadlineSeconds: 60 });
    await settle();
    await clock.advance(12 * MIN);
    await updateCronJob("strict", (cj) => ({ ...cj, spec: { ...cj.spec, suspend: false } }));
    await settle();
    await settle();
    expect(await jobsOf("strict")).toHaveLength(0);
    await clock.advance(3 * MIN);
    await until(async () => (await jobsOf("strict")).length === 1, "the 00:15 run");
    expect(await jobNames("strict")).toEqual([runName("strict", 15)]);
  });

  it("warns TooManyMissedTimes after more than 100 missed runs, and still starts the latest", async () => {
    await start();
    await createCronJob("behind", { schedule: "* * * * *", suspend: true });
    await settle();
    await clock.advance(150 * MIN);
    await updateCronJob("behind", (cj) => ({ ...cj, spec: { ...cj.spec, suspend: false } }));
    await until(() => hasEvent("behind", "TooManyMissedTimes"), "TooManyMissedTimes");
    expect(await events("behind")).toContainEqual({
      reason: "TooManyMissedTimes",
      message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
      type: "Warning",
    });
    await until(async () => (await jobsOf("behind")).length === 1, "the latest run");
    expect(await jobNames("behind")).toEqual([runName("behind", 150)]);
  });
});

describe("history limits", () => {
  it("deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit", async () => {
    await start();
    await createCronJob("hist", { schedule: "* * * * *", successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
    await settle();
    for (let m = 1; m <= 4; m++) {
      await clock.advance(MIN);
      await until(async () => (await jobsOf("hist")).length === m, `run ${m}`);
    }
    await finishJob(runName("hist", 1), "Complete", 1);
    await finishJob(runName("hist", 2), "Complete", 2);
    await until(async () => !(await jobNames("hist")).includes(runName("hist", 1)), "the oldest success deleted");
    await finishJob(runName("hist", 3), "Failed", 3);
    await finishJob(runName("hist", 4), "Failed", 4);
    await until(async () => !(await jobNames("hist")).includes(runName("hist", 3)), "the oldest failure deleted");
    await settle();
    const left = await jobNames("hist");
    expect(left).toEqual(expect.arrayContaining([runName("hist", 2), runName("hist", 4)]));
    expect(left).not.toContain(runName("hist", 1));
    expect(left).not.toContain(runName("hist", 3));
    const deleted = (await events("hist")).filter((e) => e.reason === "SuccessfulDelete").map((e) => e.message);
    expect(deleted).toEqual(expect.arrayContaining([`Deleted job ${runName("hist", 1)}`, `Deleted job ${runName("hist", 3)}`]));
  });
});

describe("invalid specs", () => {
  it.each([
    { case: "an unparseable schedule", spec: { schedule: "not a cron" }, reason: "UnparseableSchedule", message: 'unparseable schedule: "not a cron" : expected exactly 5 fields, found 3: [not a cron]' },
    { case: "an unknown time zone", spec: { schedule: "* * * * *", timeZone: "Mars/Olympus" }, reason: "UnknownTimeZone", message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus' },
    { case: "a date that never comes", spec: { schedule: "0 0 31 2 *" }, reason: "InvalidSchedule", message: "invalid schedule: 0 0 31 2 * : time difference between two schedules is less than 1 second" },
  ])("$case → Warning $reason, no Jobs", async ({ spec, reason, message }) => {
    await start();
    await createCronJob("bad", spec);
    await until(() => hasEvent("bad", reason), reason);
    expect(await events("bad")).toContainEqual({ reason, message, type: "Warning" });
    await clock.advance(10 * MIN);
    await settle();
    expect(await jobsOf("bad")).toHaveLength(0);
  });
});

describe("with the Job controller", () => {
  it("a scheduled Job runs its pod to completion and the CronJob records the success", async () => {
    await start({ withJobController: true });
    await createCronJob("e2e", { schedule: "*/5 * * * *" });
    await settle();
    await clock.advance(5 * MIN);
    const name = runName("e2e", 5);
    let pod: Any | undefined;
    await until(async () => {
      pod = (await h!.client.list(R.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items[0] as Any | undefined;
      return !!pod;
    }, "the Job's pod");
    expect(pod!.metadata.ownerReferences[0]).toMatchObject({ kind: "Job", name });
    await h!.client.update(R.pods, NS, { ...pod!, status: { ...pod!.status, phase: "Succeeded" } }, "status");
    await until(async () => ((await h!.client.get(R.jobs, NS, name)) as Any).status?.conditions?.some((c: Any) => c.type === "Complete"), "the Job complete");
    await until(async () => !!(await getCronJob("e2e")).status?.lastSuccessfulTime, "lastSuccessfulTime");
    const status = (await getCronJob("e2e")).status;
    expect(status.active).toBeUndefined();
    expect(status.lastScheduleTime).toBe("2026-01-01T00:05:00Z");
  });
});
