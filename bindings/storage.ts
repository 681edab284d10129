/**
 * The storage contract (draft; the API server issue completes it): a small revisioned
 * key-value log in the manner of etcd as kine serves it. Implemented by the embedded store
 * and the etcd client (hosts/node) and by an in-memory store (hosts/browser).
 *
 * - Every write gets the next revision of one store-wide, strictly increasing counter.
 * - update/delete are compare-and-swap on the object's modRevision.
 * - watch replays the events after a revision, then streams new ones; a revision older
 *   than the last compaction is answered with `compacted` (the API server's 410 Gone).
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

export interface Storage {
  currentRevision(): Promise<number>;
  get(key: string, revision?: number): Promise<KeyValue | null>;
  list(prefix: string, options?: { revision?: number; limit?: number; after?: string }): Promise<ListResult>;
  /** Fails (ok: false) when the key exists. */
  create(key: string, value: Uint8Array): Promise<WriteResult>;
  /** Succeeds only when the stored modRevision equals `expectedRevision`. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult>;
  /** Deletes when the stored modRevision equals `expectedRevision` (any, when omitted). */
  delete(key: string, expectedRevision?: number): Promise<WriteResult>;
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch;
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
