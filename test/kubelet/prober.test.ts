// The prober (core/kubelet/prober.ts) in a real Kubelet against an in-process API server,
// on the simulated runtime and virtual time: readiness and the Ready condition, thresholds,
// initialDelaySeconds, startup gating, liveness restarts, exec probes through the simulated
// exec, httpGet/tcpSocket/grpc through a fake transport, and the simulated transport's annotation.
import { afterEach, describe, expect, it } from "vitest";
import { startControlPlane, type Harness } from "../controllers/harness.js";
import { Kubelet, type KubeletOptions } from "../../dist/core/kubelet/kubelet.js";
import { SimulatedRuntime } from "../../dist/hosts/browser/simulated-runtime.js";
import { simulatedProbeTransport, type GrpcHealthAnswer, type ProbeTarget, type ProbeTransport } from "../../dist/core/kubelet/probe-transport.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";

const START = Date.UTC(2026, 0, 1);

interface Setup {
  h: Harness;
  clock: VirtualClock;
  kubelet: Kubelet;
  runtime: SimulatedRuntime;
}

let current: Setup | null = null;

afterEach(async () => {
  current?.kubelet.stop();
  await current?.h.stop();
  current = null;
});

async function setup(options: Partial<KubeletOptions> = {}): Promise<Setup> {
  const clock = new VirtualClock(START);
  const h = await startControlPlane([], { clock });
  const runtime = new SimulatedRuntime({ clock, podCIDR: "10.244.1.0/24" });
  const kubelet = new Kubelet({ nodeName: "node-1", client: h.client.as("kubelet"), runtime, clock, address: "172.18.0.5", podCIDR: "10.244.1.0/24", ...options });
  await kubelet.start();
  current = { h, clock, kubelet, runtime };
  return current;
}

async function settle(s: Setup, rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await s.clock.advance(0);
}

async function advance(s: Setup, ms: number, step = 500): Promise<void> {
  for (let left = ms; left > 0; left -= step) await s.clock.advance(Math.min(step, left));
  await settle(s);
}

async function createPod(s: Setup, name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  await s.h.client.create(R.pods, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...metadata },
    spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox", ...container }], ...spec },
  });
  await settle(s);
}

const getPod = (s: Setup, name: string) => s.h.client.get(R.pods, "default", name) as Promise<KubeObject & { status: any }>;
const cond = (status: any, type: string) => status.conditions.find((c: any) => c.type === type)?.status;
const cs = (status: any, name = "c") => status.containerStatuses.find((c: any) => c.name === name);

