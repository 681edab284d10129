// Many periodic jobs on one timer. A thousand simulated kubelets each renewing a lease
// every 10 s would otherwise keep a thousand timers; here every job has a due time in one
// heap, and a single Clock timer fires for the earliest — rounded up to `granularityMs`, so
// jobs due close together run in one batch (one wake-up per second, not one per node).
import type { Clock, TimerHandle } from "../../bindings/clock.js";

interface Job {
  key: string;
  at: number;
  run: () => void;
  /** Bumped when the job is rescheduled or removed: stale heap entries are skipped. */
  version: number;
}

export class DueQueue {
  private heap: { at: number; key: string; version: number }[] = [];
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
    this.push({ at, key, version });
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
    this.heap = [];
    this.disarm();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.clock.now();
    const due: Job[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const top = this.pop()!;
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
      const top = this.heap[0];
      const job = this.jobs.get(top.key);
      if (job && job.version === top.version) break;
      this.pop();
    }
    if (this.heap.length === 0) return this.disarm();
    let at = this.heap[0].at;
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

  private push(entry: { at: number; key: string; version: number }): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].at <= h[i].at) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): { at: number; key: string; version: number } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l].at < h[m].at) m = l;
        if (r < h.length && h[r].at < h[m].at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
