// The controller machinery: work queue semantics, shared informers, the runner's retries,
// leader election on a Lease, and Event aggregation.
import { afterEach, describe, expect, it } from "vitest";
import { WorkQueue } from "../../dist/core/controllers/workqueue.js";
import { VirtualClock, realClock } from "../../dist/core/controllers/clock.js";
import { LeaderElector } from "../../dist/core/controllers/leader-election.js";
import { EventRecorder } from "../../dist/core/controllers/events.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import type { ControllerContext } from "../../dist/core/controllers/controller.js";
import type { WorkQueue as Queue } from "../../dist/core/controllers/workqueue.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("WorkQueue", () => {
  it("queues a key once however often it is added, and never to two workers at once", async () => {
    const q = new WorkQueue(new VirtualClock());
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a"); // while processing: held back
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("b");
    q.done("a");
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("a");
  });

  it("backs off failures exponentially per key from 5 ms, and forget() starts over", async () => {
    const clock = new VirtualClock();
    const q = new WorkQueue(clock);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited("k");
      let got = false;
      void q.get().then(() => (got = true));
      while (!got) await clock.advance(1, () => Promise.resolve());
      delays.push(clock.now() - before);
      q.done("k");
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
  });

  it("keeps the earliest of several delayed adds", async () => {
    const clock = new VirtualClock();
    const q = new WorkQueue(clock);
    q.addAfter("k", 1000);
    q.addAfter("k", 100);
    q.addAfter("k", 5000);
    await clock.advance(100);
    expect(q.length).toBe(1);
    await q.get();
    q.done("k");
    await clock.advance(10_000);
    expect(q.length).toBe(0);
  });
});

describe("controllers on the in-process API", () => {
  it("reconciles keys from informer events and retries a failing key with backoff", async () => {
    const seen: string[] = [];
    let failuresLeft = 2;
    h = await startControlPlane([
      {
        name: "test-controller",
        workers: 2,
        setup(ctx: ControllerContext, queue: Queue) {
          ctx.informers.for(R.configMaps).addEventHandler({
            add: (o: KubeObject) => queue.add(`${o.metadata!.namespace}/${o.metadata!.name}`),
            update: (_: KubeObject, o: KubeObject) => queue.add(`${o.metadata!.namespace}/${o.metadata!.name}`),
          });
        },
        async reconcile(key: string) {
          if (key === "default/flaky" && failuresLeft-- > 0) throw new Error("not yet");
          seen.push(key);
        },
      },
    ]);
    await h.client.create(R.configMaps, "default", { metadata: { name: "one" } });
    await h.client.create(R.configMaps, "default", { metadata: { name: "flaky" } });
    await waitFor(() => seen.includes("default/one") && seen.includes("default/flaky"), 3000, "both keys reconciled");
    expect(seen.filter((k) => k === "default/flaky")).toHaveLength(1);
  });

  it("keeps an informer's cache and indexes in step with the store", async () => {
    h = await startControlPlane([]);
    const informer = h.manager.informers.for(R.configMaps);
    informer.addIndex("app", (o: KubeObject) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []));
    await informer.waitForSync();
    await h.client.create(R.configMaps, "default", { metadata: { name: "a", labels: { app: "x" } } });
    await h.client.create(R.configMaps, "kube-system", { metadata: { name: "b", labels: { app: "x" } } });
    await waitFor(() => informer.byIndex("app", "x").length === 2);
    const a = await h.client.get(R.configMaps, "default", "a");
    await h.client.update(R.configMaps, "default", { ...a, metadata: { ...a.metadata, labels: { app: "y" } } });
    await waitFor(() => informer.byIndex("app", "x").length === 1 && informer.byIndex("app", "y").length === 1);
    await h.client.delete(R.configMaps, "kube-system", "b");
    await waitFor(() => informer.byIndex("app", "x").length === 0);
    expect(informer.inNamespace("default").map((o: KubeObject) => o.metadata!.name)).toEqual(["a"]);
  });
});

describe("leader election on a Lease", () => {
  it("lets one of two candidates lead, and the other take over when the leader stops", async () => {
    h = await startControlPlane([]);
    const events: string[] = [];
    const candidate = (id: string) =>
      new LeaderElector(h!.client, realClock, {
        name: "test-lock",
        identity: id,
        leaseDurationMs: 1000,
        renewDeadlineMs: 800,
        retryPeriodMs: 100,
        onStartedLeading: () => events.push(`${id} leads`),
        onStoppedLeading: () => events.push(`${id} stops`),
      });
    const a = candidate("a");
    const b = candidate("b");
    a.start();
    await waitFor(() => a.isLeader, 3000, "a to lead");
    b.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(b.isLeader).toBe(false);
    const lease = await h.client.get(R.leases, "kube-system", "test-lock");
    expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe("a");
    await a.stop();
    await waitFor(() => b.isLeader, 3000, "b to take over");
    const taken = await h.client.get(R.leases, "kube-system", "test-lock");
    expect((taken.spec as { holderIdentity: string; leaseTransitions: number }).holderIdentity).toBe("b");
    expect((taken.spec as { leaseTransitions: number }).leaseTransitions).toBe(1);
    await b.stop();
    expect(events).toEqual(["a leads", "a stops", "b leads", "b stops"]);
  });
});

describe("EventRecorder", () => {
  it("writes an Event with involvedObject and source, and counts repeats instead of adding", async () => {
    h = await startControlPlane([]);
    const cm = await h.client.create(R.configMaps, "default", { metadata: { name: "subject" } });
    const recorder = new EventRecorder(h.client, realClock, "test-component");
    recorder.event(cm, "Warning", "Broken", "it broke");
    await waitFor(async () => (await h!.client.list(R.events, "default")).items.length === 1);
    recorder.event(cm, "Warning", "Broken", "it broke");
    await waitFor(async () => (await h!.client.list(R.events, "default")).items[0].count === 2);
    const [e] = (await h.client.list(R.events, "default")).items as (KubeObject & Record<string, any>)[];
    expect(e.involvedObject).toMatchObject({ kind: "ConfigMap", name: "subject", namespace: "default", uid: cm.metadata!.uid });
    expect(e.source).toEqual({ component: "test-component" });
    expect(e.type).toBe("Warning");
    expect(e.reason).toBe("Broken");
  });
});
