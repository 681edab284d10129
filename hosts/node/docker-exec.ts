// Runtime.exec / execStream on Docker: `docker exec` through the engine API (create an exec,
// start it with the connection hijacked, read the multiplexed output, then the exit code
// from the exec's inspection), as dockershim's ExecSync and Exec did.
import { ByteChannel } from "../../bindings/byte-channel.js";
import type { Duplex } from "node:stream";
import type Dockerode from "dockerode";
import type { ExecOptions, ExecResult, ExecStream } from "../../bindings/runtime.js";

/** An exec's inspection may lag the end of its stream by a moment; this long at most. */
const EXIT_CODE_WAIT_MS = 2_000;

/** ExecSync: runs `command` in `containerId`, collects stdout and stderr; a timeout gives exitCode -1. */
export async function dockerExec(docker: Dockerode, containerId: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const tty = options.tty ?? false;
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, AttachStdin: !!options.stdin, Tty: tty });
  const stream = (await exec.start({ hijack: true, stdin: !!options.stdin, Tty: tty })) as Duplex;
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const demux = new Demuxer(tty, (kind, chunk) => (kind === 2 ? stderr : stdout).push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
  if (options.stdin) {
    void (async () => {
      try {
        for await (const chunk of options.stdin!) await write(stream, chunk);
      } finally {
        stream.end(); // EOF for the command (a half-close of the hijacked connection)
      }
    })().catch(() => undefined);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = options.timeoutMs && options.timeoutMs > 0 ? new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), options.timeoutMs))) : null;
  try {
    const outcome = await (timedOut ? Promise.race([ended, timedOut]) : ended);
    if (outcome === "timeout") {
      // The command keeps running in the container (as with the CRI); we stop waiting.
      stream.destroy();
      return { exitCode: -1, stdout: new Uint8Array(), stderr: new Uint8Array(), timedOut: true };
    }
  } finally {
    clearTimeout(timer);
  }
  return { exitCode: await exitCodeOf(exec), stdout: new Uint8Array(Buffer.concat(stdout)), stderr: new Uint8Array(Buffer.concat(stderr)) };
}

/** Exec: the command with its streams attached, for `kubectl exec`. */
export async function dockerExecStream(docker: Dockerode, containerId: string, command: string[], options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, AttachStdin: options.stdin, Tty: options.tty });
  const stream = (await exec.start({ hijack: true, stdin: options.stdin, Tty: options.tty })) as Duplex;
  return streams(stream, options, () => exitCodeOf(exec), (w, h) => exec.resize({ w, h }));
}

/**
 * Attach: the container's own stdin and output (`kubectl attach`, `kubectl run -it`). The
 * container must have been created with a tty / open stdin for those to be there. Ends when
 * the container exits (its exit code) or the client goes (0: the container runs on).
 */
export async function dockerAttach(docker: Dockerode, containerId: string, options: { stdin: boolean; tty: boolean }): Promise<ExecStream> {
  const container = docker.getContainer(containerId);
  const stream = (await container.attach({ stream: true, stdin: options.stdin, stdout: true, stderr: true, hijack: true })) as Duplex;
  const exitCode = async () => {
    const info = await container.inspect().catch(() => undefined);
    return info && !info.State.Running ? info.State.ExitCode : 0;
  };
  return streams(stream, options, exitCode, (w, h) => container.resize({ w, h }));
}

/** A hijacked Docker connection as an ExecStream: stdin written to it, output demultiplexed. */
function streams(stream: Duplex, options: { stdin: boolean; tty: boolean }, exitCodeAfterEnd: () => Promise<number>, resize: (w: number, h: number) => Promise<unknown>): ExecStream {
  const stdout = new ByteChannel();
  const stderr = options.tty ? stdout : new ByteChannel();
  const demux = new Demuxer(options.tty, (kind, chunk) => (kind === 2 ? stderr : stdout).push(new Uint8Array(chunk)));
  const ended = new Promise<void>((resolve) => {
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  const exitCode = ended.then(exitCodeAfterEnd).finally(() => {
    stdout.end();
    stderr.end();
  });
  return {
    ...(options.stdin
      ? {
          stdin: {
            write: (chunk: Uint8Array) => write(stream, chunk),
            close: async () => void stream.end(),
          },
        }
      : {}),
    stdout,
    ...(options.tty ? {} : { stderr }),
    exitCode,
    resize: (cols: number, rows: number) => void resize(cols, rows).catch(() => undefined),
  };
}

function write(stream: Duplex, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => stream.write(Buffer.from(chunk), (err) => (err ? reject(err) : resolve())));
}

async function exitCodeOf(exec: Dockerode.Exec): Promise<number> {
  const deadline = Date.now() + EXIT_CODE_WAIT_MS;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    if (Date.now() > deadline) return -1;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Docker's multiplexed stream (no tty): frames of an 8-byte header — stream (1 stdout,
 * 2 stderr), three zero bytes, payload length (big-endian u32) — then the payload. With a
 * tty the bytes are the terminal's, all stdout.
 */
class Demuxer {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly tty: boolean,
    private readonly emit: (stream: number, chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.emit(1, chunk);
      return;
    }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + size) break;
      const kind = this.buffered[0];
      const payload = this.buffered.subarray(8, 8 + size);
      this.buffered = this.buffered.subarray(8 + size);
      if (payload.length > 0) this.emit(kind, Buffer.from(payload));
    }
  }
}

