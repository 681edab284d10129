// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
// a candidate takes the lease when it is free or its holder has not renewed it within
// leaseDurationSeconds, then renews it every retry period; a leader that cannot renew
// before the renew deadline stops leading. Two control planes on one etcd therefore never
// act at once (writes are compare-and-swap on the lease's resourceVersion).
import type { Clock, TimerHandle } from "../../bindings/clock.js";
import type { ApiClient, KubeObject } from "./client.js";
import { R, isNotFound } from "./client.js";
import { ApiError } from "../api/status.js";

export interface LeaderElectionConfig {
  /** Lease name, e.g. "kube-controller-manager"; in namespace kube-system. */
  name: string;
  namespace?: string;
  /** This candidate's identity (holderIdentity). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly config: LeaderElectionConfig,
  ) {
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.cancel(this.timer);
    if (this.leading) {
      this.leading = false;
      this.config.onStoppedLeading();
      try {
        const lease = await this.client.get(R.leases, this.namespace, this.config.name);
        const spec = (lease.spec ?? {}) as LeaseSpec;
        if (spec.holderIdentity === this.config.identity) {
          await this.client.update(R.leases, this.namespace, { ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1 } });
        }
      } catch {
        // Released or not, the lease expires by itself.
      }
    }
  }

  private get namespace(): string {
    return this.config.namespace ?? "kube-system";
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const ok = await this.tryAcquireOrRenew().catch(() => false);
    if (this.stopped) return;
    const now = this.clock.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.config.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.config.onStoppedLeading();
    }
    this.timer = this.clock.schedule(this.retryPeriodMs, () => void this.tick());
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const stamp = microTime(now);
    const mine: LeaseSpec = {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      renewTime: stamp,
    };
    let lease: KubeObject;
    try {
      lease = await this.client.get(R.leases, this.namespace, this.config.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.create(R.leases, this.namespace, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.config.name, namespace: this.namespace },
        spec: { ...mine, acquireTime: stamp, leaseTransitions: 0 },
      });
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    const held = spec.holderIdentity && spec.holderIdentity !== this.config.identity;
    if (held) {
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const duration = (spec.leaseDurationSeconds ?? 15) * 1000;
      if (renewed + duration > now) return false; // someone else holds a live lease
    }
    const taking = spec.holderIdentity !== this.config.identity;
    const next: LeaseSpec = {
      ...spec,
      ...mine,
      acquireTime: taking ? stamp : spec.acquireTime ?? stamp,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
    };
    try {
      await this.client.update(R.leases, this.namespace, { ...lease, spec: next });
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return false; // another candidate wrote first
      throw err;
    }
    return true;
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
