// DockerRuntime on the real engine: the shared Runtime contract, then what only Docker does —
// containers of one pod sharing localhost, pod IPs from the podCIDR on the kubeling bridge
// (reachable from the host), pulls that fail fast without a registry, and re-adoption of a
// node's sandboxes by a new runtime. Needs dockerd and the local images: scripts/docker-up.sh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Dockerode from "dockerode";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeContract } from "../runtime/contract.js";
import { DockerRuntime } from "../../dist/hosts/node/docker-runtime.js";
import type { Runtime } from "../../dist/bindings/runtime.js";

const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });
const nodeName = `contract-${process.pid}`;
// A /24 of its own, away from the default node's 10.244.0.0/24.
const podCIDR = `10.244.${200 + (process.pid % 50)}.0/24`;
// The pods' volume directories, in a directory of this run's own.
const podsDir = mkdtempSync(join(tmpdir(), "kubeling-docker-pods-"));
const make = () => new DockerRuntime({ docker, nodeName, podCIDR, podsDir });

/** Removes every container this run's node label marks (containers first, sandboxes last). */
async function removeAll(): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`kubeling.io/node=${nodeName}`] } });
  list.sort((a, b) => Number(a.Labels["io.kubernetes.docker.type"] === "podsandbox") - Number(b.Labels["io.kubernetes.docker.type"] === "podsandbox"));
  for (const c of list) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

beforeAll(async () => {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`Docker is not reachable at /var/run/docker.sock (${(err as Error).message}); run scripts/docker-up.sh first`);
  }
  for (const image of ["busybox:latest", "kubeling/pause:3.10"]) {
    const present = await docker.getImage(image).inspect().then(() => true, () => false);
    if (!present) throw new Error(`image ${image} is missing; run scripts/docker-up.sh first`);
  }
  await make().ensureNetwork();
});

afterAll(async () => {
  await removeAll();
  // The kubeling bridge goes with its last user (it stays while another suite's sandboxes run).
  await make().removeNetworkIfUnused();
  rmSync(podsDir, { recursive: true, force: true });
});

runtimeContract("docker", { make: async () => make(), cleanup: async () => removeAll(), image: "busybox:latest" });

