// The embedded Storage (the default): the revisioned log kept in LMDB, a crash-safe
// memory-mapped B-tree (lmdb-js, prebuilt for Node). One environment, four tables:
//   meta     "revision" → the store revision, "compacted" → the last compaction revision
//   current  key → { v, c, m }: value, createRevision, modRevision of the live version
//   log      revision → { k, d, v, c, p }: the write (d: a delete), its createRevision and
//            the revision of the version it replaced (0: none)
//   history  [key, revision] → 1: which revisions wrote a key, for reads at a past revision
// Each write is one LMDB transaction that reads the revision, checks the precondition and
// writes all four; its promise resolves after the commit is synced to disk (overlappingSync
// off), so an acknowledged write survives a crash. Concurrent writes share one commit.
import { open, type Database, type RootDatabase } from "lmdb";
import {
  StorageCompactedError,
  StorageFutureRevisionError,
  type KeyValue,
  type ListResult,
  type Storage,
  type Watch,
  type WatchEvent,
  type WatchHandlers,
  type WriteResult,
} from "../../bindings/storage.js";
import { WatchHub } from "../../core/storage/watch-hub.js";

interface Live {
  v: Uint8Array;
  c: number;
  m: number;
}

interface Logged {
  k: string;
  d: boolean;
  v?: Uint8Array;
  c: number;
  p: number;
}

/** Entries compacted per LMDB transaction (keeps each commit small). */
const COMPACT_BATCH = 2000;

export class LmdbStorage implements Storage {
  private readonly root: RootDatabase;
  private readonly meta: Database<number, string>;
  private readonly current: Database<Live, string>;
  private readonly log: Database<Logged, number>;
  private readonly history: Database<number, [string, number]>;
  private readonly hub: WatchHub;

  constructor(path: string) {
    this.root = open({ path, overlappingSync: false, compression: false });
    this.meta = this.root.openDB({ name: "meta" });
    this.current = this.root.openDB({ name: "current" });
    this.log = this.root.openDB({ name: "log" });
    this.history = this.root.openDB({ name: "history" });
    this.hub = new WatchHub(this.revisionNow());
  }

  async currentRevision(): Promise<number> {
    return this.revisionNow();
  }

  async compactedRevision(): Promise<number> {
    return this.meta.get("compacted") ?? 0;
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    if (revision === undefined) {
      const live = this.current.get(key);
      return live ? toKeyValue(key, live) : null;
    }
    this.checkReadable(revision);
    return this.versionAt(key, revision);
  }

  async list(prefix: string, options: { revision?: number; limit?: number; after?: string } = {}): Promise<ListResult> {
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KeyValue[] = [];
    const start = options.after !== undefined && options.after > prefix ? options.after : prefix;
    const after = options.after;
    if (options.revision === undefined) {
      // Synchronous reads in one turn of the event loop share one LMDB read snapshot.
      const revision = this.revisionNow();
      for (const { key, value } of this.current.getRange({ start })) {
        if (!key.startsWith(prefix)) break;
        if (after !== undefined && key <= after) continue;
        if (items.length === limit) return { items, revision, more: true };
        items.push(toKeyValue(key, value));
      }
      return { items, revision, more: false };
    }
    const revision = options.revision;
    this.checkReadable(revision);
    // Per key, its latest write at or before `revision` (history is ordered by key, then revision).
    let pendingKey: string | null = null;
    let pendingRevision = 0;
    const flush = (): boolean => {
      if (pendingKey === null) return true;
      const entry = this.log.get(pendingRevision);
      if (entry && !entry.d) {
        if (items.length === limit) return false;
        items.push({ key: pendingKey, value: entry.v!, createRevision: entry.c, modRevision: pendingRevision });
      }
      pendingKey = null;
      return true;
    };
    for (const { key: [key, written] } of this.history.getRange({ start: [start, 0] })) {
      if (!key.startsWith(prefix)) break;
      if (after !== undefined && key <= after) continue;
      if (key !== pendingKey && !flush()) return { items, revision, more: true };
      if (written <= revision) {
        pendingKey = key;
        pendingRevision = written;
      }
    }
    if (!flush()) return { items, revision, more: true };
    return { items, revision, more: false };
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.write(key, (live) => (live ? null : { value }));
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    return this.write(key, (live) => (live && live.m === expectedRevision ? { value } : null));
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    return this.write(key, (live) => (live && (expectedRevision === undefined || live.m === expectedRevision) ? { value: null } : null));
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    return this.hub.add(prefix, afterRevision, handlers, (after, upTo) => {
      const compacted = this.meta.get("compacted") ?? 0;
      if (after < compacted) return { compacted };
      const events: WatchEvent[] = [];
      for (const { key: revision, value } of this.log.getRange({ start: after + 1, end: upTo + 1 })) {
        events.push(this.toEvent(revision, value));
      }
      return { events };
    });
  }

