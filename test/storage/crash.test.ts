// Crash safety: a writer under load is killed with SIGKILL; after reopening, every write it
// had acknowledged is there, whole, and the store is consistent (revisions, list, history).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../../dist/bindings/storage.js";
import { LmdbStorage } from "../../dist/hosts/node/lmdb-storage.js";
import { EtcdStorage } from "../../dist/hosts/node/etcd-storage.js";
import { startEtcd, type EtcdProcess } from "./etcd-process.js";

/**
 * Runs the writer until it has acknowledged `acks` writes (or 20 s), then SIGKILLs it —
 * after `crashServer`, when given (the store's own process dies first).
 */
async function writeThenKill(kind: string, where: string, acks: number, crashServer?: () => Promise<void>): Promise<Map<string, number>> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "crash-writer.mjs"), kind, where], { stdio: ["ignore", "pipe", "inherit"] });
  const acked = new Map<string, number>();
  let buffered = "";
  let killing = false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout!.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const [, key, revision] = line.split(" ");
        acked.set(key, Number(revision));
      }
      if (acked.size >= acks && child.exitCode === null && !killing) {
        killing = true;
        void (crashServer ?? (async () => {}))().then(() => child.kill("SIGKILL"));
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  expect(child.signalCode).toBe("SIGKILL");
  return acked;
}

async function checkSurvivors(store: Storage, acked: Map<string, number>): Promise<void> {
  const listed = await store.list("/crash/");
  const byKey = new Map(listed.items.map((kv) => [kv.key, kv]));
  for (const [key, revision] of acked) {
    const kv = byKey.get(key);
    expect(kv, key).toBeDefined();
    expect(kv!.modRevision).toBe(revision);
    expect(new TextDecoder().decode(kv!.value)).toBe(`value-${Number(key.slice(-6))}-`.padEnd(200, "x"));
  }
  // Nothing half-written: every stored key is whole and readable at its own revision.
  const now = await store.currentRevision();
  for (const kv of listed.items) {
    expect(kv.value.length).toBe(200);
    expect(kv.modRevision).toBeLessThanOrEqual(now);
    expect((await store.get(kv.key, kv.modRevision))?.modRevision).toBe(kv.modRevision);
  }
  // The store keeps working after the crash.
  const after = await store.create("/crash/after", new TextEncoder().encode("ok"));
  expect(after.ok && after.revision).toBeGreaterThan(now);
}

describe("crash safety", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeling-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("embedded LMDB: every acknowledged write survives kill -9", async () => {
    const path = join(dir, "store");
    const acked = await writeThenKill("lmdb", path, 2000);
    expect(acked.size).toBeGreaterThanOrEqual(2000);
    const store = new LmdbStorage(path);
    try {
      await checkSurvivors(store, acked);
    } finally {
      await store.close();
    }
  });

  describe("etcd", () => {
    let etcd: EtcdProcess;
    beforeAll(async () => {
      etcd = await startEtcd();
    });
    afterAll(async () => etcd?.stop());

    it("every write acknowledged before etcd and the client were killed is there after etcd restarts", async () => {
      const acked = await writeThenKill("etcd", etcd.endpoint, 500, () => etcd.crash());
      expect(acked.size).toBeGreaterThanOrEqual(500);
      await etcd.restart();
      const store = new EtcdStorage([etcd.endpoint]);
      try {
        await checkSurvivors(store, acked);
      } finally {
        await store.close();
      }
    });
  });
});
