// client-go's flowcontrol.Backoff, which the kubelet uses twice: restarting crashed
// containers (CrashLoopBackOff, 10 s doubling to 5 min) and pulling images
// (ImagePullBackOff, same schedule). An entry resets once nothing happened to it for twice
// the maximum (10 min), which is how a container that ran long enough starts again at 10 s.
import type { Clock } from "../../bindings/clock.js";

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export const CONTAINER_BACKOFF_MS = 10_000;
export const MAX_CONTAINER_BACKOFF_MS = 300_000;

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = CONTAINER_BACKOFF_MS,
    readonly maxMs = MAX_CONTAINER_BACKOFF_MS,
  ) {}

  /** The current back-off of `key` (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records one more failure at `eventTime`: the first waits initialMs, each next one twice the last, up to maxMs. */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(eventTime, entry.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: this.clock.now() });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = this.clock.now();
  }

  /** Whether less than the back-off has passed since `eventTime` (a container's finishedAt). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(eventTime, entry.lastUpdate)) return false;
    return this.clock.now() - eventTime < entry.backoffMs;
  }

  /** Whether less than the back-off has passed since the last failure was recorded (image pulls). */
  isInBackOffSinceUpdate(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(eventTime, entry.lastUpdate)) return false;
    return eventTime - entry.lastUpdate < entry.backoffMs;
  }

  /** When the back-off of `key` ends, counted from its last recorded failure. */
  until(key: string): number | undefined {
    const entry = this.entries.get(key);
    return entry ? entry.lastUpdate + entry.backoffMs : undefined;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod's keys when it goes). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Drops entries idle for longer than twice the maximum. */
  gc(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (this.hasExpired(now, entry.lastUpdate)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.maxMs * 2;
  }
}

/** A duration as Go's time.Duration.String() prints it: "10s", "1m20s", "5m0s", "313ms", "1.5s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${trim(ms)}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds - h * 3600) / 60);
  const s = totalSeconds - h * 3600 - m * 60;
  const seconds = `${trim(Math.round(s * 1000) / 1000)}s`;
  if (h > 0) return `${h}h${m}m${seconds}`;
  if (m > 0) return `${m}m${seconds}`;
  return seconds;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
