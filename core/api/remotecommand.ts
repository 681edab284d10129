// The remote command protocol behind `kubectl exec` (v5.channel.k8s.io), without a transport:
// every binary message is one stream id byte and a payload. 0 stdin, 1 stdout, 2 stderr,
// 3 the exit Status (JSON), 4 terminal resizes ({"Width","Height"} JSON), 255 "this stream is
// closed" (payload: the stream id; kubectl sends [255, 0] at stdin EOF). It runs over any
// MessageSocket, so the Node host's WebSocket upgrade and a later kubelet server share it.
import type { ExecStream } from "../../bindings/runtime.js";

/** The only subprotocol kubectl 1.32 offers for exec over WebSocket. */
export const V5_CHANNEL_PROTOCOL = "v5.channel.k8s.io";
/** kubectl port-forward's WebSocket subprotocol: SPDY/3.1 frames carried in binary messages. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io";

export const STREAM = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** A message-oriented, ordered, bidirectional connection (a WebSocket, in practice). */
export interface MessageSocket {
  /** Sends one binary message. */
  send(message: Uint8Array): void;
  /** Closes the connection (1000: normal closure). */
  close(code: number): void;
  onMessage(listener: (message: Uint8Array) => void): void;
  /** Called once when the peer or the transport closes the connection. */
  onClose(listener: () => void): void;
}

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  /** Ignored with a tty: the terminal carries both streams on stdout, as the kubelet does. */
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** One message: the stream id, then the payload. */
export function frame(stream: number, payload: Uint8Array): Uint8Array {
  const message = new Uint8Array(payload.length + 1);
  message[0] = stream;
  message.set(payload, 1);
  return message;
}

/** A message's stream id and payload (null for an empty message, which carries nothing). */
export function parseFrame(message: Uint8Array): { stream: number; payload: Uint8Array } | null {
  if (message.length === 0) return null;
  return { stream: message[0], payload: message.subarray(1) };
}

/**
 * The Status the kubelet writes on stream 3 when the command has ended: Success for exit 0,
 * else NonZeroExitCode with the code as an ExitCode cause (kubectl exits with that code and
 * prints "command terminated with exit code N").
 */
export function exitStatus(exitCode: number, command: string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** The Status for a command that could not be run at all (kubectl prints the message). */
export function errorStatus(message: string): Record<string, unknown> {
  return {
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  };
}

/**
 * The sizes in a resize payload. Usually one JSON object; a decoder on the client side may
 * write several back to back, so every complete top-level object counts.
 */
export function parseResize(payload: Uint8Array): TerminalSize[] {
  const text = new TextDecoder().decode(payload);
  const sizes: TerminalSize[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && depth > 0 && --depth === 0) {
      try {
        const o = JSON.parse(text.slice(start, i + 1)) as { Width?: unknown; Height?: unknown };
        if (typeof o.Width === "number" && typeof o.Height === "number") sizes.push({ width: o.Width, height: o.Height });
      } catch {
        // Not JSON: a client bug; the size is ignored, the session goes on.
      }
    }
  }
  return sizes;
}

const encoder = new TextEncoder();

/**
 * Runs one exec session: client messages go to the command's stdin and tty, its output goes
 * back on streams 1 and 2, then the exit Status on stream 3 and a normal close. `exec` is the
 * command once started, or the reason it could not be. Resolves with the exit code (-1 when
 * there was none).
 */
export async function serveRemoteCommand(
  socket: MessageSocket,
  exec: ExecStream | { error: string } | Promise<ExecStream | { error: string }>,
  command: string[],
  options: RemoteCommandOptions,
): Promise<number> {
  let open = true;
  socket.onClose(() => {
    open = false;
  });
  const send = (stream: number, payload: Uint8Array) => {
    if (open) socket.send(frame(stream, payload));
  };
  // Messages may arrive while the command is still starting: they queue behind it, in order.
  let started: ExecStream | null = null;
  let stdinQueue: Promise<void> = Promise.resolve();
  let stdinClosed = false;
  const closeStdin = () => {
    if (stdinClosed) return;
    stdinClosed = true;
    stdinQueue = stdinQueue.then(() => started?.stdin?.close()).catch(() => undefined);
  };
  const ready = Promise.resolve(exec).then(
    (e) => ("error" in e ? null : (started = e)),
    () => null,
  );
  socket.onMessage((message) => {
    const f = parseFrame(message);
    if (!f) return;
    if (f.stream === STREAM.stdin && options.stdin && !stdinClosed) {
      const chunk = f.payload.slice();
      stdinQueue = stdinQueue.then(() => ready).then((e) => e?.stdin?.write(chunk)).catch(() => undefined);
    } else if (f.stream === STREAM.close && f.payload[0] === STREAM.stdin) {
      closeStdin();
    } else if (f.stream === STREAM.resize && options.tty) {
      const sizes = parseResize(f.payload);
      void ready.then((e) => {
        for (const s of sizes) e?.resize?.(s.width, s.height);
      });
    }
  });
  // A client gone away is EOF for the command (the engine cannot kill an exec; a shell ends on EOF).
  socket.onClose(closeStdin);

  const resolved = await Promise.resolve(exec).catch((err: unknown) => ({ error: (err as Error).message }));
  if ("error" in resolved) {
    send(STREAM.error, encoder.encode(JSON.stringify(errorStatus(resolved.error))));
    if (open) socket.close(1000);
    return -1;
  }
  if (!options.stdin) closeStdin();
  const pump = async (source: AsyncIterable<Uint8Array> | undefined, stream: number, wanted: boolean) => {
    if (!source) return;
    try {
      for await (const chunk of source) if (wanted) send(stream, chunk);
    } catch {
      // The runtime's stream broke: what was sent stays sent; the exit code still comes.
    }
  };
  await Promise.all([
    pump(resolved.stdout, STREAM.stdout, options.stdout || options.tty),
    options.tty ? Promise.resolve() : pump(resolved.stderr, STREAM.stderr, options.stderr),
  ]);
  const exitCode = await resolved.exitCode.catch(() => -1);
  send(STREAM.error, encoder.encode(JSON.stringify(exitStatus(exitCode, command))));
  if (open) socket.close(1000);
  return exitCode;
}
