// The service account controller (pkg/controller/serviceaccount): every active namespace
// has a "default" ServiceAccount — created with the namespace, and again if deleted.
// Keyed by namespace; a terminating namespace gets nothing (creation would be refused).
import type { ControllerContext, Reconciler } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isAlreadyExists, isNamespaceTerminating, type KubeObject } from "./client.js";

export class ServiceAccountController implements Reconciler {
  readonly name = "serviceaccount-controller";
  readonly workers = 1;
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer;
  private serviceAccounts!: SharedInformer;

  /** The accounts every namespace gets (kube-controller-manager: just "default"). */
  constructor(private readonly ensure: readonly string[] = ["default"]) {}

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.namespaces = ctx.informers.for(R.namespaces);
    this.serviceAccounts = ctx.informers.for(R.serviceAccounts);
    const enqueueNamespace = (ns: KubeObject) => queue.add(ns.metadata!.name!);
    this.namespaces.addEventHandler({ add: enqueueNamespace, update: (_, ns) => enqueueNamespace(ns) });
    this.serviceAccounts.addEventHandler({
      delete: (sa) => {
        if (this.ensure.includes(sa.metadata!.name!)) queue.add(sa.metadata!.namespace!);
      },
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!ns) return;
    if ((ns.status as { phase?: string } | undefined)?.phase !== "Active") return;
    const failures: string[] = [];
    for (const name of this.ensure) {
      if (this.serviceAccounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.ctx.client.create(R.serviceAccounts, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
      } catch (err) {
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        failures.push((err as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join("; "));
  }
}

