// The in-memory Storage: the browser sandbox's store, and the one control-loop unit tests
// run against. The same revisioned log as the embedded and etcd stores (the shared contract
// suite in test/storage runs against all three), kept in plain maps: the current value of
// each key, and the log of every write since the last compaction.
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

interface LogEntry {
  revision: number;
  event: WatchEvent;
}

export class MemoryStorage implements Storage {
  private revision = 0;
  private compacted = 0;
  private readonly current = new Map<string, KeyValue>();
  /** Every write after `compacted`, in revision order (index i holds revision compacted + 1 + i). */
  private log: LogEntry[] = [];
  private readonly hub = new WatchHub(0);

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    if (revision === undefined || revision === this.revision) return this.current.get(key) ?? null;
    return this.stateAt(revision).get(key) ?? null;
  }

  async list(prefix: string, options: { revision?: number; limit?: number; after?: string } = {}): Promise<ListResult> {
    const revision = options.revision ?? this.revision;
    const source = revision === this.revision ? this.current : this.stateAt(revision);
    const keys = [...source.keys()].filter((k) => k.startsWith(prefix) && (options.after === undefined || k > options.after)).sort();
    const limit = options.limit && options.limit > 0 ? options.limit : keys.length;
    return { items: keys.slice(0, limit).map((k) => source.get(k)!), revision, more: keys.length > limit };
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    const existing = this.current.get(key);
    if (existing) return { ok: false, current: existing };
    const revision = this.revision + 1;
    return this.commit({ type: "put", kv: { key, value: value.slice(), createRevision: revision, modRevision: revision } });
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    const existing = this.current.get(key);
    if (!existing || existing.modRevision !== expectedRevision) return { ok: false, current: existing ?? null };
    const kv = { key, value: value.slice(), createRevision: existing.createRevision, modRevision: this.revision + 1 };
    return this.commit({ type: "put", kv, prev: existing });
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    const existing = this.current.get(key);
    if (!existing || (expectedRevision !== undefined && existing.modRevision !== expectedRevision)) {
      return { ok: false, current: existing ?? null };
    }
    const kv = { key, value: new Uint8Array(0), createRevision: existing.createRevision, modRevision: this.revision + 1 };
    return this.commit({ type: "delete", kv, prev: existing });
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    return this.hub.add(prefix, afterRevision, handlers, (after, upTo) => {
      if (after < this.compacted) return { compacted: this.compacted };
      return { events: this.log.filter((e) => e.revision > after && e.revision <= upTo).map((e) => e.event) };
    });
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    if (revision > this.revision) throw new StorageFutureRevisionError(this.revision);
    // The log keeps revisions after `revision`; reads at `revision` itself rebuild from the
    // current state backwards, so nothing else is needed.
    this.log = this.log.filter((e) => e.revision > revision);
    this.compacted = revision;
  }

  async close(): Promise<void> {
    this.hub.close();
  }

  private commit(event: WatchEvent): WriteResult {
    const revision = ++this.revision;
    if (event.type === "put") this.current.set(event.kv.key, event.kv);
    else this.current.delete(event.kv.key);
    this.log.push({ revision, event });
    // Watchers hear of it after the writer's promise settles, as with a real store.
    queueMicrotask(() => this.hub.publish(revision, event));
    return { ok: true, revision };
  }

  /** The keys as they were at `revision`: the current state with later writes undone. */
  private stateAt(revision: number): Map<string, KeyValue> {
    if (revision < this.compacted) throw new StorageCompactedError(this.compacted);
    if (revision > this.revision) throw new StorageFutureRevisionError(this.revision);
    const state = new Map(this.current);
    for (let i = this.log.length - 1; i >= 0 && this.log[i].revision > revision; i--) {
      const { event } = this.log[i];
      if (event.prev) state.set(event.kv.key, event.prev);
      else state.delete(event.kv.key);
    }
    return state;
  }
}
