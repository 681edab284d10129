// kubectl exec and kubectl port-forward end to end: kubectl 1.32 against `kubeling up` with
// its kubelet on the real Docker engine. exec speaks v5.channel.k8s.io over WebSocket (stdin,
// exit codes, -c, a tty with resizes) and v4.channel.k8s.io over SPDY; port-forward speaks SPDY, tunnelled in WebSocket by
// default and as a plain SPDY upgrade with KUBECTL_PORT_FORWARD_WEBSOCKETS=false. Traffic goes
// only to loopback and the containers made here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { CLI, KUBECTL, applierFor, kubectlFor, machineLock, until } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "kubeling-e2e-exec-"));
const dataDir = join(dir, "data");
const port = 21000 + Math.floor(Math.random() * 20000);
const nodeName = `e2e-exec-${process.pid}`;
const PAGE = "hello from kubeling port-forward";
let server: ChildProcess | undefined;
let output = "";

const kubectl = kubectlFor(dataDir, dir);
const apply = applierFor(kubectl, dir);
const env = () => ({ ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: dir });
/** kubectl with stdin and extra environment. */
const kubectlWith = (input: string | undefined, extraEnv: Record<string, string>, ...args: string[]) => {
  const r = spawnSync(KUBECTL, args, { encoding: "utf8", input, env: { ...env(), ...extraEnv }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  server = spawn(process.execPath, [CLI, "up", "--data-dir", dataDir, "--port", String(port), "--node-name", nodeName], { stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));
  await until("kubeling up and its node", () => output.includes(`node ${nodeName}:`) || (server!.exitCode !== null && (() => { throw new Error(output); })()), 60_000);
  expect(
    apply(
      "pods.yaml",
      `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www"]
---
apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: first
    image: busybox
    command: ["sleep", "3600"]
    env: [{name: WHO, value: first}]
  - name: second
    image: busybox
    command: ["sleep", "3600"]
    env: [{name: WHO, value: second}]
`,
    ).code,
  ).toBe(0);
  const ready = kubectl("wait", "--for=condition=Ready", "pod/web", "pod/duo", "--timeout=60s");
  expect(ready.code, ready.err).toBe(0);
}, 700_000);

afterAll(async () => {
  kubectl("delete", "pod", "web", "duo", "--wait=true", "--timeout=30s");
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGINT");
    await exited;
  }
  release();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** A free local port (bound once, then released for kubectl to take). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** kubectl port-forward in the background until the returned stop is called. */
async function portForward(extraEnv: Record<string, string>): Promise<{ local: number; log: () => string; stop: () => Promise<void> }> {
  const local = await freePort();
  const child = spawn(KUBECTL, ["port-forward", "pod/web", `${local}:80`], { env: { ...env(), ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    await until("port-forward listening", () => log.includes(`Forwarding from 127.0.0.1:${local} -> 80`) || (child.exitCode !== null && (() => { throw new Error(log); })()), 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { local, log: () => log, stop };
}

const curl = (local: number) => spawnSync("curl", ["-s", "--max-time", "3", `http://127.0.0.1:${local}/`], { encoding: "utf8", timeout: 10_000 }).stdout;

/** The admin's client certificate from the kubeconfig, for a WebSocket client of our own. */
function adminTls() {
  const text = readFileSync(join(dataDir, "kubeconfig"), "utf8");
  const field = (name: string) => Buffer.from(new RegExp(`${name}: (\\S+)`).exec(text)![1], "base64");
  return { ca: field("certificate-authority-data"), cert: field("client-certificate-data"), key: field("client-key-data") };
}

describe("kubectl exec against kubeling up with a Docker node", () => {
  it("runs a command in the pod: its output comes back (and how long a round trip takes)", () => {
    const started = performance.now();
    const r = kubectl("exec", "web", "--", "cat", "/etc/hostname");
    const ms = performance.now() - started;
    expect(r.err).toBe("");
    expect(r.out.trim()).toBe("web");
    expect(r.code).toBe(0);
    // kubectl's whole run: GET pod, the upgrade, docker exec, the output, the exit status.
    console.log(`kubectl exec round trip: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it("passes stdin through with -i", () => {
    const r = kubectlWith("hi\n", {}, "exec", "-i", "web", "--", "cat");
    expect(r.err).toBe("");
    expect(r.out).toBe("hi\n");
    expect(r.code).toBe(0);
  });

  it("a failing command: kubectl exits with its code and says so", () => {
    const r = kubectl("exec", "web", "--", "sh", "-c", "echo oops >&2; exit 3");
    expect(r.code).toBe(3);
    expect(r.err).toContain("oops\n");
    expect(r.err).toContain("command terminated with exit code 3");
  });

  it("-c chooses the container of a two-container pod; without it kubectl takes the first", () => {
    expect(kubectl("exec", "duo", "-c", "second", "--", "sh", "-c", "echo $WHO").out).toBe("second\n");
    const defaulted = kubectl("exec", "duo", "--", "sh", "-c", "echo $WHO");
    expect(defaulted.out).toBe("first\n");
    expect(defaulted.err).toContain('Defaulted container "first" out of: first, second');
    const wrong = kubectl("exec", "duo", "-c", "third", "--", "true");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("container third is not valid for pod duo");
  });

  it("a missing pod is NotFound", () => {
    const r = kubectl("exec", "nope", "--", "true");
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it("-it gives the command a terminal", () => {
    // script(1) gives kubectl a terminal of its own, as a user's shell would.
    const line = `${KUBECTL} exec -it web -- sh -c 'tty; exit 0'`;
    const r = spawnSync("script", ["-qec", line, "/dev/null"], { encoding: "utf8", env: env(), timeout: 30_000 });
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.status).toBe(0);
  });

  it("falls back to SPDY (v4.channel.k8s.io) with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: output, stdin, exit code, tty", () => {
    const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" };
    const started = performance.now();
    const hostname = kubectlWith(undefined, spdy, "exec", "web", "--", "cat", "/etc/hostname");
    console.log(`kubectl exec round trip over SPDY: ${(performance.now() - started).toFixed(0)} ms`);
    expect([hostname.code, hostname.out, hostname.err]).toEqual([0, "web\n", ""]);
    expect(kubectlWith("hi\n", spdy, "exec", "-i", "web", "--", "cat").out).toBe("hi\n");
    const failed = kubectlWith(undefined, spdy, "exec", "web", "--", "sh", "-c", "echo oops >&2; exit 3");
    expect(failed.code).toBe(3);
    expect(failed.err).toContain("oops\n");
    expect(failed.err).toContain("command terminated with exit code 3");
    const tty = spawnSync("script", ["-qec", `${KUBECTL} exec -it web -- sh -c 'tty; exit 0'`, "/dev/null"], { encoding: "utf8", env: { ...env(), ...spdy }, timeout: 30_000 });
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(tty.status).toBe(0);
  });

  it("the v5 frames on the wire: resize on stream 4, terminal output on 1, the Status on 3", async () => {
    const tls = adminTls();
    const query = new URLSearchParams([
      ["command", "sh"],
      ["command", "-c"],
      ["command", "read line; stty size; exit 4"],
      ["stdin", "true"],
      ["stdout", "true"],
      ["tty", "true"],
    ]);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/namespaces/default/pods/web/exec?${query}`, ["v5.channel.k8s.io"], { ...tls, handshakeTimeout: 10_000 });
    const frames: { stream: number; text: string }[] = [];
    const closed = new Promise<number>((resolve, reject) => {
      ws.on("message", (data: Buffer) => frames.push({ stream: data[0], text: data.subarray(1).toString() }));
      ws.on("close", (code) => resolve(code));
      ws.on("error", reject);
      setTimeout(() => reject(new Error(`no close within 15 s: ${JSON.stringify(frames)}`)), 15_000);
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    expect(ws.protocol).toBe("v5.channel.k8s.io");
    ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":123,"Height":45}')]));
    // The resize is a separate call to the engine; typing comes later, as from a person.
    await new Promise((r) => setTimeout(r, 500));
    ws.send(Buffer.concat([Buffer.of(0), Buffer.from("go\r")]));
    expect(await closed).toBe(1000);
    expect(frames.filter((f) => f.stream === 1).map((f) => f.text).join("")).toContain("45 123");
    expect(frames.some((f) => f.stream === 2)).toBe(false);
    const status = JSON.parse(frames.filter((f) => f.stream === 3).map((f) => f.text).join(""));
    expect(status).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "4" }] } });
    expect(frames.at(-1)!.stream).toBe(3);
  });

  it("an upgrade of anything else is a 400 Status, not a hang", async () => {
    const tls = adminTls();
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`, ["v5.channel.k8s.io"], { ...tls, handshakeTimeout: 10_000 });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.on("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on("open", () => reject(new Error("upgraded")));
      ws.on("error", reject);
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
  });
});

describe("kubectl port-forward against kubeling up with a Docker node", () => {
  for (const [mode, extraEnv] of [
    ["tunnelled in WebSocket (the default)", {}],
    ["as a SPDY upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)", { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }],
  ] as const) {
    it(`forwards a local port to the pod's port 80, ${mode}`, async () => {
      const pf = await portForward(extraEnv);
      try {
        const started = performance.now();
        expect(curl(pf.local).trim()).toBe(PAGE);
        console.log(`port-forward (${mode}): first request ${(performance.now() - started).toFixed(0)} ms`);
        // A second connection over the same forward.
        expect(curl(pf.local).trim()).toBe(PAGE);
        // (curl ran synchronously: kubectl's output is read only now.)
        await until("kubectl's connection line", () => pf.log().includes(`Handling connection for ${pf.local}`), 5_000);
      } finally {
        await pf.stop();
      }
    });
  }

  it("a port nobody listens on: kubectl shows the kubelet's error and stops", async () => {
    const local = await freePort();
    const child = spawn(KUBECTL, ["port-forward", "pod/web", `${local}:81`], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    try {
      await until("port-forward listening", () => log.includes(`-> 81`), 20_000);
      expect(curl(local)).toBe("");
      await until("the forwarding error", () => log.includes("lost connection to pod"), 10_000);
      expect(log).toMatch(/an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod web, uid [-0-9a-f]+: dial tcp4 10\.244\.0\.\d+:81: connect: connection refused/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
