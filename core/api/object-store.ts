// Generic registry behaviour for every resource, over the Storage binding: what
// kube-apiserver's generic store does on create / get / list / update / delete / watch.
//  - metadata: uid, creationTimestamp, generation (objects with a spec), generateName,
//    resourceVersion = the storage modRevision (never stored in the value itself);
//  - optimistic concurrency: an update carrying metadata.resourceVersion must match;
//  - the status subresource: updates of the main resource keep the stored status, updates
//    of /status change nothing else;
//  - deletion: with finalizers the object only gets a deletionTimestamp; propagationPolicy
//    Orphan / Foreground adds the garbage collector's "orphan" / "foregroundDeletion"
//    finalizer; an update that removes the last finalizer of such an object deletes it;
//  - list: label and field selectors, limit/continue at one revision;
//  - watch: ADDED/MODIFIED/DELETED from a resourceVersion, selector-aware.
import {
  StorageCompactedError,
  StorageFutureRevisionError,
  type KeyValue,
  type Storage,
  type WatchEvent,
} from "../../bindings/storage.js";
import { type ResourceInfo, groupVersion, storageKey, storagePrefix } from "./resources.js";
import { ApiError, Errors } from "./status.js";
import { validateName } from "./validation.js";
import { type FieldRequirement, matchesFields } from "./field-selector.js";
import type { ObjectMeta } from "../types/meta.js";
import { applyDefaults } from "./defaults.js";
import { WatchMultiplexer } from "./watch-multiplexer.js";

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta & Record<string, unknown>;
};

