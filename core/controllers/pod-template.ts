// Pods from a workload's template, as controller.GetPodFromTemplate makes them: the
// template's labels, annotations and spec, generateName "<owner>-", and an ownerReference
// that names the owner as controller (blockOwnerDeletion).
import type { KubeObject } from "./client.js";

type Obj = Record<string, unknown>;

export function controllerRef(owner: KubeObject): Obj {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata!.name,
    uid: owner.metadata!.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of the object's controller (ownerReferences[controller=true]), if any. */
export function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
}

/** The controller's ownerReference, if any. */
export function controllerOf(obj: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

export function podFromTemplate(template: Obj | undefined, owner: KubeObject): KubeObject {
  const t = structuredClone(template ?? {}) as { metadata?: Obj; spec?: Obj };
  const meta = (t.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${owner.metadata!.name}-`,
      namespace: owner.metadata!.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ownerReferences: [controllerRef(owner) as never],
    },
    spec: t.spec ?? {},
  };
}

/** Active pods: not Succeeded or Failed, and not being deleted (controller.FilterActivePods). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

export function isPodReady(pod: KubeObject): boolean {
  return !!(pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
}

/** Ready for at least minReadySeconds at `now` (podutil.IsPodAvailable). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  const ready = (pod.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
  if (!ready) return false;
  if (!minReadySeconds) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

/** When a ready pod becomes available (for requeueing), or undefined. */
export function availableAt(pod: KubeObject, minReadySeconds: number): number | undefined {
  const ready = (pod.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
  if (!ready?.lastTransitionTime) return undefined;
  return Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000;
}
