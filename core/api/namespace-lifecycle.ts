// NamespaceLifecycle admission: no new objects in a missing or terminating namespace.
// Every namespaced create asks, so — like kube-apiserver's admission plugin, which reads a
// namespace informer — the answer comes from a cache kept by a watch on namespaces; until
// that watch has listed, and for a name the cache does not hold (a namespace created a
// moment ago on another API server), the namespace is read from storage.
import { findResource } from "./resources.js";
import { ApiError, Errors } from "./status.js";
import type { KubeObject, ObjectStore } from "./object-store.js";
import type { ResourceInfo } from "./resources.js";

const NAMESPACES = findResource("", "v1", "namespaces")!;

export class NamespaceLifecycle {
  /** name → whether it is terminating; filled by the watch. */
  private readonly cache = new Map<string, boolean>();
  private synced = false;
  private stopWatch: (() => void) | null = null;
  private closed = false;

  constructor(private readonly store: ObjectStore) {}

  /** Starts the cache's watch (a list, then events; restarted when the stream ends). */
  start(): void {
    if (this.closed || this.stopWatch) return;
    this.synced = false;
    this.cache.clear();
    const watching = this.store.watch(
      NAMESPACES,
      undefined,
      {},
      (e) => {
        const name = e.object.metadata?.name;
        if (!name) return;
        if (e.type === "DELETED") this.cache.delete(name);
        else if (e.type === "ADDED" || e.type === "MODIFIED") this.cache.set(name, terminating(e.object));
      },
      () => {
        // Compacted under a slow stream, or the store closed: list again.
        this.stopWatch = null;
        this.synced = false;
        if (!this.closed) queueMicrotask(() => this.start());
      },
    );
    this.stopWatch = () => void watching.then((stop) => stop());
    watching.then(
      () => (this.synced = true),
      () => (this.stopWatch = null),
    );
  }

  close(): void {
    this.closed = true;
    this.stopWatch?.();
    this.stopWatch = null;
  }

  /** Throws the Status kube-apiserver answers when `name` may not be created in `namespace`. */
  async admit(r: ResourceInfo, namespace: string | undefined, name: string): Promise<void> {
    if (!namespace) throw Errors.badRequest("the server could not find the requested resource: namespace is required");
    this.start();
    let isTerminating = this.synced ? this.cache.get(namespace) : undefined;
    if (isTerminating === undefined) {
      let ns: KubeObject;
      try {
        ns = await this.store.get(NAMESPACES, undefined, namespace);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) throw Errors.namespaceNotFound(namespace);
        throw err;
      }
      isTerminating = terminating(ns);
    }
    if (isTerminating) throw Errors.namespaceTerminating(r, name, namespace);
  }
}

function terminating(ns: KubeObject): boolean {
  return !!ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating";
}
