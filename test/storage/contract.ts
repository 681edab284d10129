// The Storage contract (bindings/storage.ts), one suite for every implementation: the
// in-memory store (browser), the embedded LMDB store and etcd (Node). Each case works under
// its own key prefix, so implementations that share a server (etcd) need no reset.
import { describe, expect, it } from "vitest";
import {
  StorageCompactedError,
  StorageFutureRevisionError,
  type Storage,
  type WatchEvent,
} from "../../dist/bindings/storage.js";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
let prefixes = 0;
const fresh = () => `/contract/${Date.now().toString(36)}-${prefixes++}/`;

/** Collects watch events until `count` have arrived (or fails after 5 s). */
function collect(storage: Storage, prefix: string, after: number, count: number) {
  const events: WatchEvent[] = [];
  let compacted: number | null = null;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const watch = storage.watch(prefix, after, {
    events(batch) {
      events.push(...batch);
      if (events.length >= count) resolve();
    },
    compacted(rev) {
      compacted = rev;
      resolve();
    },
  });
  const timeout = setTimeout(resolve, 5000);
  return {
    events,
    get compacted() {
      return compacted;
    },
    async done() {
      await done;
      clearTimeout(timeout);
      watch.cancel();
    },
  };
}

export function storageContract(name: string, storage: () => Storage): void {
  describe(`Storage contract: ${name}`, () => {
    it("create, then get; a second create of the key fails and shows what is stored", async () => {
      const s = storage();
      const key = fresh() + "a";
      const created = await s.create(key, text("one"));
      expect(created.ok).toBe(true);
      const revision = created.ok ? created.revision : 0;
      const got = await s.get(key);
      expect(got && str(got.value)).toBe("one");
      expect(got).toMatchObject({ key, createRevision: revision, modRevision: revision });
      const again = await s.create(key, text("two"));
      expect(again.ok).toBe(false);
      expect(!again.ok && again.current && str(again.current.value)).toBe("one");
      expect(await s.currentRevision()).toBeGreaterThanOrEqual(revision);
    });

    it("update and delete are compare-and-swap on modRevision", async () => {
      const s = storage();
      const key = fresh() + "k";
      const r1 = await s.create(key, text("v1"));
      const rev1 = r1.ok ? r1.revision : -1;
      const stale = await s.update(key, text("x"), rev1 - 1);
      expect(stale.ok).toBe(false);
      expect(!stale.ok && stale.current?.modRevision).toBe(rev1);
      const r2 = await s.update(key, text("v2"), rev1);
      expect(r2.ok).toBe(true);
      const rev2 = r2.ok ? r2.revision : -1;
      expect(rev2).toBeGreaterThan(rev1);
      expect(await s.get(key)).toMatchObject({ createRevision: rev1, modRevision: rev2 });
      expect((await s.delete(key, rev1)).ok).toBe(false);
      expect((await s.delete(key, rev2)).ok).toBe(true);
      expect(await s.get(key)).toBeNull();
      const missing = await s.update(key, text("v3"), rev2);
      expect(missing).toEqual({ ok: false, current: null });
      expect(await s.delete(key)).toEqual({ ok: false, current: null });
    });

    it("stores a copy of the value", async () => {
      const s = storage();
      const key = fresh() + "copy";
      const value = text("abc");
      await s.create(key, value);
      value[0] = 0x7a;
      expect(str((await s.get(key))!.value)).toBe("abc");
    });

    it("lists a prefix in key order, in pages, at one revision", async () => {
      const s = storage();
      const prefix = fresh();
      for (const k of ["c", "a", "e", "b", "d"]) await s.create(prefix + k, text(k));
      await s.create(prefix.slice(0, -1) + "x/other", text("not mine"));
      const all = await s.list(prefix);
      expect(all.items.map((i) => str(i.value))).toEqual(["a", "b", "c", "d", "e"]);
      expect(all.more).toBe(false);
      expect(all.revision).toBeGreaterThanOrEqual(Math.max(...all.items.map((i) => i.modRevision)));
      const page1 = await s.list(prefix, { limit: 2 });
      expect(page1.items.map((i) => str(i.value))).toEqual(["a", "b"]);
      expect(page1.more).toBe(true);
      const page2 = await s.list(prefix, { limit: 2, after: page1.items[1].key, revision: page1.revision });
      expect(page2.items.map((i) => str(i.value))).toEqual(["c", "d"]);
      const page3 = await s.list(prefix, { limit: 2, after: page2.items[1].key, revision: page1.revision });
      expect(page3.items.map((i) => str(i.value))).toEqual(["e"]);
      expect(page3.more).toBe(false);
    });

    it("reads the past at a revision: get and list", async () => {
      const s = storage();
      const prefix = fresh();
      const a = await s.create(prefix + "a", text("a1"));
      const b = await s.create(prefix + "b", text("b1"));
      const then = b.ok ? b.revision : -1;
      await s.update(prefix + "a", text("a2"), a.ok ? a.revision : -1);
      await s.delete(prefix + "b");
      await s.create(prefix + "c", text("c1"));
      expect(str((await s.get(prefix + "a", then))!.value)).toBe("a1");
      expect(str((await s.get(prefix + "b", then))!.value)).toBe("b1");
      expect(await s.get(prefix + "c", then)).toBeNull();
      const past = await s.list(prefix, { revision: then });
      expect(past.items.map((i) => `${i.key.slice(prefix.length)}=${str(i.value)}`)).toEqual(["a=a1", "b=b1"]);
      expect(past.revision).toBe(then);
      const now = await s.list(prefix);
      expect(now.items.map((i) => `${i.key.slice(prefix.length)}=${str(i.value)}`)).toEqual(["a=a2", "c=c1"]);
      const future = (await s.currentRevision()) + 100;
      await expect(s.get(prefix + "a", future)).rejects.toBeInstanceOf(StorageFutureRevisionError);
    });

    it("watches from a revision: replay, then live events, in order, for the prefix only", async () => {
      const s = storage();
      const prefix = fresh();
      const first = await s.create(prefix + "x", text("1"));
      const start = first.ok ? first.revision : -1;
      const r2 = await s.update(prefix + "x", text("2"), start);
      await s.create(fresh() + "elsewhere", text("no"));
      const w = collect(s, prefix, start, 4);
      await s.create(prefix + "y", text("3"));
      await s.delete(prefix + "x", r2.ok ? r2.revision : -1);
      await s.create(prefix + "z", text("4"));
      await w.done();
      expect(w.events.map((e) => `${e.type} ${e.kv.key.slice(prefix.length)} ${str(e.kv.value)}`)).toEqual([
        "put x 2",
        "put y 3",
        "delete x ",
        "put z 4",
      ]);
      const revisions = w.events.map((e) => e.kv.modRevision);
      expect([...revisions].sort((p, q) => p - q)).toEqual(revisions);
      expect(str(w.events[0].prev!.value)).toBe("1");
      expect(str(w.events[2].prev!.value)).toBe("2");
    });

    it("one of many racing creates of a key wins; distinct keys all get their own revision", async () => {
      const s = storage();
      const prefix = fresh();
      const racing = await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(prefix + "same", text(String(i)))));
      expect(racing.filter((r) => r.ok).length).toBe(1);
      const many = await Promise.all(Array.from({ length: 200 }, (_, i) => s.create(`${prefix}k${String(i).padStart(3, "0")}`, text(String(i)))));
      expect(many.every((r) => r.ok)).toBe(true);
      expect(new Set(many.map((r) => (r.ok ? r.revision : 0))).size).toBe(200);
      expect((await s.list(prefix + "k")).items.length).toBe(200);
    });

    it("compaction: older revisions and watches are refused, the compaction revision stays readable", async () => {
      const s = storage();
      const prefix = fresh();
      const r1 = await s.create(prefix + "a", text("1"));
      const rev1 = r1.ok ? r1.revision : -1;
      const r2 = await s.update(prefix + "a", text("2"), rev1);
      const rev2 = r2.ok ? r2.revision : -1;
      await s.update(prefix + "a", text("3"), rev2);
      await s.compact(rev2);
      expect(await s.compactedRevision()).toBeGreaterThanOrEqual(rev2);
      await expect(s.get(prefix + "a", rev1)).rejects.toBeInstanceOf(StorageCompactedError);
      expect(str((await s.get(prefix + "a", rev2))!.value)).toBe("2");
      expect(str((await s.get(prefix + "a"))!.value)).toBe("3");
      const w = collect(s, prefix, rev1 - 1, 1);
      await w.done();
      expect(w.compacted).toBeGreaterThanOrEqual(rev2);
      const fromCompaction = collect(s, prefix, rev2, 1);
      await fromCompaction.done();
      expect(fromCompaction.events.map((e) => str(e.kv.value))).toEqual(["3"]);
    });
  });
}
