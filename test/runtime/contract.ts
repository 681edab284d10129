// The Runtime contract (bindings/runtime.ts), as a suite any implementation runs: the
// simulated runtime here (simulated.test.ts), Docker in the node host's suite. It assumes
// only what every runtime does — an image with busybox's `sh`, `sleep` and `echo`, real
// (wall-clock) time, containers that take a while — and waits by polling.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Runtime, RuntimeEvent } from "../../dist/bindings/runtime.js";

export interface RuntimeContractOptions {
  /** A fresh runtime (with `image` present). */
  make(): Promise<Runtime>;
  /** Removes whatever the test left behind (the suite removes its sandboxes itself). */
  cleanup?(runtime: Runtime): Promise<void>;
  /** An image with sh, sleep and echo that is present (busybox). */
  image: string;
  /** How long waiting for a container's exit may take; default 10 s. */
  timeoutMs?: number;
}

let sequence = 0;

export function runtimeContract(name: string, options: RuntimeContractOptions): void {
  const timeout = options.timeoutMs ?? 10_000;

  describe(`Runtime contract: ${name}`, () => {
    let runtime: Runtime;
    const sandboxes: string[] = [];

    beforeEach(async () => {
      runtime = await options.make();
    });

    afterEach(async () => {
      for (const id of sandboxes.splice(0)) await runtime.removeSandbox(id).catch(() => undefined);
      await options.cleanup?.(runtime);
    });

    const sandbox = async (annotations: Record<string, string> = {}) => {
      const n = ++sequence;
      const s = await runtime.runSandbox({
        uid: `contract-uid-${n}`,
        namespace: "default",
        name: `contract-${n}`,
        hostname: `contract-${n}`,
        labels: { app: "contract" },
        annotations,
      });
      sandboxes.push(s.sandboxId);
      return s;
    };

    const container = async (sandboxId: string, command: string[], attempt = 0) =>
      runtime.createContainer(sandboxId, { name: "main", image: options.image, command, attempt });

    const status = async (sandboxId: string, id: string) => (await runtime.listContainers({ sandboxId })).find((c) => c.id === id);

    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + timeout;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it("names itself and its version", async () => {
      expect(runtime.type).toMatch(/^[a-z][a-z0-9-]*$/);
      const v = await runtime.version();
      expect(v.runtimeName).not.toBe("");
      expect(v.runtimeVersion).not.toBe("");
    });

    it("has the test image, can 'pull' it, and lists it", async () => {
      expect(await runtime.hasImage(options.image)).toBe(true);
      const pulled = await runtime.pullImage(options.image);
      expect(pulled.imageRef).not.toBe("");
      expect(pulled.sizeBytes).toBeGreaterThan(0);
      const images = await runtime.listImages();
      const base = options.image.split(":")[0].split("/").pop()!;
      expect(images.some((i) => i.names.some((n) => n.includes(base)) && i.sizeBytes > 0)).toBe(true);
    });

    it("runs sandboxes with distinct IPv4 addresses and lists them", async () => {
      const a = await sandbox();
      const b = await sandbox();
      expect(a.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(b.ip).not.toBe(a.ip);
      const listed = await runtime.listSandboxes();
      const mine = listed.find((s) => s.id === a.sandboxId)!;
      expect(mine).toMatchObject({ uid: expect.stringMatching(/^contract-uid-/), namespace: "default", state: "ready", ip: a.ip });
      expect(mine.createdAt).toBeGreaterThan(0);
    });

    it("creates a container (created, attempt echoed), starts it (running)", async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sleep", "3600"], 2);
      const created = await status(s.sandboxId, id);
      expect(created).toMatchObject({ id, sandboxId: s.sandboxId, name: "main", state: "created", attempt: 2 });
      expect(created!.image).not.toBe("");
      await runtime.startContainer(id);
      const running = await status(s.sandboxId, id);
      expect(running!.state).toBe("running");
      expect(running!.startedAt).toBeGreaterThan(0);
      expect(running!.imageRef).toBeTruthy();
    });

    it("reports a container's exit: code and reason", async () => {
      const s = await sandbox();
      const ok = await container(s.sandboxId, ["sh", "-c", "exit 0"]);
      const bad = await container(s.sandboxId, ["sh", "-c", "exit 3"]);
      await runtime.startContainer(ok);
      await runtime.startContainer(bad);
      await until("both containers to exit", async () => (await status(s.sandboxId, ok))?.state === "exited" && (await status(s.sandboxId, bad))?.state === "exited");
      expect(await status(s.sandboxId, ok)).toMatchObject({ exitCode: 0, reason: "Completed" });
      const failed = (await status(s.sandboxId, bad))!;
      expect(failed).toMatchObject({ exitCode: 3, reason: "Error" });
      expect(failed.finishedAt!).toBeGreaterThanOrEqual(failed.startedAt!);
    });

    it("stops a running container (idempotently) and removes it", async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sleep", "3600"]);
      await runtime.startContainer(id);
      await runtime.stopContainer(id, 1);
      const stopped = (await status(s.sandboxId, id))!;
      expect(stopped.state).toBe("exited");
      expect(stopped.exitCode).not.toBe(0);
      await runtime.stopContainer(id, 1);
      await runtime.removeContainer(id);
      expect(await status(s.sandboxId, id)).toBeUndefined();
    });

    it("stopping a sandbox stops its containers; removing it removes them", async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sleep", "3600"]);
      await runtime.startContainer(id);
      await runtime.stopSandbox(s.sandboxId);
      expect((await status(s.sandboxId, id))?.state).toBe("exited");
      expect((await runtime.listSandboxes()).find((x) => x.id === s.sandboxId)?.state).toBe("notready");
      await runtime.stopSandbox(s.sandboxId);
      await runtime.removeSandbox(s.sandboxId);
      await runtime.removeSandbox(s.sandboxId);
      expect(await runtime.listContainers({ sandboxId: s.sandboxId })).toEqual([]);
      expect((await runtime.listSandboxes()).some((x) => x.id === s.sandboxId)).toBe(false);
    });

    it("lists containers per sandbox and all of them", async () => {
      const a = await sandbox();
      const b = await sandbox();
      const ca = await container(a.sandboxId, ["sleep", "3600"]);
      const cb = await container(b.sandboxId, ["sleep", "3600"]);
      expect((await runtime.listContainers({ sandboxId: a.sandboxId })).map((c) => c.id)).toEqual([ca]);
      const all = (await runtime.listContainers()).map((c) => c.id);
      expect(all).toContain(ca);
      expect(all).toContain(cb);
    });

    it("rejects a container for a sandbox that does not exist", async () => {
      await expect(runtime.createContainer("no-such-sandbox", { name: "x", image: options.image })).rejects.toThrow();
    });

    it("keeps a container's output for logs", async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["echo", "hello kubeling"]);
      await runtime.startContainer(id);
      await until("the container to exit", async () => (await status(s.sandboxId, id))?.state === "exited");
      const chunks: Uint8Array[] = [];
      for await (const chunk of runtime.logs(id)) chunks.push(chunk);
      const text = new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c])));
      expect(text).toBe("hello kubeling\n");
    });

    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

    const running = async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sleep", "3600"]);
      await runtime.startContainer(id);
      return { s, id };
    };

    it("execs in a running container: stdout, exit codes, stderr, the pod's hostname", async () => {
      const { s, id } = await running();
      const echo = await runtime.exec(id, ["echo", "hello", "exec"], { timeoutMs: timeout });
      expect(echo.exitCode).toBe(0);
      expect(text(echo.stdout)).toBe("hello exec\n");
      expect(text(echo.stderr)).toBe("");
      expect((await runtime.exec(id, ["sh", "-c", "exit 3"], { timeoutMs: timeout })).exitCode).toBe(3);
      expect((await runtime.exec(id, ["false"], { timeoutMs: timeout })).exitCode).toBe(1);
      const missing = await runtime.exec(id, ["cat", "/no/such/file"], { timeoutMs: timeout });
      expect(missing.exitCode).toBe(1);
      expect(text(missing.stdout)).toBe("");
      expect(text(missing.stderr)).toContain("No such file or directory");
      const hostname = await runtime.exec(id, ["cat", "/etc/hostname"], { timeoutMs: timeout });
      const listed = (await runtime.listSandboxes()).find((x) => x.id === s.sandboxId)!;
      expect(text(hostname.stdout)).toBe(`${listed.name}\n`);
    });

    it("keeps files an exec writes for the next exec of the container", async () => {
      const { id } = await running();
      expect((await runtime.exec(id, ["sh", "-c", "echo ok > /tmp/alive"], { timeoutMs: timeout })).exitCode).toBe(0);
      expect(text((await runtime.exec(id, ["cat", "/tmp/alive"], { timeoutMs: timeout })).stdout)).toBe("ok\n");
      expect((await runtime.exec(id, ["rm", "/tmp/alive"], { timeoutMs: timeout })).exitCode).toBe(0);
      expect((await runtime.exec(id, ["cat", "/tmp/alive"], { timeoutMs: timeout })).exitCode).not.toBe(0);
    });

    it("feeds stdin to a non-interactive exec", async () => {
      const { id } = await running();
      async function* input() {
        yield new TextEncoder().encode("from stdin\n");
      }
      const r = await runtime.exec(id, ["cat"], { stdin: input(), timeoutMs: timeout });
      expect(r.exitCode).toBe(0);
      expect(text(r.stdout)).toBe("from stdin\n");
    });

    it("streams an exec: stdin to cat comes back on stdout, then the exit code", async () => {
      const { id } = await running();
      const ex = await runtime.execStream(id, ["cat"], { stdin: true, tty: false });
      expect(ex.stdin).toBeDefined();
      const out: Uint8Array[] = [];
      const reading = (async () => {
        for await (const chunk of ex.stdout) out.push(chunk);
      })();
      await ex.stdin!.write(new TextEncoder().encode("ping\n"));
      await until("the echo", async () => text(Uint8Array.from(out.flatMap((c) => [...c]))) === "ping\n");
      await ex.stdin!.close();
      expect(await ex.exitCode).toBe(0);
      await reading;
      expect(text(Uint8Array.from(out.flatMap((c) => [...c])))).toBe("ping\n");
    });

    it("attaches to a running container: the session ends when it stops, with its exit code", async () => {
      const { id } = await running();
      const session = await runtime.attach(id, { stdin: false, tty: false });
      const reading = (async () => {
        for await (const _ of session.stdout) void _;
      })();
      let settled = false;
      void session.exitCode.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(settled).toBe(false); // it runs on
      await runtime.stopContainer(id, 0);
      const code = await session.exitCode;
      expect(code).toBe((await runtime.listContainers()).find((c) => c.id === id)!.exitCode);
      await reading;
    });

    it("rejects an exec in a container that does not run", async () => {
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sleep", "3600"]);
      await expect(runtime.exec(id, ["true"], { timeoutMs: timeout })).rejects.toThrow();
    });

    it("sets up pod volumes: a files volume's contents appear at the mount (subPath too); unknown volumes are refused", async () => {
      const s = await sandbox();
      const uid = (await runtime.listSandboxes()).find((x) => x.id === s.sandboxId)!.uid;
      const bytes = (t: string) => new TextEncoder().encode(t);
      await runtime.setUpPodVolumes(uid, [
        { name: "cfg", kind: "files", plugin: "kubernetes.io~configmap", files: [{ path: "k", content: bytes("hello"), mode: 0o644 }, { path: "d/x", content: bytes("deep"), mode: 0o600 }] },
        { name: "sec", kind: "files", plugin: "kubernetes.io~secret", files: [{ path: "token", content: bytes("t0k"), mode: 0o400 }], sensitive: true },
        { name: "scratch", kind: "emptyDir", plugin: "kubernetes.io~empty-dir" },
      ]);
      // Idempotent: a second set-up (new contents) is fine.
      await runtime.setUpPodVolumes(uid, [
        { name: "cfg", kind: "files", plugin: "kubernetes.io~configmap", files: [{ path: "k", content: bytes("hello"), mode: 0o644 }, { path: "d/x", content: bytes("deep"), mode: 0o600 }] },
        { name: "sec", kind: "files", plugin: "kubernetes.io~secret", files: [{ path: "token", content: bytes("t0k"), mode: 0o400 }], sensitive: true },
        { name: "scratch", kind: "emptyDir", plugin: "kubernetes.io~empty-dir" },
      ]);
      const id = await runtime.createContainer(s.sandboxId, {
        name: "main",
        image: options.image,
        command: ["sleep", "3600"],
        mounts: [
          { volume: "cfg", containerPath: "/etc/cfg" },
          { volume: "sec", containerPath: "/etc/sec", readOnly: true },
          { volume: "cfg", containerPath: "/etc/deep", subPath: "d" },
          { volume: "scratch", containerPath: "/scratch" },
        ],
      });
      await runtime.startContainer(id);
      const cat = async (path: string) => text((await runtime.exec(id, ["cat", path], { timeoutMs: timeout })).stdout);
      expect(await cat("/etc/cfg/k")).toBe("hello");
      expect(await cat("/etc/cfg/d/x")).toBe("deep");
      expect(await cat("/etc/sec/token")).toBe("t0k");
      expect(await cat("/etc/deep/x")).toBe("deep");
      await expect(runtime.createContainer(s.sandboxId, { name: "other", image: options.image, mounts: [{ volume: "nope", containerPath: "/n" }] })).rejects.toThrow();
      await runtime.stopSandbox(s.sandboxId);
      await runtime.removeSandbox(s.sandboxId);
      await runtime.tearDownPodVolumes(uid);
      await runtime.tearDownPodVolumes(uid);
    });

    it("takes resources and a security context", async () => {
      const s = await sandbox();
      const id = await runtime.createContainer(s.sandboxId, {
        name: "main",
        image: options.image,
        command: ["sleep", "3600"],
        resources: { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * 1024 * 1024 },
        securityContext: { runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true },
      });
      await runtime.startContainer(id);
      expect((await status(s.sandboxId, id))!.state).toBe("running");
    });

    it("tells subscribers when containers start and exit, until they unsubscribe", async () => {
      const seen: RuntimeEvent[] = [];
      const unsubscribe = runtime.subscribe((e) => seen.push(e));
      const s = await sandbox();
      const id = await container(s.sandboxId, ["sh", "-c", "exit 1"]);
      await runtime.startContainer(id);
      await until("the exit event", async () => seen.some((e) => e.type === "ContainerExited" && e.containerId === id));
      expect(seen.find((e) => e.type === "ContainerStarted" && e.containerId === id)?.sandboxId).toBe(s.sandboxId);
      unsubscribe();
      const count = seen.length;
      const other = await container(s.sandboxId, ["sh", "-c", "exit 0"]);
      await runtime.startContainer(other);
      await until("the second container to exit", async () => (await status(s.sandboxId, other))?.state === "exited");
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.length).toBe(count);
    });
  });
}
