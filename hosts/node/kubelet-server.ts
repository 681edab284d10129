// The kubelet's own HTTPS server (port 10250 in Kubernetes), for an agent's node: the API
// server of another process reaches the kubelet here for what it cannot do itself, on the
// kubelet's paths — a container's log (GET /containerLogs/<namespace>/<pod>/<container>),
// exec and attach (WebSocket upgrade of /exec/<namespace>/<pod>/<container>?command=… or /attach/…, the
// v5.channel.k8s.io protocol of core/api/remotecommand.ts) and port-forward (WebSocket
// upgrade of /portForward/<namespace>/<pod>?port=N: binary messages are the TCP bytes, a
// text "EOF" half-closes toward the pod). Before either stream starts, one text message
// says whether it could: {"started":true} or {"error":"…"} (the API server must tell kubectl
// why before it speaks the protocol). Requests must carry the cluster's node token as a
// bearer token; the certificate is self-signed, as a kubelet's is when given none.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { NodeConnection } from "../../core/api/server.js";
import { selfSignedServing } from "./pki.js";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Duplex } from "node:stream";
import { V5_CHANNEL_PROTOCOL, serveRemoteCommand } from "../../core/api/remotecommand.js";
import { bytes, messageSocket } from "./upgrade.js";

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
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(V5_CHANNEL_PROTOCOL) ? V5_CHANNEL_PROTOCOL : false) });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined);
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", () => undefined);
      void streamSession(options.connection, new URL(req.url ?? "/", "https://kubelet"), ws);
    });
  });
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

/** One exec or port-forward session on an upgraded connection. */
async function streamSession(connection: NodeConnection, url: URL, ws: WebSocket): Promise<void> {
  const answer = (result: { error: string } | { started: true }) => ws.send(JSON.stringify(result));
  const exec = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const forward = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (exec) {
    const [namespace, pod, container] = exec.slice(2).map(decodeURIComponent);
    const q = url.searchParams;
    const flag = (k: string) => q.get(k) === "1" || q.get(k) === "true";
    const options = { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty") };
    const command = q.getAll("command");
    const started = exec[1] === "attach" ? await connection.attach(namespace, pod, container, options) : await connection.exec(namespace, pod, container, command, options);
    if ("error" in started) {
      answer(started);
      ws.close(1000);
      return;
    }
    answer({ started: true });
    await serveRemoteCommand(messageSocket(ws), started, command, options);
    return;
  }
  if (forward) {
    const [namespace, pod] = forward.slice(1).map(decodeURIComponent);
    const port = Number(url.searchParams.get("port"));
    const conn = Number.isInteger(port) && port > 0 && port < 65536 ? await connection.portForward(namespace, pod, port) : { error: `invalid port ${url.searchParams.get("port")}` };
    if ("error" in conn) {
      answer(conn);
      ws.close(1000);
      return;
    }
    answer({ started: true });
    let writes = Promise.resolve();
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        if (String(data) === "EOF") writes = writes.then(() => conn.close()).catch(() => undefined);
        return;
      }
      const chunk = bytes(data);
      writes = writes.then(() => conn.write(chunk)).catch(() => undefined);
    });
    ws.once("close", () => conn.destroy());
    try {
      for await (const chunk of conn.readable) ws.send(chunk, { binary: true });
    } catch {
      // The pod side reset: close below.
    }
    ws.close(1000);
    return;
  }
  answer({ error: `404 page not found: ${url.pathname}` });
  ws.close(1000);
}
