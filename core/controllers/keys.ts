// Work-queue keys as client-go's cache.MetaNamespaceKeyFunc makes them: "namespace/name",
// or "name" for cluster-scoped objects.
import type { KubeObject } from "../api/object-store.js";

export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? "");
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
