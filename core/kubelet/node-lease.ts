// The node's heartbeat: a coordination.k8s.io/v1 Lease named after the node in
// kube-node-lease, owned by the Node, renewed every 10 s with leaseDurationSeconds 40 — as
// pkg/kubelet/nodelease and client-go's lease controller keep it. The controller keeps the
// lease it last wrote and updates from it, reading again only after a conflict.
import type { ApiClient, KubeObject } from "../controllers/client.js";
import { R, isConflict, isNotFound } from "../controllers/client.js";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class NodeLease {
  private lease: KubeObject | null = null;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly leaseDurationSeconds: number,
  ) {}

  /** Renews (or creates) the lease at `now`; `nodeUid` makes the Node its owner. */
  async renew(now: number, nodeUid: string | undefined): Promise<KubeObject> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.lease) {
        try {
          this.lease = await this.client.get(R.leases, NODE_LEASE_NAMESPACE, this.nodeName);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.lease = await this.client.create(R.leases, NODE_LEASE_NAMESPACE, this.desired(null, now, nodeUid));
          return this.lease;
        }
      }
      try {
        this.lease = await this.client.update(R.leases, NODE_LEASE_NAMESPACE, this.desired(this.lease, now, nodeUid));
        return this.lease;
      } catch (err) {
        this.lease = null;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    throw new Error(`failed to renew the lease of node ${this.nodeName}`);
  }

  private desired(current: KubeObject | null, now: number, nodeUid: string | undefined): KubeObject {
    const meta = { ...(current?.metadata ?? { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE }) };
    if (nodeUid && !(meta.ownerReferences ?? []).some((o) => o.uid === nodeUid)) {
      meta.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: nodeUid }];
    }
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: meta,
      spec: {
        ...((current?.spec as object | undefined) ?? {}),
        holderIdentity: this.nodeName,
        leaseDurationSeconds: this.leaseDurationSeconds,
        renewTime: microTime(now),
      },
    };
  }
}
