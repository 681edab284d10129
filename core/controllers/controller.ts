// The controller runner (controller-runtime's model): informer handlers enqueue keys, a
// few workers take keys from a de-duplicating, rate-limited queue and call reconcile(key),
// which re-reads state and returns "requeue after" or throws (then the key is retried with
// backoff). Reconcile never trusts what it did last time: it is level-triggered.
import type { Clock } from "../../bindings/clock.js";
import type { Core } from "../index.js";
import type { ApiClient } from "./client.js";
import type { InformerFactory } from "./informer.js";
import type { EventRecorder } from "./events.js";
import { WorkQueue } from "./workqueue.js";

export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. a deadline, a cron schedule). */
  requeueAfterMs?: number;
}

/** What every controller gets to work with. */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  events: EventRecorder;
  core: Core;
}

export interface Reconciler {
  /** kube-controller-manager's name for it ("replicaset-controller", "deployment-controller"…). */
  readonly name: string;
  /** Parallel workers (kube-controller-manager's --concurrent-*-syncs; default 5). */
  readonly workers?: number;
  /** Registers the informer handlers that enqueue keys. */
  setup(ctx: ControllerContext, queue: WorkQueue): void;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export class Controller {
  readonly queue: WorkQueue;
  private running = false;
  private workersDone: Promise<void>[] = [];
  /** The last error per key (what a user would find in the controller's log). */
  readonly lastErrors = new Map<string, string>();

  constructor(
    readonly reconciler: Reconciler,
    private readonly ctx: ControllerContext,
  ) {
    this.queue = new WorkQueue(ctx.clock);
    reconciler.setup(ctx, this.queue);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const workers = this.reconciler.workers ?? 5;
    for (let i = 0; i < workers; i++) this.workersDone.push(this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutdown();
    await Promise.all(this.workersDone);
  }

  private async work(): Promise<void> {
    let turns = 0;
    while (this.running) {
      // In one process every API call can resolve without leaving the microtask queue; a
      // worker that always has keys would starve timers and I/O. Yield now and then.
      if (++turns % 32 === 0) await new Promise((r) => setTimeout(r, 0));
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        this.lastErrors.delete(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.lastErrors.set(key, (err as Error).message ?? String(err));
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
