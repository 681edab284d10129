// The API server behind HTTPS (Node's https module): TLS with the cluster CA, client
// certificate authentication (the certificate's CN is the user, each O a group, as in
// Kubernetes), a 3 MiB body limit, and watch streams with headers flushed at once (kubectl
// waits for them before reading events). Upgrades (exec, port-forward) are in upgrade.ts.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { ApiServer, UserInfo } from "../../core/api/server.js";
import { Errors } from "../../core/api/status.js";
import { MAX_BODY_BYTES } from "../../core/api/codec.js";
import type { Pki } from "./pki.js";
import { podStreamUpgrades } from "./upgrade.js";

export interface HttpsApiOptions {
  api: ApiServer;
  pki: Pki;
  /** Bearer tokens accepted besides client certificates (token → user). */
  tokens?: Map<string, UserInfo>;
}

export function createHttpsApi(options: HttpsApiOptions): Server {
  const server = createServer(
    // The CA goes in the chain too: agents joining with a node token check its hash (node-token.ts).
    { key: options.pki.serverKey, cert: options.pki.serverCert + options.pki.caCert, ca: options.pki.caCert, requestCert: true, rejectUnauthorized: false },
    (req, res) => void handle(options, req, res),
  );
  const upgrades = podStreamUpgrades(options.api, (req) => authenticate(options, req));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrades(req, socket, head));
  // Watches are long-lived: no idle timeout on the socket.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/** The user a connection's client certificate names, decided once per connection (keep-alive). */
const certificateUsers = new WeakMap<TLSSocket, UserInfo | null>();

function certificateUser(socket: TLSSocket): UserInfo | null {
  if (certificateUsers.has(socket)) return certificateUsers.get(socket)!;
  let user: UserInfo | null = null;
  if (socket.authorized) {
    const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    if (typeof cn === "string" && cn) {
      const o = subject?.O;
      user = { name: cn, groups: [...(Array.isArray(o) ? o : o ? [o] : []), "system:authenticated"] };
    }
  }
  certificateUsers.set(socket, user);
  return user;
}

/** The client certificate's user, else a static bearer token's, else a service account token's (checked by the API server). */
async function authenticate(options: HttpsApiOptions, req: IncomingMessage): Promise<UserInfo | null> {
  const fromCertificate = certificateUser(req.socket as TLSSocket);
  if (fromCertificate) return fromCertificate;
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) {
    const token = auth.slice(7).trim();
    const user = options.tokens?.get(token);
    if (user) return { ...user, groups: [...user.groups, "system:authenticated"] };
    return options.api.authenticateToken(token);
  }
  return null;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Uint8Array | "too large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES) return Promise.resolve("too large");
  // Events rather than async iteration: this runs for every request, and the iterator's
  // machinery costs more than small bodies do.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        resolve("too large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.length));
    });
    req.on("error", reject);
  });
}

/** Path and query of a request target; dot segments are resolved as a URL parser would. */
function splitTarget(target: string): { path: string; query: URLSearchParams } {
  if (target.includes("/.") || !target.startsWith("/")) {
    const url = new URL(target, "https://localhost");
    return { path: url.pathname, query: url.searchParams };
  }
  const q = target.indexOf("?");
  if (q < 0) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

async function handle(options: HttpsApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const user = await authenticate(options, req);
    if (!user) {
      const status = Errors.unauthorized().status;
      return send(res, 401, { "content-type": "application/json" }, status);
    }
    const body = await readBody(req);
    if (body === "too large") {
      send(res, 413, { "content-type": "application/json", connection: "close" }, Errors.tooLarge().status);
      req.destroy();
      return;
    }
    const { path, query } = splitTarget(req.url ?? "/");
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(",") : v;
    const response = await options.api.handle({ method: req.method ?? "GET", path, query, headers, body, user });
    if ("stream" in response) {
      res.writeHead(response.status, { ...response.headers, "cache-control": "no-cache, private" });
      res.flushHeaders();
      let open = true;
      const stop = await response.stream(
        (chunk) => {
          if (open) res.write(chunk);
        },
        () => {
          open = false;
          res.end();
        },
      );
      res.on("close", () => {
        open = false;
        stop();
      });
      return;
    }
    send(res, response.status, response.headers, response.body);
  } catch (err) {
    if (!res.headersSent) send(res, 500, { "content-type": "application/json" }, Errors.internal((err as Error).message).status);
    else res.destroy();
  }
}
