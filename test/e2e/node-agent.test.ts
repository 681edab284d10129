// Several nodes: `kubeling up` with its Docker node, and `kubeling agent` joining a second
// node on the same machine with the node token. kubectl 1.32 sees two Ready nodes; a
// Deployment spreads over both; the agent's pods answer on their IPs, their logs, exec and
// port-forward come through the agent's kubelet server, a pod on the agent reaches a Service and the API
// server (default/kubernetes) from inside; stopping the agent removes its containers, its
// node goes NotReady and its pods run on the other node after their (shortened)
// toleration. Traffic goes only to loopback and the containers made here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, KUBECTL, applierFor, kubectlFor, machineLock, until } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "kubeling-e2e-agent-"));
const dataDir = join(dir, "data");
const port = 21000 + Math.floor(Math.random() * 20000);
const kubeletPort = port + 1;
const upNode = `e2e-up-${process.pid}`;
const agentNode = `e2e-agent-${process.pid}`;
const kubectl = kubectlFor(dataDir, dir);
const apply = applierFor(kubectl, dir);

interface Proc {
  child: ChildProcess;
  output: string;
}
const procs: Proc[] = [];

function run(args: string[]): Proc {
  const p: Proc = { child: spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] }), output: "" };
  p.child.stdout!.on("data", (d) => (p.output += d));
  p.child.stderr!.on("data", (d) => (p.output += d));
  procs.push(p);
  return p;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGINT");
  await exited;
}

const waitFor = (p: Proc, text: string, what: string, ms = 60_000) =>
  until(what, () => p.output.includes(text) || (p.child.exitCode !== null && (() => { throw new Error(p.output); })()), ms);

const containersOf = (node: string) =>
  spawnSync("docker", ["ps", "-aq", "--filter", `label=kubeling.io/node=${node}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);

type Pod = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase: string; podIP?: string } };
const livePods = (selector: string) => (JSON.parse(kubectl("get", "pods", "-l", selector, "-o", "json").out).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
const nodeReady = (name: string) => {
  const r = kubectl("get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}");
  return r.code === 0 ? r.out.trim() : "";
};

let up: Proc;
let agent: Proc;
let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  up = run(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", upNode, "--node-monitor-grace-period", "20"]);
  await waitFor(up, "agents join with:", "kubeling up");
  agent = run(["agent", "--server", `https://127.0.0.1:${port}`, "--token-file", join(dataDir, "pki", "node-token"), "--name", agentNode, "--kubelet-port", String(kubeletPort), "--data-dir", join(dir, "agent"), "--node-capacity", "cpu=3,memory=4Gi", "--kube-reserved", "cpu=500m"]);
  await waitFor(agent, "kubelet server listening", "kubeling agent");
}, 700_000);

afterAll(async () => {
  for (const p of procs) await stop(p);
  release();
  rmSync(dir, { recursive: true, force: true });
});

