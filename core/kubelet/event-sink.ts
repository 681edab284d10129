// The kubelet's events, rate-limited as its event client is (eventRecordQPS 50, eventBurst
// 100 by default) with a bounded queue that drops when full — client-go's broadcaster drops
// rather than blocks. Simulated nodes share one sink, so ten thousand pods starting at once
// cannot bury their own status writes under forty thousand Events.
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { KubeObject } from "../controllers/client.js";
import type { EventRecorder } from "../controllers/events.js";

export interface EventSinkOptions {
  qps?: number;
  burst?: number;
  /** Events waiting beyond this many are dropped. */
  queueLimit?: number;
}

interface Pending {
  obj: KubeObject;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  host?: string;
}

export class EventSink {
  private tokens: number;
  private last: number;
  private readonly queue: Pending[] = [];
  private timer: TimerHandle | null = null;
  private readonly qps: number;
  private readonly burst: number;
  private readonly queueLimit: number;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly recorder: EventRecorder,
    private readonly clock: Clock,
    options: EventSinkOptions = {},
  ) {
    this.qps = options.qps ?? 50;
    this.burst = options.burst ?? 100;
    this.queueLimit = options.queueLimit ?? 1000;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, host?: string): void {
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens--;
      this.recorder.event(obj, type, reason, message, host);
      return;
    }
    if (this.queue.length >= this.queueLimit) {
      this.dropped++;
      return;
    }
    this.queue.push({ obj, type, reason, message, host });
    this.arm();
  }

  /** Events waiting for a token. */
  get pending(): number {
    return this.queue.length;
  }

  stop(): void {
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000));
    this.timer = this.clock.schedule(waitMs, () => {
      this.timer = null;
      this.refill();
      while (this.queue.length > 0 && this.tokens >= 1) {
        this.tokens--;
        const e = this.queue.shift()!;
        this.recorder.event(e.obj, e.type, e.reason, e.message, e.host);
      }
      this.arm();
    });
  }
}
