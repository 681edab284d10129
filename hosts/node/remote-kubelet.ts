// The API server's side of a kubelet in another process: a NodeConnection that dials the
// node's kubelet server (kubelet-server.ts) at its InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port, as kube-apiserver does for pods/log.
import { Agent, request } from "node:https";
import type { NodeConnection } from "../../core/api/server.js";
import type { KubeObject } from "../../core/controllers/client.js";

type NodeObject = KubeObject & { status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } };

/** Kubelet certificates are self-signed: the connection is checked by the token the kubelet requires. */
const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });

/** A connection to `node`'s kubelet server, or null when the node reports no address. */
export function remoteKubelet(node: KubeObject, token: string): NodeConnection | null {
  const n = node as NodeObject;
  const address = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) return null;
  return {
    async logs(namespace, pod, container, options) {
      const q = new URLSearchParams();
      if (options.follow) q.set("follow", "true");
      if (options.previous) q.set("previous", "true");
      if (options.tailLines !== undefined) q.set("tailLines", String(options.tailLines));
      const path = `/containerLogs/${[namespace, pod, container].map(encodeURIComponent).join("/")}?${q}`;
      return new Promise((resolve) => {
        const req = request({ host: address, port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          if (res.statusCode === 200) return resolve(res as AsyncIterable<Uint8Array>);
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve({ error: text || `kubelet ${address}:${port} answered ${res.statusCode}` }));
        });
        req.on("error", (err) => resolve({ error: `dialing the kubelet of node ${n.metadata?.name} at ${address}:${port}: ${err.message}` }));
        req.end();
      });
    },
  };
}