async function events(s: Setup, name: string): Promise<string[]> {
  const list = await s.h.client.list(R.events, "default");
  return list.items.filter((e) => (e.involvedObject as { name: string }).name === name).map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

/** Runs a command in the pod's running container c (a test poking the container). */
async function execIn(s: Setup, command: string[]): Promise<number> {
  const c = (await s.runtime.listContainers()).find((x) => x.name === "c" && x.state === "running")!;
  return (await s.runtime.exec(c.id, command)).exitCode;
}

/** A transport whose answers the test sets, recording the calls. */
function fakeTransport() {
  const calls: { kind: string; url?: string; host?: string; port?: number; service?: string; timeoutMs?: number; headers?: Record<string, string>; type: string }[] = [];
  const t = {
    status: 200 as number | Error,
    tcp: true as boolean | Error,
    grpc: { kind: "response", status: 1 } as GrpcHealthAnswer,
    byType: {} as Record<string, number | Error>,
    calls,
    transport: {
      async http(url: string, headers: Record<string, string>, _timeoutMs: number, target?: ProbeTarget) {
        calls.push({ kind: "http", url, headers, type: target!.probeType });
        const answer = t.byType[target!.probeType] ?? t.status;
        return answer instanceof Error ? answer : { status: answer };
      },
      async tcp(host: string, port: number, _timeoutMs: number, target?: ProbeTarget) {
        calls.push({ kind: "tcp", host, port, type: target!.probeType });
        return t.tcp;
      },
      async grpc(host: string, port: number, service: string, timeoutMs: number, target?: ProbeTarget) {
        calls.push({ kind: "grpc", host, port, service, timeoutMs, type: target!.probeType });
        return t.grpc;
      },
    } satisfies ProbeTransport,
  };
  return t;
}

describe("Prober: readiness", () => {
  it("an exec readiness probe decides the Ready condition and the container's ready; failureThreshold failures flip it", async () => {
    const s = await setup();
    await createPod(s, "web", {
      command: ["sh", "-c", "touch /tmp/ready; sleep 3600"],
      readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 5, failureThreshold: 2 },
    });
    let pod = await getPod(s, "web");
    expect(pod.status.phase).toBe("Running");
    expect(cond(pod.status, "Ready")).toBe("True");
    expect(cs(pod.status)).toMatchObject({ ready: true, started: true });

    expect(await execIn(s, ["rm", "/tmp/ready"])).toBe(0);
    await advance(s, 5000);
    // One failure is below failureThreshold: still ready.
    expect(cond((await getPod(s, "web")).status, "Ready")).toBe("True");
    await advance(s, 5000);
    pod = await getPod(s, "web");
    expect(cond(pod.status, "Ready")).toBe("False");
    expect(cond(pod.status, "ContainersReady")).toBe("False");
    expect(pod.status.conditions.find((c: any) => c.type === "Ready").reason).toBe("ContainersNotReady");
    expect(cs(pod.status)).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect(await events(s, "web")).toContain("Warning Unhealthy: Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory\n");

    await execIn(s, ["touch", "/tmp/ready"]);
    await advance(s, 5000);
    expect(cond((await getPod(s, "web")).status, "Ready")).toBe("True");
  });

  it("starts not ready until the first success, and needs successThreshold successes in a row", async () => {
    const f = fakeTransport();
    f.status = 503;
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "web", {
      ports: [{ name: "http", containerPort: 8080 }],
      readinessProbe: { httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-Probe", value: "yes" }] }, periodSeconds: 10, successThreshold: 2, failureThreshold: 1 },
    });
    let pod = await getPod(s, "web");
    expect(pod.status.phase).toBe("Running");
    expect(cs(pod.status).ready).toBe(false);
    expect(cond(pod.status, "Ready")).toBe("False");
    expect(f.calls[0]).toMatchObject({ kind: "http", url: `http://${pod.status.podIP}:8080/healthz`, type: "readiness" });
    expect(f.calls[0].headers).toMatchObject({ "X-Probe": "yes", Accept: "*/*" });
    expect(f.calls[0].headers!["User-Agent"]).toMatch(/^kube-probe\//);
    expect(await events(s, "web")).toContain("Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503");

    f.status = 200;
    await advance(s, 10_000);
    expect(cs((await getPod(s, "web")).status).ready).toBe(false); // one success of two
    await advance(s, 10_000);
    pod = await getPod(s, "web");
    expect(cs(pod.status).ready).toBe(true);
    expect(cond(pod.status, "Ready")).toBe("True");
  });

  it("waits initialDelaySeconds after the container started before probing", async () => {
    const f = fakeTransport();
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "web", { readinessProbe: { tcpSocket: { port: 5432 }, initialDelaySeconds: 20, periodSeconds: 5 } });
    await advance(s, 15_000);
    expect(f.calls).toEqual([]);
    expect(cs((await getPod(s, "web")).status).ready).toBe(false);
    await advance(s, 6_000);
    const pod = await getPod(s, "web");
    expect(f.calls[0]).toMatchObject({ kind: "tcp", host: pod.status.podIP, port: 5432 });
    expect(cs(pod.status).ready).toBe(true);
  });
});

