/**
 * The storage contract: a small revisioned key-value log in the manner of etcd as kine
 * serves it. Implemented by the embedded store (LMDB) and the etcd client (hosts/node) and
 * by an in-memory store (hosts/browser); test/storage runs one contract suite against all.
 *
 * - Every successful write gets a revision of one store-wide counter, higher than every
 *   earlier one (the embedded and in-memory stores count 1, 2, 3…; etcd may skip numbers);
 *   a failed precondition writes nothing.
 * - update/delete are compare-and-swap on the object's modRevision.
 * - Reads at an older revision see the store as it was then; a revision before the last
 *   compaction throws StorageCompactedError (the compaction revision itself stays
 *   readable, as in etcd), one after the current revision StorageFutureRevisionError.
 * - watch replays the events after a revision, then streams new ones, in revision order;
 *   a revision older than the last compaction is answered with `compacted` (the API
 *   server's 410 Gone).
 * - A write is acknowledged (its promise resolves) only once it is durable.
 */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
}

export type WriteResult =
  | { ok: true; revision: number }
  /** The precondition failed; `current` is what is stored now (null: absent). */
  | { ok: false; current: KeyValue | null };

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at. */
  revision: number;
  /** More keys follow; continue from after the last item's key. */
  more: boolean;
}

export type WatchEvent =
  | { type: "put"; kv: KeyValue; prev?: KeyValue }
  | { type: "delete"; kv: KeyValue; prev?: KeyValue };

export interface Watch {
  cancel(): void;
}

export interface WatchHandlers {
  events(batch: WatchEvent[]): void;
  /** The requested revision was compacted away: the watcher must re-list. */
  compacted(compactRevision: number): void;
  /** Periodic progress with no events (bookmarks). */
  progress?(revision: number): void;
}

/** The requested revision was compacted away (etcd: "mvcc: required revision has been compacted"). */
export class StorageCompactedError extends Error {
  constructor(readonly compactRevision: number) {
    super(`required revision has been compacted (compacted at ${compactRevision})`);
    this.name = "StorageCompactedError";
  }
}

/** The requested revision is newer than the store (etcd: "mvcc: required revision is a future revision"). */
export class StorageFutureRevisionError extends Error {
  constructor(readonly currentRevision: number) {
    super(`required revision is a future revision (current ${currentRevision})`);
    this.name = "StorageFutureRevisionError";
  }
}

export interface Storage {
  currentRevision(): Promise<number>;
  /** The revision of the last compaction (0: never compacted). */
  compactedRevision(): Promise<number>;
  get(key: string, revision?: number): Promise<KeyValue | null>;
  /** Keys starting with `prefix`, in key order; `after`: only keys greater than it. */
  list(prefix: string, options?: { revision?: number; limit?: number; after?: string }): Promise<ListResult>;
  /** Fails (ok: false) when the key exists. */
  create(key: string, value: Uint8Array): Promise<WriteResult>;
  /** Succeeds only when the stored modRevision equals `expectedRevision`. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult>;
  /** Deletes when the stored modRevision equals `expectedRevision` (any, when omitted). */
  delete(key: string, expectedRevision?: number): Promise<WriteResult>;
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch;
  /** Forgets history before `revision` (reads there then throw StorageCompactedError; watches must start at or after it). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
