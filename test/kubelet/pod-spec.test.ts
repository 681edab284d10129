// The pod spec beyond command and args, on the simulated runtime and virtual time: env from
// ConfigMaps, Secrets and the downward API with $(VAR) expansion; CreateContainerConfigError
// until a missing ConfigMap/Secret appears; volume contents as the kubelet computes them
// (what the runtime is handed); FailedMount; resources and security context; preStop hooks.
import { afterEach, describe, expect, it } from "vitest";
import { startControlPlane, type Harness } from "../controllers/harness.js";
import { Kubelet } from "../../dist/core/kubelet/kubelet.js";
import { SimulatedRuntime } from "../../dist/hosts/browser/simulated-runtime.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { expand, mappingFuncFor } from "../../dist/core/kubelet/expansion.js";
import { milliCPUToQuota, milliCPUToShares } from "../../dist/core/kubelet/container-config.js";
import type { ExecOptions, ExecResult } from "../../dist/bindings/runtime.js";

const START = Date.UTC(2026, 0, 1);

/** Records execs and stops in order (preStop before SIGTERM). */
class RecordingRuntime extends SimulatedRuntime {
  readonly calls: string[] = [];
  override async exec(id: string, command: string[], options?: ExecOptions): Promise<ExecResult> {
    this.calls.push(`exec ${command.join(" ")}`);
    return super.exec(id, command, options);
  }
  override async stopContainer(id: string, grace: number): Promise<void> {
    this.calls.push(`stop ${grace}`);
    return super.stopContainer(id, grace);
  }
}

interface Setup {
  h: Harness;
  clock: VirtualClock;
  kubelet: Kubelet;
  runtime: RecordingRuntime;
}

let current: Setup | null = null;

afterEach(async () => {
  current?.kubelet.stop();
  await current?.h.stop();
  current = null;
});

async function setup(): Promise<Setup> {
  const clock = new VirtualClock(START);
  const h = await startControlPlane([], { clock });
  const runtime = new RecordingRuntime({ clock, podCIDR: "10.244.1.0/24" });
  const kubelet = new Kubelet({
    nodeName: "node-1",
    client: h.client.as("kubelet"),
    runtime,
    clock,
    address: "172.18.0.5",
    capacity: { cpu: "4", memory: "8Gi" },
  });
  await kubelet.start();
  current = { h, clock, kubelet, runtime };
  return current;
}

async function settle(s: Setup, rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await s.clock.advance(0);
}

async function advance(s: Setup, ms: number, step = 250): Promise<void> {
  for (let left = ms; left > 0; left -= step) await s.clock.advance(Math.min(step, left));
  await settle(s);
}

const createPod = (s: Setup, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  s.h.client.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name, ...metadata }, spec: { nodeName: "node-1", ...spec } });
const getPod = (s: Setup, name: string) => s.h.client.get(R.pods, "default", name) as Promise<KubeObject & { status: any; metadata: { uid: string } }>;
const configMap = (s: Setup, name: string, data: Record<string, string>) => s.h.client.create(R.configMaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
const secret = (s: Setup, name: string, data: Record<string, string>) =>
  s.h.client.create(R.secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, btoa(v)])) });

