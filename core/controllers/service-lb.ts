// The service load-balancer controller: `type: LoadBalancer` on a machine without a cloud,
// in the manner of cloud-provider-kind, k3s' ServiceLB and MetalLB's layer-2 mode. Every
// LoadBalancer Service of ours (no spec.loadBalancerClass, or ours) gets an address from a
// pool, written to status.loadBalancer.ingress as [{ip, ipMode: "VIP"}]; kube-proxy then
// programs that address like an external IP, and the node routes the pool to its bridge
// (as it does the service range), so load-balancer addresses answer on this machine and
// never leave it. Until an address is written, `kubectl get svc` shows EXTERNAL-IP
// <pending>, as on a cluster whose cloud has not answered yet.
//
// Level-triggered: reconcile(key) compares one Service with the pool as the informer and
// this controller's own assignments see it. Which address a Service holds is only ever in
// its status, so a restarted controller keeps every assignment; a Service that is deleted
// frees its address with it, one that stops being a LoadBalancer (or moves to another
// class) has its status cleared, which frees it. spec.loadBalancerIP (deprecated upstream
// but still honoured by most implementations) asks for one address of the pool. No
// finalizer: nothing outside the API holds state for an address.
import type { ControllerContext, Reconciler } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import { IPRange } from "../api/service-allocator.js";

/** The default pool: next to the pod network 10.244.0.0/16, clear of the service range 10.96.0.0/12. */
export const DEFAULT_LOAD_BALANCER_POOL = "10.245.0.0/24";
/** The spec.loadBalancerClass this controller answers to (besides no class at all). */
export const LOAD_BALANCER_CLASS = "kubeling.io/service-lb";

export interface ServiceLoadBalancerOptions {
  /** An IPv4 CIDR; its network and broadcast addresses are never handed out. */
  pool?: string;
  loadBalancerClass?: string;
}

interface LBService extends KubeObject {
  spec?: { type?: string; loadBalancerIP?: string; loadBalancerClass?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}

/** The pool's range, with an error naming the option (IPRange's own names the service CIDR). */
export function loadBalancerPool(cidr: string): IPRange {
  try {
    const range = new IPRange(cidr);
    if (range.size === 0) throw new Error("no usable address");
    return range;
  } catch {
    throw new Error(`invalid load-balancer pool ${JSON.stringify(cidr)} (an IPv4 CIDR with room for addresses, such as ${DEFAULT_LOAD_BALANCER_POOL})`);
  }
}

export class ServiceLoadBalancerController implements Reconciler {
  readonly name = "service-lb-controller";
  /** One worker: two Services reconciled at once could pick the same free address. */
  readonly workers = 1;
  readonly pool: IPRange;
  readonly loadBalancerClass: string;
  private ctx!: ControllerContext;
  private services!: SharedInformer;
  private queue!: WorkQueue;
  /**
   * The addresses this controller wrote, per Service key, until the informer shows them:
   * without this a second Service reconciled before the first one's status arrives in the
   * cache would be handed the same address.
   */
  private readonly assigned = new Map<string, string>();

  constructor(options: ServiceLoadBalancerOptions = {}) {
    this.pool = loadBalancerPool(options.pool ?? DEFAULT_LOAD_BALANCER_POOL);
    this.loadBalancerClass = options.loadBalancerClass ?? LOAD_BALANCER_CLASS;
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    this.services = ctx.informers.for(R.services);
    const enqueue = (svc: KubeObject) => queue.add(objectKey(svc));
    this.services.addEventHandler({
      add: enqueue,
      update: (_, svc) => enqueue(svc),
      delete: (svc) => {
        enqueue(svc);
        // An address came free: Services waiting for one may get it now.
        this.enqueuePending();
      },
    });
  }

  /** Ours: a LoadBalancer without a class, or with ours. */
  private isOurs(svc: LBService): boolean {
    if (svc.spec?.type !== "LoadBalancer") return false;
    const cls = svc.spec.loadBalancerClass;
    return cls === undefined || cls === "" || cls === this.loadBalancerClass;
  }

