// The kubelet against a real API server (the controller harness, no controllers) and the
// simulated runtime, on virtual time: registration, heartbeats, the pod lifecycle, restarts
// and back-off, image pull failures, graceful deletion and a node that stops.
import { afterEach, describe, expect, it } from "vitest";
import { startControlPlane, type Harness } from "../controllers/harness.js";
import { Kubelet, type KubeletOptions } from "../../dist/core/kubelet/kubelet.js";
import { SimulatedRuntime, type SimulatedRuntimeOptions } from "../../dist/hosts/browser/simulated-runtime.js";
import { R, type ApiClient, type DeleteOptions, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import type { WatchEventOut } from "../../dist/core/api/object-store.js";

const START = Date.UTC(2026, 0, 1);
const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Setup {
  h: Harness;
  clock: VirtualClock;
  kubelet: Kubelet;
  runtime: SimulatedRuntime;
  deletes: { name: string; options: DeleteOptions }[];
  statusWrites: string[];
}

let current: Setup | null = null;

afterEach(async () => {
  current?.kubelet.stop();
  await current?.h.stop();
  current = null;
});

/** A client that records the kubelet's deletes and status writes on the way through. */
function recording(base: ApiClient, deletes: Setup["deletes"], statusWrites: string[]): ApiClient {
  return {
    get: (...a) => base.get(...a),
    list: (...a) => base.list(...a),
    create: (...a) => base.create(...a),
    update: (r, ns, obj, sub) => {
      if (r.plural === "pods" && sub === "status") statusWrites.push(obj.metadata!.name!);
      return base.update(r, ns, obj, sub);
    },
    patch: (...a) => base.patch(...a),
    delete: (r, ns, name, options = {}) => {
      if (r.plural === "pods") deletes.push({ name, options });
      return base.delete(r, ns, name, options);
    },
    bind: (...a) => base.bind(...a),
    watch: (...a) => base.watch(...a),
  };
}

async function setup(runtimeOptions: SimulatedRuntimeOptions = {}, kubeletOptions: Partial<KubeletOptions> = {}): Promise<Setup> {
  const clock = new VirtualClock(START);
  const h = await startControlPlane([], { clock });
  const deletes: Setup["deletes"] = [];
  const statusWrites: string[] = [];
  const runtime = new SimulatedRuntime({ clock, podCIDR: "10.244.1.0/24", ...runtimeOptions });
  const kubelet = new Kubelet({
    nodeName: "node-1",
    client: recording(h.client.as("kubelet"), deletes, statusWrites),
    runtime,
    clock,
    address: "172.18.0.5",
    podCIDR: "10.244.1.0/24",
    ...kubeletOptions,
  });
  await kubelet.start();
  current = { h, clock, kubelet, runtime, deletes, statusWrites };
  return current;
}

/** Lets the kubelet catch up: informer events, syncs and the status queue, without moving time. */
async function settle(s: Setup, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await s.clock.advance(0);
}

/** Advances virtual time in steps, letting everything due run. */
async function advance(s: Setup, ms: number, step = 250): Promise<void> {
  for (let left = ms; left > 0; left -= step) await s.clock.advance(Math.min(step, left));
  await settle(s);
}

async function createPod(s: Setup, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Promise<KubeObject> {
  return s.h.client.create(R.pods, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...metadata },
    spec: { nodeName: "node-1", ...spec },
  });
}

const getPod = (s: Setup, name: string) => s.h.client.get(R.pods, "default", name) as Promise<KubeObject & { status: any }>;