async function events(s: Setup, name: string): Promise<string[]> {
  const list = await s.h.client.list(R.events, "default");
  return list.items.filter((e) => (e.involvedObject as { name: string }).name === name).map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

/** The config the runtime got for the pod's newest container `name`. */
async function configOf(s: Setup, name: string) {
  const list = (await s.runtime.listContainers()).filter((c) => c.name === name).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  return { id: list[0]?.id, config: list[0] ? s.runtime.containerConfig(list[0].id)! : undefined };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("$(VAR) expansion", () => {
  it("expands known names, keeps unknown ones, unescapes $$", () => {
    const m = mappingFuncFor(new Map([["A", "1"], ["B", "two"]]));
    expect(expand("$(A)-$(B)", m)).toBe("1-two");
    expect(expand("$(C)", m)).toBe("$(C)");
    expect(expand("$$(A)", m)).toBe("$(A)");
    expect(expand("$A $(A", m)).toBe("$A $(A");
    expect(expand("a$$b$", m)).toBe("a$b$");
  });

  it("CPU shares and quota as the kubelet computes them", () => {
    expect(milliCPUToShares(0)).toBe(2);
    expect(milliCPUToShares(1)).toBe(2);
    expect(milliCPUToShares(500)).toBe(512);
    expect(milliCPUToShares(2000)).toBe(2048);
    expect(milliCPUToQuota(500)).toBe(50_000);
    expect(milliCPUToQuota(5)).toBe(1000);
  });
});

describe("Kubelet: the container's environment", () => {
  it("resolves valueFrom, envFrom and $(VAR), and expands command and args", async () => {
    const s = await setup();
    await configMap(s, "cfg", { k: "hello", other: "x", "bad-key!": "skipped" });
    await secret(s, "sec", { password: "s3cret" });
    await createPod(
      s,
      "env",
      {
        serviceAccountName: "robot",
        containers: [
          {
            name: "c",
            image: "busybox",
            command: ["/app", "$(GREETING)"],
            args: ["$(POD_NAME)", "$$(POD_NAME)", "$(UNKNOWN)"],
            resources: { limits: { memory: "64Mi" }, requests: { memory: "32Mi" } },
            envFrom: [{ prefix: "CFG_", configMapRef: { name: "cfg" } }, { secretRef: { name: "absent", optional: true } }],
            env: [
              { name: "FROM_CM", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } },
              { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
              { name: "OPT_KEY", valueFrom: { configMapKeyRef: { name: "cfg", key: "nope", optional: true } } },
              { name: "OPT_CM", valueFrom: { configMapKeyRef: { name: "absent", key: "k", optional: true } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
              { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
              { name: "TIER", valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
              { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
              { name: "LABELS", valueFrom: { fieldRef: { fieldPath: "metadata.labels" } } },
              { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "POD_IPS", valueFrom: { fieldRef: { fieldPath: "status.podIPs" } } },
              { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
              { name: "MEM_LIMIT_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
              { name: "MEM_REQUEST", valueFrom: { resourceFieldRef: { resource: "requests.memory" } } },
              // No CPU limit: the node's allocatable (4 CPUs).
              { name: "CPU_LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
              { name: "CPU_LIMIT_M", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
              { name: "GREETING", value: "hi $(POD_NAME) from $(FROM_CM), $(LATER) $$(NS)" },
              { name: "LATER", value: "later" },
            ],
          },
        ],
      },
      { labels: { tier: "web", app: "a" }, annotations: { note: "n" } },
    );
    await settle(s);
    const pod = await getPod(s, "env");
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
    const { config } = await configOf(s, "c");
    expect(config!.env).toEqual({
      CFG_k: "hello",
      CFG_other: "x",
      FROM_CM: "hello",
      FROM_SECRET: "s3cret",
      POD_NAME: "env",
      NS: "default",
      UID: pod.metadata.uid,
      TIER: "web",
      NOTE: "n",
      LABELS: 'app="a"\ntier="web"',
      NODE: "node-1",
      SA: "robot",
      POD_IP: pod.status.podIP,
      POD_IPS: pod.status.podIP,
      HOST_IP: "172.18.0.5",
      MEM_LIMIT_MI: "64",
      MEM_REQUEST: String(32 * 1024 * 1024),
      CPU_LIMIT: "4",
      CPU_LIMIT_M: "4000",
      GREETING: "hi env from hello, $(LATER) $(NS)",
      LATER: "later",
    });
    expect(config!.command).toEqual(["/app", "hi env from hello, $(LATER) $(NS)"]);
    expect(config!.args).toEqual(["env", "$(POD_NAME)", "$(UNKNOWN)"]);
    expect(await events(s, "env")).toContain(
      "Warning InvalidEnvironmentVariableNames: Keys [CFG_bad-key!] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names.",
    );
  });

  it("a missing ConfigMap: CreateContainerConfigError with the kubelet's message, retried until it appears", async () => {
    const s = await setup();
    await createPod(s, "late", { containers: [{ name: "c", image: "busybox", env: [{ name: "V", valueFrom: { configMapKeyRef: { name: "late-cfg", key: "v" } } }] }] });
    await settle(s);
    let pod = await getPod(s, "late");
    expect(pod.status.phase).toBe("Pending");
    expect(pod.status.containerStatuses[0].state).toEqual({ waiting: { reason: "CreateContainerConfigError", message: 'configmap "late-cfg" not found' } });
    expect(await events(s, "late")).toContain('Warning Failed: Error: configmap "late-cfg" not found');
    expect(await s.runtime.listContainers()).toEqual([]);

    // The key missing: its own message.
    await configMap(s, "late-cfg", { other: "x" });
    await advance(s, 10_000);
    pod = await getPod(s, "late");
    expect(pod.status.containerStatuses[0].state.waiting).toEqual({ reason: "CreateContainerConfigError", message: "couldn't find key v in ConfigMap default/late-cfg" });

    // Then it is there: the next retry starts the container.
    const cm = await s.h.client.get(R.configMaps, "default", "late-cfg");
    await s.h.client.update(R.configMaps, "default", { ...cm, data: { v: "arrived" } });
    await advance(s, 10_000);
    pod = await getPod(s, "late");
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
    expect(pod.status.phase).toBe("Running");
    expect((await configOf(s, "c")).config!.env).toEqual({ V: "arrived" });
  });

  it("a missing Secret says so in Secret terms", async () => {
    const s = await setup();
    await createPod(s, "nosecret", { containers: [{ name: "c", image: "busybox", env: [{ name: "P", valueFrom: { secretKeyRef: { name: "creds", key: "p" } } }] }] });
    await settle(s);
    expect((await getPod(s, "nosecret")).status.containerStatuses[0].state.waiting).toEqual({ reason: "CreateContainerConfigError", message: 'secret "creds" not found' });
  });

  it("resources and the security context go to the runtime as the kubelet computes them", async () => {
    const s = await setup();
    await createPod(s, "res", {
      securityContext: { runAsUser: 1000, runAsGroup: 3000 },
      containers: [
        { name: "c", image: "busybox", workingDir: "/w", resources: { limits: { cpu: "500m", memory: "64Mi" }, requests: { cpu: "250m" } }, securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true } },
      ],
    });
    await settle(s);
    const { config } = await configOf(s, "c");
    expect(config!.workingDir).toBe("/w");
    expect(config!.resources).toEqual({ cpuShares: 256, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * 1024 * 1024 });
    expect(config!.securityContext).toEqual({ runAsUser: 2000, runAsGroup: 3000, readOnlyRootFilesystem: true });
  });
});

describe("Kubelet: volumes", () => {
  it("computes configMap, secret, downwardAPI, projected and emptyDir volumes; containers see the files", async () => {
    const s = await setup();
    await configMap(s, "cfg", { a: "A", b: "B" });
    await secret(s, "sec", { token: "t0k" });
    await createPod(
      s,
      "vols",
      {
        containers: [
          {
            name: "c",
            image: "busybox",
            resources: { limits: { memory: "128Mi" } },
            volumeMounts: [
              { name: "cfg", mountPath: "/etc/cfg" },
              { name: "sec", mountPath: "/etc/sec", readOnly: true },
              { name: "info", mountPath: "/etc/info" },
              { name: "all", mountPath: "/etc/all" },
              { name: "scratch", mountPath: "/scratch", subPath: "sub" },
            ],
          },
        ],
        volumes: [
          { name: "cfg", configMap: { name: "cfg", items: [{ key: "a", path: "dir/a.txt", mode: 0o600 }] } },
          { name: "sec", secret: { secretName: "sec", defaultMode: 0o400 } },
          { name: "opt", secret: { secretName: "absent", optional: true } },
          {
            name: "info",
            downwardAPI: {
              items: [
                { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
                { path: "name", fieldRef: { fieldPath: "metadata.name" } },
                { path: "mem", resourceFieldRef: { containerName: "c", resource: "limits.memory", divisor: "1Mi" } },
              ],
            },
          },
          {
            name: "all",
            projected: {
              sources: [{ configMap: { name: "cfg", items: [{ key: "b", path: "b" }] } }, { secret: { name: "sec" } }, { downwardAPI: { items: [{ path: "ns", fieldRef: { fieldPath: "metadata.namespace" } }] } }],
            },
          },
          { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
        ],
      },
      { labels: { app: "v" } },
    );
    await settle(s);
    const pod = await getPod(s, "vols");
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
    const volumes = s.runtime.podVolumes(pod.metadata.uid)!;
    const byName = Object.fromEntries(volumes.map((v) => [v.name, v]));
    const files = (name: string) => Object.fromEntries((byName[name].files ?? []).map((f) => [f.path, `${text(f.content)}|${f.mode.toString(8)}`]));
    expect(byName.cfg).toMatchObject({ kind: "files", plugin: "kubernetes.io~configmap" });
    expect(byName.cfg.sensitive).toBeUndefined();
    expect(files("cfg")).toEqual({ "dir/a.txt": "A|600" });
    expect(byName.sec).toMatchObject({ kind: "files", plugin: "kubernetes.io~secret", sensitive: true });
    expect(files("sec")).toEqual({ token: "t0k|400" });
    expect(files("opt")).toEqual({});
    expect(files("info")).toEqual({ labels: 'app="v"|644', name: "vols|644", mem: "128|644" });
    expect(byName.all).toMatchObject({ plugin: "kubernetes.io~projected", sensitive: true });
    expect(files("all")).toEqual({ b: "B|644", token: "t0k|644", ns: "default|644" });
    expect(byName.scratch).toEqual({ name: "scratch", kind: "emptyDir", plugin: "kubernetes.io~empty-dir", medium: "Memory", sizeLimitBytes: 16 * 1024 * 1024 });

    const { id, config } = await configOf(s, "c");
    expect(config!.mounts).toEqual([
      { volume: "cfg", containerPath: "/etc/cfg" },
      { volume: "sec", containerPath: "/etc/sec", readOnly: true },
      { volume: "info", containerPath: "/etc/info" },
      { volume: "all", containerPath: "/etc/all" },
      { volume: "scratch", containerPath: "/scratch", subPath: "sub" },
    ]);
    const cat = async (path: string) => text((await s.runtime.exec(id!, ["cat", path])).stdout);
    expect(await cat("/etc/cfg/dir/a.txt")).toBe("A");
    expect(await cat("/etc/sec/token")).toBe("t0k");
    expect(await cat("/etc/all/ns")).toBe("default");

    // Deleted: the volumes go with the pod.
    await s.h.client.delete(R.pods, "default", "vols", { gracePeriodSeconds: 0 });
    await settle(s);
    expect(s.runtime.podVolumes(pod.metadata.uid)).toBeUndefined();
  });

  it("a volume whose ConfigMap is missing: FailedMount and no sandbox, until it appears", async () => {
    const s = await setup();
    await createPod(s, "wait", { containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "cfg", mountPath: "/c" }] }], volumes: [{ name: "cfg", configMap: { name: "later" } }] });
    await settle(s);
    let pod = await getPod(s, "wait");
    expect(pod.status.containerStatuses[0].state).toEqual({ waiting: { reason: "ContainerCreating" } });
    expect(await events(s, "wait")).toContain('Warning FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
    expect(await s.runtime.listSandboxes()).toEqual([]);
    await configMap(s, "later", { k: "v" });
    await advance(s, 10_000);
    pod = await getPod(s, "wait");
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
  });

  it("a PVC mounts its bound PV's path", async () => {
    const s = await setup();
    await s.h.client.create(R.persistentVolumes, undefined, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pv1" },
      spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/srv/pv1", type: "DirectoryOrCreate" }, storageClassName: "" },
    });
    const pvc = await s.h.client.create(R.persistentVolumeClaims, "default", {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "claim" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "", volumeName: "pv1" },
    });
    await createPod(s, "pvc", { containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "d", mountPath: "/d" }] }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: "claim", readOnly: true } }] });
    await settle(s);
    expect(await events(s, "pvc")).toContain(
      'Warning FailedMount: MountVolume.SetUp failed for volume "d" : error processing PVC default/claim: PVC default/claim has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("pv1")',
    );
    await s.h.client.update(R.persistentVolumeClaims, "default", { ...pvc, status: { phase: "Bound" } }, "status");
    await advance(s, 10_000);
    const pod = await getPod(s, "pvc");
    expect(s.runtime.podVolumes(pod.metadata.uid)).toEqual([{ name: "d", kind: "hostPath", plugin: "kubernetes.io~host-path", path: "/srv/pv1", hostPathType: "DirectoryOrCreate" }]);
    expect((await configOf(s, "c")).config!.mounts).toEqual([{ volume: "d", containerPath: "/d", readOnly: true }]);
  });
});

describe("Kubelet: lifecycle hooks", () => {
  it("runs preStop before stopping the container, with what is left of the grace period", async () => {
    const s = await setup();
    await createPod(s, "hooked", {
      terminationGracePeriodSeconds: 20,
      containers: [{ name: "c", image: "busybox", lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo bye > /tmp/bye"] } }, postStart: { exec: { command: ["touch", "/tmp/started"] } } } }],
    });
    await settle(s);
    expect((await getPod(s, "hooked")).status.containerStatuses[0].state.running).toBeDefined();
    s.runtime.calls.length = 0;
    await s.h.client.delete(R.pods, "default", "hooked");
    await settle(s);
    expect(s.runtime.calls.slice(0, 2)).toEqual(["exec sh -c echo bye > /tmp/bye", "stop 20"]);
  });

  it("a failing postStart hook kills the container (FailedPostStartHook)", async () => {
    const s = await setup();
    await createPod(s, "badhook", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", lifecycle: { postStart: { exec: { command: ["sh", "-c", "exit 3"] } } } }] });
    await settle(s);
    const ev = await events(s, "badhook");
    expect(ev.some((e) => e.startsWith('Warning FailedPostStartHook: Exec lifecycle hook ([sh -c exit 3]) for Container "c" in Pod "badhook_default('))).toBe(true);
    expect((await s.runtime.listContainers())[0].state).toBe("exited");
  });
});
