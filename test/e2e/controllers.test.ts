// The control loops end to end: kubectl 1.32 against `kubeling up --simulate-nodes 3` —
// create deployment, rollout status, set image, rollout undo, scale, a Job that completes,
// a CronJob that fires, a stopped node whose pods move, and a delete that cascades.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { KubelingProcess, podsMatching, suiteWorkspace, until } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("loops");
let server: KubelingProcess | undefined;

type Pod = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string; containers: { image: string }[] }; status: { phase: string } };
const podsOf = (selector: string) => podsMatching<Pod>(kubectl, selector);

beforeAll(async () => {
  // A short node-monitor grace period so a stopped node goes Unknown within seconds.
  server = new KubelingProcess(["up", "--data-dir", dataDir, "--port", String(port), "--no-node", "--simulate-nodes", "3", "--node-monitor-grace-period", "3"]);
  await server.waitFor("API server listening", "kubeling up", 20_000);
  // The CronJob is made first: it fires at the next minute boundary, checked at the end.
  expect(kubectl("create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *", "--", "true").code).toBe(0);
});

afterAll(async () => {
  await server?.stop("SIGINT");
  rmSync(dir, { recursive: true, force: true });
});

describe("kubectl 1.32 against kubeling up --simulate-nodes 3", () => {
  it("registers three Ready nodes", async () => {
    const out = await until("3 Ready nodes", () => {
      const r = kubectl("get", "nodes", "--no-headers");
      return r.out.trim().split("\n").filter((l) => /\sReady\s/.test(l)).length === 3 && r.out;
    });
    expect(out).toMatch(/kubeling-sim-0\s+Ready/);
  });

  it("create deployment → rollout status; set image rolls; rollout undo returns; scale", () => {
    expect(kubectl("create", "deployment", "web", "--image=busybox", "--replicas=3").code).toBe(0);
    const first = kubectl("rollout", "status", "deployment/web", "--timeout=60s");
    expect(first.out).toContain('deployment "web" successfully rolled out');
    expect(podsOf("app=web").filter((p) => p.status.phase === "Running")).toHaveLength(3);

    expect(kubectl("set", "image", "deployment/web", "busybox=busybox:1.36").code).toBe(0);
    expect(kubectl("rollout", "status", "deployment/web", "--timeout=60s").out).toContain("successfully rolled out");
    const rolled = podsOf("app=web").filter((p) => !p.metadata.deletionTimestamp);
    expect(rolled.map((p) => p.spec.containers[0].image)).toEqual(["busybox:1.36", "busybox:1.36", "busybox:1.36"]);
    expect(kubectl("get", "rs", "-l", "app=web", "--no-headers").out.trim().split("\n")).toHaveLength(2);

    const undo = kubectl("rollout", "undo", "deployment/web");
    expect(undo.out).toContain("deployment.apps/web rolled back");
    expect(kubectl("rollout", "status", "deployment/web", "--timeout=60s").out).toContain("successfully rolled out");
    expect(kubectl("get", "deployment", "web", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}").out).toBe("3");
    expect(kubectl("rollout", "history", "deployment/web").out).toMatch(/2\s+<none>\s*\n3\s+<none>/);

    expect(kubectl("scale", "deployment/web", "--replicas=5").code).toBe(0);
    expect(kubectl("rollout", "status", "deployment/web", "--timeout=60s").out).toContain("successfully rolled out");
    const scaled = podsOf("app=web").filter((p) => !p.metadata.deletionTimestamp);
    expect(scaled).toHaveLength(5);
    expect(scaled.every((p) => p.spec.containers[0].image === "busybox" && p.status.phase === "Running")).toBe(true);
    // The scheduler spread them over the three nodes.
    expect(new Set(scaled.map((p) => p.spec.nodeName)).size).toBe(3);
  });

  it("a Job completes", () => {
    expect(kubectl("create", "job", "once", "--image=busybox", "--", "true").code).toBe(0);
    const wait = kubectl("wait", "--for=condition=complete", "job/once", "--timeout=60s");
    expect(wait.out).toContain("job.batch/once condition met");
    expect(kubectl("get", "job", "once", "--no-headers").out).toMatch(/^once\s+Complete\s+1\/1/);
  });

  it("a stopped node's pods are evicted after their toleration and run elsewhere", async () => {
    expect(
      apply(
        "tolerant.yaml",
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: tolerant}
spec:
  replicas: 3
  selector: {matchLabels: {app: tolerant}}
  template:
    metadata: {labels: {app: tolerant}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers: [{name: c, image: busybox}]
`,
      ).code,
    ).toBe(0);
    expect(kubectl("rollout", "status", "deployment/tolerant", "--timeout=60s").out).toContain("successfully rolled out");
    const victimNode = podsOf("app=tolerant")[0].spec.nodeName!;
    // Stopping a simulated node: its kubelet stops heartbeating (the annotation is the command).
    expect(kubectl("annotate", "node", victimNode, "kubeling.io/simulate-stopped=true").code).toBe(0);
    await until("the node to go NotReady", () => /NotReady/.test(kubectl("get", "node", victimNode, "--no-headers").out), 30_000);
    const taints = kubectl("get", "node", victimNode, "-o", "jsonpath={.spec.taints[*].key}").out;
    expect(taints).toContain("node.kubernetes.io/unreachable");
    await until(
      "3 Running pods on the other nodes",
      () => podsOf("app=tolerant").filter((p) => !p.metadata.deletionTimestamp && p.status.phase === "Running" && p.spec.nodeName !== victimNode).length === 3,
      40_000,
    );
    const events = kubectl("get", "events", "--field-selector", "reason=TaintManagerEviction", "--no-headers").out;
    expect(events).toContain("Marking for deletion Pod default/tolerant-");
    // Started again, the node heartbeats, goes Ready and loses its taint.
    expect(kubectl("annotate", "node", victimNode, "kubeling.io/simulate-stopped-").code).toBe(0);
    await until("the node to be Ready again", () => /\sReady\s/.test(kubectl("get", "node", victimNode, "--no-headers").out), 30_000);
    await until("the unreachable taint to go", () => !kubectl("get", "node", victimNode, "-o", "jsonpath={.spec.taints[*].key}").out.includes("unreachable"), 30_000);
  });

  it("delete cascades: the ReplicaSets and pods of a deleted Deployment go", async () => {
    expect(kubectl("delete", "deployment", "web").code).toBe(0);
    await until("web's ReplicaSets and pods to go", () => kubectl("get", "rs,pods", "-l", "app=web", "--no-headers").out.trim() === "" || undefined, 30_000);
    expect(kubectl("create", "namespace", "scratch").code).toBe(0);
    expect(kubectl("create", "configmap", "x", "-n", "scratch").code).toBe(0);
    const del = kubectl("delete", "namespace", "scratch", "--timeout=30s");
    expect(del.out).toContain('namespace "scratch" deleted');
    expect(kubectl("get", "namespace", "scratch").err).toContain('namespaces "scratch" not found');
  });

  it("the CronJob fired and its Job completed", async () => {
    const job = await until(
      "a Job from the CronJob",
      () => {
        const jobs = JSON.parse(kubectl("get", "jobs", "-o", "json").out).items as { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }; status?: { succeeded?: number } }[];
        return jobs.find((j) => j.metadata.ownerReferences?.some((o) => o.kind === "CronJob" && o.name === "tick") && j.status?.succeeded === 1);
      },
      90_000,
    );
    expect(job.metadata.name).toMatch(/^tick-\d+$/);
    expect(kubectl("get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}").out).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