describe("Prober: startup and liveness", () => {
  it("a startup probe holds back started, readiness and liveness until it succeeds", async () => {
    const f = fakeTransport();
    f.byType.startup = 500;
    const s = await setup({ probeTransport: f.transport });
    const probe = { httpGet: { path: "/", port: 80 }, periodSeconds: 5 };
    await createPod(s, "web", {
      startupProbe: { ...probe, failureThreshold: 30 },
      readinessProbe: probe,
      livenessProbe: probe,
    });
    await advance(s, 20_000);
    let pod = await getPod(s, "web");
    expect(cs(pod.status)).toMatchObject({ started: false, ready: false });
    expect(f.calls.length).toBeGreaterThan(0);
    expect(f.calls.every((c) => c.type === "startup")).toBe(true);

    f.byType.startup = 200;
    await advance(s, 5_000);
    await advance(s, 5_000);
    pod = await getPod(s, "web");
    expect(cs(pod.status)).toMatchObject({ started: true, ready: true });
    expect(new Set(f.calls.map((c) => c.type))).toEqual(new Set(["startup", "readiness", "liveness"]));
  });

  it("a startup probe past its failureThreshold gets the container killed and restarted", async () => {
    const f = fakeTransport();
    f.status = new Error("dial tcp 10.244.1.2:80: connect: connection refused");
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "web", { startupProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5, failureThreshold: 3 } }, { terminationGracePeriodSeconds: 1 });
    await advance(s, 16_000);
    const pod = await getPod(s, "web");
    expect(cs(pod.status).restartCount).toBe(1);
    const ev = await events(s, "web");
    expect(ev).toContain(`Warning Unhealthy: Startup probe failed: Get "http://${pod.status.podIP}:80/": dial tcp 10.244.1.2:80: connect: connection refused`);
    expect(ev).toContain("Normal Killing: Container c failed startup probe, will be restarted");
  });

  it("a failing exec liveness probe gets the container killed and restarted (RESTARTS 1, events)", async () => {
    const s = await setup();
    await createPod(
      s,
      "live",
      {
        command: ["sh", "-c", "touch /tmp/alive; sleep 3600"],
        livenessProbe: { exec: { command: ["cat", "/tmp/alive"] }, periodSeconds: 5, failureThreshold: 2 },
      },
      { terminationGracePeriodSeconds: 1 },
    );
    await advance(s, 12_000);
    expect(cs((await getPod(s, "live")).status).restartCount).toBe(0);

    await execIn(s, ["rm", "/tmp/alive"]);
    await advance(s, 5_000);
    expect(cs((await getPod(s, "live")).status).restartCount).toBe(0); // one failure of two
    await advance(s, 5_000);
    const pod = await getPod(s, "live");
    const c = cs(pod.status);
    expect(c.restartCount).toBe(1);
    expect(c.state.running).toBeDefined();
    expect(c.lastState.terminated).toMatchObject({ exitCode: 143, reason: "Error" });
    const ev = await events(s, "live");
    expect(ev).toContain("Warning Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory\n");
    expect(ev).toContain("Normal Killing: Container c failed liveness probe, will be restarted");

    // The new container has its file again: it stays up.
    await advance(s, 30_000);
    expect(cs((await getPod(s, "live")).status).restartCount).toBe(1);
  });

  it("with restartPolicy Never a liveness failure ends the pod", async () => {
    const f = fakeTransport();
    f.tcp = new Error("dial tcp 10.244.1.2:5432: connect: connection refused");
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "once", { livenessProbe: { tcpSocket: { port: 5432 }, periodSeconds: 5, failureThreshold: 1 } }, { restartPolicy: "Never", terminationGracePeriodSeconds: 1 });
    await advance(s, 6_000);
    const pod = await getPod(s, "once");
    expect(pod.status.phase).toBe("Failed");
    expect(cs(pod.status).restartCount).toBe(0);
    const ev = await events(s, "once");
    expect(ev).toContain("Warning Unhealthy: Liveness probe failed: dial tcp 10.244.1.2:5432: connect: connection refused");
    expect(ev).toContain("Normal Killing: Container c failed liveness probe");
  });
});

