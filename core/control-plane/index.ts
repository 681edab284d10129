// The control loops of one cluster, assembled: kube-controller-manager's controllers and
// kube-scheduler, each under its own Lease (so two control planes on one etcd never both
// act), talking to the API server in this process. Host-agnostic: the Node host runs it
// beside its HTTPS server, the browser sandbox beside its simulated runtime.
import type { Clock } from "../../bindings/clock.js";
import type { Core } from "../index.js";
import type { ApiServer } from "../api/server.js";
import { InProcessClient } from "../controllers/client.js";
import { ControllerManager } from "../controllers/manager.js";
import { LeaderElector } from "../controllers/leader-election.js";
import { KubeScheduler } from "../scheduling/kube-scheduler.js";
import { defaultReconcilers, type ControllerOptions } from "./controllers.js";

export interface ControlLoopsOptions {
  api: ApiServer;
  core: Core;
  clock: Clock;
  /** holderIdentity in the Leases (e.g. "<hostname>_<random>"). */
  identity: string;
  controllers?: ControllerOptions;
  scheduler?: { recordDecisions?: boolean; profile?: unknown };
  /** Lease timing (defaults: client-go's 15 s lease, 2 s retry). */
  leaseDurationMs?: number;
  retryPeriodMs?: number;
}

export class ControlLoops {
  readonly manager: ControllerManager;
  private scheduler: KubeScheduler | null = null;
  private readonly schedulerElector: LeaderElector;

  constructor(private readonly options: ControlLoopsOptions) {
    const client = new InProcessClient(options.api);
    this.manager = new ControllerManager({
      client,
      core: options.core,
      clock: options.clock,
      identity: options.identity,
      reconcilers: defaultReconcilers(options.controllers ?? {}),
      leaseDurationMs: options.leaseDurationMs,
      retryPeriodMs: options.retryPeriodMs,
    });
    const schedulerClient = client.as("default-scheduler", { name: "system:kube-scheduler", groups: ["system:masters", "system:authenticated"] });
    this.schedulerElector = new LeaderElector(schedulerClient, options.clock, {
      name: "kube-scheduler",
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      retryPeriodMs: options.retryPeriodMs,
      onStartedLeading: () => {
        this.scheduler = new KubeScheduler({ client: schedulerClient, core: options.core, clock: options.clock, ...(options.scheduler ?? {}) });
        void this.scheduler.start();
      },
      onStoppedLeading: () => {
        const s = this.scheduler;
        this.scheduler = null;
        void s?.stop();
      },
    });
  }

  /** The scheduler while this process leads (null otherwise). */
  get activeScheduler(): KubeScheduler | null {
    return this.scheduler;
  }

  start(): void {
    this.manager.start();
    this.schedulerElector.start();
  }

  async stop(): Promise<void> {
    await this.schedulerElector.stop();
    await this.manager.stop();
  }
}
