// client-go's rate-limited work queue: a key is queued at most once however often it is
// added; a key being processed is not handed to a second worker — added again meanwhile, it
// is queued once the first worker is done; failures requeue with per-key exponential
// backoff (5 ms doubling up to 1,000 s, client-go's default controller rate limiter).
import type { Clock, TimerHandle } from "../../bindings/clock.js";

export interface RateLimit {
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { baseDelayMs: 5, maxDelayMs: 1_000_000 };

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  /** Keys waiting to be processed (queued, or re-added while being processed). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Delayed adds, one timer per key (the earliest wins). */
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly rateLimit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds `key` after `ms` (an earlier pending add of the same key stands). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.cancel(pending.timer);
    const timer = this.clock.schedule(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, timer });
  }

  /** Requeues after a failure: 5 ms, 10 ms, 20 ms… per key until forget(). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.rateLimit.maxDelayMs, this.rateLimit.baseDelayMs * 2 ** n));
  }

  /** The key succeeded: its backoff starts over. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process (undefined once shut down). Call done(key) afterwards. */
  get(): Promise<string | undefined> {
    if (this.head < this.queue.length) {
      const key = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (!this.dirty.has(key)) return;
    this.dirty.delete(key);
    this.add(key);
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.cancel(timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