export interface ListOptions {
  labelSelector?: string;
  fields?: FieldRequirement[];
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface WatchEventOut {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/** What a DELETE may carry (metav1.DeleteOptions, as the store uses it). */
export interface StoreDeleteOptions {
  /** Preconditions. */
  resourceVersion?: string;
  uid?: string;
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  /** Deprecated: true is Orphan, false is Foreground-like (no orphaning). */
  orphanDependents?: boolean;
}

export interface UpdateOptions {
  subresource?: string;
  dryRun?: boolean;
  /**
   * Delete instead of storing when the update leaves an object whose deletion was asked
   * for without finalizers (what API requests get; the store's own callers may opt out).
   */
  deleteWhenFinalized?: boolean;
}

/** What a registry reserves for an object on write (a Service's IPs and node ports). */
export interface StoreAllocation {
  /** The write is stored: release what the old object held and the new one does not. */
  commit(): Promise<void>;
  /** The write failed: release what was reserved for it. */
  revert(): Promise<void>;
}

/**
 * Kind-specific registry steps around writes (see service-allocator.ts): `prepare` before
 * defaulting (old is null on create), `allocate` before the write (may refuse with an
 * ApiError; nothing is reserved on dry run), `released` once an object left storage.
 */
export interface StoreHooks {
  prepare?(r: ResourceInfo, old: KubeObject | null, obj: KubeObject): void;
  allocate?(r: ResourceInfo, old: KubeObject | null, obj: KubeObject, dryRun: boolean): Promise<StoreAllocation | null>;
  released?(r: ResourceInfo, obj: KubeObject): Promise<void>;
}

/** metav1.FinalizerOrphanDependents / FinalizerDeleteDependents: the garbage collector's own. */
export const FINALIZER_ORPHAN = "orphan";
export const FINALIZER_FOREGROUND = "foregroundDeletion";

/** Matches a label selector string against labels (the Wasm core does it; see core.labels.matches). */
export type LabelMatcher = (selector: string, labels: Record<string, string> | undefined) => boolean;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** RFC 3339 with seconds, as Kubernetes timestamps (metav1.Time) print. */
export function timestamp(now: Date): string {
  // Every write stamps a time; within one second the string is the same (saves a toISOString).
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastStampSecond) {
    lastStampSecond = second;
    lastStamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  return lastStamp;
}

let lastStampSecond = NaN;
let lastStamp = "";

export class ObjectStore {
  /** API watches share storage watches by prefix and selection (see watch-multiplexer.ts). */
  readonly watches: WatchMultiplexer<WatchEventOut>;

  constructor(
    private readonly storage: Storage,
    private readonly matchLabels: LabelMatcher,
    private readonly now: () => Date = () => new Date(),
    private readonly hooks: StoreHooks = {},
  ) {
    this.watches = new WatchMultiplexer(storage);
  }

  async get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.storage.get(storageKey(r, namespace, name));
    if (!kv) throw Errors.notFound(r, name);
    return decode(r, kv);
  }

  async create(r: ResourceInfo, namespace: string | undefined, input: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const obj = structuredClone(input);
    const meta = (obj.metadata ??= {});
    if (r.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw Errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    const causes = validateName(r.plural, meta.name);
    if (causes.length) throw Errors.invalid(r.kind, r.group, meta.name ?? "", causes);
    if (meta.resourceVersion) throw Errors.badRequest("resourceVersion should not be set on objects to be created");
    obj.apiVersion = groupVersion(r);
    obj.kind = r.kind;
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    delete meta.deletionTimestamp;
    this.hooks.prepare?.(r, null, obj);
    applyDefaults(r.kind, obj);
    if ("spec" in obj && r.kind !== "Namespace") meta.generation = 1;
    else delete meta.generation;
    const allocation = await this.hooks.allocate?.(r, null, obj, !!options.dryRun);
    if (options.dryRun) return obj;
    const result = await this.storage.create(storageKey(r, meta.namespace, meta.name!), encode(obj)).catch(async (err: unknown) => {
      await allocation?.revert();
      throw err;
    });
    if (!result.ok) {
      await allocation?.revert();
      throw Errors.alreadyExists(r, meta.name!);
    }
    await allocation?.commit();
    meta.resourceVersion = String(result.revision);
    return obj;
  }

  /**
   * PUT: replaces the object. `subresource` "status" changes only .status; the main
   * resource keeps the stored .status (for kinds with a status subresource).
   * `input` becomes the caller's no longer: it is merged in place, not copied (modify()
   * hands over a fresh object; copying every write showed up as a tenth of a busy control
   * plane's CPU).
   */
  async update(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    options: UpdateOptions = {},
  ): Promise<KubeObject> {
    const key = storageKey(r, namespace, name);
    const kv = await this.storage.get(key);
    if (!kv) throw Errors.notFound(r, name);
    const stored = decode(r, kv);
    const wanted = input;
    const meta = (wanted.metadata ??= {});
    if (meta.name && meta.name !== name) throw Errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (meta.resourceVersion && meta.resourceVersion !== String(kv.modRevision)) throw Errors.conflict(r, name);
    const next = this.merged(r, stored, wanted, options.subresource);
    const specWrite = options.subresource !== "status" && options.subresource !== "finalize";
    if (specWrite) this.hooks.prepare?.(r, stored, next);
    applyDefaults(r.kind, next);
    if (options.deleteWhenFinalized && shouldDeleteDuringUpdate(r, stored, next)) {
      // The last finalizer is gone from an object whose deletion was asked for: the update
      // is not stored, the object is deleted instead (kube-apiserver's deleteWithoutFinalizers).
      if (options.dryRun) return next;
      const deleted = await this.storage.delete(key, kv.modRevision);
      if (!deleted.ok) throw Errors.conflict(r, name);
      await this.released(r, stored);
      next.metadata!.resourceVersion = String(deleted.revision);
      return next;
    }
    const allocation = specWrite ? await this.hooks.allocate?.(r, stored, next, !!options.dryRun) : null;
    if (options.dryRun) return next;
    const result = await this.storage.update(key, encode(next), kv.modRevision).catch(async (err: unknown) => {
      await allocation?.revert();
      throw err;
    });
    if (!result.ok) {
      await allocation?.revert();
      throw Errors.conflict(r, name);
    }
    await allocation?.commit();
    next.metadata!.resourceVersion = String(result.revision);
    return next;
  }

  /**
   * Read-modify-write with retries on conflict (for patches and server-side changes):
   * `change` gets the stored object (freshly decoded: its own to change) and returns the wanted one.
   */
  async modify(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: UpdateOptions = {},
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(r, namespace, name);
      const currentRv = current.metadata!.resourceVersion;
      const wanted = await change(current);
      // The patch's own resourceVersion (if any) is a precondition; otherwise the one read.
      const rv = wanted.metadata?.resourceVersion ?? currentRv;
      try {
        return await this.update(r, namespace, name, { ...wanted, metadata: { ...wanted.metadata, resourceVersion: rv } }, options);
      } catch (err) {
        const lostRace = err instanceof ApiError && err.code === 409 && rv === currentRv && attempt < 5;
        if (!lostRace) throw err;
      }
    }
  }

  /**
   * Storage.GuaranteedUpdate, for the server's own bookkeeping (a namespace turning
   * Terminating): `change` gets the stored object and returns what to store as it is — no
   * merge, no defaulting — or null to leave it. Retried when another write wins the race.
   */
  async guaranteedUpdate(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject | null,
    options: { uid?: string; resourceVersion?: string; dryRun?: boolean } = {},
  ): Promise<KubeObject> {
    const key = storageKey(r, namespace, name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.storage.get(key);
      if (!kv) throw Errors.notFound(r, name);
      const current = decode(r, kv);
      checkPreconditions(r, name, current, kv, options);
      const next = change(structuredClone(current));
      if (!next) return current;
      if (options.dryRun) return next;
      const result = await this.storage.update(key, encode(next), kv.modRevision);
      if (!result.ok) continue;
      next.metadata = { ...next.metadata, resourceVersion: String(result.revision) };
      return next;
    }
    throw Errors.conflict(r, name);
  }

  /**
   * DELETE, as kube-apiserver's generic store does it:
   *  - a pod bound to a node is deleted gracefully: marked with deletionTimestamp = now +
   *    grace period (its own terminationGracePeriodSeconds, default 30, or the request's
   *    gracePeriodSeconds); its kubelet stops it, then deletes it with grace 0. While that
   *    runs, a second DELETE may only bring the deadline forward;
   *  - the propagation policy becomes finalizers for the garbage collector: Orphan adds
   *    "orphan", Foreground adds "foregroundDeletion", Background (or an explicit policy
   *    replacing an earlier one) removes them; with no policy the object's own finalizers,
   *    then the resource's default (batch/v1 Jobs orphan) decide;
   *  - an object left with finalizers is only marked (deletionTimestamp = now, grace 0) and
   *    goes when an update removes the last one.
   * Returns the object as deleted (or as marked).
   */
  async delete(r: ResourceInfo, namespace: string | undefined, name: string, options: StoreDeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = storageKey(r, namespace, name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.storage.get(key);
      if (!kv) throw Errors.notFound(r, name);
      const obj = decode(r, kv);
      checkPreconditions(r, name, obj, kv, options);
      const meta = obj.metadata as ObjectMeta & Record<string, unknown>;
      const now = this.now();
      let grace = 0;
      const pendingGrace = meta.deletionTimestamp ? (meta.deletionGracePeriodSeconds ?? 0) : 0;
      if (pendingGrace > 0) {
        // Graceful deletion under way: only a shorter grace period changes anything, and
        // the finalizers cannot be changed by DeleteOptions any more (rest.BeforeDelete).
        const requested = options.gracePeriodSeconds;
        if (requested === undefined || requested >= pendingGrace) return { object: obj, deleted: false };
        grace = Math.max(0, requested);
      } else if (!meta.deletionTimestamp) {
        grace = this.gracePeriod(r, obj, options.gracePeriodSeconds);
      }
      const finalizers = gcFinalizers(r, meta.finalizers ?? [], options);
      let changed = !sameSet(finalizers, meta.finalizers ?? []);
      if (changed) meta.finalizers = finalizers;
      if (grace > 0) {
        meta.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
        changed = true;
      } else if (finalizers.length > 0) {
        // markAsDeleting: now (or earlier, when already set), grace period 0.
        if (!meta.deletionTimestamp) {
          if ((meta.generation ?? 0) > 0) meta.generation = meta.generation! + 1;
          meta.deletionTimestamp = timestamp(now);
          changed = true;
        } else if (Date.parse(meta.deletionTimestamp) > now.getTime()) {
          meta.deletionTimestamp = timestamp(now);
          changed = true;
        }
        if (meta.deletionGracePeriodSeconds !== 0) {
          meta.deletionGracePeriodSeconds = 0;
          changed = true;
        }
      } else {
        if (options.dryRun) return { object: obj, deleted: true };
        const result = await this.storage.delete(key, kv.modRevision);
        if (!result.ok) continue;
        await this.released(r, obj);
        return { object: obj, deleted: true };
      }
      if (!changed || options.dryRun) return { object: obj, deleted: false };
      const result = await this.storage.update(key, encode(obj), kv.modRevision);
      if (!result.ok) continue;
      meta.resourceVersion = String(result.revision);
      return { object: obj, deleted: false };
    }
    throw Errors.conflict(r, name);
  }

  /** After an object left storage: the registry frees what it held (never fails the delete). */
  private async released(r: ResourceInfo, obj: KubeObject): Promise<void> {
    try {
      await this.hooks.released?.(r, obj);
    } catch {
      // Whatever stays reserved is taken back later (service-allocator.ts repairs on demand).
    }
  }

  /** The graceful-deletion period: only pods bound to a node and not yet finished have one. */
  private gracePeriod(r: ResourceInfo, obj: KubeObject, requested: number | undefined): number {
    if (r.plural !== "pods" || r.group !== "") return 0;
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
    const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  async list(r: ResourceInfo, namespace: string | undefined, options: ListOptions = {}): Promise<ObjectList> {
    const prefix = storagePrefix(r, namespace);
    let after: string | undefined;
    let revision: number | undefined;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken);
      after = prefix + token.start;
      revision = token.rv;
    } else if (options.resourceVersion && options.resourceVersion !== "0") {
      revision = Number(options.resourceVersion);
      if (!Number.isInteger(revision) || revision < 0) throw Errors.badRequest(`invalid resource version: ${options.resourceVersion}`);
    }
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const items: KubeObject[] = [];
    let more = false;
    let lastKey: string | undefined;
    try {
      // Filtering happens after the store's page: read pages until `limit` items matched.
      pages: for (;;) {
        const page = await this.storage.list(prefix, { revision, after, limit: limit ? Math.max(limit, 100) : undefined });
        revision ??= page.revision;
        for (let i = 0; i < page.items.length; i++) {
          const obj = decode(r, page.items[i]);
          lastKey = page.items[i].key;
          if (!this.selected(obj, options)) continue;
          items.push(obj);
          if (limit && items.length === limit) {
            more = i < page.items.length - 1 || page.more;
            break pages;
          }
        }
        if (!page.more || page.items.length === 0) break;
        after = page.items[page.items.length - 1].key;
      }
    } catch (err) {
      if (err instanceof StorageCompactedError) throw Errors.expired(options.resourceVersion ?? String(revision), err.compactRevision);
      if (err instanceof StorageFutureRevisionError) {
        throw Errors.badRequest(`Too large resource version: ${revision}, current: ${err.currentRevision}`);
      }
      throw err;
    }
    const out: ObjectList = { items, resourceVersion: String(revision) };
    if (more && lastKey) out.continueToken = encodeContinue(revision!, lastKey.slice(prefix.length));
    return out;
  }

