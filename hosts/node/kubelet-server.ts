// The kubelet's own HTTPS server (port 10250 in Kubernetes), for an agent's node: the API
// server of another process reaches the kubelet here for what it cannot do itself — a
// container's log (GET /containerLogs/<namespace>/<pod>/<container>, as kube-apiserver
// proxies pods/log). Requests must carry the cluster's node token as a bearer token; the
// certificate is self-signed, as a kubelet's is when given none.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { NodeConnection } from "../../core/api/server.js";
import { selfSignedServing } from "./pki.js";

export interface KubeletServerOptions {
  nodeName: string;
  /** What the server serves: the same connection an in-process API server would register. */
  connection: NodeConnection;
  token: string;
  /** Addresses for the certificate's SANs. */
  addresses: string[];
  port: number;
  /** Where to listen (default all addresses: the API server may be on another machine). */
  host?: string;
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<Server> {
  const { cert, key } = await selfSignedServing(options.nodeName, options.addresses);
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server = createServer({ cert, key }, (req, res) => {
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 401, "Unauthorized");
    void route(options.connection, req, res).catch((err) => reply(res, 500, (err as Error).message));
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return server;
}

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

async function route(connection: NodeConnection, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://kubelet");
  if (url.pathname === "/healthz") return reply(res, 200, "ok");
  const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && logs) {
    const [namespace, pod, container] = logs.slice(1).map(decodeURIComponent);
    const q = url.searchParams;
    const tail = q.get("tailLines");
    const stream = await connection.logs(namespace, pod, container, {
      follow: q.get("follow") === "true",
      previous: q.get("previous") === "true",
      tailLines: tail !== null && /^\d+$/.test(tail) ? Number(tail) : undefined,
    });
    if ("error" in stream) return reply(res, 400, stream.error);
    res.writeHead(200, { "content-type": "text/plain" });
    res.flushHeaders();
    let open = true;
    res.on("close", () => (open = false));
    try {
      for await (const chunk of stream) {
        if (!open) break;
        res.write(chunk);
      }
    } catch {
      // The container went away mid-stream: end what was sent.
    }
    res.end();
    return;
  }
  reply(res, 404, "404 page not found");
}
