// The API server's side of a kubelet in another process: a NodeConnection that dials the
// node's kubelet server (kubelet-server.ts) at its InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port, as kube-apiserver does for pods/log, exec and
// port-forward. exec arrives as the v5 channel protocol and leaves as an ExecStream, so the
// API server serves kubectl exactly as it does for a kubelet in its own process.
import { Agent, request } from "node:https";
import { WebSocket, type RawData } from "ws";
import type { NodeConnection, PodPortConnection } from "../../core/api/server.js";
import type { KubeObject } from "../../core/controllers/client.js";
import type { ExecStream } from "../../bindings/runtime.js";
import { ByteChannel } from "../../bindings/byte-channel.js";
import { STREAM, V5_CHANNEL_PROTOCOL, frame, parseFrame } from "../../core/api/remotecommand.js";
import { bytes } from "./upgrade.js";

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

    async exec(namespace, pod, container, command, o) {
      const q = new URLSearchParams();
      for (const c of command) q.append("command", c);
      for (const k of ["stdin", "stdout", "stderr", "tty"] as const) if (o[k]) q.set(k, "1");
      return open(`/exec/${[namespace, pod, container].map(encodeURIComponent).join("/")}?${q}`, (ws) => execStream(ws, o.stdin), V5_CHANNEL_PROTOCOL);
    },

    async attach(namespace, pod, container, o) {
      const q = new URLSearchParams();
      for (const k of ["stdin", "stdout", "stderr", "tty"] as const) if (o[k]) q.set(k, "1");
      return open(`/attach/${[namespace, pod, container].map(encodeURIComponent).join("/")}?${q}`, (ws) => execStream(ws, o.stdin), V5_CHANNEL_PROTOCOL);
    },

    async portForward(namespace, pod, forwardPort) {
      return open(`/portForward/${[namespace, pod].map(encodeURIComponent).join("/")}?port=${forwardPort}`, portConnection);
    },
  };

  /**
   * A WebSocket to the kubelet, handed to `attach` once the kubelet has said the session
   * started (or why not). `attach` runs inside that message's event, before any later
   * message can be emitted, so nothing the session sends is missed.
   */
  function open<T>(path: string, attach: (ws: WebSocket) => T, protocol?: string): Promise<T | { error: string }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`wss://${address!.includes(":") ? `[${address}]` : address}:${port}${path}`, protocol ? [protocol] : [], {
        headers: { authorization: `Bearer ${token}` },
        rejectUnauthorized: false,
        handshakeTimeout: 10_000,
      });
      const fail = (why: string) => resolve({ error: `dialing the kubelet of node ${n.metadata?.name} at ${address}:${port}: ${why}` });
      ws.once("error", (err) => fail(err.message));
      ws.once("close", () => fail("closed before the session started"));
      ws.once("message", (data: RawData, isBinary: boolean) => {
        ws.removeAllListeners("close");
        ws.removeAllListeners("error");
        ws.on("error", () => undefined);
        const answer = isBinary ? null : (JSON.parse(String(data)) as { started?: boolean; error?: string });
        if (answer?.started) resolve(attach(ws));
        else {
          ws.close();
          resolve({ error: answer?.error ?? "the kubelet answered with no session" });
        }
      });
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The v5 channel protocol, client side: frames in, an ExecStream out. */
function execStream(ws: WebSocket, withStdin: boolean): ExecStream {
  const stdout = new ByteChannel();
  const stderr = new ByteChannel();
  let settle: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (settle = resolve));
  ws.on("message", (data: RawData) => {
    const f = parseFrame(bytes(data));
    if (!f) return;
    if (f.stream === STREAM.stdout) stdout.push(f.payload.slice());
    else if (f.stream === STREAM.stderr) stderr.push(f.payload.slice());
    else if (f.stream === STREAM.error) settle(exitCodeOf(decoder.decode(f.payload)));
  });
  ws.once("close", () => {
    stdout.end();
    stderr.end();
    settle(-1); // no Status came: the session broke
  });
  const send = (stream: number, payload: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) return resolve();
      ws.send(frame(stream, payload), { binary: true }, (err) => (err ? reject(err) : resolve()));
    });
  return {
    stdout,
    stderr,
    exitCode,
    stdin: withStdin ? { write: (chunk) => send(STREAM.stdin, chunk), close: () => send(STREAM.close, new Uint8Array([STREAM.stdin])) } : undefined,
    resize: (cols, rows) => void send(STREAM.resize, encoder.encode(JSON.stringify({ Width: cols, Height: rows }))).catch(() => undefined),
  };
}

/** The exit code a stream-3 Status carries: 0 for Success, the ExitCode cause otherwise. */
function exitCodeOf(text: string): number {
  try {
    const status = JSON.parse(text) as { status?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (status.status === "Success") return 0;
    const code = Number(status.details?.causes?.find((c) => c.reason === "ExitCode")?.message);
    return Number.isInteger(code) ? code : -1;
  } catch {
    return -1;
  }
}

/** Port-forward bytes over the WebSocket: binary both ways, a text "EOF" half-closes toward the pod. */
function portConnection(ws: WebSocket): PodPortConnection {
  const readable = new ByteChannel();
  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (isBinary) readable.push(bytes(data).slice());
  });
  ws.once("close", () => readable.end());
  const send = (data: Uint8Array | string) =>
    new Promise<void>((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) return reject(new Error("the kubelet connection is closed"));
      ws.send(data, { binary: typeof data !== "string" }, (err) => (err ? reject(err) : resolve()));
    });
  return {
    readable,
    write: (chunk) => send(chunk),
    close: () => send("EOF").catch(() => undefined),
    destroy: () => ws.terminate(),
  };
}
