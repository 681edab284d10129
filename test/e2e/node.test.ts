// The node agent end to end: kubectl 1.32 against `kubeling up` with its kubelet on the
// real Docker engine — a Deployment of busybox httpd pods runs, answers on its pod IPs and
// through a Service (ClusterIP, NodePort, cluster DNS from inside a pod), logs come back,
// a crashing container restarts with back-off, a crash of kubeling itself leaves the pods
// running, and a clean stop leaves no container, chain, route or bridge behind. Traffic
// goes only to loopback and the containers made here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { KubelingProcess, curl, livePods, machineLock, nodeContainers, spawnKubectl, suiteWorkspace, until, untilEachAnswers } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("node");
const nodeName = `e2e-node-${process.pid}`;
let server: KubelingProcess | undefined;

async function start(): Promise<void> {
  server = new KubelingProcess(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", nodeName]);
  await server.waitFor(`node ${nodeName}:`, "kubeling up and its node");
}

type Pod = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase: string; podIP?: string; containerStatuses?: { restartCount: number; state: Record<string, { reason?: string }> }[] } };
const podsOf = (selector: string) => livePods<Pod>(kubectl, selector);

/** GET from the host to a pod IP. */
const fetchFrom = (ip: string, port: number) => curl(`http://${ip}:${port}/`).trim();

let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  await start();
}, 700_000);

afterAll(async () => {
  await server?.stop("SIGINT");
  release();
  rmSync(dir, { recursive: true, force: true });
});

