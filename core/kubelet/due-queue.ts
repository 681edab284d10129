// Many periodic jobs on one timer. A thousand simulated kubelets each renewing a lease
// every 10 s would otherwise keep a thousand timers; here every job has a due time in one
// heap, and a single Clock timer fires for the earliest — rounded up to `granularityMs`, so
// jobs due close together run in one batch (one wake-up per second, not one per node).
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import { Heap } from "../controllers/heap.js";

interface Job {
  key: string;
  at: number;
  run: () => void;
  /** Bumped when the job is rescheduled or removed: stale heap entries are skipped. */
  version: number;
}

export class DueQueue {
  private readonly heap = new Heap<{ at: number; key: string; version: number }>((a, b) => a.at < b.at);
  private readonly jobs = new Map<string, Job>();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly granularityMs = 0,
  ) {}

  /** Runs `run` at `at` (ms since the epoch), replacing any job of the same key. */
  schedule(key: string, at: number, run: () => void): void {
    const job = this.jobs.get(key);
    const version = (job?.version ?? 0) + 1;
    this.jobs.set(key, { key, at, run, version });
    this.heap.push({ at, key, version });
    this.arm();
  }

  remove(key: string): void {
    const job = this.jobs.get(key);
    if (!job) return;
    this.jobs.delete(key);
    if (this.jobs.size === 0) this.disarm();
  }

  has(key: string): boolean {
    return this.jobs.has(key);
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Cancels every job. */
  clear(): void {
    this.jobs.clear();
    this.heap.clear();
    this.disarm();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.clock.now();
    const due: Job[] = [];
    while (this.heap.length > 0 && this.heap.peek()!.at <= now) {
      const top = this.heap.pop()!;
      const job = this.jobs.get(top.key);
      if (!job || job.version !== top.version) continue;
      this.jobs.delete(top.key);
      due.push(job);
    }
    for (const job of due) {
      try {
        job.run();
      } catch {
        // A job's failure is its own; the others still run.
      }
    }
    this.arm();
  }

  private arm(): void {
    // Drop stale entries at the top so the timer waits for a live job.
    while (this.heap.length > 0) {
      const top = this.heap.peek()!;
      const job = this.jobs.get(top.key);
      if (job && job.version === top.version) break;
      this.heap.pop();
    }
    if (this.heap.length === 0) return this.disarm();
    let at = this.heap.peek()!.at;
    if (this.granularityMs > 0) at = Math.ceil(at / this.granularityMs) * this.granularityMs;
    if (this.timer && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.schedule(Math.max(0, at - this.clock.now()), () => this.fire());
  }

  private disarm(): void {
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }
}
