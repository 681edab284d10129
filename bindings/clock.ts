/**
 * Time, as the core's control loops see it. The Node host uses the wall clock; the browser
 * sandbox and tests use a virtual clock they can advance, so every timer-driven behaviour
 * (backoff, heartbeats, grace periods, cron) is testable without waiting.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds; returns a handle for cancel(). */
  schedule(ms: number, callback: () => void): TimerHandle;
  cancel(timer: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}
