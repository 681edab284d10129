// Services on the Docker node end to end, kubectl 1.32 against `kubeling up`: a LoadBalancer
// Service gets an EXTERNAL-IP from the pool and answers curl from this machine with no
// tunnel, spreading over its pods; a pod whose readiness probe fails leaves the Service's
// EndpointSlice (ready=false) and gets no more traffic, then comes back; a headless Service
// resolves to its pods' IPs through cluster DNS; a clean stop takes the routes and chains
// away. Traffic goes only to loopback and to the containers made here.
//
// The readiness switch is the pod's own httpd: busybox httpd runs CGI scripts, and
// /cgi-bin/down and /cgi-bin/up remove and make the file the exec probe reads, so the test
// flips one pod's readiness with a request to its pod IP (no kubectl exec needed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { KubelingProcess, curl, livePods, machineLock, suiteWorkspace, until, untilEachAnswers } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("services");
const nodeName = `e2e-services-${process.pid}`;
const POOL = "10.245.0.0/24";
let server: KubelingProcess | undefined;

type Pod = { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string; podIP?: string } };

/** One bounded GET from the host. */
const get = (url: string) => curl(url, 2).trim();

type Slice = { endpoints: { addresses: string[]; conditions: { ready: boolean } }[] | null };
/** The Service's endpoints, address → ready, over its EndpointSlices. */
const sliceEndpoints = (service: string) => {
  const slices = JSON.parse(kubectl("get", "endpointslices", "-l", `kubernetes.io/service-name=${service}`, "-o", "json").out).items as Slice[];
  return new Map(slices.flatMap((s) => s.endpoints ?? []).map((e) => [e.addresses[0], e.conditions.ready]));
};

let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  server = new KubelingProcess(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", nodeName]);
  await server.waitFor("load balancers:", "kubeling up with its node's networking", 90_000);
}, 700_000);

afterAll(async () => {
  await server?.stop("SIGINT");
  release();
  rmSync(dir, { recursive: true, force: true });
});