  /**
   * Watch from `resourceVersion` ("" or "0": the current objects as ADDED first). Returns a
   * cancel function; `send` receives events, `end` is called once when the stream ends.
   */
  async watch(
    r: ResourceInfo,
    namespace: string | undefined,
    options: ListOptions,
    send: (event: WatchEventOut) => void,
    end: () => void,
  ): Promise<() => void> {
    let from: number;
    if (!options.resourceVersion || options.resourceVersion === "0") {
      const current = await this.list(r, namespace, { labelSelector: options.labelSelector, fields: options.fields });
      for (const item of current.items) send({ type: "ADDED", object: item });
      from = Number(current.resourceVersion);
    } else {
      from = Number(options.resourceVersion);
      if (!Number.isInteger(from) || from < 0) throw Errors.badRequest(`invalid resource version: ${options.resourceVersion}`);
    }
    const prefix = storagePrefix(r, namespace);
    const selection = selectionKey(options);
    let ended = false;
    let cancel = () => {};
    const finish = () => {
      if (ended) return;
      ended = true;
      cancel();
      end();
    };
    cancel = this.watches.watch(prefix, selection, from, (e) => this.toWatchEvent(r, e, options, selection), {
      send: (event) => {
        if (!ended) send(event);
      },
      compacted: (rev) => {
        if (ended) return;
        send({ type: "ERROR", object: Errors.expired(String(from), rev).status as unknown as KubeObject });
        finish();
      },
    });
    return finish;
  }

