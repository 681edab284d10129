// The etcd Storage (`kubeling up --etcd URL,...`): the contract maps onto etcd's own API
// almost one to one — revisions are etcd's, create/update/delete are transactions comparing
// the key's create or mod revision, reads take a revision, watches start at one. Several
// kubeling API servers on one etcd cluster therefore serve one consistent cluster. The
// compaction revision is kept in etcd under `compact_rev_key`, as kube-apiserver does, so
// every server knows it.
import { Etcd3, Range, type IKeyValue } from "etcd3";
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

const COMPACT_KEY = "compact_rev_key";

export class EtcdStorage implements Storage {
  private readonly client: Etcd3;

  constructor(endpoints: string[]) {
    this.client = new Etcd3({ hosts: endpoints });
  }

  async currentRevision(): Promise<number> {
    const res = await this.client.getAll().prefix(COMPACT_KEY).limit(1).exec();
    return Number(res.header!.revision);
  }

  async compactedRevision(): Promise<number> {
    const value = await this.client.get(COMPACT_KEY).string();
    return value ? Number(value) : 0;
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    const builder = this.client.get(key);
    if (revision !== undefined) builder.revision(revision);
    const res = await this.read(() => builder.exec());
    return res.kvs.length ? toKeyValue(res.kvs[0]) : null;
  }

  async list(prefix: string, options: { revision?: number; limit?: number; after?: string } = {}): Promise<ListResult> {
    const whole = Range.prefix(prefix);
    const start = options.after !== undefined && options.after >= prefix ? Buffer.from(options.after + "\0") : whole.start;
    const builder = this.client.getAll().inRange(new Range(start, whole.end));
    if (options.limit && options.limit > 0) builder.limit(options.limit);
    if (options.revision !== undefined) builder.revision(options.revision);
    const res = await this.read(() => builder.exec());
    // etcd's header carries the store's current revision; a read at a past one is "at" that.
    const revision = options.revision ?? Number(res.header!.revision);
    return { items: res.kvs.map(toKeyValue), revision, more: Boolean(res.more) };
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.conditional(this.client.if(key, "Create", "==", 0), key, this.client.put(key).value(Buffer.from(value)));
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    return this.conditional(this.client.if(key, "Mod", "==", expectedRevision), key, this.client.put(key).value(Buffer.from(value)));
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    const condition = expectedRevision === undefined ? this.client.if(key, "Create", ">", 0) : this.client.if(key, "Mod", "==", expectedRevision);
    return this.conditional(condition, key, this.client.delete().key(key));
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    let cancelled = false;
    const created = this.client.watch().prefix(prefix).withPreviousKV().startRevision(String(afterRevision + 1)).create();
    created
      .then((watcher) => {
        if (cancelled) return void watcher.cancel();
        watcher.on("data", (res) => {
          if (cancelled || !res.events?.length) return;
          const batch: WatchEvent[] = res.events.map((e) => {
            const prev = e.prev_kv ? toKeyValue(e.prev_kv) : undefined;
            if (e.type === "Delete") {
              const kv = { key: e.kv.key.toString(), value: new Uint8Array(0), createRevision: prev?.createRevision ?? 0, modRevision: Number(e.kv.mod_revision) };
              return { type: "delete", kv, prev };
            }
            return { type: "put", kv: toKeyValue(e.kv), prev };
          });
          handlers.events(batch);
        });
        // etcd cancels a watch whose start was compacted away (etcd3 reports it as a bare
        // "Watcher canceled"). Any cancellation ends the stream the same way: the watcher
        // must re-list, as after a 410 Gone.
        watcher.on("error", () => {
          if (cancelled) return;
          cancelled = true;
          void this.compactedRevision().then((rev) => handlers.compacted(rev));
        });
      })
      .catch(() => undefined);
    return {
      cancel() {
        cancelled = true;
        void created.then((w) => w.cancel()).catch(() => undefined);
      },
    };
  }

  async compact(revision: number): Promise<void> {
    const compacted = await this.compactedRevision();
    if (revision <= compacted) return;
    const now = await this.currentRevision();
    if (revision > now) throw new StorageFutureRevisionError(now);
    await this.client.put(COMPACT_KEY).value(String(revision));
    await this.client.kv.compact({ revision: String(revision), physical: true });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async conditional(
    condition: ReturnType<Etcd3["if"]>,
    key: string,
    operation: Parameters<ReturnType<Etcd3["if"]>["then"]>[0],
  ): Promise<WriteResult> {
    const res = await condition.then(operation).else(this.client.get(key)).commit();
    if (res.succeeded) return { ok: true, revision: Number(res.header!.revision) };
    const kvs = res.responses[0]?.response_range?.kvs ?? [];
    return { ok: false, current: kvs.length ? toKeyValue(kvs[0]) : null };
  }

  /** A read, with etcd's "compacted" and "future revision" errors turned into the contract's. */
  private async read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const message = (err as Error).message ?? "";
      if (/compacted/.test(message)) throw new StorageCompactedError(await this.compactedRevision());
      if (/future revision/.test(message)) throw new StorageFutureRevisionError(await this.currentRevision());
      throw err;
    }
  }
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: new Uint8Array(kv.value),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}
