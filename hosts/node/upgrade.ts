// Connection upgrades on the API server's port: pods/exec over WebSocket (v5.channel.k8s.io,
// the protocol itself is core/api/remotecommand.ts) or SPDY (v4.channel.k8s.io, kubectl's
// fallback; exec-spdy.ts), and pods/portforward over WebSocket
// (SPDY/3.1+portforward.k8s.io) or a raw SPDY/3.1 upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
// The checks — user, RBAC `create` on the subresource, pod, container, node — are the API
// server's (ApiServer.connect) and answer before the upgrade, as Status errors; kubectl shows
// those after it has fallen back to SPDY. Any other upgrade is a 400 Status, never a hang.
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, createWebSocketStream, type RawData, type WebSocket } from "ws";
import type { ApiServer, UserInfo } from "../../core/api/server.js";
import { Errors } from "../../core/api/status.js";
import { PORT_FORWARD_TUNNEL_PROTOCOL, V5_CHANNEL_PROTOCOL, serveRemoteCommand, type MessageSocket } from "../../core/api/remotecommand.js";
import { servePortForward } from "./portforward-spdy.js";
import { SPDY_EXEC_PROTOCOLS, serveExecSpdy } from "./exec-spdy.js";

/** The protocol a SPDY port-forward upgrade must offer in X-Stream-Protocol-Version. */
const PORT_FORWARD_SPDY_PROTOCOL = "portforward.k8s.io";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;

export function podStreamUpgrades(api: ApiServer, authenticate: (req: IncomingMessage) => Promise<UserInfo | null>): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    // The offer was checked against the subresource before the upgrade.
    handleProtocols: (offered) => (offered.has(V5_CHANNEL_PROTOCOL) ? V5_CHANNEL_PROTOCOL : offered.has(PORT_FORWARD_TUNNEL_PROTOCOL) ? PORT_FORWARD_TUNNEL_PROTOCOL : false),
  });
  return async (req, socket, head) => {
    socket.on("error", () => undefined);
    try {
      const user = await authenticate(req);
      if (!user) return refuse(socket, 401, Errors.unauthorized().status);
      const url = new URL(req.url ?? "/", "https://localhost");
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(",") : v;
      const target = await api.connect({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers, user });
      if (!("subresource" in target)) return refuse(socket, target.status, target.body);
      const upgrade = (req.headers.upgrade ?? "").toLowerCase();
      if (upgrade === "websocket") {
        const wanted = target.subresource === "portforward" ? PORT_FORWARD_TUNNEL_PROTOCOL : V5_CHANNEL_PROTOCOL;
        const offered = list(req.headers["sec-websocket-protocol"]);
        if (!offered.includes(wanted)) {
          return refuse(socket, 400, Errors.badRequest(`unsupported WebSocket subprotocols [${offered.join(" ")}]: pods/${target.subresource} speaks ${wanted}`).status);
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on("error", () => undefined);
          if (target.subresource !== "portforward") void serveRemoteCommand(messageSocket(ws), target.start(), target.command, target.options);
          else servePortForward(createWebSocketStream(ws), target.dial);
        });
        return;
      }
      if (upgrade === "spdy/3.1" && target.subresource === "portforward") {
        const versions = list(req.headers["x-stream-protocol-version"]);
        if (!versions.includes(PORT_FORWARD_SPDY_PROTOCOL)) {
          return refuse(socket, 403, Errors.forbiddenBy({ group: "", plural: "pods" }, target.pod, `unable to negotiate protocol: client supports [${versions.join(" ")}], server accepts [${PORT_FORWARD_SPDY_PROTOCOL}]`).status);
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_SPDY_PROTOCOL}\r\n\r\n`);
        if (head.length > 0) socket.unshift(head);
        servePortForward(socket, target.dial);
        return;
      }
      if (upgrade === "spdy/3.1" && target.subresource !== "portforward") {
        const versions = list(req.headers["x-stream-protocol-version"]);
        const chosen = SPDY_EXEC_PROTOCOLS.find((p) => versions.includes(p));
        if (!chosen) {
          return refuse(socket, 403, Errors.forbiddenBy({ group: "", plural: "pods" }, target.pod, `unable to negotiate protocol: client supports [${versions.join(" ")}], server accepts [${SPDY_EXEC_PROTOCOLS.join(" ")}]`).status);
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\n\r\n`);
        if (head.length > 0) socket.unshift(head);
        serveExecSpdy(socket, target.start, target.command, target.options);
        return;
      }
      refuse(socket, 400, Errors.badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? "")} for pods/${target.subresource}`).status);
    } catch (err) {
      refuse(socket, 500, Errors.internal((err as Error).message).status);
    }
  };
}

/** A comma-separated header's values. */
function list(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Answers a plain HTTP response (a Status) instead of upgrading, and closes the connection. */
function refuse(socket: Duplex, status: number, body: unknown): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** A WebSocket as the remote command protocol's MessageSocket (binary messages). */
export function messageSocket(ws: WebSocket): MessageSocket {
  return {
    send: (message) => ws.send(message, { binary: true }),
    close: (code) => ws.close(code),
    onMessage: (listener) => ws.on("message", (data: RawData) => listener(bytes(data))),
    onClose: (listener) => ws.once("close", () => listener()),
  };
}

export function bytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
