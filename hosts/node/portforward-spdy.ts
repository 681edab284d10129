// `kubectl port-forward`'s protocol (portforward.k8s.io over SPDY/3.1), the server side, on
// any byte stream: a raw upgraded socket (the SPDY POST) or a WebSocket carrying the SPDY
// frames (the SPDY/3.1+portforward.k8s.io tunnel kubectl 1.32 tries first). For each local
// connection kubectl opens two streams with the same `requestid`: `streamtype: error` (text
// back when the pod's port cannot be reached) and `streamtype: data` (the TCP bytes).
import { createRequire } from "node:module";
import { once, type EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { PodPortConnection } from "../../core/api/server.js";

/** The part of spdy-transport's API used here (it ships no types). */
interface SpdyStream extends Duplex {
  headers: Record<string, string | undefined>;
  respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
  abort(callback?: () => void): void;
}
interface SpdyConnection extends EventEmitter {
  start(version: number): void;
  end(callback?: () => void): void;
  _spdyState: { parser: { parseKVs(buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void): void } };
}
interface SpdyTransport {
  connection: { create(socket: Duplex, options: { protocol: "spdy"; isServer: boolean; windowSize?: number }): SpdyConnection };
}
const spdy = createRequire(import.meta.url)("spdy-transport") as SpdyTransport;

/** A request whose second stream does not come within this long is dropped (the kubelet waits 30 s too). */
const PAIR_TIMEOUT_MS = 30_000;

export type PortDialer = (port: number) => Promise<PodPortConnection | { error: string }>;

/** Serves port-forward streams on `socket` until it closes; each data stream goes to `dial(port)`. */
export function servePortForward(socket: Duplex, dial: PortDialer, log?: (line: string) => void): void {
  const connection = spdy.connection.create(socket, { protocol: "spdy", isServer: true });
  // Go's SPDY client sends no :method/:path (it is not HTTP), which spdy-transport insists on
  // for SYN_STREAM: supply them for this connection's parser only.
  const parser = connection._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buffer, callback) =>
    parseKVs(buffer, (err, headers) => {
      if (headers) {
        headers[":method"] ??= "POST";
        headers[":path"] ??= "/";
      }
      callback(err, headers);
    });
  connection.start(3.1);

  const pending = new Map<string, { error?: SpdyStream; data?: SpdyStream; timer: ReturnType<typeof setTimeout> }>();
  const open = new Set<PodPortConnection>();
  const closeAll = () => {
    for (const p of pending.values()) clearTimeout(p.timer);
    pending.clear();
    for (const c of open) c.destroy();
    open.clear();
  };
  connection.on("error", (err: Error) => {
    log?.(`port-forward: ${err.message}`);
    socket.destroy();
  });
  socket.on("error", () => undefined);
  socket.on("close", closeAll);

  connection.on("stream", (stream: SpdyStream) => {
    stream.on("error", () => undefined);
    stream.respond(200, {});
    const type = stream.headers["streamtype"];
    const requestId = stream.headers["requestid"] ?? "";
    if (type !== "error" && type !== "data") {
      stream.abort();
      return;
    }
    let pair = pending.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        const p = pending.get(requestId);
        pending.delete(requestId);
        p?.error?.abort();
        p?.data?.abort();
      }, PAIR_TIMEOUT_MS);
      pair = { timer };
      pending.set(requestId, pair);
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pending.delete(requestId);
      void forward(pair.error, pair.data, stream.headers["port"] ?? "", dial, open);
    }
  });
}

async function forward(errorStream: SpdyStream, data: SpdyStream, portHeader: string, dial: PortDialer, open: Set<PodPortConnection>): Promise<void> {
  // kubectl only reads the error stream: drain its (empty) input so the stream can finish.
  errorStream.resume();
  const fail = (message: string) => {
    errorStream.end(message);
    data.end();
  };
  const port = Number(portHeader);
  if (!/^\d+$/.test(portHeader) || port < 1 || port > 65535) return fail(`invalid port: ${JSON.stringify(portHeader)}`);
  const target = await dial(port).catch((err: unknown) => ({ error: (err as Error).message }));
  if ("error" in target) return fail(target.error);
  open.add(target);
  data.once("close", () => target.destroy());
  const toPod = (async () => {
    for await (const chunk of data as AsyncIterable<Buffer>) await target.write(chunk);
    await target.close(); // kubectl's local side closed: EOF to the pod
  })().catch(() => target.destroy());
  const fromPod = (async () => {
    for await (const chunk of target.readable) {
      if (!data.write(chunk)) await Promise.race([once(data, "drain"), once(data, "close")]);
    }
  })().catch(() => undefined);
  await fromPod;
  data.end();
  errorStream.end();
  await toPod;
  open.delete(target);
  target.destroy();
}
