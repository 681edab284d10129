// kubectl exec's v5.channel.k8s.io protocol (core/api/remotecommand.ts) over an in-memory
// message socket, and the API server's checks before an exec or port-forward upgrade.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { MemoryStorage } from "../../hosts/browser/memory-storage.js";
import { createApiServer } from "../../core/api/index.js";
import type { ApiServer, NodeConnection } from "../../core/api/server.js";
import { ByteChannel } from "../../bindings/byte-channel.js";
import type { ExecStream } from "../../bindings/runtime.js";
import { STREAM, exitStatus, frame, parseFrame, parseResize, serveRemoteCommand, type MessageSocket } from "../../core/api/remotecommand.js";

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Both ends of a message socket: the server's side, and what the "client" sees and sends. */
function socketPair() {
  const sent: Uint8Array[] = [];
  let closedWith: number | null = null;
  const messageListeners: ((m: Uint8Array) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  const socket: MessageSocket = {
    send: (m) => void sent.push(m.slice()),
    close: (code) => {
      closedWith = code;
      for (const l of closeListeners) l();
    },
    onMessage: (l) => void messageListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
  };
  return {
    socket,
    sent,
    closed: () => closedWith,
    clientSends: (stream: number, payload: Uint8Array) => {
      for (const l of messageListeners) l(frame(stream, payload));
    },
    clientCloses: () => {
      for (const l of closeListeners) l();
    },
    /** What arrived on one stream, as text. */
    text: (stream: number) => sent.filter((m) => m[0] === stream).map((m) => decode(m.subarray(1))).join(""),
  };
}

/** An ExecStream whose command is a function of its stdin (as `cat` or `sh -c` would be). */
function fakeExec(options: { tty?: boolean }, run: (stdin: string, out: ByteChannel, err: ByteChannel) => number) {
  const input = new ByteChannel();
  const stdout = new ByteChannel();
  const stderr = options.tty ? stdout : new ByteChannel();
  const resizes: [number, number][] = [];
  let stdinText = "";
  const exitCode = (async () => {
    for await (const c of input) stdinText += decode(c);
    const code = run(stdinText, stdout, stderr);
    stdout.end();
    stderr.end();
    return code;
  })();
  const stream: ExecStream = {
    stdin: { write: async (c) => input.push(c.slice()), close: async () => input.end() },
    stdout,
    ...(options.tty ? {} : { stderr }),
    exitCode,
    resize: (cols, rows) => void resizes.push([cols, rows]),
  };
  return { stream, resizes };
}

describe("v5.channel.k8s.io framing", () => {
  it("a message is the stream id byte, then the payload", () => {
    expect([...frame(1, encode("hi"))]).toEqual([1, 104, 105]);
    expect([...frame(STREAM.close, Uint8Array.of(0))]).toEqual([255, 0]);
    const f = parseFrame(Uint8Array.of(2, 9, 8));
    expect(f?.stream).toBe(2);
    expect([...f!.payload]).toEqual([9, 8]);
    expect(parseFrame(new Uint8Array())).toBeNull();
  });

  it("exit statuses are the kubelet's: Success, or NonZeroExitCode with an ExitCode cause", () => {
    expect(exitStatus(0, ["true"])).toEqual({ metadata: {}, status: "Success" });
    const failed = exitStatus(3, ["sh", "-c", "exit 3"]);
    expect(failed).toMatchObject({ metadata: {}, status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } });
    expect(String(failed.message)).toMatch(/^command terminated with non-zero exit code: /);
    // Field order as Go's encoder writes metav1.Status.
    expect(Object.keys(failed)).toEqual(["metadata", "status", "message", "reason", "details"]);
  });

  it("resize payloads carry capitalised Width and Height, possibly several objects at once", () => {
    expect(parseResize(encode('{"Width":120,"Height":40}'))).toEqual([{ width: 120, height: 40 }]);
    expect(parseResize(encode('{"Width":80,"Height":24}{"Width":100,"Height":30}'))).toEqual([
      { width: 80, height: 24 },
      { width: 100, height: 30 },
    ]);
    expect(parseResize(encode('{"width":1}'))).toEqual([]);
    expect(parseResize(encode("not json"))).toEqual([]);
  });
});

