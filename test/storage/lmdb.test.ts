import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LmdbStorage } from "../../dist/hosts/node/lmdb-storage.js";
import { storageContract } from "./contract.js";

const dir = mkdtempSync(join(tmpdir(), "kubeling-lmdb-"));
let store: LmdbStorage | undefined;
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

storageContract("embedded LMDB (Node host)", () => (store ??= new LmdbStorage(join(dir, "store"))));

describe("embedded LMDB under steady heartbeats", () => {
  it("stays bounded on disk when compacted: freed pages are reused", async () => {
    const path = join(dir, "heartbeats");
    const s = new LmdbStorage(path);
    const keys = Array.from({ length: 10 }, (_, i) => `/registry/leases/kube-node-lease/node-${i}`);
    const revisions = new Map<string, number>();
    for (const key of keys) {
      const r = await s.create(key, new Uint8Array(300));
      revisions.set(key, r.ok ? r.revision : -1);
    }
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      // 2,000 heartbeats: every lease renewed 200 times, ten at a time.
      for (let beat = 0; beat < 200; beat++) {
        await Promise.all(keys.map(async (key) => {
          const r = await s.update(key, new Uint8Array(300).fill(beat), revisions.get(key)!);
          expect(r.ok).toBe(true);
          revisions.set(key, r.ok ? r.revision : -1);
        }));
      }
      await s.compact(await s.currentRevision());
      sizes.push(statSync(join(path, "data.mdb")).size);
    }
    // After the first round fills the file, later rounds reuse what compaction freed.
    expect(sizes[3]).toBeLessThanOrEqual(sizes[1] * 1.25);
    expect((await s.list("/registry/leases/")).items.length).toBe(10);
    await s.close();
  });
});