  private enqueuePending(): void {
    for (const svc of this.services.list() as LBService[]) {
      if (this.isOurs(svc) && (svc.status?.loadBalancer?.ingress ?? []).length === 0) this.queue.add(objectKey(svc));
    }
  }

  /** Addresses of the pool that Services other than `key` hold (in their status, or just written). */
  private taken(key: string): Set<string> {
    const out = new Set<string>();
    for (const svc of this.services.list() as LBService[]) {
      const k = objectKey(svc);
      if (k === key || !this.isOurs(svc)) continue;
      for (const i of svc.status?.loadBalancer?.ingress ?? []) if (i.ip) out.add(i.ip);
    }
    for (const [k, ip] of this.assigned) if (k !== key) out.add(ip);
    return out;
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.services.get(key) as LBService | undefined;
    if (!svc) {
      this.assigned.delete(key);
      return;
    }
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (!this.isOurs(svc)) {
      this.assigned.delete(key);
      // No longer a LoadBalancer: take the address back (the service controller's
      // ensureLoadBalancerDeleted, then status cleared). A Service of another class keeps
      // whatever its own controller wrote.
      if (svc.spec?.type !== "LoadBalancer" && ingress.some((i) => i.ip && this.pool.offset(i.ip) >= 0)) {
        await this.writeIngress(svc, []);
        this.ctx.events.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer");
        this.enqueuePending();
      }
      return;
    }

    const taken = this.taken(key);
    const current = ingress.length === 1 && ingress[0].ip && ingress[0].ipMode === "VIP" && !ingress[0].hostname ? ingress[0].ip : undefined;
    const requested = svc.spec?.loadBalancerIP || undefined;
    let want: string | undefined;
    if (requested) {
      if (this.pool.offset(requested) < 0) return this.fail(svc, ingress, `requested loadBalancerIP ${requested} is not in the pool ${this.pool.cidr}`);
      if (taken.has(requested)) return this.fail(svc, ingress, `requested loadBalancerIP ${requested} is already in use by another Service`);
      want = requested;
    } else if (current && this.pool.offset(current) >= 0 && !taken.has(current)) {
      want = current;
    } else {
      for (let i = 0; i < this.pool.size; i++) {
        const ip = this.pool.at(i);
        if (!taken.has(ip)) {
          want = ip;
          break;
        }
      }
      if (!want) return this.fail(svc, ingress, `no address left in the pool ${this.pool.cidr}`);
    }
    this.assigned.set(key, want);
    if (current === want && ingress.length === 1) return;
    await this.writeIngress(svc, [{ ip: want, ipMode: "VIP" }]);
    this.ctx.events.event(svc, "Normal", "EnsuredLoadBalancer", `Ensured load balancer: ${want}`);
  }

  /**
   * Nothing to hand out: the Service waits (EXTERNAL-IP <pending>) with a Warning Event. An
   * address it held outside what it may have now is cleared so it cannot linger.
   */
  private async fail(svc: LBService, ingress: { ip?: string }[], message: string): Promise<void> {
    this.assigned.delete(objectKey(svc));
    if (ingress.length > 0) await this.writeIngress(svc, []);
    this.ctx.events.event(svc, "Warning", "SyncLoadBalancerFailed", `Error syncing load balancer: ${message}`);
  }

  /** PUT services/<name>/status on the cached object (a stale cache conflicts, and the key is retried). */
  private async writeIngress(svc: LBService, ingress: { ip: string; ipMode: string }[]): Promise<void> {
    const next = structuredClone(svc) as LBService;
    next.status = { ...(next.status ?? {}), loadBalancer: ingress.length > 0 ? { ingress } : {} };
    try {
      await this.ctx.client.update(R.services, svc.metadata!.namespace, next, "status");
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: its address is free already
      throw err;
    }
  }
}
