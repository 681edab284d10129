// The simulated runtime: the shared Runtime contract, then what only the simulation does —
// IPs from the pod CIDR, the image set and anyImage, delays on virtual time, and container
// behaviour from commands and kubeling.io/simulate-* annotations.
import { describe, expect, it } from "vitest";
import { runtimeContract } from "./contract.js";
import { SimulatedRuntime, commandPlan, normalizeImage } from "../../dist/hosts/browser/simulated-runtime.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import type { PodSandboxConfig } from "../../dist/bindings/runtime.js";

runtimeContract("simulated", { make: async () => new SimulatedRuntime(), image: "busybox" });

const flush = () => new Promise((r) => setTimeout(r, 0));

function pod(annotations: Record<string, string> = {}, owners: PodSandboxConfig["ownerReferences"] = []): PodSandboxConfig {
  return { uid: "u", namespace: "default", name: "p", hostname: "p", labels: {}, annotations, ownerReferences: owners };
}

/** Runs one container of `command` in a pod with `annotations`; returns how it looks after `ms`. */
async function runFor(ms: number, command: string[] | undefined, annotations: Record<string, string> = {}, owners: PodSandboxConfig["ownerReferences"] = []) {
  const clock = new VirtualClock();
  const rt = new SimulatedRuntime({ clock });
  const { sandboxId } = await rt.runSandbox(pod(annotations, owners));
  const id = await rt.createContainer(sandboxId, { name: "c", image: "busybox", ...(command ? { command } : {}) });
  await rt.startContainer(id);
  await clock.advance(ms);
  return (await rt.listContainers({ sandboxId }))[0];
}