  async compact(revision: number): Promise<void> {
    const compacted = this.meta.get("compacted") ?? 0;
    if (revision <= compacted) return;
    const now = this.revisionNow();
    if (revision > now) throw new StorageFutureRevisionError(now);
    // A write at or before `revision` is dropped when a later write of the same key is also
    // at or before it (nobody can read it any more), and so is a delete with nothing after.
    let from = compacted + 1;
    while (from <= revision) {
      const to = Math.min(revision, from + COMPACT_BATCH - 1);
      await this.root.transaction(() => {
        for (const { key: written, value } of this.log.getRange({ start: from, end: to + 1 })) {
          if (value.d || this.rewrittenBy(value.k, written, revision)) {
            this.log.remove(written);
            this.history.remove([value.k, written]);
          }
        }
      });
      from = to + 1;
    }
    await this.meta.put("compacted", revision);
  }

  async close(): Promise<void> {
    this.hub.close();
    await this.root.close();
  }

  private revisionNow(): number {
    return this.meta.get("revision") ?? 0;
  }

  private checkReadable(revision: number): void {
    const compacted = this.meta.get("compacted") ?? 0;
    if (revision < compacted) throw new StorageCompactedError(compacted);
    const now = this.revisionNow();
    if (revision > now) throw new StorageFutureRevisionError(now);
  }

  /** Whether `key` was written again after `written` and at or before `upTo`. */
  private rewrittenBy(key: string, written: number, upTo: number): boolean {
    for (const { key: [k, next] } of this.history.getRange({ start: [key, written + 1], limit: 1 })) {
      return k === key && next <= upTo;
    }
    return false;
  }

  /** The version of `key` live at `revision`, from its history. */
  private versionAt(key: string, revision: number): KeyValue | null {
    for (const { key: [k, written] } of this.history.getRange({ start: [key, revision], end: [key, 0], reverse: true, limit: 1 })) {
      if (k !== key) return null;
      const entry = this.log.get(written);
      if (!entry || entry.d) return null;
      return { key, value: entry.v!, createRevision: entry.c, modRevision: written };
    }
    return null;
  }

  /**
   * One conditional write. `decide` sees the live version and returns what to write
   * (value null: delete) or null when the precondition fails.
   */
  private async write(key: string, decide: (live: Live | undefined) => { value: Uint8Array | null } | null): Promise<WriteResult> {
    let event: WatchEvent | null = null;
    let revision = 0;
    let failed: KeyValue | null = null;
    await this.root.transaction(() => {
      const live = this.current.get(key);
      const change = decide(live);
      if (!change) {
        failed = live ? toKeyValue(key, live) : null;
        return;
      }
      revision = this.revisionNow() + 1;
      const prev = live ? toKeyValue(key, live) : undefined;
      const createRevision = live ? live.c : revision;
      this.meta.put("revision", revision);
      this.history.put([key, revision], 1);
      if (change.value === null) {
        this.current.remove(key);
        this.log.put(revision, { k: key, d: true, c: createRevision, p: live!.m });
        event = { type: "delete", kv: { key, value: new Uint8Array(0), createRevision, modRevision: revision }, prev };
      } else {
        const value = Uint8Array.from(change.value);
        this.current.put(key, { v: value, c: createRevision, m: revision });
        this.log.put(revision, { k: key, d: false, v: value, c: createRevision, p: live ? live.m : 0 });
        event = { type: "put", kv: { key, value, createRevision, modRevision: revision }, prev };
      }
    });
    if (!event) return { ok: false, current: failed };
    this.hub.publish(revision, event);
    return { ok: true, revision };
  }

  private toEvent(revision: number, entry: Logged): WatchEvent {
    const previous = entry.p ? this.log.get(entry.p) : undefined;
    const prev = previous && !previous.d ? { key: entry.k, value: previous.v!, createRevision: previous.c, modRevision: entry.p } : undefined;
    if (entry.d) return { type: "delete", kv: { key: entry.k, value: new Uint8Array(0), createRevision: entry.c, modRevision: revision }, prev };
    return { type: "put", kv: { key: entry.k, value: entry.v!, createRevision: entry.c, modRevision: revision }, prev };
  }
}

function toKeyValue(key: string, live: Live): KeyValue {
  return { key, value: live.v, createRevision: live.c, modRevision: live.m };
}
