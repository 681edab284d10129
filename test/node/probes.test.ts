// Probes for real: the Kubelet over an in-process API server, on DockerRuntime with the Node
// probe transport. A busybox httpd pod with an httpGet readiness probe becomes Ready and
// goes NotReady once its page is gone; an exec liveness probe fails after `rm` and the
// container is restarted. Needs dockerd and the local images: scripts/docker-up.sh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Dockerode from "dockerode";
import { startControlPlane, type Harness } from "../controllers/harness.js";
import { Kubelet } from "../../dist/core/kubelet/kubelet.js";
import { DockerRuntime } from "../../dist/hosts/node/docker-runtime.js";
import { nodeProbeTransport } from "../../dist/hosts/node/probe-transport.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";

const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });
const nodeName = `probes-${process.pid}`;
const podCIDR = `10.244.${150 + (process.pid % 40)}.0/24`;

let h: Harness;
let kubelet: Kubelet;
let runtime: DockerRuntime;

async function removeAll(): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`kubeling.io/node=${nodeName}`] } });
  list.sort((a, b) => Number(a.Labels["io.kubernetes.docker.type"] === "podsandbox") - Number(b.Labels["io.kubernetes.docker.type"] === "podsandbox"));
  for (const c of list) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

beforeAll(async () => {
  await docker.ping();
  for (const image of ["busybox:latest", "kubeling/pause:3.10"]) {
    const present = await docker.getImage(image).inspect().then(() => true, () => false);
    if (!present) throw new Error(`image ${image} is missing; run scripts/docker-up.sh first`);
  }
  h = await startControlPlane([]);
  runtime = new DockerRuntime({ docker, nodeName, podCIDR });
  await runtime.ensureNetwork();
  kubelet = new Kubelet({ nodeName, client: h.client.as("kubelet"), runtime, podCIDR, probeTransport: nodeProbeTransport() });
  await kubelet.start();
}, 60_000);

afterAll(async () => {
  kubelet?.stop();
  await h?.stop();
  await removeAll();
  // The kubeling bridge goes with its last user (it stays while another suite's sandboxes run).
  await runtime?.removeNetworkIfUnused();
}, 60_000);

const getPod = (name: string) => h.client.get(R.pods, "default", name) as Promise<KubeObject & { status: any }>;
const cs = (pod: any) => pod.status?.containerStatuses?.find((c: any) => c.name === "c");
const ready = (pod: any) => pod.status?.conditions?.find((c: any) => c.type === "Ready")?.status;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function events(name: string): Promise<string[]> {
  const list = await h.client.list(R.events, "default");
  return list.items.filter((e) => (e.involvedObject as { name: string }).name === name).map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

async function createPod(name: string, container: Record<string, unknown>): Promise<void> {
  await h.client.create(R.pods, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:latest", imagePullPolicy: "IfNotPresent", ...container }] },
  });
}

/** The runtime id of the pod's running container c. */
async function runningId(name: string): Promise<string> {
  const pod = await getPod(name);
  return String(cs(pod).containerID).replace(/^docker:\/\//, "");
}

describe("probes on Docker", () => {
  it("an httpGet readiness probe on busybox httpd: Ready, then NotReady once the page is gone", async () => {
    await createPod("httpd", {
      command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"],
      ports: [{ name: "http", containerPort: 8080 }],
      readinessProbe: { httpGet: { path: "/index.html", port: "http" }, periodSeconds: 1, failureThreshold: 1 },
    });
    await until("the pod to be Ready", async () => ready(await getPod("httpd")) === "True");
    expect(cs(await getPod("httpd")).ready).toBe(true);

    const rm = await runtime.exec(await runningId("httpd"), ["rm", "/www/index.html"], { timeoutMs: 5000 });
    expect(rm.exitCode).toBe(0);
    await until("the pod to be NotReady", async () => ready(await getPod("httpd")) === "False");
    expect(cs(await getPod("httpd")).ready).toBe(false);
    await until("the Unhealthy event", async () => (await events("httpd")).includes("Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"));
  }, 60_000);

  it("an exec liveness probe fails after `rm /tmp/alive` and the container restarts", async () => {
    await createPod("alive", {
      command: ["sh", "-c", "touch /tmp/alive; exec sleep 3600"],
      livenessProbe: { exec: { command: ["cat", "/tmp/alive"] }, periodSeconds: 1, failureThreshold: 1 },
    });
    await until("the container to run", async () => cs(await getPod("alive"))?.state?.running !== undefined);
    const rm = await runtime.exec(await runningId("alive"), ["rm", "/tmp/alive"], { timeoutMs: 5000 });
    expect(rm.exitCode).toBe(0);
    await until("a restart", async () => {
      const c = cs(await getPod("alive"));
      return c?.restartCount === 1 && c.state?.running !== undefined;
    });
    const ev = await events("alive");
    expect(ev).toContain("Warning Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory\n");
    expect(ev).toContain("Normal Killing: Container c failed liveness probe, will be restarted");
  }, 60_000);
});