describe("an exec session", () => {
  it("stdin goes in until [255, 0]; stdout and stderr come back, then the Status, then a normal close", async () => {
    const pair = socketPair();
    const { stream } = fakeExec({}, (stdin, out, err) => {
      out.push(encode(stdin.toUpperCase()));
      err.push(encode("warn\n"));
      return 0;
    });
    const done = serveRemoteCommand(pair.socket, stream, ["cat"], { stdin: true, stdout: true, stderr: true, tty: false });
    pair.clientSends(STREAM.stdin, encode("hello "));
    pair.clientSends(STREAM.stdin, encode("world"));
    pair.clientSends(STREAM.close, Uint8Array.of(STREAM.stdin));
    expect(await done).toBe(0);
    expect(pair.text(STREAM.stdout)).toBe("HELLO WORLD");
    expect(pair.text(STREAM.stderr)).toBe("warn\n");
    expect(JSON.parse(pair.text(STREAM.error))).toEqual({ metadata: {}, status: "Success" });
    // The Status is the last message; the close is 1000.
    expect(pair.sent.at(-1)![0]).toBe(STREAM.error);
    expect(pair.closed()).toBe(1000);
  });

  it("a non-zero exit is reported with its code; streams not asked for are not sent", async () => {
    const pair = socketPair();
    const { stream } = fakeExec({}, (_, out, err) => {
      out.push(encode("ignored"));
      err.push(encode("boom\n"));
      return 3;
    });
    const done = serveRemoteCommand(pair.socket, stream, ["sh", "-c", "exit 3"], { stdin: false, stdout: false, stderr: true, tty: false });
    expect(await done).toBe(3);
    expect(pair.text(STREAM.stdout)).toBe("");
    expect(pair.text(STREAM.stderr)).toBe("boom\n");
    const status = JSON.parse(pair.text(STREAM.error));
    expect(status.reason).toBe("NonZeroExitCode");
    expect(status.details.causes).toEqual([{ reason: "ExitCode", message: "3" }]);
  });

  it("with a tty: resizes reach the terminal and nothing is written on stream 2", async () => {
    const pair = socketPair();
    const { stream, resizes } = fakeExec({ tty: true }, (stdin, out) => {
      out.push(encode(`tty:${stdin}`));
      return 0;
    });
    const done = serveRemoteCommand(pair.socket, stream, ["sh"], { stdin: true, stdout: true, stderr: false, tty: true });
    pair.clientSends(STREAM.resize, encode('{"Width":100,"Height":30}'));
    pair.clientSends(STREAM.stdin, encode("ls"));
    pair.clientSends(STREAM.close, Uint8Array.of(STREAM.stdin));
    await done;
    expect(resizes).toEqual([[100, 30]]);
    expect(pair.text(STREAM.stdout)).toBe("tty:ls");
    expect(pair.sent.some((m) => m[0] === STREAM.stderr)).toBe(false);
  });

  it("a command that cannot start is a Failure Status, not a hang", async () => {
    const pair = socketPair();
    const code = await serveRemoteCommand(pair.socket, Promise.resolve({ error: 'container "c" in pod "p" is waiting to start: ContainerCreating' }), ["ls"], {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    expect(code).toBe(-1);
    const status = JSON.parse(pair.text(STREAM.error));
    expect(status).toMatchObject({ status: "Failure", reason: "InternalError", code: 500 });
    expect(status.message).toContain("waiting to start");
    expect(pair.closed()).toBe(1000);
  });

  it("the client going away is EOF for the command", async () => {
    const pair = socketPair();
    const { stream } = fakeExec({}, () => 0);
    const done = serveRemoteCommand(pair.socket, stream, ["cat"], { stdin: true, stdout: true, stderr: true, tty: false });
    pair.clientCloses();
    expect(await done).toBe(0);
    expect(pair.sent).toHaveLength(0);
  });
});

describe("ApiServer.connect: the checks before an upgrade", () => {
  let core: Core;
  let api: ApiServer;
  const admin = { name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };
  const calls: string[] = [];
  const node: NodeConnection = {
    logs: async () => ({ error: "unused" }),
    exec: async (ns, pod, container, command, o) => {
      calls.push(`exec ${ns}/${pod}/${container} ${command.join(" ")} tty=${o.tty} stderr=${o.stderr}`);
      return fakeExec({}, () => 0).stream;
    },
    portForward: async (ns, pod, port) => {
      calls.push(`portforward ${ns}/${pod}:${port}`);
      return { error: "no network here" };
    },
  };
  const connect = (url: string, user = admin) => {
    const u = new URL(url, "https://x");
    return api.connect({ method: "GET", path: u.pathname, query: u.searchParams, headers: {}, user });
  };
  const createPod = async (name: string, containers: string[], extra: { nodeName?: string; phase?: string } = {}) => {
    const body = { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: "busybox" })), ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) } };
    const pods = api.store;
    const { findResource } = await import("../../core/api/resources.js");
    const r = findResource("", "v1", "pods")!;
    await pods.create(r, "default", body as never);
    if (extra.phase) {
      const current = await pods.get(r, "default", name);
      await pods.update(r, "default", name, { ...current, status: { phase: extra.phase } } as never, { subresource: "status" } as never);
    }
  };

  beforeAll(async () => {
    core = await loadCore();
    api = createApiServer({ storage: new MemoryStorage(), core: core as never });
    await api.bootstrap();
    api.registerNode("n1", node);
    await createPod("one", ["main"], { nodeName: "n1", phase: "Running" });
    await createPod("two", ["a", "b"], { nodeName: "n1", phase: "Running" });
    await createPod("unbound", ["main"]);
    await createPod("done", ["main"], { nodeName: "n1", phase: "Succeeded" });
  });

  it("an exec names its command, streams and container; a tty drops stderr", async () => {
    const t = await connect("/api/v1/namespaces/default/pods/one/exec?command=sh&command=-c&command=tty&stdin=true&stdout=true&stderr=true&tty=true");
    if (!("subresource" in t) || t.subresource !== "exec") throw new Error(JSON.stringify(t));
    expect(t.container).toBe("main");
    expect(t.command).toEqual(["sh", "-c", "tty"]);
    expect(t.options).toEqual({ stdin: true, stdout: true, stderr: false, tty: true });
    await t.start();
    expect(calls.at(-1)).toBe("exec default/one/main sh -c tty tty=true stderr=false");
  });

  it("kube-apiserver's errors: missing pod, container required or invalid, no host, completed pod", async () => {
    const error = async (url: string) => {
      const t = await connect(url);
      if ("subresource" in t) throw new Error("expected an error");
      return t as { status: number; body: { reason: string; message: string } };
    };
    const missing = await error("/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true");
    expect([missing.status, missing.body.reason, missing.body.message]).toEqual([404, "NotFound", 'pods "nope" not found']);
    expect((await error("/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true")).body.message).toBe("a container name must be specified for pod two, choose one of: [a b]");
    expect((await error("/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true&container=c")).body.message).toBe("container c is not valid for pod two");
    expect((await error("/api/v1/namespaces/default/pods/unbound/exec?command=ls&stdout=true")).body.message).toBe("pod unbound does not have a host assigned");
    expect((await error("/api/v1/namespaces/default/pods/done/exec?command=ls&stdout=true")).body.message).toBe("cannot exec into a container in a completed pod; current phase is Succeeded");
    expect((await error("/api/v1/namespaces/default/pods/one/exec?command=ls")).body.message).toBe("you must specify at least 1 of stdin, stdout, stderr");
    expect((await error("/api/v1/namespaces/default/pods/one/exec?stdout=true")).status).toBe(400);
    expect((await error("/api/v1/namespaces/default/pods/unbound/portforward")).body.message).toBe("pod unbound does not have a host assigned");
    const unknown = await error("/api/v1/namespaces/default/pods/one/log");
    expect(unknown.status).toBe(400);
    expect((await error("/api/v1/namespaces/default/configmaps")).status).toBe(400);
  });

  it("RBAC: `create` on pods/exec", async () => {
    const t = await connect("/api/v1/namespaces/default/pods/one/exec?command=ls&stdout=true", { name: "alice", groups: ["system:authenticated"] });
    expect(t).toMatchObject({ status: 403 });
    expect((t as { body: { message: string } }).body.message).toBe('pods "one" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"');
  });

  it("a port-forward dials the pod's port through its node", async () => {
    const t = await connect("/api/v1/namespaces/default/pods/one/portforward");
    if (!("subresource" in t) || t.subresource !== "portforward") throw new Error(JSON.stringify(t));
    expect(await t.dial(80)).toEqual({ error: "no network here" });
    expect(calls.at(-1)).toBe("portforward default/one:80");
  });

  it("a plain request for pods/exec is told an upgrade is required", async () => {
    const res = await api.handle({ method: "GET", path: "/api/v1/namespaces/default/pods/one/exec", query: new URLSearchParams("command=ls"), headers: {}, user: admin });
    expect(res).toMatchObject({ status: 400, body: { reason: "BadRequest", message: "Upgrade request required" } });
  });
});
