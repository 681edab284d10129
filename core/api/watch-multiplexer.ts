// Watch fan-out without a storage watch per client. Hundreds of informers watch the same
// resource with the same selectors (every kubelet its pods, every proxy the services…), so
// — as kube-apiserver's watch cache serves all its watchers from one storage watch — API
// watches of one storage prefix and one selection share a group: one storage watch, each
// event decoded and matched once, and an event the selection drops costs nothing per client.
//
// A client that starts at an older revision than its group has reached first catches up on
// a storage watch of its own (the replay), and joins the group once that watch has caught up
// with it. Each member remembers the last revision it was given, so a group event it already
// saw during its replay is not sent twice, and nothing is missed at the hand-over: the group
// has delivered at most what the member has seen when it joins.
import type { Storage, Watch, WatchEvent } from "../../bindings/storage.js";

/** What a storage event becomes for one selection (null: not for this selection). */
export type EventConverter<T> = (e: WatchEvent) => T | null;

export interface WatchSink<T> {
  send(event: T): void;
  /** The storage compacted the revision the watch needs: the stream ends with 410 Gone. */
  compacted(compactRevision: number): void;
}

interface Member<T> {
  sink: WatchSink<T>;
  /** The last revision this member has been given (or started after). */
  seen: number;
  /** Its own storage watch, while it catches up. */
  replay: Watch | null;
  ended: boolean;
}

interface Group<T> {
  key: string;
  watch: Watch;
  /** Everything up to this revision has been delivered to the members. */
  revision: number;
  members: Set<Member<T>>;
}

export class WatchMultiplexer<T> {
  private readonly groups = new Map<string, Group<T>>();

  constructor(private readonly storage: Storage) {}

  /**
   * Watches `prefix` after revision `from`; `groupKey` names the selection (watches with the
   * same prefix and key convert events alike). Returns the cancel function.
   */
  watch(prefix: string, groupKey: string, from: number, convert: EventConverter<T>, sink: WatchSink<T>): () => void {
    const key = `${prefix}\u0000${groupKey}`;
    let group = this.groups.get(key);
    const member: Member<T> = { sink, seen: from, replay: null, ended: false };
    if (!group) {
      group = this.openGroup(key, prefix, from, convert);
      group.members.add(member);
    } else if (from >= group.revision) {
      group.members.add(member);
    } else {
      this.catchUp(group, prefix, member, convert);
    }
    const joined = group;
    return () => {
      if (member.ended) return;
      member.ended = true;
      member.replay?.cancel();
      this.leave(joined, member);
    };
  }

  /** Number of storage watches open (for tests and metrics). */
  get storageWatches(): number {
    let count = this.groups.size;
    for (const g of this.groups.values()) for (const m of g.members) if (m.replay) count++;
    return count;
  }

  private openGroup(key: string, prefix: string, from: number, convert: EventConverter<T>): Group<T> {
    const group: Group<T> = { key, watch: { cancel() {} }, revision: from, members: new Set() };
    this.groups.set(key, group);
    group.watch = this.storage.watch(prefix, from, {
      events: (batch) => {
        const converted: { revision: number; out: T }[] = [];
        for (const e of batch) {
          const out = convert(e);
          if (out !== null) converted.push({ revision: e.kv.modRevision, out });
        }
        const last = batch[batch.length - 1].kv.modRevision;
        group.revision = Math.max(group.revision, last);
        if (converted.length === 0) return;
        for (const m of group.members) {
          if (m.replay) continue; // still catching up on its own watch
          for (const c of converted) {
            if (c.revision <= m.seen || m.ended) continue;
            m.seen = c.revision;
            m.sink.send(c.out);
          }
        }
      },
      compacted: (rev) => {
        this.groups.delete(key);
        for (const m of [...group.members]) {
          if (m.replay || m.ended) continue;
          m.ended = true;
          m.sink.compacted(rev);
        }
        // Members still replaying keep their own watches; they cannot join this group.
        for (const m of group.members) if (m.replay) this.orphan(m, prefix, convert);
        group.members.clear();
      },
    });
    return group;
  }

  /** A member behind its group: its own storage watch until it has seen what the group has. */
  private catchUp(group: Group<T>, prefix: string, member: Member<T>, convert: EventConverter<T>): void {
    group.members.add(member);
    member.replay = this.storage.watch(prefix, member.seen, {
      events: (batch) => {
        if (member.ended) return;
        for (const e of batch) {
          if (e.kv.modRevision <= member.seen) continue;
          const out = convert(e);
          member.seen = e.kv.modRevision;
          if (out !== null) member.sink.send(out);
          if (member.ended) return;
        }
        if (member.seen >= group.revision && this.groups.get(group.key) === group) {
          member.replay!.cancel();
          member.replay = null; // from now on the group delivers what comes after member.seen
        }
      },
      compacted: (rev) => {
        if (member.ended) return;
        member.ended = true;
        member.replay = null;
        group.members.delete(member);
        member.sink.compacted(rev);
      },
    });
  }

  /** A replaying member whose group went away keeps its own watch to the end. */
  private orphan(member: Member<T>, prefix: string, convert: EventConverter<T>): void {
    member.replay?.cancel();
    member.replay = this.storage.watch(prefix, member.seen, {
      events: (batch) => {
        for (const e of batch) {
          if (member.ended) return;
          if (e.kv.modRevision <= member.seen) continue;
          member.seen = e.kv.modRevision;
          const out = convert(e);
          if (out !== null) member.sink.send(out);
        }
      },
      compacted: (rev) => {
        if (member.ended) return;
        member.ended = true;
        member.sink.compacted(rev);
      },
    });
  }

  private leave(group: Group<T>, member: Member<T>): void {
    group.members.delete(member);
    if (group.members.size === 0 && this.groups.get(group.key) === group) {
      this.groups.delete(group.key);
      group.watch.cancel();
    }
  }
}