async function events(s: Setup, name: string): Promise<string[]> {
  const list = await s.h.client.list(R.events, "default");
  return list.items
    .filter((e) => (e.involvedObject as { name: string }).name === name)
    .sort((a, b) => String(a.metadata!.name).localeCompare(String(b.metadata!.name)))
    .map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

const cond = (status: any, type: string) => status.conditions.find((c: any) => c.type === type);

describe("Kubelet: the node", () => {
  it("registers its Node: labels, taints, capacity, addresses, nodeInfo, conditions, images, pod CIDR", async () => {
    const s = await setup(
      {},
      {
        capacity: { cpu: "8", memory: "32Gi", pods: 110, "ephemeral-storage": "200Gi" },
        labels: { "topology.kubernetes.io/zone": "zone-a" },
        taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }],
      },
    );
    const node = await s.h.client.get(R.nodes, undefined, "node-1");
    expect(node.metadata!.labels).toEqual({
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": "node-1",
      "kubernetes.io/os": "linux",
      "topology.kubernetes.io/zone": "zone-a",
    });
    expect(node.spec).toMatchObject({ podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] });
    const status = node.status as any;
    const resources = { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "200Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0" };
    expect(status.capacity).toEqual(resources);
    expect(status.allocatable).toEqual(resources);
    expect(status.addresses).toEqual([{ type: "InternalIP", address: "172.18.0.5" }, { type: "Hostname", address: "node-1" }]);
    expect(status.nodeInfo).toMatchObject({ kubeletVersion: "v1.32.0-kubeling", containerRuntimeVersion: "sim://1.0.0", operatingSystem: "linux", architecture: "amd64" });
    expect(status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
      ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
    ]);
    expect(status.conditions.every((c: any) => c.lastHeartbeatTime === ts(START) && c.lastTransitionTime === ts(START))).toBe(true);
    expect(status.images.flatMap((i: any) => i.names)).toContain("docker.io/library/busybox:latest");
  });

  it("keeps a Lease in kube-node-lease, renewed every 10 s", async () => {
    const s = await setup();
    const node = await s.h.client.get(R.nodes, undefined, "node-1");
    const lease = await s.h.client.get(R.leases, "kube-node-lease", "node-1");
    expect(lease.metadata!.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: "node-1", uid: node.metadata!.uid }]);
    expect(lease.spec).toEqual({ holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" });
    await advance(s, 9_000);
    expect((await s.h.client.get(R.leases, "kube-node-lease", "node-1")).spec).toMatchObject({ renewTime: "2026-01-01T00:00:00.000000Z" });
    await advance(s, 1_000);
    expect((await s.h.client.get(R.leases, "kube-node-lease", "node-1")).spec).toMatchObject({ renewTime: "2026-01-01T00:00:10.000000Z" });
    await advance(s, 20_000);
    expect((await s.h.client.get(R.leases, "kube-node-lease", "node-1")).spec).toMatchObject({ renewTime: "2026-01-01T00:00:30.000000Z" });
  });

  it("posts node status at the report frequency when nothing changes", async () => {
    const s = await setup({}, { nodeStatusReportFrequencyMs: 60_000 });
    const heartbeat = async () => ((await s.h.client.get(R.nodes, undefined, "node-1")).status as any).conditions[3].lastHeartbeatTime;
    await advance(s, 50_000, 1000);
    expect(await heartbeat()).toBe(ts(START));
    await advance(s, 20_000, 1000);
    expect(await heartbeat()).toBe(ts(START + 60_000));
    // The transition time stays: Ready was True all along.
    const ready = ((await s.h.client.get(R.nodes, undefined, "node-1")).status as any).conditions[3];
    expect(ready.lastTransitionTime).toBe(ts(START));
  });

  it("a stopped node's lease goes stale and its status stops; it comes back when started", async () => {
    const s = await setup({}, { nodeStatusReportFrequencyMs: 20_000 });
    await createPod(s, "web", { containers: [{ name: "c", image: "busybox" }] });
    await settle(s);
    expect((await getPod(s, "web")).status.phase).toBe("Running");
    s.kubelet.stop();
    await advance(s, 60_000, 1000);
    const lease = await s.h.client.get(R.leases, "kube-node-lease", "node-1");
    expect((lease.spec as any).renewTime).toBe("2026-01-01T00:00:00.000000Z");
    const node = await s.h.client.get(R.nodes, undefined, "node-1");
    expect((node.status as any).conditions[3].lastHeartbeatTime).toBe(ts(START));
    // The runtime still runs the pod's container.
    expect((await s.runtime.listContainers()).map((c) => c.state)).toEqual(["running"]);
    await s.kubelet.start();
    await settle(s);
    expect(((await s.h.client.get(R.leases, "kube-node-lease", "node-1")).spec as any).renewTime).toBe("2026-01-01T00:01:00.000000Z");
    expect(((await s.h.client.get(R.nodes, undefined, "node-1")).status as any).conditions[3].lastHeartbeatTime).toBe(ts(START + 60_000));
    expect((await getPod(s, "web")).status.containerStatuses[0].restartCount).toBe(0);
  });
});

