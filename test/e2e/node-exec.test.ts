// kubectl exec and kubectl port-forward end to end: kubectl 1.32 against `kubeling up` with
// its kubelet on the real Docker engine. exec speaks v5.channel.k8s.io over WebSocket (stdin,
// exit codes, -c, a tty with resizes) and v4.channel.k8s.io over SPDY; port-forward speaks SPDY, tunnelled in WebSocket by
// default and as a plain SPDY upgrade with KUBECTL_PORT_FORWARD_WEBSOCKETS=false. Traffic goes
// only to loopback and the containers made here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { KUBECTL, KubelingProcess, curl, kubectlEnv, machineLock, spawnKubectl, suiteWorkspace, until, type BackgroundProcess } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("exec");
const nodeName = `e2e-exec-${process.pid}`;
const PAGE = "hello from kubeling port-forward";
let server: KubelingProcess | undefined;

const env = () => kubectlEnv(dataDir, dir);
/** kubectl with stdin and extra environment. */
const kubectlWith = (input: string | undefined, extraEnv: Record<string, string>, ...args: string[]) => {
  const r = spawnSync(KUBECTL, args, { encoding: "utf8", input, env: { ...env(), ...extraEnv }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  server = new KubelingProcess(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", nodeName]);
  await server.waitFor(`node ${nodeName}:`, "kubeling up and its node");
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
  await server?.stop("SIGINT");
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

/** kubectl port-forward in the background, listening, until its stop is called. */
async function portForward(extraEnv: Record<string, string>): Promise<{ local: number; pf: BackgroundProcess }> {
  const local = await freePort();
  const pf = spawnKubectl(dataDir, dir, ["port-forward", "pod/web", `${local}:80`], extraEnv);
  try {
    await pf.waitFor(`Forwarding from 127.0.0.1:${local} -> 80`, "port-forward listening", 20_000);
  } catch (err) {
    await pf.stop("SIGTERM", 5_000);
    throw err;
  }
  return { local, pf };
}

/** A GET through the forwarded local port. */
const curlLocal = (local: number) => curl(`http://127.0.0.1:${local}/`);

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
      const { local, pf } = await portForward(extraEnv);
      try {
        const started = performance.now();
        expect(curlLocal(local).trim()).toBe(PAGE);
        console.log(`port-forward (${mode}): first request ${(performance.now() - started).toFixed(0)} ms`);
        // A second connection over the same forward.
        expect(curlLocal(local).trim()).toBe(PAGE);
        // (curl ran synchronously: kubectl's output is read only now.)
        await until("kubectl's connection line", () => pf.output.includes(`Handling connection for ${local}`), 5_000);
      } finally {
        await pf.stop("SIGTERM", 5_000);
      }
    });
  }

  it("a port nobody listens on: kubectl shows the kubelet's error and stops", async () => {
    const local = await freePort();
    const pf = spawnKubectl(dataDir, dir, ["port-forward", "pod/web", `${local}:81`]);
    try {
      await until("port-forward listening", () => pf.output.includes(`-> 81`), 20_000);
      expect(curlLocal(local)).toBe("");
      // (kubectl stops after the error: read its output, whether or not it has exited.)
      await until("the forwarding error", () => pf.output.includes("lost connection to pod"), 10_000);
      expect(pf.output).toMatch(/an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod web, uid [-0-9a-f]+: dial tcp4 10\.244\.0\.\d+:81: connect: connection refused/);
    } finally {
      await pf.stop("SIGTERM", 5_000);
    }
  });
});

describe("kubectl attach and kubectl run -i against kubeling up with a Docker node", () => {
  it("kubectl run -i --rm: stdin reaches the container's own stdin, its output comes back, the pod is removed", () => {
    // kubectl creates the pod with stdin (and stdinOnce), waits for it to run, attaches (pods/attach, v5), then deletes it.
    const r = kubectlWith("from the terminal\n", {}, "run", "reader", "--image=busybox", "--restart=Never", "-i", "--rm", "--quiet", "--", "sh", "-c", "read line; echo got: $line");
    expect(r.err).not.toContain("error");
    expect(r.out).toContain("got: from the terminal");
    expect(r.code).toBe(0);
    expect(kubectl("get", "pod", "reader").err).toContain('pods "reader" not found');
  });

  it("kubectl attach follows a running container's output from then on", async () => {
    expect(
      apply(
        "ticker.yaml",
        `apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: tick, image: busybox, command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"]}
`,
      ).code,
    ).toBe(0);
    expect(kubectl("wait", "--for=condition=Ready", "pod/ticker", "--timeout=60s").code).toBe(0);
    const attached = spawnKubectl(dataDir, dir, ["attach", "ticker"]);
    try {
      const first = await until("a first tick", () => /tick (\d+)/.exec(attached.stdout)?.[1], 15_000);
      // Attach shows what comes after it joined, not the log so far.
      expect(Number(first)).toBeGreaterThan(1);
      await until("two more ticks", () => attached.stdout.includes(`tick ${Number(first) + 2}\n`), 15_000);
    } finally {
      await attached.stop("SIGTERM", 5_000);
    }
    kubectl("delete", "pod", "ticker", "--grace-period=0", "--force");
  });

  it("refuses to attach to a completed pod (kubectl checks first; the API server says the same)", async () => {
    expect(kubectl("run", "done", "--image=busybox", "--restart=Never", "--", "true").code).toBe(0);
    await until("done Succeeded", () => kubectl("get", "pod", "done", "-o", "jsonpath={.status.phase}").out === "Succeeded", 30_000);
    const r = kubectl("attach", "done");
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("cannot attach a container in a completed pod; current phase is Succeeded");
    kubectl("delete", "pod", "done", "--grace-period=0", "--force");
  });
});