describe("Services on the Docker node", () => {
  let lbIP = "";
  let pods: Pod[] = [];

  it("a LoadBalancer Service gets an EXTERNAL-IP from the pool and answers curl from the host, spread over its pods", async () => {
    expect(
      apply(
        "lb.yaml",
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: lb}
spec:
  replicas: 2
  selector: {matchLabels: {app: lb}}
  template:
    metadata: {labels: {app: lb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        command:
        - sh
        - -c
        - |
          mkdir -p /www/cgi-bin && hostname > /www/index.html
          printf '#!/bin/sh\\nrm -f /tmp/ready\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\ndown\\\\n"\\n' > /www/cgi-bin/down
          printf '#!/bin/sh\\ntouch /tmp/ready\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\nup\\\\n"\\n' > /www/cgi-bin/up
          chmod +x /www/cgi-bin/down /www/cgi-bin/up && touch /tmp/ready
          exec httpd -f -p 8080 -h /www
        readinessProbe:
          exec: {command: ["cat", "/tmp/ready"]}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: lb}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lb-outside}
spec:
  type: LoadBalancer
  loadBalancerIP: 192.0.2.10
  selector: {app: lb}
  ports: [{port: 80, targetPort: 8080}]
`,
      ).code,
    ).toBe(0);
    expect(kubectl("rollout", "status", "deployment/lb", "--timeout=60s").out).toContain("successfully rolled out");
    pods = livePods<Pod>(kubectl, "app=lb");
    expect(pods).toHaveLength(2);

    // kubectl get svc: the pool's address, the node port beside the port.
    const row = await until("an EXTERNAL-IP for lb", () => {
      const out = kubectl("get", "svc", "lb", "--no-headers").out;
      return /^lb\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+10\.245\.0\.\d+\s+80:3\d{4}\/TCP\s/.test(out) && out;
    }, 15_000);
    lbIP = row.split(/\s+/)[3];
    expect(JSON.parse(kubectl("get", "svc", "lb", "-o", "json").out).status.loadBalancer.ingress).toEqual([{ ip: lbIP, ipMode: "VIP" }]);
    // An address outside the pool is never handed out: pending, as with a cloud that has not answered.
    expect(kubectl("get", "svc", "lb-outside", "--no-headers").out).toMatch(/^lb-outside\s+LoadBalancer\s+\S+\s+<pending>\s+80:3\d{4}\/TCP\s/);
    expect(kubectl("get", "events", "--field-selector", "involvedObject.name=lb-outside,reason=SyncLoadBalancerFailed", "--no-headers").out).toContain("not in the pool");

    // The pool is routed to the bridge, like the service range.
    expect(spawnSync("ip", ["route", "show", POOL], { encoding: "utf8" }).stdout).toContain("dev kubeling0");

    const names = new Set(pods.map((p) => p.metadata.name));
    const seen = await untilEachAnswers("both pods answering on the EXTERNAL-IP", `http://${lbIP}/`, names);
    expect([...seen].filter((n) => n !== "").every((n) => names.has(n))).toBe(true);
  });

  it("externalTrafficPolicy Local still answers from this node (every endpoint is local)", async () => {
    expect(kubectl("patch", "svc", "lb", "-p", '{"spec":{"externalTrafficPolicy":"Local"}}').code).toBe(0);
    expect(kubectl("get", "svc", "lb", "-o", "jsonpath={.spec.healthCheckNodePort}").out).toMatch(/^3\d{4}$/);
    const names = new Set(pods.map((p) => p.metadata.name));
    await untilEachAnswers("both pods answering with policy Local", `http://${lbIP}/`, names);
    expect(kubectl("patch", "svc", "lb", "-p", '{"spec":{"externalTrafficPolicy":"Cluster"}}').code).toBe(0);
  });

  it("a pod failing its readiness probe leaves the EndpointSlice (ready=false) and gets no traffic, then returns", async () => {
    const [down, up] = pods;
    expect(get(`http://${down.status.podIP}:8080/cgi-bin/down`)).toBe("down");
    await until("the pod not ready in the EndpointSlice", () => sliceEndpoints("lb").get(down.status.podIP!) === false, 15_000);
    expect(sliceEndpoints("lb").get(up.status.podIP!)).toBe(true);
    expect(kubectl("get", "pod", down.metadata.name, "--no-headers").out).toMatch(/\s0\/1\s+Running\s/);
    // kube-proxy syncs within its min sync period; then only the ready pod answers.
    await until("only the ready pod answering", () => Array.from({ length: 5 }, () => get(`http://${lbIP}/`)).every((n) => n === up.metadata.name), 10_000);
    const answers = Array.from({ length: 20 }, () => get(`http://${lbIP}/`));
    expect(answers).toEqual(Array(20).fill(up.metadata.name));

    expect(get(`http://${down.status.podIP}:8080/cgi-bin/up`)).toBe("up");
    await until("the pod ready again", () => sliceEndpoints("lb").get(down.status.podIP!) === true, 15_000);
    await until("the pod answering on the EXTERNAL-IP again", () => get(`http://${lbIP}/`) === down.metadata.name, 20_000);
  });

  it("a headless Service resolves to the pod IPs through cluster DNS, from inside a pod", async () => {
    expect(
      apply(
        "headless.yaml",
        `apiVersion: v1
kind: Service
metadata: {name: lb-headless}
spec:
  clusterIP: None
  selector: {app: lb}
  ports: [{port: 8080}]
`,
      ).code,
    ).toBe(0);
    await until("the headless Service's endpoints", () => sliceEndpoints("lb-headless").size === 2, 15_000);
    expect(kubectl("run", "resolver", "--image=busybox", "--restart=Never", "--", "nslookup", "lb-headless.default.svc.cluster.local").code).toBe(0);
    await until("the resolver pod to finish", () => /Succeeded|Failed/.test(kubectl("get", "pod", "resolver", "-o", "jsonpath={.status.phase}").out), 30_000);
    const logs = kubectl("logs", "resolver").out;
    expect(kubectl("get", "pod", "resolver", "-o", "jsonpath={.status.phase}").out).toBe("Succeeded");
    for (const p of pods) expect(logs).toContain(`Address: ${p.status.podIP}`);
    // Headless: no virtual IP answers, only the pods.
    expect(logs).not.toMatch(/Address: 10\.(9[6-9]|10\d|11[01])\./);
    kubectl("delete", "pod", "resolver", "--grace-period=0", "--force");
  });

  it("deleting the Service frees its address; a clean stop removes the load-balancer route and the chains", async () => {
    expect(kubectl("delete", "svc", "lb", "lb-outside").code).toBe(0);
    await until("the LB rules gone", () => !spawnSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }).stdout.includes(`-d ${lbIP}/32`), 10_000);
    expect(get(`http://${lbIP}/`)).toBe("");

    await server!.stop("SIGINT");
    expect(server!.output).toContain("stopped.");
    expect(spawnSync("iptables-save", { encoding: "utf8" }).stdout).not.toContain("KUBELING-");
    const routes = spawnSync("ip", ["route"], { encoding: "utf8" }).stdout;
    expect(routes).not.toContain(POOL);
    expect(routes).not.toContain("10.96.0.0/12");
  });
});
