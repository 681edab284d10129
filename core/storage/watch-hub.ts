// Watch fan-out for stores that live in this process (in-memory, embedded LMDB): writers
// publish each committed revision once, in any order; watchers get them in revision order,
// after a replay of what they asked for from the store's log. Host-agnostic.
import type { Watch, WatchEvent, WatchHandlers } from "../../bindings/storage.js";

interface Watcher {
  prefix: string;
  handlers: WatchHandlers;
  /** The last revision this watcher has seen (replayed or delivered). */
  seen: number;
  cancelled: boolean;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  /** Published revisions waiting for an earlier one (commits can resolve out of order). */
  private readonly pending = new Map<number, WatchEvent>();
  private delivered: number;

  /** `revision`: the store's revision when the hub starts (everything up to it is history). */
  constructor(revision: number) {
    this.delivered = revision;
  }

  /**
   * Adds a watcher. `replay(after, upTo)` returns the logged events in (after, upTo], or
   * null when `after` is compacted away (then `compacted` is called and nothing follows).
   */
  add(
    prefix: string,
    afterRevision: number,
    handlers: WatchHandlers,
    replay: (after: number, upTo: number) => { events: WatchEvent[] } | { compacted: number },
  ): Watch {
    const watcher: Watcher = { prefix, handlers, seen: afterRevision, cancelled: false };
    const upTo = this.delivered;
    if (afterRevision < upTo) {
      const result = replay(afterRevision, upTo);
      if ("compacted" in result) {
        queueMicrotask(() => handlers.compacted(result.compacted));
        return { cancel() {} };
      }
      const mine = result.events.filter((e) => e.kv.key.startsWith(prefix));
      if (mine.length > 0) queueMicrotask(() => !watcher.cancelled && handlers.events(mine));
    }
    watcher.seen = Math.max(afterRevision, upTo);
    this.watchers.add(watcher);
    return {
      cancel: () => {
        watcher.cancelled = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** A committed write: its event, delivered once every earlier revision has been. */
  publish(revision: number, event: WatchEvent): void {
    if (revision <= this.delivered) return;
    this.pending.set(revision, event);
    const batch: WatchEvent[] = [];
    while (this.pending.has(this.delivered + 1)) {
      batch.push(this.pending.get(this.delivered + 1)!);
      this.pending.delete(++this.delivered);
    }
    if (batch.length === 0) return;
    for (const w of this.watchers) {
      // Usually every event is for every watcher of a prefix: no copy then.
      const wanted = (e: WatchEvent) => e.kv.modRevision > w.seen && e.kv.key.startsWith(w.prefix);
      const mine = batch.every(wanted) ? batch : batch.filter(wanted);
      w.seen = this.delivered;
      if (mine.length > 0) w.handlers.events(mine);
    }
  }

  /** Bookmarks: tells every watcher the store is at `revision` (with no events for it). */
  progress(): void {
    for (const w of this.watchers) w.handlers.progress?.(this.delivered);
  }

  get revision(): number {
    return this.delivered;
  }

  close(): void {
    this.watchers.clear();
    this.pending.clear();
  }
}