describe("Kubelet: pods", () => {
  it("Pending (ContainerCreating) → Running and Ready, with the kubelet's events", async () => {
    const s = await setup({ startDelayMs: 2000 });
    await createPod(s, "web", { containers: [{ name: "nginx", image: "nginx:1.27", imagePullPolicy: "IfNotPresent" }] });
    await settle(s);
    // Nothing is written while the sync is quick; once it has been busy 100 ms, its starting status is.
    expect(s.statusWrites).toEqual([]);
    await advance(s, 100, 100);
    const pending = (await getPod(s, "web")).status;
    expect(pending.phase).toBe("Pending");
    expect(pending.containerStatuses[0]).toMatchObject({ name: "nginx", ready: false, started: false, restartCount: 0, image: "nginx:1.27", imageID: "", state: { waiting: { reason: "ContainerCreating" } } });
    expect(cond(pending, "PodReadyToStartContainers").status).toBe("True");
    expect(cond(pending, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [nginx]" });
    expect(pending).toMatchObject({ hostIP: "172.18.0.5", podIP: "10.244.1.2", podIPs: [{ ip: "10.244.1.2" }], startTime: ts(START), qosClass: "BestEffort" });

    await advance(s, 1900);
    const running = (await getPod(s, "web")).status;
    expect(s.statusWrites).toEqual(["web", "web"]);
    expect(running.phase).toBe("Running");
    expect(running.containerStatuses[0]).toMatchObject({
      ready: true,
      started: true,
      image: "docker.io/library/nginx:1.27",
      imageID: expect.stringMatching(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/),
      containerID: expect.stringMatching(/^sim:\/\/[0-9a-f]{64}$/),
      state: { running: { startedAt: ts(START + 2000) } },
    });
    expect(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((t) => cond(running, t).status)).toEqual(["True", "True", "True", "True", "True"]);
    expect(cond(running, "Ready").lastTransitionTime).toBe(ts(START + 2000));
    expect(cond(running, "Initialized").lastTransitionTime).toBe(ts(START));
    expect(await events(s, "web")).toEqual([
      'Normal Pulled: Container image "nginx:1.27" already present on machine',
      "Normal Created: Created container nginx",
      "Normal Started: Started container nginx",
    ]);
    const ev = (await s.h.client.list(R.events, "default")).items[0];
    expect(ev.source).toEqual({ component: "kubelet", host: "node-1" });
  });

  it("writes the status once when sandbox, create and start happen together; Always pulls", async () => {
    const s = await setup();
    await createPod(s, "web", { containers: [{ name: "c", image: "busybox" }] });
    await settle(s);
    expect((await getPod(s, "web")).status.phase).toBe("Running");
    expect(s.statusWrites).toEqual(["web"]);
    await advance(s, 30_000, 1000);
    expect(s.statusWrites).toEqual(["web"]);
    expect((await events(s, "web")).slice(0, 2)).toEqual([
      'Normal Pulling: Pulling image "busybox"',
      expect.stringMatching(/^Normal Pulled: Successfully pulled image "busybox" in 0s \(0s including waiting\)\. Image size: \d+ bytes\.$/),
    ]);
  });

  it("runs init containers in order before the app containers", async () => {
    const s = await setup();
    await createPod(s, "init", {
      initContainers: [
        { name: "first", image: "busybox", command: ["true"], imagePullPolicy: "IfNotPresent" },
        { name: "second", image: "busybox", command: ["sh", "-c", "sleep 2"], imagePullPolicy: "IfNotPresent" },
      ],
      containers: [{ name: "app", image: "busybox", imagePullPolicy: "IfNotPresent" }],
    });
    await settle(s);
    const initializing = (await getPod(s, "init")).status;
    expect(initializing.phase).toBe("Pending");
    expect(initializing.initContainerStatuses.map((c: any) => Object.keys(c.state)[0])).toEqual(["terminated", "running"]);
    expect(initializing.initContainerStatuses[0]).toMatchObject({ ready: true, started: false, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    expect(initializing.containerStatuses[0].state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(cond(initializing, "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [second]" });
    await advance(s, 2000);
    const ready = (await getPod(s, "init")).status;
    expect(ready.phase).toBe("Running");
    expect(cond(ready, "Initialized").status).toBe("True");
    expect((await events(s, "init")).filter((e) => e.includes("Started"))).toEqual([
      "Normal Started: Started container first",
      "Normal Started: Started container second",
      "Normal Started: Started container app",
    ]);
  });

  for (const restartPolicy of ["Never", "OnFailure"]) {
    it(`a 'true' container completes: Succeeded with restartPolicy ${restartPolicy}`, async () => {
      const s = await setup();
      await createPod(s, "once", { restartPolicy, containers: [{ name: "c", image: "busybox", command: ["true"] }] });
      await settle(s);
      const status = (await getPod(s, "once")).status;
      expect(status.phase).toBe("Succeeded");
      expect(status.containerStatuses[0]).toMatchObject({ ready: false, started: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } });
      expect(cond(status, "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
      expect(cond(status, "PodReadyToStartContainers").status).toBe("False");
      expect(status.podIP).toBe("10.244.1.2");
      expect((await s.runtime.listSandboxes())[0].state).toBe("notready");
    });
  }

  it("restartPolicy Never, non-zero exit: Failed", async () => {
    const s = await setup();
    await createPod(s, "bad", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "exit 2"] }] });
    await settle(s);
    const status = (await getPod(s, "bad")).status;
    expect(status.phase).toBe("Failed");
    expect(status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 2, reason: "Error" });
  });

  it("a Job's pod completes after a second", async () => {
    const s = await setup();
    const owner = { apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "00000000-0000-0000-0000-000000000001", controller: true };
    await createPod(s, "pi-abc", { restartPolicy: "Never", containers: [{ name: "pi", image: "perl:5.34", command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"] }] }, { ownerReferences: [owner] });
    await settle(s);
    expect((await getPod(s, "pi-abc")).status.phase).toBe("Running");
    await advance(s, 1000);
    expect((await getPod(s, "pi-abc")).status.phase).toBe("Succeeded");
  });

  it("a crash-looping container: restarts with CrashLoopBackOff, 10 s doubling", async () => {
    const s = await setup({ crashAfterMs: 500 });
    const pod = await createPod(s, "crash", { containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent" }] }, { annotations: { "kubeling.io/simulate-crash-loop": "true" } });
    const who = `crash_default(${pod.metadata!.uid})`;
    const container = async () => (await getPod(s, "crash")).status.containerStatuses[0];
    await settle(s);
    // 0.5 s: the first exit is restarted at once.
    await advance(s, 600);
    expect(await container()).toMatchObject({ restartCount: 1, state: { running: {} } });
    // 1.0 s: the second exit waits 10 s.
    await advance(s, 500);
    let c = await container();
    expect(c).toMatchObject({ restartCount: 1, ready: false, state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 10s restarting failed container=c pod=${who}` } } });
    expect(c.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect((await getPod(s, "crash")).status.phase).toBe("Running");
    expect(cond((await getPod(s, "crash")).status, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" });
    // 11.0 s: restarted; 11.5 s: exits, now 20 s.
    await advance(s, 10_000);
    expect(await container()).toMatchObject({ restartCount: 2, state: { running: {} } });
    await advance(s, 600);
    expect((await container()).state.waiting.message).toBe(`back-off 20s restarting failed container=c pod=${who}`);
    await advance(s, 20_000);
    await advance(s, 600);
    c = await container();
    expect(c).toMatchObject({ restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 40s restarting failed container=c pod=${who}` } } });
    expect(await events(s, "crash")).toContain(`Warning BackOff: Back-off restarting failed container c in pod ${who}`);
    // The runtime keeps the running/newest attempt and one dead one.
    expect((await s.runtime.listContainers()).length).toBeLessThanOrEqual(2);
  });

  it("a missing image (anyImage false): ErrImagePull, then ImagePullBackOff", async () => {
    const s = await setup({ anyImage: false });
    await createPod(s, "nope", { containers: [{ name: "c", image: "example.com/nope:1.0" }] });
    await settle(s);
    const pullError =
      'rpc error: code = NotFound desc = failed to pull and unpack image "example.com/nope:1.0": failed to resolve reference "example.com/nope:1.0": example.com/nope:1.0: not found';
    let status = (await getPod(s, "nope")).status;
    expect(status.phase).toBe("Pending");
    expect(status.containerStatuses[0].state).toEqual({ waiting: { reason: "ErrImagePull", message: pullError } });
    await advance(s, 1000);
    status = (await getPod(s, "nope")).status;
    expect(status.containerStatuses[0].state).toEqual({
      waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "example.com/nope:1.0": ErrImagePull: ${pullError}` },
    });
    expect(await events(s, "nope")).toEqual([
      'Normal Pulling: Pulling image "example.com/nope:1.0"',
      `Warning Failed: Failed to pull image "example.com/nope:1.0": ${pullError}`,
      "Warning Failed: Error: ErrImagePull",
      'Normal BackOff: Back-off pulling image "example.com/nope:1.0"',
      "Warning Failed: Error: ImagePullBackOff",
    ]);
    // Once the image is there, the next attempt after the back-off starts the container.
    s.runtime.addImage("example.com/nope:1.0");
    await advance(s, 10_000);
    expect((await getPod(s, "nope")).status.phase).toBe("Running");
  });

  it("imagePullPolicy Never and no image: ErrImageNeverPull", async () => {
    const s = await setup({ anyImage: false });
    await createPod(s, "never", { containers: [{ name: "c", image: "nope:1.0", imagePullPolicy: "Never" }] });
    await settle(s);
    expect((await getPod(s, "never")).status.containerStatuses[0].state).toEqual({
      waiting: { reason: "ErrImageNeverPull", message: 'Container image "nope:1.0" is not present with pull policy of Never' },
    });
  });

  it("graceful deletion: Killing, a final status, then DELETE with grace 0 and the uid", async () => {
    const s = await setup();
    const pod = await createPod(s, "web", { containers: [{ name: "c", image: "busybox" }] });
    await settle(s);
    const seen: WatchEventOut[] = [];
    const stop = await s.h.client.watch(R.pods, "default", { resourceVersion: (await getPod(s, "web")).metadata!.resourceVersion }, (e) => seen.push(e), () => undefined);
    await s.h.client.delete(R.pods, "default", "web");
    await settle(s);
    stop();
    expect((await s.h.client.list(R.pods, "default")).items).toEqual([]);
    expect(s.deletes).toEqual([{ name: "web", options: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } } }]);
    const final = seen.filter((e) => e.type === "MODIFIED").map((e) => e.object).pop()!;
    expect((final.metadata as any).deletionTimestamp).toBeDefined();
    expect((final.status as any).phase).toBe("Failed");
    expect((final.status as any).containerStatuses[0].state.terminated).toMatchObject({ exitCode: 143, reason: "Error" });
    expect(seen.at(-1)!.type).toBe("DELETED");
    expect(await events(s, "web")).toContain("Normal Killing: Stopping container c");
    expect(s.runtime.counts).toEqual({ sandboxes: 0, containers: 0 });
  });

  it("a pod deleted at once (grace 0) is cleaned up from the runtime", async () => {
    const s = await setup();
    await createPod(s, "web", { containers: [{ name: "c", image: "busybox" }] });
    await settle(s);
    await s.h.client.delete(R.pods, "default", "web", { gracePeriodSeconds: 0 });
    await settle(s);
    expect(s.runtime.counts).toEqual({ sandboxes: 0, containers: 0 });
    expect(s.kubelet.podCount).toBe(0);
  });

  it("a pod deleted while the node was stopped is terminated when it starts again", async () => {
    const s = await setup();
    await createPod(s, "web", { containers: [{ name: "c", image: "busybox" }] });
    await settle(s);
    s.kubelet.stop();
    await s.h.client.delete(R.pods, "default", "web");
    await advance(s, 5000);
    expect((await getPod(s, "web")).metadata!.deletionTimestamp).toBeDefined();
    await s.kubelet.start();
    await settle(s);
    expect((await s.h.client.list(R.pods, "default")).items).toEqual([]);
    expect(s.runtime.counts).toEqual({ sandboxes: 0, containers: 0 });
  });
});