describe("SimulatedRuntime", () => {
  it("hands out sandbox IPs from the pod CIDR, skipping the gateway, and reuses freed ones", async () => {
    const rt = new SimulatedRuntime({ podCIDR: "10.244.7.0/29" });
    const ips: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await rt.runSandbox({ ...pod(), uid: `u${i}` });
      ips.push(s.ip);
      ids.push(s.sandboxId);
    }
    expect(ips).toEqual(["10.244.7.2", "10.244.7.3", "10.244.7.4", "10.244.7.5", "10.244.7.6"]);
    await expect(rt.runSandbox(pod())).rejects.toThrow(/no IP addresses available/);
    await rt.removeSandbox(ids[1]);
    expect((await rt.runSandbox(pod())).ip).toBe("10.244.7.3");
  });

  it("knows busybox and pause by default; with anyImage false, others cannot be pulled or used", async () => {
    const rt = new SimulatedRuntime({ anyImage: false });
    expect(await rt.hasImage("busybox")).toBe(true);
    expect(await rt.hasImage("docker.io/library/busybox:latest")).toBe(true);
    expect(await rt.hasImage("pause")).toBe(true);
    expect(await rt.hasImage("nginx:1.27")).toBe(false);
    await expect(rt.pullImage("nginx:1.27")).rejects.toThrow(
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.27": failed to resolve reference "docker.io/library/nginx:1.27": docker.io/library/nginx:1.27: not found',
    );
    const { sandboxId } = await rt.runSandbox(pod());
    await expect(rt.createContainer(sandboxId, { name: "c", image: "nginx:1.27" })).rejects.toThrow(/not found/);
    rt.addImage("nginx:1.27");
    expect(await rt.hasImage("nginx:1.27")).toBe(true);
  });

  it("with anyImage (the default) every image is present, and used images are listed with digests", async () => {
    const rt = new SimulatedRuntime();
    expect(await rt.hasImage("registry.example.com/team/app:v2")).toBe(true);
    const { sandboxId } = await rt.runSandbox(pod());
    await rt.createContainer(sandboxId, { name: "c", image: "registry.example.com/team/app:v2" });
    const images = await rt.listImages();
    const app = images.find((i) => i.names.includes("registry.example.com/team/app:v2"))!;
    expect(app.names[0]).toMatch(/^registry\.example\.com\/team\/app@sha256:[0-9a-f]{64}$/);
  });

  it("normalizes image names as containerd does", () => {
    expect(normalizeImage("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeImage("nginx:1.27")).toBe("docker.io/library/nginx:1.27");
    expect(normalizeImage("bitnami/redis")).toBe("docker.io/bitnami/redis:latest");
    expect(normalizeImage("registry.k8s.io/pause:3.10")).toBe("registry.k8s.io/pause:3.10");
    expect(normalizeImage("localhost:5000/app")).toBe("localhost:5000/app:latest");
  });

  it("understands the commands of short-lived containers", () => {
    const cases: [string[], number | null, number][] = [
      [["true"], 0, 0],
      [["/bin/true"], 0, 0],
      [["sh", "-c", "true"], 0, 0],
      [["sh", "-c", "exit 0"], 0, 0],
      [["false"], 0, 1],
      [["/bin/sh", "-c", "exit 7"], 0, 7],
      [["sleep", "5"], 5000, 0],
      [["sh", "-c", "sleep 2m"], 120_000, 0],
      [["sleep", "infinity"], null, 0],
    ];
    for (const [argv, runMs, exitCode] of cases) expect(commandPlan(argv), argv.join(" ")).toMatchObject({ runMs, exitCode });
    expect(commandPlan(["nginx", "-g", "daemon off;"])).toBeUndefined();
    expect(commandPlan(["sh", "-c", "while true; do sleep 1; done"])).toBeUndefined();
  });

  it("true exits 0 right after starting; exit N exits N; other commands keep running", async () => {
    expect(await runFor(0, ["true"])).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    expect(await runFor(0, ["sh", "-c", "exit 4"])).toMatchObject({ state: "exited", exitCode: 4, reason: "Error" });
    expect(await runFor(3_600_000, ["nginx"])).toMatchObject({ state: "running" });
    expect(await runFor(4_999, ["sleep", "5"])).toMatchObject({ state: "running" });
    expect(await runFor(5_000, ["sleep", "5"])).toMatchObject({ state: "exited", exitCode: 0 });
  });

  it("simulate-exit-code and simulate-run-seconds", async () => {
    const annotations = { "kubeling.io/simulate-exit-code": "3", "kubeling.io/simulate-run-seconds": "2" };
    expect(await runFor(1_999, ["nginx"], annotations)).toMatchObject({ state: "running" });
    const done = await runFor(2_000, ["nginx"], annotations);
    expect(done).toMatchObject({ state: "exited", exitCode: 3, reason: "Error" });
    expect(done.finishedAt! - done.startedAt!).toBe(2000);
    expect(await runFor(1_000, ["nginx"], { "kubeling.io/simulate-exit-code": "0" })).toMatchObject({ state: "exited", exitCode: 0 });
  });

  it("containers of a Job's pod complete after a second (or simulate-run-seconds)", async () => {
    const job = [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "j1", controller: true }];
    expect(await runFor(999, ["perl", "-e", "print 1"], {}, job)).toMatchObject({ state: "running" });
    expect(await runFor(1_000, ["perl", "-e", "print 1"], {}, job)).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    expect(await runFor(3_000, ["perl"], { "kubeling.io/simulate-run-seconds": "5" }, job)).toMatchObject({ state: "running" });
  });

  it("simulate-crash-loop: every start exits 1 shortly after", async () => {
    const clock = new VirtualClock();
    const rt = new SimulatedRuntime({ clock, crashAfterMs: 500 });
    const { sandboxId } = await rt.runSandbox(pod({ "kubeling.io/simulate-crash-loop": "true" }));
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await rt.createContainer(sandboxId, { name: "c", image: "busybox", command: ["true"], attempt });
      await rt.startContainer(id);
      await clock.advance(499);
      expect((await rt.listContainers({ sandboxId })).find((c) => c.id === id)).toMatchObject({ state: "running", attempt });
      await clock.advance(1);
      expect((await rt.listContainers({ sandboxId })).find((c) => c.id === id)).toMatchObject({ state: "exited", exitCode: 1 });
    }
  });

  it("starts containers after the start delay (option, or simulate-start-delay-ms)", async () => {
    const clock = new VirtualClock();
    const rt = new SimulatedRuntime({ clock, startDelayMs: 1000 });
    const { sandboxId } = await rt.runSandbox(pod());
    const id = await rt.createContainer(sandboxId, { name: "c", image: "busybox" });
    let started = false;
    void rt.startContainer(id).then(() => (started = true));
    await clock.advance(999);
    expect(started).toBe(false);
    expect((await rt.listContainers({ sandboxId }))[0].state).toBe("created");
    await clock.advance(1);
    expect(started).toBe(true);
    expect((await rt.listContainers({ sandboxId }))[0]).toMatchObject({ state: "running", startedAt: clock.now() });

    const fast = await rt.runSandbox({ ...pod({ "kubeling.io/simulate-start-delay-ms": "0" }), uid: "u2" });
    const quick = await rt.createContainer(fast.sandboxId, { name: "c", image: "busybox" });
    await rt.startContainer(quick);
    expect((await rt.listContainers({ sandboxId: fast.sandboxId }))[0].state).toBe("running");
  });

  it("a stopped container exits 143 at once, even one still waiting to start", async () => {
    const clock = new VirtualClock();
    const rt = new SimulatedRuntime({ clock, startDelayMs: 5000 });
    const { sandboxId } = await rt.runSandbox(pod());
    const id = await rt.createContainer(sandboxId, { name: "c", image: "busybox" });
    const starting = rt.startContainer(id);
    await rt.stopContainer(id, 30);
    await starting;
    expect((await rt.listContainers({ sandboxId }))[0]).toMatchObject({ state: "exited", exitCode: 143, reason: "Error" });
    expect(clock.pending).toBe(0);
  });

  it("delivers events after the call that caused them, never during it", async () => {
    const rt = new SimulatedRuntime();
    const seen: string[] = [];
    rt.subscribe((e) => seen.push(e.type));
    const { sandboxId } = await rt.runSandbox(pod());
    const id = await rt.createContainer(sandboxId, { name: "c", image: "busybox" });
    const start = rt.startContainer(id);
    expect(seen).toEqual([]);
    await start;
    await flush();
    expect(seen).toEqual(["ContainerStarted"]);
  });
});