  // One storage event reaches every watcher of its prefix (hundreds of informers): it is
  // decoded, and each selector matched, once — the objects are shared and never mutated.
  private toWatchEvent(r: ResourceInfo, e: WatchEvent, options: ListOptions, selection: string): WatchEventOut | null {
    if (e.type === "delete") {
      if (!e.prev) return null;
      // Keyed by the delete event's own kv: e.prev may already be shared as an earlier version.
      const obj = decodeShared(r, e.prev, e.kv);
      return this.selectedShared(obj, options, selection) ? { type: "DELETED", object: obj } : null;
    }
    const obj = decodeShared(r, e.kv);
    const now = this.selectedShared(obj, options, selection);
    const before = e.prev ? this.selectedShared(decodeShared(r, e.prev), options, selection) : false;
    if (now && before) return { type: "MODIFIED", object: obj };
    if (now) return { type: "ADDED", object: obj };
    // It left the selection: the watcher sees it go.
    if (before) return { type: "DELETED", object: obj };
    return null;
  }

  /** selected(), remembered per shared object and selection (see selectionKey). */
  private selectedShared(obj: KubeObject, options: ListOptions, selection: string): boolean {
    if (selection === "") return true;
    let memo = selections.get(obj);
    if (!memo) selections.set(obj, (memo = new Map()));
    let result = memo.get(selection);
    if (result === undefined) memo.set(selection, (result = this.selected(obj, options)));
    return result;
  }