describe("Prober: gRPC", () => {
  const NOT_SERVING: GrpcHealthAnswer = { kind: "response", status: 2 };

  it("a grpc readiness probe: SERVING is ready, failureThreshold NOT_SERVING answers make it not ready", async () => {
    const f = fakeTransport();
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "rpc", { readinessProbe: { grpc: { port: 50051, service: "health" }, periodSeconds: 5, failureThreshold: 2 } });
    let pod = await getPod(s, "rpc");
    expect(cs(pod.status).ready).toBe(true);
    expect(cond(pod.status, "Ready")).toBe("True");
    expect(f.calls[0]).toEqual({ kind: "grpc", host: pod.status.podIP, port: 50051, service: "health", timeoutMs: 1000, type: "readiness" });

    f.grpc = NOT_SERVING;
    await advance(s, 5_000);
    expect(cs((await getPod(s, "rpc")).status).ready).toBe(true); // one failure of two
    await advance(s, 5_000);
    pod = await getPod(s, "rpc");
    expect(cs(pod.status)).toMatchObject({ ready: false, restartCount: 0 });
    expect(cond(pod.status, "Ready")).toBe("False");
    expect(await events(s, "rpc")).toContain('Warning Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');

    f.grpc = { kind: "response", status: 1 };
    await advance(s, 5_000);
    expect(cs((await getPod(s, "rpc")).status).ready).toBe(true);
  });

  it("without service the empty name is checked; RPC errors and timeouts fail in the kubelet's words", async () => {
    const f = fakeTransport();
    f.grpc = { kind: "rpcError", code: 5, message: "unknown service" };
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "rpc", { readinessProbe: { grpc: { port: 9090 }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 1 } });
    const pod = await getPod(s, "rpc");
    expect(f.calls[0]).toMatchObject({ kind: "grpc", port: 9090, service: "", timeoutMs: 3000 });
    expect(cs(pod.status).ready).toBe(false);

    const answers: [GrpcHealthAnswer, string][] = [
      [{ kind: "response", status: 3 }, 'service unhealthy (responded with "SERVICE_UNKNOWN")'],
      [{ kind: "response", status: 0 }, 'service unhealthy (responded with "UNKNOWN")'],
      [{ kind: "rpcError", code: 4, message: "context deadline exceeded" }, "timeout: health rpc did not complete within 3s"],
      [{ kind: "rpcError", code: 12, message: "unknown service grpc.health.v1.Health" }, "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"],
      [{ kind: "rpcError", code: 14, message: "error reading from server: EOF" }, "error: health rpc probe failed: rpc error: code = Unavailable desc = error reading from server: EOF"],
      [{ kind: "connectTimeout" }, `timeout: failed to connect service "${pod.status.podIP}:9090" within 3s: context deadline exceeded`],
    ];
    for (const [answer] of answers) {
      f.grpc = answer;
      await advance(s, 5_000);
    }
    const ev = await events(s, "rpc");
    expect(ev).toContain("Warning Unhealthy: Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service");
    for (const [, message] of answers) expect(ev).toContain(`Warning Unhealthy: Readiness probe failed: ${message}`);
    expect(cs((await getPod(s, "rpc")).status).ready).toBe(false);
  });

  it("a grpc liveness probe that cannot connect gets the container killed and restarted", async () => {
    const f = fakeTransport();
    f.grpc = { kind: "connectTimeout" };
    const s = await setup({ probeTransport: f.transport });
    await createPod(s, "rpc", { livenessProbe: { grpc: { port: 50051 }, periodSeconds: 5, failureThreshold: 2 } }, { terminationGracePeriodSeconds: 1 });
    await advance(s, 4_000);
    expect(cs((await getPod(s, "rpc")).status).restartCount).toBe(0); // one failure of two
    await advance(s, 7_000);
    const pod = await getPod(s, "rpc");
    expect(cs(pod.status).restartCount).toBe(1);
    const ev = await events(s, "rpc");
    expect(ev).toContain(`Warning Unhealthy: Liveness probe failed: timeout: failed to connect service "${pod.status.podIP}:50051" within 1s: context deadline exceeded`);
    expect(ev).toContain("Normal Killing: Container c failed liveness probe, will be restarted");

    // SERVING from the new container: it stays up.
    f.grpc = { kind: "response", status: 1 };
    await advance(s, 30_000);
    expect(cs((await getPod(s, "rpc")).status).restartCount).toBe(1);
  });

  it("a grpc startup probe gates readiness until SERVING", async () => {
    const f = fakeTransport();
    f.grpc = NOT_SERVING;
    const s = await setup({ probeTransport: f.transport });
    const probe = { grpc: { port: 50051 }, periodSeconds: 5 };
    await createPod(s, "rpc", { startupProbe: { ...probe, failureThreshold: 30 }, readinessProbe: probe });
    await advance(s, 10_000);
    expect(cs((await getPod(s, "rpc")).status)).toMatchObject({ started: false, ready: false });
    expect(f.calls.every((c) => c.type === "startup")).toBe(true);
    expect(await events(s, "rpc")).toContain('Warning Unhealthy: Startup probe failed: service unhealthy (responded with "NOT_SERVING")');

    f.grpc = { kind: "response", status: 1 };
    await advance(s, 5_000);
    await advance(s, 5_000);
    expect(cs((await getPod(s, "rpc")).status)).toMatchObject({ started: true, ready: true });
    expect(new Set(f.calls.map((c) => c.type))).toEqual(new Set(["startup", "readiness"]));
  });

  it("the simulated transport answers NOT_SERVING for a container kubeling.io/simulate-probe-fail names", async () => {
    const s = await setup({ probeTransport: simulatedProbeTransport() });
    const probe = { readinessProbe: { grpc: { port: 50051 }, periodSeconds: 5 } };
    await createPod(s, "ok", probe);
    await createPod(s, "bad", probe, {}, { annotations: { "kubeling.io/simulate-probe-fail": "c/readiness" } });
    await advance(s, 1000);
    expect(cs((await getPod(s, "ok")).status).ready).toBe(true);
    expect(cs((await getPod(s, "bad")).status).ready).toBe(false);
    expect(await events(s, "bad")).toContain('Warning Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
  });

  it("a host without a network, or a transport without grpc, fails grpc probes saying why", async () => {
    const s = await setup();
    await createPod(s, "none", { readinessProbe: { grpc: { port: 50051 }, periodSeconds: 5 } });
    expect(cs((await getPod(s, "none")).status).ready).toBe(false);
    expect((await events(s, "none")).some((e) => e.includes("Readiness probe failed: error: failed to connect service at") && e.includes("no ProbeTransport"))).toBe(true);
    s.kubelet.stop();
    await s.h.stop();
    current = null;

    const { grpc: _omitted, ...httpOnly } = fakeTransport().transport;
    const s2 = await setup({ probeTransport: httpOnly });
    await createPod(s2, "old", { readinessProbe: { grpc: { port: 50051 }, periodSeconds: 5 } });
    expect(cs((await getPod(s2, "old")).status).ready).toBe(false);
    expect((await events(s2, "old")).some((e) => e.includes("Readiness probe failed:") && e.includes("has no grpc"))).toBe(true);
  });
});

