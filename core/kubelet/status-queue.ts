// The status manager's write queue: a pod whose status may have changed is marked dirty,
// and its status is computed when its turn comes and written if it changed; marking it
// again before then costs nothing. Writes start right away (as the status manager's do),
// a bounded number at a time, one per pod at a time; simulated nodes share one queue.
// (Pod workers mark a pod dirty when a sync is done, so the steps of one sync make one write.)
import type { Clock, TimerHandle } from "../../bindings/clock.js";

export class StatusQueue {
  private readonly dirty = new Map<string, () => Promise<void>>();
  private readonly inFlight = new Set<string>();
  private timer: TimerHandle | null = null;
  private scheduled = false;
  private running = 0;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: { concurrency?: number; delayMs?: number } = {},
  ) {}

  /** Marks `key` dirty; `write` (the latest one given) runs soon (after `delayMs`, if set). */
  enqueue(key: string, write: () => Promise<void>): void {
    if (this.stopped) return;
    this.dirty.set(key, write);
    this.arm();
  }

  forget(key: string): void {
    this.dirty.delete(key);
  }

  /** Writes waiting or running. */
  get pending(): number {
    return this.dirty.size + this.running;
  }

  stop(): void {
    this.stopped = true;
    this.dirty.clear();
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = null;
  }

  start(): void {
    this.stopped = false;
  }

  private arm(): void {
    if (this.timer || this.scheduled || this.dirty.size === 0) return;
    const delay = this.options.delayMs ?? 0;
    if (delay > 0) {
      this.timer = this.clock.schedule(delay, () => {
        this.timer = null;
        this.pump();
      });
      return;
    }
    // No delay: after the current job, without waiting for a timer (timers can starve
    // behind a long chain of in-process API calls).
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.stopped) this.pump();
    });
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 64;
    for (const [key, write] of this.dirty) {
      if (this.running >= limit) break;
      // One write per pod at a time; a newer one waits for it.
      if (this.inFlight.has(key)) continue;
      this.dirty.delete(key);
      this.inFlight.add(key);
      this.running++;
      void write()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight.delete(key);
          this.running--;
          if (!this.stopped) this.pump();
        });
    }
    // Keys skipped because they were in flight are picked up when those finish.
  }
}
