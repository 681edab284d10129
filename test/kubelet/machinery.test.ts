// The kubelet's small parts on virtual time: flowcontrol.Backoff and Go duration strings,
// the batched heartbeat queue, the coalescing status queue and the rate-limited event sink.
import { describe, expect, it } from "vitest";
import { Backoff, formatDuration } from "../../dist/core/kubelet/backoff.js";
import { DueQueue } from "../../dist/core/kubelet/due-queue.js";
import { StatusQueue } from "../../dist/core/kubelet/status-queue.js";
import { EventSink } from "../../dist/core/kubelet/event-sink.js";
import { microTime } from "../../dist/core/kubelet/node-lease.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import type { EventRecorder } from "../../dist/core/controllers/events.js";

describe("Backoff (CrashLoopBackOff / ImagePullBackOff)", () => {
  it("starts at 10 s, doubles to 5 min, and resets after 10 min without failures", async () => {
    const clock = new VirtualClock();
    const b = new Backoff(clock);
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      b.next("k", clock.now());
      seen.push(b.get("k"));
      await clock.advance(b.get("k"));
    }
    expect(seen).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    // A container that ran for more than twice the maximum starts over.
    await clock.advance(600_001);
    expect(b.isInBackOffSince("k", clock.now())).toBe(false);
    b.next("k", clock.now());
    expect(b.get("k")).toBe(10_000);
  });

  it("is in back-off for the current delay after the event (or after the last update)", async () => {
    const clock = new VirtualClock();
    const b = new Backoff(clock);
    const exitedAt = clock.now();
    expect(b.isInBackOffSince("k", exitedAt)).toBe(false);
    b.next("k", exitedAt);
    await clock.advance(9_999);
    expect(b.isInBackOffSince("k", exitedAt)).toBe(true);
    await clock.advance(1);
    expect(b.isInBackOffSince("k", exitedAt)).toBe(false);
    expect(b.isInBackOffSinceUpdate("k", clock.now())).toBe(false);
    expect(b.until("k")).toBe(exitedAt + 10_000);
    b.forget("k");
    expect(b.size).toBe(0);
  });

  it("formats durations as Go does", () => {
    expect([0, 313, 1500, 10_000, 20_000, 80_000, 160_000, 300_000, 3_723_000].map(formatDuration)).toEqual([
      "0s", "313ms", "1.5s", "10s", "20s", "1m20s", "2m40s", "5m0s", "1h2m3s",
    ]);
  });

  it("lease times are MicroTime", () => {
    expect(microTime(Date.UTC(2026, 0, 1, 0, 0, 10, 250))).toBe("2026-01-01T00:00:10.250000Z");
  });
});

describe("DueQueue", () => {
  it("runs jobs at their time, batched by the granularity on one timer", async () => {
    const clock = new VirtualClock(0);
    const q = new DueQueue(clock, 1000);
    const ran: string[] = [];
    for (let i = 0; i < 100; i++) q.schedule(`n${i}`, 100 + i * 5, () => ran.push(`n${i}@${clock.now()}`));
    expect(clock.pending).toBe(1);
    await clock.advance(999);
    expect(ran).toEqual([]);
    await clock.advance(1);
    expect(ran).toHaveLength(100);
    expect(new Set(ran.map((r) => r.split("@")[1]))).toEqual(new Set(["1000"]));
    expect(clock.pending).toBe(0);
  });

  it("rescheduling replaces a job; removing cancels it", async () => {
    const clock = new VirtualClock(0);
    const q = new DueQueue(clock);
    const ran: string[] = [];
    q.schedule("a", 100, () => ran.push("a1"));
    q.schedule("a", 300, () => ran.push("a2"));
    q.schedule("b", 200, () => ran.push("b"));
    q.remove("b");
    await clock.advance(250);
    expect(ran).toEqual([]);
    await clock.advance(50);
    expect(ran).toEqual(["a2"]);
    expect(q.size).toBe(0);
  });
});

describe("StatusQueue", () => {
  it("writes each key once per flush, with the latest write, a bounded number at a time", async () => {
    const clock = new VirtualClock(0);
    const q = new StatusQueue(clock, { concurrency: 2 });
    const writes: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const write = (label: string) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      writes.push(label);
      inFlight--;
    };
    q.enqueue("a", write("a1"));
    q.enqueue("a", write("a2"));
    q.enqueue("b", write("b"));
    q.enqueue("c", write("c"));
    expect(writes).toEqual([]);
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(writes.sort()).toEqual(["a2", "b", "c"]);
    expect(peak).toBe(2);
  });
});

describe("EventSink", () => {
  it("passes a burst at once, then QPS, and drops beyond the queue", async () => {
    const clock = new VirtualClock(0);
    const sent: string[] = [];
    const recorder = { event: (_o: unknown, _t: string, reason: string) => sent.push(reason) } as unknown as EventRecorder;
    const sink = new EventSink(recorder, clock, { qps: 10, burst: 5, queueLimit: 10 });
    for (let i = 0; i < 20; i++) sink.event({ metadata: { name: "p" } }, "Normal", `e${i}`, "m");
    expect(sent).toHaveLength(5);
    expect(sink.pending).toBe(10);
    expect(sink.dropped).toBe(5);
    await clock.advance(500);
    expect(sent).toHaveLength(10);
    await clock.advance(500);
    expect(sent).toEqual(Array.from({ length: 15 }, (_, i) => `e${i}`));
  });
});
