// kubectl exec's older transport (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, and kubectl's
// fallback when the WebSocket handshake fails): v4.channel.k8s.io over SPDY/3.1. One SPDY
// stream per channel, named by its `streamtype` header — error, stdin, stdout, stderr, and
// resize with a tty; stdin's EOF is its half-close; the exit Status is JSON on the error
// stream, the same Status as v5 sends on stream 3 (core/api/remotecommand.ts).
import type { Duplex } from "node:stream";
import type { ExecStream } from "../../bindings/runtime.js";
import { errorStatus, exitStatus, parseResize, type RemoteCommandOptions } from "../../core/api/remotecommand.js";
import { spdyServer, type SpdyStream } from "./spdy-server.js";

/** The remote command protocol versions served over SPDY, best first. */
export const SPDY_EXEC_PROTOCOLS = ["v4.channel.k8s.io"];
/** kubectl opens every stream at once; a session whose streams do not all come is dropped. */
const STREAMS_TIMEOUT_MS = 30_000;

export function serveExecSpdy(socket: Duplex, start: () => Promise<ExecStream | { error: string }>, command: string[], options: RemoteCommandOptions, log?: (line: string) => void): void {
  const wanted = ["error", ...(options.stdin ? ["stdin"] : []), ...(options.stdout ? ["stdout"] : []), ...(options.stderr && !options.tty ? ["stderr"] : []), ...(options.tty ? ["resize"] : [])];
  const streams = new Map<string, SpdyStream>();
  const timer = setTimeout(() => socket.destroy(), STREAMS_TIMEOUT_MS);
  spdyServer(
    socket,
    (stream) => {
      const type = stream.headers["streamtype"] ?? "";
      if (!wanted.includes(type) || streams.has(type)) {
        stream.abort();
        return;
      }
      streams.set(type, stream);
      if (streams.size === wanted.length) {
        clearTimeout(timer);
        void run(streams, start, command, options, socket);
      }
    },
    log,
  );
}

async function run(streams: Map<string, SpdyStream>, start: () => Promise<ExecStream | { error: string }>, command: string[], options: RemoteCommandOptions, socket: Duplex): Promise<void> {
  const error = streams.get("error")!;
  error.resume(); // kubectl writes nothing on it
  const finish = (status: Record<string, unknown>) => {
    error.end(JSON.stringify(status));
    for (const [type, s] of streams) if (type !== "error") s.end();
  };
  const exec = await start().catch((err: unknown) => ({ error: (err as Error).message }));
  if ("error" in exec) return finish(errorStatus(exec.error));
  const stdin = streams.get("stdin");
  if (stdin && exec.stdin) {
    // Events, not async iteration: spdy-transport's streams (readable-stream 3) do not end
    // their iterator on the client's FIN.
    const input = exec.stdin;
    let queue: Promise<void> = Promise.resolve();
    stdin.on("data", (chunk: Buffer) => (queue = queue.then(() => input.write(chunk)).catch(() => undefined)));
    stdin.once("end", () => void queue.then(() => input.close()).catch(() => undefined));
  } else {
    void exec.stdin?.close().catch(() => undefined);
  }
  // A client gone away is EOF for the command, as with the WebSocket protocol.
  socket.once("close", () => void exec.stdin?.close().catch(() => undefined));
  const resize = streams.get("resize");
  if (resize) {
    let pending = "";
    resize.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const end = pending.lastIndexOf("}");
      if (end < 0) return;
      for (const size of parseResize(new TextEncoder().encode(pending.slice(0, end + 1)))) exec.resize?.(size.width, size.height);
      pending = pending.slice(end + 1);
    });
  }
  const pump = async (source: AsyncIterable<Uint8Array> | undefined, target: SpdyStream | undefined) => {
    if (!source) return;
    try {
      for await (const chunk of source) {
        if (target && !target.write(chunk)) await new Promise((r) => target.once("drain", r).once("close", r));
      }
    } catch {
      // The runtime's stream broke: the exit code still comes.
    }
  };
  await Promise.all([pump(exec.stdout, streams.get("stdout")), options.tty ? Promise.resolve() : pump(exec.stderr, streams.get("stderr"))]);
  finish(exitStatus(await exec.exitCode.catch(() => -1), command));
}
