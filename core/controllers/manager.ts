// kube-controller-manager in miniature: the controllers share one informer factory and one
// client, and run only while this process holds the "kube-controller-manager" Lease — two
// control planes on one etcd never both act.
import type { Clock } from "../../bindings/clock.js";
import type { Core } from "../index.js";
import type { ApiClient } from "./client.js";
import { Controller, type ControllerContext, type Reconciler } from "./controller.js";
import { EventRecorder } from "./events.js";
import { InformerFactory } from "./informer.js";
import { LeaderElector } from "./leader-election.js";

export interface ControllerManagerOptions {
  client: ApiClient;
  core: Core;
  clock: Clock;
  /** This process's holderIdentity in the Lease. */
  identity: string;
  reconcilers: Reconciler[];
  /** Lease name (default "kube-controller-manager"); null runs without leader election. */
  leaseName?: string | null;
  leaseDurationMs?: number;
  retryPeriodMs?: number;
}

export class ControllerManager {
  readonly controllers: Controller[] = [];
  /** Informers and controllers of the current term as leader (rebuilt for each term). */
  context: ControllerContext;
  private readonly elector: LeaderElector | null;
  private running = false;

  constructor(private readonly options: ControllerManagerOptions) {
    this.context = this.freshContext();
    this.elector =
      options.leaseName === null
        ? null
        : new LeaderElector(options.client, options.clock, {
            name: options.leaseName ?? "kube-controller-manager",
            identity: options.identity,
            leaseDurationMs: options.leaseDurationMs,
            retryPeriodMs: options.retryPeriodMs,
            onStartedLeading: () => void this.run(),
            onStoppedLeading: () => void this.halt(),
          });
  }

  get informers(): InformerFactory {
    return this.context.informers;
  }

  private freshContext(): ControllerContext {
    return {
      client: this.options.client,
      informers: new InformerFactory(this.options.client),
      clock: this.options.clock,
      events: new EventRecorder(this.options.client, this.options.clock, "kube-controller-manager"),
      core: this.options.core,
    };
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.running;
  }

  start(): void {
    if (this.elector) this.elector.start();
    else void this.run();
  }

  async stop(): Promise<void> {
    await this.halt();
    await this.elector?.stop();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.controllers.length === 0) {
      for (const r of this.options.reconcilers) this.controllers.push(new Controller(r, this.context));
    }
    await this.informers.start();
    if (!this.running) return;
    for (const c of this.controllers) c.start();
  }

  private async halt(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.all(this.controllers.map((c) => c.stop()));
    this.informers.stop();
    // A controller's queue cannot restart: leading again builds fresh ones.
    this.controllers.length = 0;
    this.context = this.freshContext();
  }
}
