// kube-scheduler's scheduling queue: activeQ ordered by PrioritySort (higher priority
// first, then first come), a backoff queue (1 s doubling to 10 s per attempt) for pods
// that failed, and the unschedulable pods, which wait until a cluster event (a node added
// or changed, a pod deleted) may help them — or at most 5 minutes.
import { Heap } from "../controllers/heap.js";
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { KubeObject } from "../api/object-store.js";

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;
const MAX_UNSCHEDULABLE_MS = 5 * 60 * 1000;

interface Entry {
  key: string;
  pod: KubeObject;
  priority: number;
  /** When it entered the queue (PrioritySort's tie-break). */
  timestamp: number;
  attempts: number;
}

export class SchedulingQueue {
  /** activeQ: a heap by PrioritySort (priority desc, timestamp asc). */
  private readonly heap = new Heap<Entry>(before);
  private readonly inActive = new Map<string, Entry>();
  private readonly unschedulable = new Map<string, { entry: Entry; since: number }>();
  private readonly backingOff = new Map<string, { entry: Entry; timer: TimerHandle }>();
  private readonly attempts = new Map<string, number>();
  private waiter: (() => void) | null = null;
  private sequence = 0;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** A pending pod appeared or changed: (re)queued as active unless it is backing off. */
  add(key: string, pod: KubeObject): void {
    if (this.backingOff.has(key)) {
      this.backingOff.get(key)!.entry.pod = pod;
      return;
    }
    const existing = this.inActive.get(key);
    if (existing) {
      existing.pod = pod;
      return;
    }
    this.unschedulable.delete(key);
    this.push({ key, pod, priority: priorityOf(pod), timestamp: this.clock.now() * 1000 + (this.sequence++ % 1000), attempts: this.attempts.get(key) ?? 0 });
  }

  /** The pod is gone or no longer pending. */
  delete(key: string): void {
    this.inActive.delete(key); // lazily skipped when popped
    this.unschedulable.delete(key);
    const b = this.backingOff.get(key);
    if (b) {
      this.clock.cancel(b.timer);
      this.backingOff.delete(key);
    }
    this.attempts.delete(key);
  }

  /** The next pod to schedule (waits when none); undefined once closed. */
  async pop(): Promise<{ key: string; pod: KubeObject } | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      while (this.heap.length) {
        const e = this.heap.pop()!;
        if (this.inActive.get(e.key) !== e) continue; // deleted or replaced
        this.inActive.delete(e.key);
        return { key: e.key, pod: e.pod };
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Scheduling failed because nothing fits: wait for a cluster event (or 5 minutes). */
  unschedulableNow(key: string, pod: KubeObject): void {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    this.unschedulable.set(key, { entry: { key, pod, priority: priorityOf(pod), timestamp: this.clock.now() * 1000, attempts }, since: this.clock.now() });
  }

  /** An error (e.g. a failed binding): retry after the pod's backoff. */
  backoff(key: string, pod: KubeObject): void {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    const entry: Entry = { key, pod, priority: priorityOf(pod), timestamp: this.clock.now() * 1000, attempts };
    const timer = this.clock.schedule(backoffMs(attempts), () => {
      this.backingOff.delete(key);
      this.push(entry);
    });
    this.backingOff.set(key, { entry, timer });
  }

  /** Bound: its attempts are forgotten. */
  done(key: string): void {
    this.attempts.delete(key);
  }

  /**
   * A cluster event that may make unschedulable pods fit (MoveAllToActiveOrBackoffQueue):
   * each goes to the backoff queue for what remains of its backoff, or straight to active.
   */
  moveAllUnschedulable(): void {
    const now = this.clock.now();
    for (const [key, { entry, since }] of this.unschedulable) {
      this.unschedulable.delete(key);
      const remaining = since + backoffMs(entry.attempts) - now;
      if (remaining <= 0) this.push(entry);
      else {
        const timer = this.clock.schedule(remaining, () => {
          this.backingOff.delete(key);
          this.push(entry);
        });
        this.backingOff.set(key, { entry, timer });
      }
    }
  }

  /** Pods unschedulable for over 5 minutes are tried again (flushUnschedulablePodsLeftover). */
  flushLeftovers(): void {
    const now = this.clock.now();
    for (const [key, { entry, since }] of this.unschedulable) {
      if (now - since < MAX_UNSCHEDULABLE_MS) continue;
      this.unschedulable.delete(key);
      this.push(entry);
    }
  }

  get pendingCount(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.inActive.size, backoff: this.backingOff.size, unschedulable: this.unschedulable.size };
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.backingOff.values()) this.clock.cancel(timer);
    this.backingOff.clear();
    this.waiter?.();
  }

  private push(e: Entry): void {
    if (this.closed) return;
    this.inActive.set(e.key, e);
    this.heap.push(e);
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

}

/** PrioritySort.Less. */
function before(a: Entry, b: Entry): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp);
}

function priorityOf(pod: KubeObject): number {
  return ((pod.spec as { priority?: number } | undefined)?.priority ?? 0) | 0;
}

function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}