describe("a second node joins with kubeling agent", () => {
  it("registers Ready with its own pod range, and shares this machine's kube-proxy", async () => {
    await until("both nodes Ready", () => nodeReady(upNode) === "True" && nodeReady(agentNode) === "True");
    const cidrs = kubectl("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{\"\\n\"}{end}").out;
    expect(cidrs).toContain(`${upNode}=10.244.0.0/24`);
    expect(cidrs).toMatch(new RegExp(`${agentNode}=10\\.244\\.[1-9]\\d*\\.0/24`));
    expect(agent.output).toContain("kube-proxy and cluster DNS are served on this machine by pid");
    // The capacity it was given, less what --kube-reserved holds back.
    const resources = JSON.parse(kubectl("get", "node", agentNode, "-o", "jsonpath={.status}").out) as { capacity: Record<string, string>; allocatable: Record<string, string> };
    expect(resources.capacity).toMatchObject({ cpu: "3", memory: "4Gi" });
    expect(resources.allocatable).toMatchObject({ cpu: "2500m", memory: "4Gi" });
  });

  it("runs a Deployment's pods on both nodes; the agent's pods answer and their logs come back", async () => {
    expect(
      apply(
        "web.yaml",
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - name: httpd
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && echo serving && exec httpd -f -p 80 -h /www"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      ).code,
    ).toBe(0);
    const pods = await until("4 web pods Running", () => {
      const p = livePods("app=web");
      return p.length === 4 && p.every((x) => x.status.phase === "Running" && x.status.podIP) && p;
    }, 60_000);
    const nodes = new Set(pods.map((p) => p.spec.nodeName));
    expect(nodes).toEqual(new Set([upNode, agentNode]));
    const onAgent = pods.find((p) => p.spec.nodeName === agentNode)!;
    expect(onAgent.status.podIP).not.toMatch(/^10\.244\.0\./);
    const page = spawnSync("curl", ["-s", "--max-time", "3", `http://${onAgent.status.podIP}/`], { encoding: "utf8" }).stdout.trim();
    expect(page).toBe(onAgent.metadata.name);
    // pods/log of a pod on the agent: the API server dials the agent's kubelet server.
    const logs = await until("the agent pod's log", () => {
      const r = kubectl("logs", onAgent.metadata.name);
      return r.code === 0 && r.out.includes("serving") && r;
    }, 15_000);
    expect(logs.out.trim()).toBe("serving");
  });

  it("a pod on the agent reaches a Service by name and the API server through default/kubernetes", async () => {
    expect(
      apply(
        "client.yaml",
        `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ${agentNode}
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:latest
    imagePullPolicy: IfNotPresent
        # (busybox-static's wget crashes resolving a name under its own -T alarm: timeout(1) bounds it instead)
    command: ["sh", "-c", "timeout 5 wget -qO- http://web.default.svc.cluster.local/ && echo web-ok; nc -w 3 kubernetes.default.svc.cluster.local 443 </dev/null && echo api-ok; true"]
`,
      ).code,
    ).toBe(0);
    await until("the client pod to finish", () => kubectl("get", "pod", "client", "-o", "jsonpath={.status.phase}").out === "Succeeded", 30_000);
    const out = kubectl("logs", "client").out;
    expect(out).toContain("web-ok");
    expect(out).toMatch(/^web-/m);
    expect(out).toContain("api-ok");
    const endpoint = kubectl("get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[0].addresses[0].ip}").out;
    expect(endpoint).toBe("10.244.0.1");
  });

  it("kubectl exec and port-forward reach a pod on the agent through its kubelet server", async () => {
    const onAgent = livePods("app=web").find((p) => p.spec.nodeName === agentNode)!;
    expect(kubectl("exec", onAgent.metadata.name, "--", "cat", "/etc/hostname").out.trim()).toBe(onAgent.metadata.name);
    const input = spawnSync(KUBECTL, ["exec", "-i", onAgent.metadata.name, "--", "sh", "-c", "cat; exit 3"], {
      input: "through the agent\n",
      encoding: "utf8",
      env: { ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: dir },
      timeout: 30_000,
    });
    expect(input.stdout).toBe("through the agent\n");
    expect(input.status).toBe(3);
    expect(input.stderr).toContain("command terminated with exit code 3");
    const local = 40000 + Math.floor(Math.random() * 20000);
    const pf = spawn(KUBECTL, ["port-forward", `pod/${onAgent.metadata.name}`, `${local}:80`], { env: { ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: dir }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    pf.stdout!.on("data", (d) => (log += d));
    pf.stderr!.on("data", (d) => (log += d));
    try {
      await until("port-forward listening", () => log.includes(`Forwarding from 127.0.0.1:${local}`), 20_000);
      const page = spawnSync("curl", ["-s", "--max-time", "5", `http://127.0.0.1:${local}/`], { encoding: "utf8" }).stdout.trim();
      expect(page).toBe(onAgent.metadata.name);
    } finally {
      pf.kill("SIGTERM");
    }
  });

  it("stopping the agent removes its containers; its node goes NotReady and its pods move", async () => {
    expect(containersOf(agentNode).length).toBeGreaterThan(0);
    await stop(agent);
    expect(containersOf(agentNode)).toEqual([]);
    await until("the agent's node NotReady", () => nodeReady(agentNode) === "Unknown", 45_000);
    const pods = await until("4 web pods Running on the remaining node", () => {
      const p = livePods("app=web");
      return p.length === 4 && p.every((x) => x.status.phase === "Running" && x.spec.nodeName === upNode) && p;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${kubectl("get", "pods", "-o", "wide").out}\n${kubectl("describe", "node", agentNode).out}\n${kubectl("get", "events", "-A").out}`);
    });
    expect(pods.length).toBe(4);
  }, 120_000);
});
