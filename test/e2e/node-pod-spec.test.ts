// The rest of the pod spec on a Docker node, end to end with kubectl 1.32 against `kubeling
// up`: env from a ConfigMap, a Secret and the downward API (with $(VAR) expansion and
// envFrom), configMap/secret/downwardAPI/emptyDir volumes, workingDir, runAsUser/Group,
// readOnlyRootFilesystem and limits (read back from inside the container and from `docker
// inspect`), the secret volume on a tmpfs, CreateContainerConfigError until a ConfigMap
// appears, a PVC whose data outlives its pod, a privileged pod refused, a preStop hook that
// runs before SIGTERM, a service account token mounted and accepted (and `kubectl create
// token`), and nothing left on the machine once the pods are gone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL, KubelingProcess, machineLock, suiteWorkspace, until } from "./harness.js";

const { dir, dataDir, port, kubectl, apply } = suiteWorkspace("podspec");
const podsDir = join(dataDir, "pods");
const hookDir = join(dir, "hook");
const nodeName = `e2e-podspec-${process.pid}`;
let server: KubelingProcess | undefined;

type Pod = {
  metadata: { name: string; uid: string };
  status: { phase: string; podIP?: string; containerStatuses?: { ready: boolean; state: { waiting?: { reason?: string; message?: string }; running?: unknown } }[] };
};
const getPod = (name: string): Pod | undefined => {
  const r = kubectl("get", "pod", name, "-o", "json");
  return r.code === 0 ? (JSON.parse(r.out) as Pod) : undefined;
};
const running = (name: string) => getPod(name)?.status.containerStatuses?.[0]?.state.running !== undefined;

/** The mount points under `path`, from the host's mount table. */
const mountsUnder = (path: string) =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f[1] && (f[1] === path || f[1].startsWith(`${path}/`)))
    .map((f) => ({ target: f[1], type: f[2] }));

