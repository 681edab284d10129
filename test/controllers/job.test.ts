// The Job controller against the in-process API: Kubernetes 1.32's documented behaviour of
// batch/v1 Jobs — defaults, pods from the template, completions and parallelism, failure
// counting with backoffLimit and the pod failure backoff, activeDeadlineSeconds, Indexed
// completion, suspend, and the status `kubectl get job` prints. No kubelet runs: tests set
// pod phases themselves, as a kubelet would.
import { afterEach, describe, expect, it } from "vitest";
import { JobController, JOB_TRACKING_FINALIZER } from "../../dist/core/controllers/job.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { R, isConflict, type KubeObject } from "../../dist/core/controllers/client.js";
import { jobCompletions, jobStatus } from "../../dist/core/api/printers/batch.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

const NS = "default";
type Any = Record<string, any>;

let h: Harness | undefined;
let clock: VirtualClock | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
  clock = undefined;
});

async function start(virtual = false): Promise<Harness> {
  clock = virtual ? new VirtualClock(Date.UTC(2026, 0, 1)) : undefined;
  h = await startControlPlane([new JobController()], clock ? { clock } : {});
  return h;
}

/** Polls `cond`; under virtual time, time creeps on (5 ms a poll) so retries after conflicts run. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 4000): Promise<void> {
  await waitFor(
    async () => {
      if (clock) await clock.advance(5);
      return cond();
    },
    ms,
    what,
  );
}

function jobManifest(name: string, spec: Any = {}, restartPolicy = "Never"): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      ...spec,
      template: { metadata: spec.templateMetadata, spec: { restartPolicy, containers: [{ name: "work", image: "busybox", command: ["true"] }] } },
    },
  };
}

async function createJob(name: string, spec: Any = {}, restartPolicy = "Never"): Promise<Any> {
  const { templateMetadata, ...rest } = spec;
  return h!.client.create(R.jobs, NS, jobManifest(name, { ...rest, templateMetadata }, restartPolicy));
}

const getJob = (name: string) => h!.client.get(R.jobs, NS, name) as Promise<Any>;

async function podsOf(job: string): Promise<Any[]> {
  const list = await h!.client.list(R.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${job}` });
  return (list.items as Any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const activePods = async (job: string) => (await podsOf(job)).filter((p) => !p.metadata.deletionTimestamp && !["Succeeded", "Failed"].includes(p.status?.phase));

/** What a kubelet reports: merges `status` into the pod's status. */
async function setPodStatus(name: string, status: Any): Promise<void> {
  for (;;) {
    const pod = (await h!.client.get(R.pods, NS, name)) as Any;
    try {
      await h!.client.update(R.pods, NS, { ...pod, status: { ...pod.status, ...status } }, "status");
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

async function events(name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await h!.client.list(R.events, NS);
  return (list.items as Any[]).filter((e) => e.involvedObject?.name === name).map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
}

const conditionTypes = (job: Any) => (job.status?.conditions ?? []).map((c: Any) => c.type);

describe("Job defaults (SetDefaults_Job and the generated selector)", () => {
  it.each([
    { case: "neither completions nor parallelism", spec: {}, completions: 1, parallelism: 1 },
    { case: "only parallelism (a work queue)", spec: { parallelism: 3 }, completions: undefined, parallelism: 3 },
    { case: "only completions", spec: { completions: 5 }, completions: 5, parallelism: 1 },
    { case: "both", spec: { completions: 4, parallelism: 2 }, completions: 4, parallelism: 2 },
  ])("$case → completions $completions, parallelism $parallelism", async ({ spec, completions, parallelism }) => {
    await start();
    const job = await createJob("defaults", { ...spec, suspend: true });
    expect(job.spec.completions).toBe(completions);
    expect(job.spec.parallelism).toBe(parallelism);
    expect(job.spec).toMatchObject({ backoffLimit: 6, completionMode: "NonIndexed", manualSelector: false, podReplacementPolicy: "TerminatingOrFailed" });
  });

  it("selects pods by controller-uid and labels the template (and an unlabelled Job) with job-name and controller-uid", async () => {
    await start();
    const job = await createJob("labels", { suspend: true });
    const uid = job.metadata.uid;
    const expected = { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "labels", "controller-uid": uid, "job-name": "labels" };
    expect(job.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(job.spec.template.metadata.labels).toEqual(expected);
    expect(job.metadata.labels).toEqual(expected);
    // A template with labels of its own: the Job gets those, the template gets both.
    const own = await createJob("own", { suspend: true, templateMetadata: { labels: { app: "batch" } } });
    expect(own.metadata.labels).toEqual({ app: "batch" });
    expect(own.spec.template.metadata.labels).toMatchObject({ app: "batch", "job-name": "own", "controller-uid": own.metadata.uid });
  });

  it("leaves a manual selector alone", async () => {
    await start();
    const job = await createJob("manual", { suspend: true, manualSelector: true, selector: { matchLabels: { app: "m" } }, templateMetadata: { labels: { app: "m" } } });
    expect(job.spec.selector).toEqual({ matchLabels: { app: "m" } });
    expect(job.spec.template.metadata.labels).toEqual({ app: "m" });
  });
});

describe("running pods to completion", () => {
  it("creates pods from the template with the owner reference, tracking finalizer and labels", async () => {
    await start();
    const job = await createJob("shape");
    await until(async () => (await podsOf("shape")).length === 1, "a pod");
    const [pod] = await podsOf("shape");
    expect(pod.metadata.generateName).toBe("shape-");
    expect(pod.metadata.name).toMatch(/^shape-[a-z0-9]{5}$/);
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "shape", uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(pod.metadata.labels["controller-uid"]).toBe(job.metadata.uid);
    expect(pod.spec.restartPolicy).toBe("Never");
    await until(async () => (await events("shape")).some((e) => e.reason === "SuccessfulCreate"), "the event");
    expect(await events("shape")).toContainEqual({ reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name}`, type: "Normal" });
    const running = await getJob("shape");
    expect(running.status).toMatchObject({ active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(running.status.startTime).toBeTruthy();
    expect(jobStatus(running)).toBe("Running");
    expect(jobCompletions(running)).toBe("0/1");
  });

  it("completions 3, parallelism 2: keeps min(parallelism, remaining) pods and completes after 3 successes", async () => {
    await start();
    await createJob("pi", { completions: 3, parallelism: 2 });
    await until(async () => (await activePods("pi")).length === 2, "two pods");
    expect((await getJob("pi")).status.active).toBe(2);

    const seen = new Set<string>();
    for (let done = 1; done <= 3; done++) {
      const [next] = (await activePods("pi")).filter((p) => !seen.has(p.metadata.name));
      seen.add(next.metadata.name);
      await setPodStatus(next.metadata.name, { phase: "Succeeded" });
      await until(async () => (await getJob("pi")).status.succeeded === done, `${done} succeeded`);
      // Never more pods than the completions still needed.
      await until(async () => (await activePods("pi")).length === Math.min(2, 3 - done), "the active pods");
      if (done < 3) expect(jobCompletions(await getJob("pi"))).toBe(`${done}/3`);
    }

    await until(async () => conditionTypes(await getJob("pi")).includes("Complete"), "Complete");
    const job = await getJob("pi");
    expect(jobCompletions(job)).toBe("3/3");
    expect(jobStatus(job)).toBe("Complete");
    expect(job.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(job.status.active).toBeUndefined();
    expect(job.status.failed).toBeUndefined();
    expect(job.status.conditions.map((c: Any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"],
      ["Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"],
    ]);
    expect(job.status.completionTime).toBe(job.status.conditions[1].lastTransitionTime);
    expect(await podsOf("pi")).toHaveLength(3);
    // Counted pods keep no tracking finalizer.
    for (const pod of await podsOf("pi")) expect(pod.metadata.finalizers ?? []).toEqual([]);
    await until(async () => (await events("pi")).some((e) => e.reason === "Completed"), "the Completed event");
    expect(await events("pi")).toContainEqual({ reason: "Completed", message: "Job completed", type: "Normal" });
    expect((await events("pi")).filter((e) => e.type === "Warning")).toEqual([]);
  });

  it("without completions (a work queue) the first success ends it once the others finish", async () => {
    await start();
    await createJob("queue", { parallelism: 2 });
    await until(async () => (await activePods("queue")).length === 2, "two pods");
    const [a, b] = await activePods("queue");
    await setPodStatus(a.metadata.name, { phase: "Succeeded" });
    await until(async () => (await getJob("queue")).status.succeeded === 1, "one success");
    expect(jobCompletions(await getJob("queue"))).toBe("1/1 of 2");
    // Nothing new starts after a success.
    expect(await podsOf("queue")).toHaveLength(2);
    expect(conditionTypes(await getJob("queue"))).toEqual([]);
    await setPodStatus(b.metadata.name, { phase: "Succeeded" });
    await until(async () => conditionTypes(await getJob("queue")).includes("Complete"), "Complete");
    expect((await getJob("queue")).status.succeeded).toBe(2);
  });

  it("reports ready pods in status.ready", async () => {
    await start();
    await createJob("ready", { parallelism: 2, completions: 2 });
    await until(async () => (await activePods("ready")).length === 2, "two pods");
    const [a] = await activePods("ready");
    await setPodStatus(a.metadata.name, { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }] });
    await until(async () => (await getJob("ready")).status.ready === 1, "ready 1");
  });

  it("does not create extra pods however often the job is synced", async () => {
    await start();
    await createJob("steady", { parallelism: 3, completions: 10 });
    for (let i = 0; i < 10; i++) {
      const job = await getJob("steady");
      try {
        await h!.client.update(R.jobs, NS, { ...job, metadata: { ...job.metadata, annotations: { poke: String(i) } } });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    await until(async () => (await getJob("steady")).status.active === 3, "three active");
    await new Promise((r) => setTimeout(r, 100));
    expect(await podsOf("steady")).toHaveLength(3);
  });

  it("scales down to a lower parallelism without counting the deleted pods as failures", async () => {
    await start();
    await createJob("shrink", { parallelism: 3, completions: 6 });
    await until(async () => (await activePods("shrink")).length === 3, "three pods");
    const job = await getJob("shrink");
    await h!.client.update(R.jobs, NS, { ...job, spec: { ...job.spec, parallelism: 1 } });
    await until(async () => (await podsOf("shrink")).length === 1 && (await getJob("shrink")).status.active === 1, "one pod left");
    expect((await getJob("shrink")).status.failed).toBeUndefined();
    expect((await events("shrink")).filter((e) => e.reason === "SuccessfulDelete")).toHaveLength(2);
  });
});

describe("failures", () => {
  it("backoffLimit with restartPolicy Never: replaces failed pods after 10 s, 20 s, then fails the Job", async () => {
    await start(true);
    await createJob("flaky", { backoffLimit: 2 });
    const failNext = async (n: number) => {
      await until(async () => (await activePods("flaky")).length === 1, `pod ${n}`);
      const [pod] = await activePods("flaky");
      await setPodStatus(pod.metadata.name, { phase: "Failed" });
      await until(async () => (await getJob("flaky")).status.failed === n, `${n} failed`);
    };
    await failNext(1);
    // The replacement waits out the pod failure backoff (10 s after the failure).
    await clock!.advance(9_000);
    expect(await activePods("flaky")).toHaveLength(0);
    await clock!.advance(1_100);
    await failNext(2);
    await clock!.advance(15_000);
    expect(await activePods("flaky")).toHaveLength(0);
    await clock!.advance(5_100);
    await failNext(3);

    await until(async () => conditionTypes(await getJob("flaky")).includes("Failed"), "Failed");
    const job = await getJob("flaky");
    expect(job.status.failed).toBe(3);
    expect(jobStatus(job)).toBe("Failed");
    expect(job.status.conditions.map((c: Any) => [c.type, c.reason, c.message])).toEqual([
      ["FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
      ["Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
    ]);
    expect(job.status.completionTime).toBeUndefined();
    expect(await podsOf("flaky")).toHaveLength(3);
    await until(async () => (await events("flaky")).some((e) => e.reason === "BackoffLimitExceeded"), "the event");
    expect(await events("flaky")).toContainEqual({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", type: "Warning" });
  });

  it("backoffLimit 0 fails on the first failed pod", async () => {
    await start();
    await createJob("once", { backoffLimit: 0 });
    await until(async () => (await activePods("once")).length === 1, "a pod");
    const [pod] = await activePods("once");
    await setPodStatus(pod.metadata.name, { phase: "Failed" });
    await until(async () => conditionTypes(await getJob("once")).includes("Failed"), "Failed");
    expect((await getJob("once")).status).toMatchObject({ failed: 1, terminating: 0 });
    expect(await podsOf("once")).toHaveLength(1);
  });

  it("restartPolicy OnFailure counts container restarts toward backoffLimit and stops the pod", async () => {
    await start();
    await createJob("restarts", { backoffLimit: 2 }, "OnFailure");
    await until(async () => (await activePods("restarts")).length === 1, "a pod");
    const [pod] = await activePods("restarts");
    const running = (restartCount: number) => ({ phase: "Running", containerStatuses: [{ name: "work", restartCount, ready: false }] });
    await setPodStatus(pod.metadata.name, running(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(conditionTypes(await getJob("restarts"))).toEqual([]);
    await setPodStatus(pod.metadata.name, running(2));
    await until(async () => conditionTypes(await getJob("restarts")).includes("Failed"), "Failed");
    const job = await getJob("restarts");
    expect(job.status.conditions.at(-1)).toMatchObject({ type: "Failed", reason: "BackoffLimitExceeded" });
    // The running pod was deleted, and counted as failed.
    expect(job.status).toMatchObject({ failed: 1, terminating: 0 });
    expect(job.status.active).toBeUndefined();
    expect(await podsOf("restarts")).toHaveLength(0);
  });

  it("counts a pod deleted before it finished as failed and replaces it", async () => {
    await start(true);
    await createJob("evicted", {});
    await until(async () => (await activePods("evicted")).length === 1, "a pod");
    const [pod] = await activePods("evicted");
    await h!.client.delete(R.pods, NS, pod.metadata.name);
    await until(async () => (await getJob("evicted")).status.failed === 1, "one failure");
    await until(async () => (await podsOf("evicted")).every((p) => p.metadata.name !== pod.metadata.name), "the pod gone");
    await clock!.advance(10_100);
    await until(async () => (await activePods("evicted")).length === 1, "a replacement");
  });

  it("activeDeadlineSeconds: fails the Job with DeadlineExceeded and deletes its running pods", async () => {
    await start(true);
    await createJob("slow", { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 });
    await until(async () => (await activePods("slow")).length === 2, "two pods");
    await clock!.advance(29_000);
    expect(conditionTypes(await getJob("slow"))).toEqual([]);
    await clock!.advance(1_000);
    await until(async () => conditionTypes(await getJob("slow")).includes("Failed"), "Failed");
    const job = await getJob("slow");
    expect(job.status.conditions.map((c: Any) => [c.type, c.reason, c.message])).toEqual([
      ["FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline"],
      ["Failed", "DeadlineExceeded", "Job was active longer than specified deadline"],
    ]);
    expect(job.status).toMatchObject({ failed: 2, terminating: 0 });
    expect(await podsOf("slow")).toHaveLength(0);
    await until(async () => (await events("slow")).some((e) => e.reason === "DeadlineExceeded"), "the event");
    const ev = await events("slow");
    expect(ev).toContainEqual({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", type: "Warning" });
    expect(ev.filter((e) => e.reason === "SuccessfulDelete")).toHaveLength(2);
  });
});

describe("Indexed completion mode", () => {
  it("gives each pod an index (annotation, label, hostname, JOB_COMPLETION_INDEX) and tracks completedIndexes", async () => {
    await start();
    await createJob("idx", { completionMode: "Indexed", completions: 5, parallelism: 3 });
    await until(async () => (await activePods("idx")).length === 3, "three pods");
    const byIndex = async () => {
      const map = new Map<string, Any>();
      for (const p of await activePods("idx")) map.set(p.metadata.annotations["batch.kubernetes.io/job-completion-index"], p);
      return map;
    };
    const first = await byIndex();
    expect([...first.keys()].sort()).toEqual(["0", "1", "2"]);
    const zero = first.get("0")!;
    expect(zero.metadata.generateName).toBe("idx-0-");
    expect(zero.metadata.labels["batch.kubernetes.io/job-completion-index"]).toBe("0");
    expect(zero.spec.hostname).toBe("idx-0");
    expect(zero.spec.containers[0].env).toContainEqual({
      name: "JOB_COMPLETION_INDEX",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } },
    });

    const succeed = async (ix: string, completed: string) => {
      await until(async () => (await byIndex()).has(ix), `a pod for index ${ix}`);
      await setPodStatus((await byIndex()).get(ix)!.metadata.name, { phase: "Succeeded" });
      await until(async () => (await getJob("idx")).status.completedIndexes === completed, `completedIndexes ${completed}`);
    };
    await succeed("0", "0");
    await succeed("2", "0,2");
    await succeed("1", "0-2");
    await succeed("4", "0-2,4");
    expect(jobCompletions(await getJob("idx"))).toBe("4/5");
    await succeed("3", "0-4");
    await until(async () => conditionTypes(await getJob("idx")).includes("Complete"), "Complete");
    expect((await getJob("idx")).status.succeeded).toBe(5);
  });
});

describe("suspend", () => {
  it("a Job created suspended runs nothing until resumed; suspending deletes its running pods", async () => {
    await start();
    await createJob("paused", { suspend: true, parallelism: 2, completions: 4 });
    await until(async () => conditionTypes(await getJob("paused")).includes("Suspended"), "Suspended");
    let job = await getJob("paused");
    expect(job.status.conditions[0]).toMatchObject({ type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" });
    expect(job.status.startTime).toBeUndefined();
    expect(jobStatus(job)).toBe("Suspended");
    expect(await podsOf("paused")).toHaveLength(0);

    await h!.client.update(R.jobs, NS, { ...job, spec: { ...job.spec, suspend: false } });
    await until(async () => (await activePods("paused")).length === 2, "two pods");
    await until(async () => (await getJob("paused")).status.conditions?.[0]?.status === "False", "resumed");
    job = await getJob("paused");
    expect(job.status.conditions[0]).toMatchObject({ type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed" });
    expect(job.status.startTime).toBeTruthy();

    await h!.client.update(R.jobs, NS, { ...job, spec: { ...job.spec, suspend: true } });
    await until(async () => (await podsOf("paused")).length === 0 && (await getJob("paused")).status.active === undefined, "pods deleted");
    job = await getJob("paused");
    expect(job.status.conditions[0]).toMatchObject({ type: "Suspended", status: "True" });
    expect(job.status.failed).toBeUndefined();
    await until(async () => (await events("paused")).filter((e) => e.reason === "Suspended").length >= 1, "events");
    const reasons = (await events("paused")).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Suspended", "Resumed", "SuccessfulCreate", "SuccessfulDelete"]));
  });
});

describe("suspend and activeDeadlineSeconds", () => {
  it("counts only the time the Job is continuously active: resuming restarts the deadline", async () => {
    await start(true);
    await createJob("clocked", { activeDeadlineSeconds: 30 });
    await until(async () => (await activePods("clocked")).length === 1, "a pod");
    await clock!.advance(10_000);
    let job = await getJob("clocked");
    await h!.client.update(R.jobs, NS, { ...job, spec: { ...job.spec, suspend: true } });
    await until(async () => (await getJob("clocked")).status.conditions?.[0]?.status === "True", "suspended");
    await clock!.advance(60_000);
    job = await getJob("clocked");
    await h!.client.update(R.jobs, NS, { ...job, spec: { ...job.spec, suspend: false } });
    await until(async () => (await activePods("clocked")).length === 1, "running again");
    expect(conditionTypes(await getJob("clocked"))).toEqual(["Suspended"]);
    await clock!.advance(30_000);
    await until(async () => conditionTypes(await getJob("clocked")).includes("Failed"), "DeadlineExceeded 30 s after resuming");
    expect((await getJob("clocked")).status.conditions.at(-1)).toMatchObject({ type: "Failed", reason: "DeadlineExceeded" });
  });
});

describe("tracking finalizers", () => {
  it("releases the pods of a deleted Job", async () => {
    await start();
    await createJob("gone", { parallelism: 2, completions: 2 });
    await until(async () => (await activePods("gone")).length === 2, "two pods");
    // kubectl's default: background propagation (the garbage collector deletes the pods).
    await h!.client.delete(R.jobs, NS, "gone", { propagationPolicy: "Background" });
    await until(async () => (await podsOf("gone")).every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)), "finalizers removed");
  });
});
