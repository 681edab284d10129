// Several nodes: `kubeling up` with its Docker node, and `kubeling agent` joining a second
// node on the same machine with the node token. kubectl 1.32 sees two Ready nodes; a
// Deployment spreads over both; the agent's pods answer on their IPs, their logs, exec and
// port-forward come through the agent's kubelet server, a pod on the agent reaches a Service and the API
// server (default/kubernetes) from inside; stopping the agent removes its containers, its
// node goes NotReady and its pods run on the other node after their (shortened)
// toleration. Traffic goes only to loopback and the containers made here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL, KubelingProcess, curl, kubectlEnv, livePods, machineLock, nodeContainers, spawnKubectl, suiteWorkspace, until } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("agent");
const kubeletPort = port + 1;
const upNode = `e2e-up-${process.pid}`;
const agentNode = `e2e-agent-${process.pid}`;

const procs: KubelingProcess[] = [];

function run(args: string[]): KubelingProcess {
  const p = new KubelingProcess(args);
  procs.push(p);
  return p;
}

type Pod = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase: string; podIP?: string } };
const nodeReady = (name: string) => {
  const r = kubectl("get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}");
  return r.code === 0 ? r.out.trim() : "";
};

let up: KubelingProcess;
let agent: KubelingProcess;
let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  up = run(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", upNode, "--node-monitor-grace-period", "20"]);
  await up.waitFor("agents join with:", "kubeling up");
  agent = run(["agent", "--server", `https://127.0.0.1:${port}`, "--token-file", join(dataDir, "pki", "node-token"), "--name", agentNode, "--kubelet-port", String(kubeletPort), "--data-dir", join(dir, "agent"), "--node-capacity", "cpu=3,memory=4Gi", "--kube-reserved", "cpu=500m"]);
  await agent.waitFor("kubelet server listening", "kubeling agent");
}, 700_000);

afterAll(async () => {
  for (const p of procs) await p.stop("SIGINT");
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
      const p = livePods<Pod>(kubectl, "app=web");
      return p.length === 4 && p.every((x) => x.status.phase === "Running" && x.status.podIP) && p;
    }, 60_000);
    const nodes = new Set(pods.map((p) => p.spec.nodeName));
    expect(nodes).toEqual(new Set([upNode, agentNode]));
    const onAgent = pods.find((p) => p.spec.nodeName === agentNode)!;
    expect(onAgent.status.podIP).not.toMatch(/^10\.244\.0\./);
    const page = curl(`http://${onAgent.status.podIP}/`).trim();
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
    const onAgent = livePods<Pod>(kubectl, "app=web").find((p) => p.spec.nodeName === agentNode)!;
    expect(kubectl("exec", onAgent.metadata.name, "--", "cat", "/etc/hostname").out.trim()).toBe(onAgent.metadata.name);
    const input = spawnSync(KUBECTL, ["exec", "-i", onAgent.metadata.name, "--", "sh", "-c", "cat; exit 3"], {
      input: "through the agent\n",
      encoding: "utf8",
      env: kubectlEnv(dataDir, dir),
      timeout: 30_000,
    });
    expect(input.stdout).toBe("through the agent\n");
    expect(input.status).toBe(3);
    expect(input.stderr).toContain("command terminated with exit code 3");
    const local = 40000 + Math.floor(Math.random() * 20000);
    const pf = spawnKubectl(dataDir, dir, ["port-forward", `pod/${onAgent.metadata.name}`, `${local}:80`]);
    try {
      await pf.waitFor(`Forwarding from 127.0.0.1:${local}`, "port-forward listening", 20_000);
      const page = curl(`http://127.0.0.1:${local}/`, 5).trim();
      expect(page).toBe(onAgent.metadata.name);
    } finally {
      await pf.stop("SIGTERM", 5_000);
    }
  });

  it("stopping the agent removes its containers; its node goes NotReady and its pods move", async () => {
    expect(nodeContainers(agentNode).length).toBeGreaterThan(0);
    await agent.stop("SIGINT");
    expect(nodeContainers(agentNode)).toEqual([]);
    await until("the agent's node NotReady", () => nodeReady(agentNode) === "Unknown", 45_000);
    const pods = await until("4 web pods Running on the remaining node", () => {
      const p = livePods<Pod>(kubectl, "app=web");
      return p.length === 4 && p.every((x) => x.status.phase === "Running" && x.spec.nodeName === upNode) && p;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${kubectl("get", "pods", "-o", "wide").out}\n${kubectl("describe", "node", agentNode).out}\n${kubectl("get", "events", "-A").out}`);
    });
    expect(pods.length).toBe(4);
  }, 120_000);
});