/** `docker inspect` of the app container of `pod`. */
const inspectContainer = (pod: string) => {
  const id = spawnSync("docker", ["ps", "-q", "--filter", `label=kubeling.io/node=${nodeName}`, "--filter", `label=io.kubernetes.pod.name=${pod}`, "--filter", "label=io.kubernetes.docker.type=container"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  return JSON.parse(spawnSync("docker", ["inspect", id], { encoding: "utf8" }).stdout)[0] as {
    Config: { User: string; WorkingDir: string };
    HostConfig: { Memory: number; CpuQuota: number; CpuPeriod: number; CpuShares: number; NanoCpus: number; ReadonlyRootfs: boolean; Privileged: boolean };
  };
};

let release = () => {};

beforeAll(async () => {
  release = await machineLock("docker-node");
  server = new KubelingProcess(["up", "--data-dir", dataDir, "--port", String(port), "--node-name", nodeName]);
  await server.waitFor(`node ${nodeName}:`, "kubeling up and its node");
  await until("the node Ready", () => /\sReady\s/.test(kubectl("get", "node", nodeName, "--no-headers").out), 30_000);
}, 700_000);

afterAll(async () => {
  await server?.stop("SIGINT");
  release();
  rmSync(dir, { recursive: true, force: true });
});

const timings: Record<string, number> = {};

describe("the pod spec on a Docker node (kubectl 1.32 against kubeling up)", () => {
  it("a plain pod starts (the baseline for start times)", async () => {
    const started = Date.now();
    expect(apply("plain.yaml", `apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
`).code).toBe(0);
    await until("plain running", () => running("plain"), 30_000);
    timings.plain = Date.now() - started;
  });

  it("env (ConfigMap, Secret, downward API, $(VAR), envFrom), volumes, workingDir, user, read-only root and limits reach the container", async () => {
    expect(kubectl("create", "configmap", "cfg", "--from-literal=k=hello", "--from-literal=GREETING=hi").code).toBe(0);
    expect(kubectl("create", "secret", "generic", "sec", "--from-literal=password=s3cret").code).toBe(0);
    const started = Date.now();
    const r = apply("demo.yaml", `apiVersion: v1
kind: Pod
metadata: {name: demo, labels: {app: demo}}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000}
  containers:
  - name: main
    image: busybox
    workingDir: /data
    command: ["sh", "-c"]
    args:
    - |
      env | sort
      echo "cfg=$(cat /etc/cfg/k)"
      echo "sec=$(cat /etc/sec/password)"
      echo "labels=$(cat /etc/podinfo/labels)"
      echo "mem=$(cat /etc/podinfo/mem)"
      echo "uid=$(id -u) gid=$(id -g)"
      echo "pwd=$(pwd)"
      touch /x 2>/dev/null || echo rootfs=ro
      echo hi > /data/f && echo "data=$(cat /data/f)"
      echo "expanded=$(POD_NAME)"
      echo done
      sleep 3600
    env:
    - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}
    - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: sec, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: CPU_M, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
    - {name: COMPOSED, value: "$(POD_NAME)-$(FROM_CM)-$(NOPE)"}
    - {name: MISSING_OPTIONAL, valueFrom: {configMapKeyRef: {name: nope, key: x, optional: true}}}
    envFrom: [{prefix: CFG_, configMapRef: {name: cfg}}]
    resources: {limits: {memory: 64Mi, cpu: 500m}}
    securityContext: {readOnlyRootFilesystem: true}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec, readOnly: true}
    - {name: podinfo, mountPath: /etc/podinfo}
    - {name: data, mountPath: /data}
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - {name: sec, secret: {secretName: sec}}
  - name: podinfo
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: mem, resourceFieldRef: {containerName: main, resource: limits.memory, divisor: 1Mi}}
  - {name: data, emptyDir: {}}
`);
    expect(r.code, r.err).toBe(0);
    await until("demo running", () => running("demo"), 30_000);
    timings.volumes = Date.now() - started;
    const logs = await until("demo's output", () => {
      const out = kubectl("logs", "demo").out;
      return out.includes("done") && out;
    }, 20_000);
    const pod = getPod("demo")!;
    for (const line of [
      "FROM_CM=hello",
      "FROM_SECRET=s3cret",
      "POD_NAME=demo",
      `POD_IP=${pod.status.podIP}`,
      `NODE=${nodeName}`,
      "APP=demo",
      "MEM_MI=64",
      "CPU_M=500",
      "COMPOSED=demo-hello-$(NOPE)",
      "CFG_k=hello",
      "CFG_GREETING=hi",
      "cfg=hello",
      "sec=s3cret",
      'labels=app="demo"',
      "mem=64",
      "uid=1000 gid=3000",
      "pwd=/data",
      "rootfs=ro",
      "data=hi",
      "expanded=demo",
    ]) {
      expect(logs.split("\n")).toContain(line);
    }
    expect(logs).not.toContain("MISSING_OPTIONAL");

    const info = inspectContainer("demo");
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.CpuQuota).toBe(50_000);
    expect(info.HostConfig.CpuPeriod).toBe(100_000);
    expect(info.HostConfig.CpuShares).toBe(512); // requests default to limits: 500m → 512 shares
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.Config.User).toBe("1000:3000");
    expect(info.Config.WorkingDir).toBe("/data");

    // The secret lives on a tmpfs of its own; the configMap on the disk; the layout is the kubelet's.
    const volumes = join(podsDir, pod.metadata.uid, "volumes");
    const mounts = mountsUnder(join(podsDir, pod.metadata.uid));
    expect(mounts).toContainEqual({ target: join(volumes, "kubernetes.io~secret", "sec"), type: "tmpfs" });
    expect(mounts.some((m) => m.target.includes("configmap"))).toBe(false);
    const entries = readdirSync(join(volumes, "kubernetes.io~configmap", "cfg")).sort();
    expect(entries.filter((e) => !/^\.\.\d{4}_/.test(e))).toEqual(["..data", "GREETING", "k"]);
    expect(entries.filter((e) => /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./.test(e))).toHaveLength(1);
  });

  it("a missing ConfigMap: CreateContainerConfigError with Kubernetes' message, until it appears", async () => {
    expect(apply("late.yaml", `apiVersion: v1
kind: Pod
metadata: {name: late}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo value=$LATE; sleep 3600"]
    env: [{name: LATE, valueFrom: {configMapKeyRef: {name: late-cfg, key: v}}}]
`).code).toBe(0);
    const waiting = await until("CreateContainerConfigError", () => {
      const w = getPod("late")?.status.containerStatuses?.[0]?.state.waiting;
      return w?.reason === "CreateContainerConfigError" && w;
    }, 30_000);
    expect(waiting.message).toBe('configmap "late-cfg" not found');
    expect(kubectl("get", "pod", "late", "--no-headers").out).toContain("CreateContainerConfigError");
    expect(kubectl("create", "configmap", "late-cfg", "--from-literal=v=arrived").code).toBe(0);
    await until("late running", () => running("late"), 40_000);
    await until("late's output", () => kubectl("logs", "late").out.includes("value=arrived"), 10_000);
  });

  it("a PVC's data outlives the pod that wrote it", async () => {
    expect(apply("pvc.yaml", `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: store}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
`).code).toBe(0);
    const pod = (name: string, script: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - {name: main, image: busybox, command: ["sh", "-c", "${script}"], volumeMounts: [{name: store, mountPath: /store}]}
  volumes: [{name: store, persistentVolumeClaim: {claimName: store}}]
`;
    expect(apply("writer.yaml", pod("writer", "echo persisted > /store/file")).code).toBe(0);
    await until("writer Succeeded", () => getPod("writer")?.status.phase === "Succeeded", 40_000);
    expect(kubectl("delete", "pod", "writer", "--timeout=30s").code).toBe(0);
    expect(apply("reader.yaml", pod("reader", "cat /store/file")).code).toBe(0);
    await until("reader Succeeded", () => getPod("reader")?.status.phase === "Succeeded", 40_000);
    expect(kubectl("logs", "reader").out).toBe("persisted\n");
    expect(kubectl("delete", "pod", "reader", "--timeout=30s").code).toBe(0);
  });

  it("refuses a privileged container (no --allow-privileged)", () => {
    const r = apply("priv.yaml", `apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers: [{name: main, image: busybox, command: ["sleep", "3600"], securityContext: {privileged: true}}]
`);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('The Pod "priv" is invalid: spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy');
  });

  it("runs the preStop hook before SIGTERM on deletion, within the grace period", async () => {
    expect(apply("hooked.yaml", `apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "trap 'echo term >> /hook/log; exit 0' TERM; echo started >> /hook/log; while true; do sleep 0.2; done"]
    lifecycle:
      preStop: {exec: {command: ["sh", "-c", "echo prestop >> /hook/log"]}}
    volumeMounts: [{name: hook, mountPath: /hook}]
  volumes: [{name: hook, hostPath: {path: "${hookDir}", type: DirectoryOrCreate}}]
`).code).toBe(0);
    await until("hooked started", () => existsSync(join(hookDir, "log")) && readFileSync(join(hookDir, "log"), "utf8").includes("started"), 30_000);
    const started = Date.now();
    expect(kubectl("delete", "pod", "hooked", "--timeout=30s").code).toBe(0);
    timings.deleteWithPreStop = Date.now() - started;
    expect(readFileSync(join(hookDir, "log"), "utf8")).toBe("started\nprestop\nterm\n");
    // SIGTERM was handled at once: nobody waited for the 10 s grace to run out.
    expect(timings.deleteWithPreStop).toBeLessThan(9_000);
  });

  it("a pod gets its service account's token, the CA and its namespace; the token authenticates as the account", async () => {
    expect(
      apply(
        "sa.yaml",
        `apiVersion: v1
kind: Pod
metadata: {name: sa-reader}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "cd /var/run/secrets/kubernetes.io/serviceaccount && cat namespace && echo && head -1 ca.crt && cat token"]
`,
      ).code,
    ).toBe(0);
    await until("sa-reader Succeeded", () => getPod("sa-reader")?.status.phase === "Succeeded", 30_000);
    const [namespace, caLine, token] = kubectl("logs", "sa-reader").out.split("\n");
    expect(namespace).toBe("default");
    expect(caLine).toBe("-----BEGIN CERTIFICATE-----");
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // The token alone (no client certificate) is a user: system:serviceaccount:default:default, with no rights yet.
    const asToken = (t: string) =>
      spawnSync(KUBECTL, ["--kubeconfig=/dev/null", `--server=https://127.0.0.1:${port}`, `--certificate-authority=${join(dataDir, "pki", "ca.crt")}`, `--token=${t}`, "get", "pods"], { encoding: "utf8", timeout: 30_000 });
    expect(asToken(token).stderr).toContain('User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"');
    // kubectl create token: a TokenRequest from the command line.
    const created = kubectl("create", "token", "default", "--duration=10m");
    expect(created.code).toBe(0);
    expect(asToken(created.out.trim()).stderr).toContain('User "system:serviceaccount:default:default" cannot list resource "pods"');
    expect(asToken(`${token.slice(0, -4)}AAAA`).stderr).toContain("Unauthorized");
    expect(kubectl("create", "token", "default", "--duration=1m").err).toContain("may not specify a duration less than 10 minutes");
    // Bound to the pod: deleting the pod revokes the token.
    expect(kubectl("delete", "pod", "sa-reader", "--timeout=60s").code).toBe(0);
    await until("the pod's token revoked", () => asToken(token).stderr.includes("Unauthorized"), 15_000);
  });

  it("once the pods are deleted, no tmpfs mount and no pod directory is left", async () => {
    expect(kubectl("delete", "pod", "plain", "demo", "late", "--timeout=60s").code).toBe(0);
    await until("the pod directories gone", () => !existsSync(podsDir) || readdirSync(podsDir).length === 0, 30_000);
    expect(mountsUnder(dataDir)).toEqual([]);
    console.log(`pod start (apply → running): plain ${timings.plain} ms, with configMap+secret+downwardAPI+emptyDir volumes and env ${timings.volumes} ms; delete with preStop ${timings.deleteWithPreStop} ms`);
  });
});