describe(`kubectl 1.32 against kubeling up with a Docker node`, () => {
  it("registers this machine as a Ready node with Docker as its runtime", async () => {
    const line = await until("the node Ready", () => {
      const r = kubectl("get", "node", nodeName, "-o", "wide", "--no-headers");
      return /\sReady\s/.test(r.out) && r.out;
    });
    expect(line).toContain("docker://");
    const labels = kubectl("get", "node", nodeName, "-o", "jsonpath={.metadata.labels}").out;
    expect(labels).toContain(`"kubernetes.io/hostname":"${nodeName}"`);
    expect(labels).toContain('"kubernetes.io/os":"linux"');
  });

  it("runs a Deployment of busybox httpd pods, each answering on its pod IP", async () => {
    expect(
      apply(
        "web.yaml",
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
`,
      ).code,
    ).toBe(0);
    const started = Date.now();
    expect(kubectl("rollout", "status", "deployment/web", "--timeout=60s").out).toContain("successfully rolled out");
    expect(Date.now() - started).toBeLessThan(30_000);
    const pods = podsOf("app=web");
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(nodeName);
      expect(p.status.podIP).toMatch(/^10\.244\.0\.\d+$/);
      // Each pod's httpd serves its own hostname (the pod name).
      expect(fetchFrom(p.status.podIP!, 8080)).toBe(p.metadata.name);
    }
  });

  it("a Service spreads requests over the pods: ClusterIP and NodePort from the host", async () => {
    expect(
      apply(
        "web-svc.yaml",
        `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      ).code,
    ).toBe(0);
    const svc = JSON.parse(kubectl("get", "svc", "web", "-o", "json").out) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./); // inside 10.96.0.0/12
    const names = new Set(podsOf("app=web").map((p) => p.metadata.name));
    // Bounded: at most 30 requests each way, until every pod has answered.
    for (const url of [`${svc.spec.clusterIP}:80`, `127.0.0.1:${svc.spec.ports[0].nodePort}`]) {
      const seen = await untilEachAnswers(`all three pods answering on ${url}`, `http://${url}/`, names);
      expect([...seen].filter((n) => n !== "").every((n) => names.has(n))).toBe(true);
    }
  });

  it("inside a pod, the Service's DNS name resolves and answers; kubectl logs shows the output", async () => {
    expect(kubectl("run", "client", "--image=busybox", "--restart=Never", "--", "sh", "-c", "wget -qO- http://web.default.svc.cluster.local/ && nslookup web.default.svc.cluster.local").code).toBe(0);
    await until("the client pod to finish", () => /Succeeded|Failed/.test(kubectl("get", "pod", "client", "-o", "jsonpath={.status.phase}").out), 30_000);
    expect(kubectl("get", "pod", "client", "-o", "jsonpath={.status.phase}").out).toBe("Succeeded");
    const logs = kubectl("logs", "client").out;
    const names = podsOf("app=web").map((p) => p.metadata.name);
    expect(names.some((n) => logs.startsWith(n))).toBe(true);
    const clusterIP = kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").out;
    expect(logs).toContain(`Address: ${clusterIP}`);
    expect(kubectl("logs", "client", "-c", "nope").err).toContain("container nope is not valid for pod client");
    kubectl("delete", "pod", "client", "--grace-period=0", "--force");
  });

  it("a missing image gives ErrImagePull, then ImagePullBackOff", async () => {
    expect(kubectl("run", "nosuch", "--image=kubeling.invalid/nosuch:1", "--restart=Never").code).toBe(0);
    const reason = await until("ImagePullBackOff", () => {
      const r = kubectl("get", "pod", "nosuch", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}").out;
      return r === "ImagePullBackOff" && r;
    }, 40_000);
    expect(reason).toBe("ImagePullBackOff");
    expect(kubectl("get", "events", "--field-selector", "involvedObject.name=nosuch,reason=Failed", "--no-headers").out).toContain("ErrImagePull");
    kubectl("delete", "pod", "nosuch", "--grace-period=0", "--force");
  });

  it("restarts a container that exits, with back-off, and counts RESTARTS", async () => {
    expect(kubectl("run", "crasher", "--image=busybox", "--", "sh", "-c", "echo started at $(cut -d' ' -f1 /proc/uptime); sleep 1; exit 3").code).toBe(0);
    const pod = await until("two restarts", () => {
      const p = JSON.parse(kubectl("get", "pod", "crasher", "-o", "json").out) as Pod;
      return (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && p;
    }, 45_000);
    expect(pod.status.containerStatuses![0].restartCount).toBeGreaterThanOrEqual(2);
    const table = await until("CrashLoopBackOff", () => {
      const out = kubectl("get", "pod", "crasher", "--no-headers").out;
      return /CrashLoopBackOff|Error/.test(out) && out;
    }, 30_000);
    expect(table).toMatch(/^crasher\s+0\/1\s+(CrashLoopBackOff|Error)\s+\d+/);
    // --previous: the attempt before the current one, which printed its own start time.
    const previous = kubectl("logs", "crasher", "--previous");
    expect(previous.code).toBe(0);
    expect(previous.out).toMatch(/^started at \d+\.\d+\n$/);
    kubectl("delete", "pod", "crasher", "--grace-period=0", "--force");
  });

  it("kubectl logs -f follows one container of a two-container pod (-c)", async () => {
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
  - {name: idle, image: busybox, command: ["sleep", "3600"]}
`,
      ).code,
    ).toBe(0);
    await until("ticker Running", () => kubectl("get", "pod", "ticker", "-o", "jsonpath={.status.phase}").out === "Running", 30_000);
    // Without -c, kubectl 1.32 picks the first container itself and says so.
    const defaulted = kubectl("logs", "ticker");
    expect(defaulted.err).toContain('Defaulted container "tick" out of: tick, idle');
    expect(defaulted.out).toMatch(/^tick 1\n/);
    const follow = spawnKubectl(dataDir, dir, ["logs", "-f", "ticker", "-c", "tick"]);
    try {
      // Lines written after kubectl started arrive while it keeps the stream open.
      const first = await until("a first tick", () => /tick (\d+)/.exec(follow.stdout)?.[1], 15_000);
      await until("three more ticks", () => follow.stdout.includes(`tick ${Number(first) + 3}\n`), 15_000);
      expect(follow.child.exitCode).toBeNull();
    } finally {
      await follow.stop("SIGTERM", 5_000);
    }
    expect(kubectl("logs", "ticker", "-c", "idle").out).toBe("");
    kubectl("delete", "pod", "ticker", "--grace-period=0", "--force");
  });

  it("keeps its pods running across a crash of kubeling up (the kubelet adopts them, and removes what is not a pod)", async () => {
    const before = podsOf("app=web").map((p) => p.metadata.name).sort();
    const containersBefore = nodeContainers(nodeName, "web-").sort();
    expect(containersBefore).toHaveLength(6); // a sandbox and an httpd per pod
    await server!.stop("SIGKILL");
    // The containers outlive the process.
    expect(nodeContainers(nodeName, "web-").sort()).toEqual(containersBefore);
    // A sandbox of this node for a pod the API does not know (deleted while kubeling was down).
    const stray = spawnSync("docker", ["run", "-d", "--network", "none", "--name", `k8s_POD_stray_default_gone-${process.pid}_0`, "--label", `kubeling.io/node=${nodeName}`, "--label", "io.kubernetes.docker.type=podsandbox", "--label", `io.kubernetes.pod.uid=gone-${process.pid}`, "--label", "io.kubernetes.pod.name=stray", "--label", "io.kubernetes.pod.namespace=default", "kubeling/pause:3.10"], { encoding: "utf8" });
    expect(stray.status, stray.stderr).toBe(0);
    await start();
    // ... is removed by the restarted kubelet; its own pods' containers are kept.
    await until("the stray sandbox removed", () => nodeContainers(nodeName, "stray").length === 0, 30_000);
    await until("the node Ready again", () => /\sReady\s/.test(kubectl("get", "node", nodeName, "--no-headers").out), 30_000);
    const after = podsOf("app=web");
    expect(after.map((p) => p.metadata.name).sort()).toEqual(before);
    expect(after.every((p) => p.status.phase === "Running" && fetchFrom(p.status.podIP!, 8080) === p.metadata.name)).toBe(true);
    // Adopted, not recreated: the same containers still run.
    expect(nodeContainers(nodeName, "web-").sort()).toEqual(containersBefore);
  });

  it("a clean stop (Ctrl-C) leaves no container of the node behind", async () => {
    expect(nodeContainers(nodeName).length).toBeGreaterThan(0);
    await server!.stop("SIGINT");
    expect(server!.output).toContain("stopped.");
    expect(nodeContainers(nodeName)).toEqual([]);
    expect(spawnSync("iptables-save", { encoding: "utf8" }).stdout).not.toContain("KUBELING-");
    expect(spawnSync("ip", ["route"], { encoding: "utf8" }).stdout).not.toContain("10.96.0.0/12");
    // The pod bridge goes with the last node of the machine (others' sandboxes would keep it).
    const othersRunning = spawnSync("docker", ["ps", "-q", "--filter", "label=io.kubernetes.docker.type=podsandbox", "--filter", "label=kubeling.io/node"], { encoding: "utf8" }).stdout.trim();
    if (!othersRunning) expect(spawnSync("ip", ["link", "show", "kubeling0"], { encoding: "utf8" }).status).not.toBe(0);
  });
});
