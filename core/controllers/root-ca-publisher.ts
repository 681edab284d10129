// The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher): every
// active namespace has a ConfigMap "kube-root-ca.crt" whose "ca.crt" is the cluster's CA, so
// pods can check the API server's certificate (kube-api-access volumes project it). Kept as
// published: created with the namespace, rewritten if edited, recreated if deleted.
import type { ControllerContext, Reconciler } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import { R, isAlreadyExists, isNamespaceTerminating, isNotFound, type KubeObject } from "./client.js";
import { ApiError } from "../api/status.js";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
/** The annotation the publisher marks its ConfigMaps with in Kubernetes. */
const DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export class RootCAPublisher implements Reconciler {
  readonly name = "root-ca-certificate-publisher";
  readonly workers = 1;
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer;
  private configMaps!: SharedInformer;

  constructor(private readonly caCert: string) {}

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.namespaces = ctx.informers.for(R.namespaces);
    this.configMaps = ctx.informers.for(R.configMaps);
    this.namespaces.addEventHandler({ add: (ns) => queue.add(ns.metadata!.name!), update: (_, ns) => queue.add(ns.metadata!.name!) });
    const mine = (cm: KubeObject) => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP) queue.add(cm.metadata.namespace!);
    };
    this.configMaps.addEventHandler({ update: (_, cm) => mine(cm), delete: mine });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if ((ns?.status as { phase?: string } | undefined)?.phase !== "Active") return;
    const current = this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`) as (KubeObject & { data?: Record<string, string> }) | undefined;
    const data = { "ca.crt": this.caCert };
    try {
      if (!current) {
        await this.ctx.client.create(R.configMaps, namespace, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { "kubernetes.io/description": DESCRIPTION } },
          data,
        });
      } else if (current.data?.["ca.crt"] !== this.caCert || Object.keys(current.data ?? {}).length !== 1) {
        await this.ctx.client.update(R.configMaps, namespace, { ...current, data });
      }
    } catch (err) {
      // Made meanwhile, gone meanwhile, or the namespace is going: the next event settles it.
      if (isAlreadyExists(err) || isNotFound(err) || (err instanceof ApiError && err.code === 409) || isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}