  private selected(obj: KubeObject, options: ListOptions): boolean {
    if (options.labelSelector && !this.matchLabels(options.labelSelector, obj.metadata?.labels)) return false;
    if (options.fields?.length && !matchesFields(obj, options.fields)) return false;
    return true;
  }

  /** The object an update stores: identity and history from `stored`, the rest from `wanted`. */
  /** `stored` is freshly decoded and `wanted` handed over: both are used in place, not copied. */
  private merged(r: ResourceInfo, stored: KubeObject, wanted: KubeObject, subresource?: string): KubeObject {
    const hasStatus = r.subresources.some((s) => s.name === "status");
    let next: KubeObject;
    const isNamespace = r.kind === "Namespace" && r.group === "";
    if (subresource === "status") {
      next = { ...stored, status: wanted.status };
    } else if (subresource === "finalize") {
      // namespaces/<name>/finalize changes spec.finalizers and nothing else.
      const finalizers = (wanted.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
      next = { ...stored, spec: { ...(stored.spec as object), finalizers } };
    } else {
      next = wanted;
      // A binding sets spec.nodeName and the PodScheduled condition together.
      if (hasStatus && subresource !== "binding") {
        if (stored.status === undefined) delete next.status;
        else next.status = stored.status;
      }
      // A namespace's spec.finalizers changes only through /finalize (namespaceStrategy).
      if (isNamespace) {
        const kept = (stored.spec as { finalizers?: string[] } | undefined)?.finalizers;
        const spec = (next.spec = { ...(next.spec as object) }) as { finalizers?: string[] };
        if (kept) spec.finalizers = kept;
        else delete spec.finalizers;
      }
    }
    const meta = (next.metadata ??= {});
    const old = stored.metadata!;
    next.apiVersion = groupVersion(r);
    next.kind = r.kind;
    meta.name = old.name;
    if (r.namespaced) meta.namespace = old.namespace;
    else delete meta.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    // Set by DELETE alone (the grace period decides whether removing finalizers deletes).
    if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (subresource === "status" || subresource === "finalize") {
      next.metadata = { ...old };
    } else if (old.generation !== undefined || "spec" in next) {
      const specChanged = JSON.stringify(next.spec) !== JSON.stringify(stored.spec);
      meta.generation = (old.generation ?? 0) + (specChanged || old.generation === undefined ? 1 : 0);
    }
    delete next.metadata!.resourceVersion;
    return next;
  }
}

/** DeleteOptions preconditions: the object's uid and resourceVersion, when given, must match. */
function checkPreconditions(r: ResourceInfo, name: string, obj: KubeObject, kv: KeyValue, options: { uid?: string; resourceVersion?: string }): void {
  if (options.uid && obj.metadata!.uid !== options.uid) {
    throw Errors.conflict(r, name, `Precondition failed: UID in precondition: ${options.uid}, UID in object meta: ${obj.metadata!.uid}`);
  }
  if (options.resourceVersion && options.resourceVersion !== String(kv.modRevision)) {
    throw Errors.conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${options.resourceVersion}, ResourceVersion in object meta: ${kv.modRevision}`);
  }
}

/**
 * The resource's default when a DELETE names no policy: batch/v1 Jobs keep their pods (for
 * compatibility, as kube-apiserver does), everything else lets them go in the background.
 */
export function defaultOrphans(r: ResourceInfo): boolean {
  return r.group === "batch" && r.plural === "jobs";
}

/**
 * deletionFinalizersForGarbageCollection: the object's finalizers with "orphan" and
 * "foregroundDeletion" as the request (first), the object's existing ones (next) or the
 * resource's default (last) decide. The same list (same order) when nothing changes.
 */
function gcFinalizers(r: ResourceInfo, existing: string[], options: StoreDeleteOptions): string[] {
  let orphan: boolean;
  let foreground: boolean;
  if (options.orphanDependents !== undefined) {
    orphan = options.orphanDependents;
    foreground = false;
  } else if (options.propagationPolicy !== undefined) {
    orphan = options.propagationPolicy === "Orphan";
    foreground = options.propagationPolicy === "Foreground";
  } else if (existing.includes(FINALIZER_ORPHAN) || existing.includes(FINALIZER_FOREGROUND)) {
    orphan = existing.includes(FINALIZER_ORPHAN);
    foreground = !orphan && existing.includes(FINALIZER_FOREGROUND);
  } else {
    orphan = defaultOrphans(r);
    foreground = false;
  }
  const out = existing.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (orphan) out.push(FINALIZER_ORPHAN);
  if (foreground) out.push(FINALIZER_FOREGROUND);
  return sameSet(out, existing) ? existing : out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/**
 * ShouldDeleteDuringUpdate: the new object has no finalizers left and the stored one was
 * being deleted with no grace period pending (a gracefully terminating pod waits for its
 * kubelet). A namespace also needs an empty spec.finalizers (the namespace controller's).
 */
function shouldDeleteDuringUpdate(r: ResourceInfo, stored: KubeObject, next: KubeObject): boolean {
  if ((next.metadata?.finalizers ?? []).length > 0) return false;
  const old = stored.metadata!;
  if (!old.deletionTimestamp) return false;
  if ((old.deletionGracePeriodSeconds ?? 0) !== 0) return false;
  if (r.kind === "Namespace" && r.group === "") return ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
  return true;
}

function encode(obj: KubeObject): Uint8Array {
  const copy = { ...obj, metadata: { ...obj.metadata } };
  delete copy.metadata.resourceVersion;
  return encoder.encode(JSON.stringify(copy));
}

function decode(r: ResourceInfo, kv: KeyValue): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  obj.apiVersion = groupVersion(r);
  obj.kind = r.kind;
  obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
  return obj;
}

/** A watch's label and field selectors as one string ("" for none), computed once per watch. */
function selectionKey(options: ListOptions): string {
  if (!options.labelSelector && !options.fields?.length) return "";
  const fields = (options.fields ?? []).map((f) => `${f.field}${f.equals ? "=" : "!="}${f.value}`).join(",");
  return `${options.labelSelector ?? ""}\u0000${fields}`;
}

const decodedEvents = new WeakMap<KeyValue, KubeObject>();
const selections = new WeakMap<KubeObject, Map<string, boolean>>();

/**
 * decode() once per stored version. For a deletion, `deletion` is the delete event's kv: the
 * object is the last version (`kv`) stamped with the deletion's resourceVersion.
 */
function decodeShared(r: ResourceInfo, kv: KeyValue, deletion?: KeyValue): KubeObject {
  const key = deletion ?? kv;
  let obj = decodedEvents.get(key);
  if (!obj) {
    obj = decode(r, kv);
    if (deletion) obj.metadata!.resourceVersion = String(deletion.modRevision);
    decodedEvents.set(key, obj);
  }
  return obj;
}

function randomSuffix(): string {
  let out = "";
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  for (const b of bytes) out += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return out;
}

/** The continue token: where the next page starts, and the revision the list is read at. */
function encodeContinue(rv: number, start: string): string {
  return btoa(JSON.stringify({ v: "meta.k8s.io/v1", rv, start }));
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(atob(token)) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === "number" && typeof parsed.start === "string") return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through
  }
  throw Errors.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
