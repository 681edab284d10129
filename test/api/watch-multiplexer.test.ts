// The watch multiplexer: API watches of one prefix and selection share a storage watch,
// late starters replay on their own watch and then join, and nobody sees an event twice or
// misses one — checked against the in-memory store, LMDB and etcd (whose watches are
// separate gRPC streams, so group and replay deliver in any order).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { LmdbStorage } from "../../dist/hosts/node/lmdb-storage.js";
import { WatchMultiplexer } from "../../dist/core/api/watch-multiplexer.js";
import { EtcdStorage } from "../../dist/hosts/node/etcd-storage.js";
import type { Storage, WatchEvent } from "../../dist/bindings/storage.js";
import { startEtcd, type EtcdProcess } from "../storage/etcd-process.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Waits (up to 5 s) until `done()` holds: etcd delivers watch events asynchronously. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
const settle = () => new Promise((r) => setTimeout(r, 100));
let testNumber = 0;

/** Records what one watch receives: "<revision>:<key>" per event. */
function recorder() {
  const seen: string[] = [];
  let compactedAt = 0;
  return {
    seen,
    get compactedAt() {
      return compactedAt;
    },
    sink: {
      send: (e: string) => seen.push(e),
      compacted: (rev: number) => (compactedAt = rev),
    },
  };
}

const everything = (e: WatchEvent) => `${e.kv.modRevision}:${e.kv.key}`;
/** Only values "keep" pass this selection. */
const keepOnly = (e: WatchEvent) => (e.type === "put" && dec.decode(e.kv.value) === "keep" ? `${e.kv.modRevision}:${e.kv.key}` : null);

