// `kubectl port-forward`'s protocol (portforward.k8s.io over SPDY/3.1), the server side, on
// any byte stream: a raw upgraded socket (the SPDY POST) or a WebSocket carrying the SPDY
// frames (the SPDY/3.1+portforward.k8s.io tunnel kubectl 1.32 tries first). For each local
// connection kubectl opens two streams with the same `requestid`: `streamtype: error` (text
// back when the pod's port cannot be reached) and `streamtype: data` (the TCP bytes).
import { once } from "node:events";
import type { Duplex } from "node:stream";
import type { PodPortConnection } from "../../core/api/server.js";
import { spdyServer, type SpdyStream } from "./spdy-server.js";

/** A request whose second stream does not come within this long is dropped (the kubelet waits 30 s too). */
const PAIR_TIMEOUT_MS = 30_000;

export type PortDialer = (port: number) => Promise<PodPortConnection | { error: string }>;

/** Serves port-forward streams on `socket` until it closes; each data stream goes to `dial(port)`. */
export function servePortForward(socket: Duplex, dial: PortDialer, log?: (line: string) => void): void {
  const pending = new Map<string, { error?: SpdyStream; data?: SpdyStream; timer: ReturnType<typeof setTimeout> }>();
  const open = new Set<PodPortConnection>();
  const closeAll = () => {
    for (const p of pending.values()) clearTimeout(p.timer);
    pending.clear();
    for (const c of open) c.destroy();
    open.clear();
  };
  socket.on("close", closeAll);
  spdyServer(socket, (stream) => {
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
  }, log);
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
  // Events, not async iteration: spdy-transport's streams (readable-stream 3) do not end
  // their iterator on the client's FIN.
  let toPod: Promise<void> = Promise.resolve();
  data.on("data", (chunk: Buffer) => {
    data.pause();
    toPod = toPod.then(() => target.write(chunk)).then(() => void data.resume(), () => target.destroy());
  });
  // kubectl's local side closed: EOF to the pod.
  data.once("end", () => (toPod = toPod.then(() => target.close()).catch(() => target.destroy())));
  const fromPod = (async () => {
    for await (const chunk of target.readable) {
      if (!data.write(chunk)) await Promise.race([once(data, "drain"), once(data, "close")]);
    }
  })().catch(() => undefined);
  await fromPod;
  // The pod's side is done: end ours; the TCP connection goes when kubectl drops the stream.
  data.end();
  errorStream.end();
  data.once("close", () => open.delete(target));
}
