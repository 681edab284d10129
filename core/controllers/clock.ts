// Clocks for the control loops (bindings/clock.ts). The real clock uses the web-standard
// timers, so it serves the Node host and a browser alike; the virtual clock is advanced by
// hand (tests, and the browser sandbox's "fast forward"): timers fire in time order as it
// passes them, and never on their own.
import type { Clock, TimerHandle } from "../../bindings/clock.js";

let nextTimerId = 1;

export const realClock: Clock = {
  now: () => Date.now(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return { id: nextTimerId++, timer } as TimerHandle & { timer: ReturnType<typeof setTimeout> };
  },
  cancel(handle) {
    clearTimeout((handle as TimerHandle & { timer: ReturnType<typeof setTimeout> }).timer);
  },
};

interface VirtualTimer extends TimerHandle {
  at: number;
  callback: () => void;
}

export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(ms: number, callback: () => void): TimerHandle {
    const timer: VirtualTimer = { id: nextTimerId++, at: this.current + Math.max(0, ms), callback };
    this.timers.set(timer.id, timer);
    return timer;
  }

  cancel(timer: TimerHandle): void {
    this.timers.delete(timer.id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order; between timers it lets promise
   * callbacks run (`settle`), so work a timer starts can schedule the next one.
   */
  async advance(ms: number, settle: () => Promise<void> = () => new Promise((r) => setTimeout(r, 0))): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await settle();
      let due: VirtualTimer | undefined;
      for (const t of this.timers.values()) if (t.at <= end && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = end;
    await settle();
  }
}