describe("DockerRuntime", () => {
  const pod = (n: string) => ({ uid: `docker-uid-${n}-${process.pid}`, namespace: "default", name: `docker-${n}`, hostname: `docker-${n}`, labels: { app: "docker-test" } });

  const waitExited = async (rt: Runtime, sandboxId: string, id: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = (await rt.listContainers({ sandboxId })).find((x) => x.id === id);
      if (c?.state === "exited") return c;
      if (Date.now() > deadline) throw new Error(`container ${id} did not exit within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const logsOf = async (rt: Runtime, id: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of rt.logs(id)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString("utf8");
  };

  /** A container serving `text` on :8080 with busybox httpd. */
  const httpd = (rt: Runtime, sandboxId: string, text: string) =>
    rt.createContainer(sandboxId, {
      name: "web",
      image: "busybox:latest",
      command: ["sh", "-c", `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 8080 -h /www`],
    });

  it("keeps a secret volume on a tmpfs, a configMap on disk, and removes both (unmounted) on tear-down", async () => {
    const rt = make();
    const p = pod("volumes");
    const s = await rt.runSandbox(p);
    const bytes = (t: string) => new TextEncoder().encode(t);
    const fsType = (path: string) =>
      readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" "))
        .filter((f) => f[1] === path)
        .map((f) => f[2])
        .pop();
    try {
      await rt.setUpPodVolumes(p.uid, [
        { name: "sec", kind: "files", plugin: "kubernetes.io~secret", files: [{ path: "token", content: bytes("t0k"), mode: 0o400 }], sensitive: true },
        { name: "cfg", kind: "files", plugin: "kubernetes.io~configmap", files: [{ path: "k", content: bytes("v"), mode: 0o644 }] },
        { name: "mem", kind: "emptyDir", plugin: "kubernetes.io~empty-dir", medium: "Memory", sizeLimitBytes: 1 << 20 },
      ]);
      const volumes = join(podsDir, p.uid, "volumes");
      expect(fsType(join(volumes, "kubernetes.io~secret", "sec"))).toBe("tmpfs");
      expect(fsType(join(volumes, "kubernetes.io~empty-dir", "mem"))).toBe("tmpfs");
      expect(fsType(join(volumes, "kubernetes.io~configmap", "cfg"))).toBeUndefined();
      const id = await rt.createContainer(s.sandboxId, {
        name: "reader",
        image: "busybox:latest",
        command: ["sh", "-c", "cat /s/token; echo; cat /c/k; echo; stat -c %a /s/..data/token; touch /s/x 2>/dev/null || echo ro"],
        mounts: [
          { volume: "sec", containerPath: "/s", readOnly: true },
          { volume: "cfg", containerPath: "/c" },
        ],
      });
      await rt.startContainer(id);
      await waitExited(rt, s.sandboxId, id);
      expect(await logsOf(rt, id)).toBe("t0k\nv\n400\nro\n");
      // A hostPath that fails its type check says so, as the host-path plugin does.
      await expect(rt.setUpPodVolumes(p.uid, [{ name: "h", kind: "hostPath", plugin: "kubernetes.io~host-path", path: "/proc/self/status", hostPathType: "Directory" }])).rejects.toThrow(
        'MountVolume.SetUp failed for volume "h" : hostPath type check failed: /proc/self/status is not a directory',
      );
    } finally {
      await rt.removeSandbox(s.sandboxId);
      await rt.tearDownPodVolumes(p.uid);
    }
    expect(existsSync(join(podsDir, p.uid))).toBe(false);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(podsDir);
  });

  it("runs containers of one pod on a shared localhost", async () => {
    const rt = make();
    const s = await rt.runSandbox(pod("localhost"));
    try {
      await rt.startContainer(await httpd(rt, s.sandboxId, "hello-from-web"));
      const client = await rt.createContainer(s.sandboxId, {
        name: "client",
        image: "busybox:latest",
        command: ["sh", "-c"],
        args: ["for i in $(seq 1 50); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1"],
      });
      await rt.startContainer(client);
      const done = await waitExited(rt, s.sandboxId, client);
      expect(done).toMatchObject({ exitCode: 0, reason: "Completed" });
      expect(await logsOf(rt, client)).toBe("hello-from-web\n");
    } finally {
      await rt.removeSandbox(s.sandboxId);
    }
  });

  it("gives sandboxes IPs from the podCIDR, reachable from the host", async () => {
    const rt = make();
    const s = await rt.runSandbox(pod("ip"));
    try {
      const prefix = podCIDR.split(".").slice(0, 3).join(".") + ".";
      expect(s.ip.startsWith(prefix)).toBe(true);
      expect(Number(s.ip.split(".")[3])).toBeGreaterThanOrEqual(2);
      await rt.startContainer(await httpd(rt, s.sandboxId, "hello-from-pod-ip"));
      // Only to the container just started on its pod IP; retried while httpd comes up.
      let body = "";
      for (let i = 0; i < 50 && !body; i++) {
        body = await fetch(`http://${s.ip}:8080/`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.text(),
          () => "",
        );
        if (!body) await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toBe("hello-from-pod-ip\n");
    } finally {
      await rt.removeSandbox(s.sandboxId);
    }
  });

  it("passes env, workingDir, and args after the image's entrypoint", async () => {
    const rt = make();
    const s = await rt.runSandbox(pod("env"));
    try {
      const id = await rt.createContainer(s.sandboxId, {
        name: "env",
        image: "busybox:latest",
        command: ["sh", "-c", 'echo "$GREETING from $(pwd)"'],
        env: { GREETING: "hi there" },
        workingDir: "/tmp",
      });
      await rt.startContainer(id);
      await waitExited(rt, s.sandboxId, id);
      expect(await logsOf(rt, id)).toBe("hi there from /tmp\n");
      // args alone replace the image's CMD (busybox: ["sh"]); there is no ENTRYPOINT.
      const args = await rt.createContainer(s.sandboxId, { name: "args", image: "busybox:latest", args: ["echo", "args only"] });
      await rt.startContainer(args);
      await waitExited(rt, s.sandboxId, args);
      expect(await logsOf(rt, args)).toBe("args only\n");
    } finally {
      await rt.removeSandbox(s.sandboxId);
    }
  });

  it("follows logs until the container exits, and tails", async () => {
    const rt = make();
    const s = await rt.runSandbox(pod("logs"));
    try {
      const id = await rt.createContainer(s.sandboxId, {
        name: "count",
        image: "busybox:latest",
        command: ["sh", "-c", "for i in 1 2 3; do echo line $i; echo err $i >&2; sleep 0.1; done"],
      });
      await rt.startContainer(id);
      const chunks: Buffer[] = [];
      for await (const chunk of rt.logs(id, { follow: true })) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks).toString("utf8");
      expect(text.split("\n").filter(Boolean).sort()).toEqual(["err 1", "err 2", "err 3", "line 1", "line 2", "line 3"]);
      const tail: Buffer[] = [];
      for await (const chunk of rt.logs(id, { tailLines: 1 })) tail.push(Buffer.from(chunk));
      expect(Buffer.concat(tail).toString("utf8")).toMatch(/^(line|err) 3\n$/);
    } finally {
      await rt.removeSandbox(s.sandboxId);
    }
  });

  it("fails a pull of a missing image fast, in containerd's words", async () => {
    const rt = make();
    const started = Date.now();
    expect(await rt.hasImage("kubeling-missing-image:latest")).toBe(false);
    await expect(rt.pullImage("kubeling-missing-image")).rejects.toThrow(
      /^rpc error: code = (NotFound|Unknown) desc = failed to pull and unpack image "docker\.io\/library\/kubeling-missing-image:latest": /,
    );
    expect(Date.now() - started).toBeLessThan(11_000);
  });

  it("reports SandboxStopped when a sandbox stops", async () => {
    const rt = make();
    const seen: string[] = [];
    const unsubscribe = rt.subscribe((e) => seen.push(`${e.type}:${e.sandboxId}`));
    const s = await rt.runSandbox(pod("events"));
    try {
      await rt.stopSandbox(s.sandboxId);
      const deadline = Date.now() + 5000;
      while (!seen.includes(`SandboxStopped:${s.sandboxId}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(`SandboxStopped:${s.sandboxId}`);
    } finally {
      unsubscribe();
      await rt.removeSandbox(s.sandboxId);
    }
  });

  it("a new runtime for the same node re-adopts its sandboxes and their IPs", async () => {
    const first = make();
    const a = await first.runSandbox(pod("adopt-a"));
    const second = make();
    const listed = (await second.listSandboxes()).find((x) => x.id === a.sandboxId);
    expect(listed).toMatchObject({ name: "docker-adopt-a", namespace: "default", state: "ready", ip: a.ip });
    // The adopted sandbox's IP is taken: the new runtime hands out another.
    const b = await second.runSandbox(pod("adopt-b"));
    expect(b.ip).not.toBe(a.ip);
    // Another node sees neither.
    const other = new DockerRuntime({ docker, nodeName: `${nodeName}-other`, podCIDR });
    expect((await other.listSandboxes()).map((x) => x.id)).not.toContain(a.sandboxId);
    await second.removeSandbox(a.sandboxId);
    await second.removeSandbox(b.sandboxId);
    expect(await second.listSandboxes()).toEqual([]);
  });

  it("cleanup leaves no container with the node's label", async () => {
    await removeAll();
    const left = await docker.listContainers({ all: true, filters: { label: [`kubeling.io/node=${nodeName}`] } });
    expect(left).toEqual([]);
  });
});
