// The server end of a SPDY/3.1 connection as Kubernetes' streaming protocols use it (Go's
// spdystream: kubectl port-forward, and kubectl exec's fallback), on spdy-transport.
import { createRequire } from "node:module";
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";

/** The part of spdy-transport's API used here (it ships no types). */
export interface SpdyStream extends Duplex {
  headers: Record<string, string | undefined>;
  respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
  abort(callback?: () => void): void;
}
interface SpdyConnection extends EventEmitter {
  start(version: number): void;
  _spdyState: { parser: { parseKVs(buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void): void } };
}
interface SpdyTransport {
  connection: { create(socket: Duplex, options: { protocol: "spdy"; isServer: boolean }): SpdyConnection };
}
const spdy = createRequire(import.meta.url)("spdy-transport") as SpdyTransport;

/**
 * Serves SPDY/3.1 on `socket`: every stream the client opens is accepted (Go's client waits
 * for the SYN_REPLY) and handed to `onStream` with its headers (lower-case names). A broken
 * connection destroys the socket.
 */
export function spdyServer(socket: Duplex, onStream: (stream: SpdyStream) => void, log?: (line: string) => void): void {
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
  connection.on("error", (err: Error) => {
    log?.(`spdy: ${err.message}`);
    socket.destroy();
  });
  socket.on("error", () => undefined);
  connection.on("stream", (stream: SpdyStream) => {
    stream.on("error", () => undefined);
    stream.respond(200, {});
    onStream(stream);
  });
}
