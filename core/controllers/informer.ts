// Shared informers (client-go's cache.SharedIndexInformer): one list+watch per resource,
// kept in a cache every controller reads, with event handlers and secondary indexes.
// Level-triggered controllers use the handlers only to enqueue keys, and read the cache in
// reconcile. Cached objects are shared: clone before changing anything.
import type { ApiClient, KubeObject } from "./client.js";
import type { ResourceInfo } from "../api/resources.js";
import type { WatchEventOut } from "../api/object-store.js";
import { objectKey } from "./keys.js";

export interface EventHandlers {
  add?(obj: KubeObject): void;
  update?(oldObj: KubeObject, newObj: KubeObject): void;
  delete?(obj: KubeObject): void;
}

export type IndexFunc = (obj: KubeObject) => string[];

export class SharedInformer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly handlers: EventHandlers[] = [];
  private readonly indexers = new Map<string, IndexFunc>();
  /** index name → value → keys */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private stopWatch: (() => void) | null = null;
  private stopped = true;
  /** The revision the cache reflects (the last event or list). */
  resourceVersion = "";

  constructor(
    private readonly client: ApiClient,
    readonly resource: ResourceInfo,
    private readonly options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ) {
    this.addIndex("namespace", (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []));
  }

  addEventHandler(h: EventHandlers): void {
    this.handlers.push(h);
    // A handler added late sees the objects already cached, as client-go replays them.
    if (this.synced) for (const obj of this.cache.values()) h.add?.(obj);
  }

  addIndex(name: string, fn: IndexFunc): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(index, v, key);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const k of keys) {
      const obj = this.cache.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Objects of one namespace. */
  inNamespace(namespace: string): KubeObject[] {
    return this.byIndex("namespace", namespace);
  }

  get size(): number {
    return this.cache.size;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.listAndWatch();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = null;
  }

  private async listAndWatch(): Promise<void> {
    while (!this.stopped) {
      try {
        const list = await this.client.list(this.resource, this.options.namespace, this.options);
        if (this.stopped) return;
        this.replace(list.items);
        this.resourceVersion = list.resourceVersion;
        if (!this.synced) {
          this.synced = true;
          for (const w of this.syncWaiters.splice(0)) w();
        }
        let relist = false;
        const ended = new Promise<void>((resolve) => {
          void this.client
            .watch(this.resource, this.options.namespace, { ...this.options, resourceVersion: list.resourceVersion }, (e) => {
              if (e.type === "ERROR") relist = true;
              else this.apply(e);
            }, () => resolve())
            .then((stop) => {
              if (this.stopped) stop();
              else this.stopWatch = stop;
            }, () => resolve());
        });
        await ended;
        this.stopWatch = null;
        if (!relist && this.stopped) return;
      } catch {
        // The API is unavailable (shutting down, or a transient error): try again shortly.
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private apply(e: WatchEventOut): void {
    const obj = e.object;
    const key = objectKey(obj);
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (e.type === "BOOKMARK") return;
    const old = this.cache.get(key);
    if (e.type === "DELETED") {
      if (!old) return;
      this.remove(key, old);
      for (const h of this.handlers) h.delete?.(obj);
      return;
    }
    this.put(key, obj, old);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  /** After a (re)list: the cache becomes `items`; handlers see the differences. */
  private replace(items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.put(key, obj, old);
      for (const h of this.handlers) {
        if (old) h.update?.(old, obj);
        else h.add?.(obj);
      }
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.remove(key, old);
      for (const h of this.handlers) h.delete?.(old);
    }
  }

  private put(key: string, obj: KubeObject, old: KubeObject | undefined): void {
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    for (const [name, fn] of this.indexers) for (const v of fn(obj)) addTo(this.indexes.get(name)!, v, key);
  }

  private remove(key: string, old: KubeObject): void {
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

/** One informer per resource, shared by every controller (client-go's SharedInformerFactory). */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
  private started = false;

  constructor(private readonly client: ApiClient) {}

  /** The shared informer of `r` (started at once when the factory already runs). */
  for(r: ResourceInfo): SharedInformer {
    const key = `${r.group}/${r.plural}`;
    let informer = this.informers.get(key);
    if (!informer) {
      this.informers.set(key, (informer = new SharedInformer(this.client, r)));
      if (this.started) void informer.start();
    }
    return informer;
  }

  /** Whether every informer has listed at least once. */
  get hasSynced(): boolean {
    return this.started && [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Starts every informer asked for so far and waits until all have listed. */
  async start(): Promise<void> {
    this.started = true;
    for (const i of this.informers.values()) void i.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    this.started = false;
    for (const i of this.informers.values()) i.stop();
  }
}