function suite(name: string, make: () => { storage: Storage; cleanup: () => void }) {
  describe(name, () => {
    it("serves watchers of one prefix and selection from one storage watch", async () => {
      const { storage, cleanup } = make();
      const p = `/registry/t${++testNumber}`;
      const mux = new WatchMultiplexer<string>(storage);
      const start = await storage.currentRevision();
      const watchers = Array.from({ length: 50 }, () => recorder());
      const cancels = watchers.map((w) => mux.watch(`${p}/`, "", start, everything, w.sink));
      expect(mux.storageWatches).toBe(1);
      const r1 = await storage.create(`${p}/a`, enc.encode("x"));
      const r2 = await storage.create(`${p}/b`, enc.encode("y"));
      await storage.create(`${p}x/c`, enc.encode("z"));
      await until(() => watchers.every((w) => w.seen.length >= 2));
      await settle();
      for (const w of watchers) expect(w.seen).toEqual([`${(r1 as { revision: number }).revision}:${p}/a`, `${(r2 as { revision: number }).revision}:${p}/b`]);
      for (const c of cancels) c();
      expect(mux.storageWatches).toBe(0);
      await storage.close();
      cleanup();
    });

    it("converts each event once per selection, not once per watcher", async () => {
      const { storage, cleanup } = make();
      const p = `/registry/t${++testNumber}`;
      const mux = new WatchMultiplexer<string>(storage);
      const start = await storage.currentRevision();
      let conversions = 0;
      const counting = (e: WatchEvent) => {
        conversions++;
        return keepOnly(e);
      };
      const watchers = Array.from({ length: 100 }, () => recorder());
      for (const w of watchers) mux.watch(`${p}/`, "value=keep", start, counting, w.sink);
      for (let i = 0; i < 10; i++) await storage.create(`${p}/${i}`, enc.encode(i % 2 ? "keep" : "drop"));
      await until(() => conversions >= 10 && watchers.every((w) => w.seen.length >= 5));
      await settle();
      expect(conversions).toBe(10);
      for (const w of watchers) expect(w.seen.length).toBe(5);
      await storage.close();
      cleanup();
    });

    it("replays for a watcher that starts behind its group, then hands it over without gaps or repeats", async () => {
      const { storage, cleanup } = make();
      const p = `/registry/t${++testNumber}`;
      const mux = new WatchMultiplexer<string>(storage);
      const start = await storage.currentRevision();
      const early = recorder();
      mux.watch(`${p}/`, "", start, everything, early.sink);
      const written: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await storage.create(`${p}/${i}`, enc.encode("v"));
        written.push(`${(r as { revision: number }).revision}:${p}/${i}`);
      }
      await until(() => early.seen.length === 5);
      // Starts after the 2nd write: replays the 3rd to 5th, then lives off the group.
      const late = recorder();
      const lateFrom = Number(written[1].split(":")[0]);
      mux.watch(`${p}/`, "", lateFrom, everything, late.sink);
      expect(mux.storageWatches).toBe(2);
      // Writes while the late watcher is still replaying.
      const writes = [];
      for (let i = 5; i < 25; i++) writes.push(storage.create(`${p}/${i}`, enc.encode("v")).then((r) => `${(r as { revision: number }).revision}:${p}/${i}`));
      written.push(...(await Promise.all(writes)));
      await until(() => early.seen.length === 25 && late.seen.length === 23 && mux.storageWatches === 1);
      await settle();
      written.sort((a, b) => Number(a.split(":")[0]) - Number(b.split(":")[0]));
      expect(early.seen).toEqual(written);
      expect(late.seen).toEqual(written.slice(2));
      expect(mux.storageWatches).toBe(1);
      await storage.close();
      cleanup();
    });

    it("ends a watcher that starts before the compaction with the compaction revision", async () => {
      const { storage, cleanup } = make();
      const p = `/registry/t${++testNumber}`;
      const mux = new WatchMultiplexer<string>(storage);
      for (let i = 0; i < 4; i++) await storage.create(`${p}/${i}`, enc.encode("v"));
      const now = await storage.currentRevision();
      await storage.compact(now);
      const live = recorder();
      mux.watch(`${p}/`, "", now, everything, live.sink);
      const stale = recorder();
      mux.watch(`${p}/`, "", 1, everything, stale.sink);
      await until(() => stale.compactedAt > 0);
      expect(stale.compactedAt).toBe(now);
      const r = await storage.create(`${p}/new`, enc.encode("v"));
      await until(() => live.seen.length > 0);
      await settle();
      expect(live.seen).toEqual([`${(r as { revision: number }).revision}:${p}/new`]);
      expect(stale.seen).toEqual([]);
      await storage.close();
      cleanup();
    });

    it("keeps separate groups for separate prefixes and selections", async () => {
      const { storage, cleanup } = make();
      const p = `/registry/t${++testNumber}`;
      const mux = new WatchMultiplexer<string>(storage);
      const start = await storage.currentRevision();
      const all = recorder();
      const kept = recorder();
      const ns = recorder();
      mux.watch(`${p}/`, "", start, everything, all.sink);
      mux.watch(`${p}/`, "value=keep", start, keepOnly, kept.sink);
      mux.watch(`${p}/ns1/`, "", start, everything, ns.sink);
      expect(mux.storageWatches).toBe(3);
      await storage.create(`${p}/ns1/a`, enc.encode("keep"));
      await storage.create(`${p}/ns2/b`, enc.encode("drop"));
      await until(() => all.seen.length === 2 && kept.seen.length === 1 && ns.seen.length === 1);
      await settle();
      expect(all.seen.length).toBe(2);
      expect(kept.seen.map((s) => s.split(":")[1])).toEqual([`${p}/ns1/a`]);
      expect(ns.seen.map((s) => s.split(":")[1])).toEqual([`${p}/ns1/a`]);
      await storage.close();
      cleanup();
    });
  });
}

suite("in-memory store", () => ({ storage: new MemoryStorage(), cleanup: () => {} }));
suite("LMDB store", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeling-mux-"));
  return { storage: new LmdbStorage(join(dir, "db")), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
});

describe("etcd store", () => {
  let etcd: EtcdProcess;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  suite("etcd 3.4 (separate gRPC watch streams)", () => ({ storage: new EtcdStorage([etcd.endpoint]), cleanup: () => {} }));
});