describe("Prober: hosts", () => {
  it("without a transport, network probes fail saying why", async () => {
    const s = await setup();
    await createPod(s, "web", { readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5 } });
    expect(cs((await getPod(s, "web")).status).ready).toBe(false);
    expect((await events(s, "web")).some((e) => e.includes("Readiness probe failed:") && e.includes("no ProbeTransport"))).toBe(true);
  });

  it("the simulated transport passes probes unless kubeling.io/simulate-probe-fail names the container", async () => {
    const s = await setup({ probeTransport: simulatedProbeTransport() });
    const probe = { readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5 } };
    await createPod(s, "ok", probe);
    await createPod(s, "bad", probe, {}, { annotations: { "kubeling.io/simulate-probe-fail": "c/readiness" } });
    await advance(s, 1000);
    expect(cs((await getPod(s, "ok")).status).ready).toBe(true);
    expect(cs((await getPod(s, "bad")).status).ready).toBe(false);
    expect(await events(s, "bad")).toContain("Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500");
  });

  it("the simulated runtime fails exec probes of a container the annotation names", async () => {
    const s = await setup();
    await createPod(s, "bad", { readinessProbe: { exec: { command: ["true"] }, periodSeconds: 5 } }, {}, { annotations: { "kubeling.io/simulate-probe-fail": "c" } });
    await advance(s, 1000);
    expect(cs((await getPod(s, "bad")).status).ready).toBe(false);
  });

  it("fixed probe results (the probes option) still replace the prober", async () => {
    const f = fakeTransport();
    const s = await setup({ probes: { ready: () => false }, probeTransport: f.transport });
    await createPod(s, "web", { readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5 } });
    await advance(s, 10_000);
    expect(f.calls).toEqual([]);
    expect(cs((await getPod(s, "web")).status).ready).toBe(false);
  });
});
