// The downward API: pod fields and container resources as strings, for env
// (valueFrom.fieldRef / resourceFieldRef) and downwardAPI volume files, as the kubelet's
// podFieldSelectorRuntimeValue, fieldpath.ExtractFieldPathAsString and
// resource.ExtractContainerResourceValue compute them.
import { parseQuantity } from "../controllers/persistent-volume.js";
import type { ContainerSpec, ObjectFieldSelector, Pod, ResourceFieldSelector } from "./types.js";

/** What the downward API needs beyond the pod: addresses, and the node's allocatable (limits that are not set). */
export interface DownwardContext {
  podIPs: string[];
  hostIPs: string[];
  /** node.status.allocatable (cpu, memory, ephemeral-storage). */
  allocatable: Record<string, string>;
}

/** A downward API error, reported as the kubelet reports it (CreateContainerConfigError, FailedMount). */
export class DownwardAPIError extends Error {}

/** fieldRef: env allows status.* and spec.* as well; volumes only metadata.* (API validation keeps them apart). */
export function podFieldValue(ref: ObjectFieldSelector, pod: Pod, ctx: DownwardContext): string {
  switch (ref.fieldPath) {
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.hostIP":
      return ctx.hostIPs[0] ?? "";
    case "status.hostIPs":
      return ctx.hostIPs.join(",");
    case "status.podIP":
      return ctx.podIPs[0] ?? "";
    case "status.podIPs":
      return ctx.podIPs.join(",");
  }
  return extractFieldPathAsString(pod, ref.fieldPath);
}

/** fieldpath.ExtractFieldPathAsString over metadata. */
export function extractFieldPathAsString(pod: Pod, path: string): string {
  const m = pod.metadata;
  const subscript = /^metadata\.(annotations|labels)\['(.*)'\]$/.exec(path);
  if (subscript) {
    const map = (subscript[1] === "labels" ? m.labels : m.annotations) ?? {};
    return map[subscript[2]] ?? "";
  }
  switch (path) {
    case "metadata.annotations":
      return formatMap(m.annotations ?? {});
    case "metadata.labels":
      return formatMap(m.labels ?? {});
    case "metadata.name":
      return m.name;
    case "metadata.namespace":
      return m.namespace;
    case "metadata.uid":
      return m.uid;
  }
  throw new DownwardAPIError(`unsupported fieldPath: ${path}`);
}

/** FormatMap: `key="value"` lines in key order (Go's %q quoting). */
export function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join("\n");
}

/**
 * resourceFieldRef: a container's requests or limits divided by `divisor` (default 1),
 * rounded up; a limit that is not set is the node's allocatable (defaultPodLimitsForDownwardAPI).
 */
export function containerResourceValue(ref: ResourceFieldSelector, container: ContainerSpec, ctx: DownwardContext): string {
  const [kind, name] = ref.resource.split(/\.(.*)/s, 2) as [string, string | undefined];
  if ((kind !== "limits" && kind !== "requests") || !name || !["cpu", "memory", "ephemeral-storage"].includes(name)) {
    throw new DownwardAPIError(`unsupported container resource : ${ref.resource}`);
  }
  const res = container.resources ?? {};
  let raw = kind === "limits" ? res.limits?.[name] : res.requests?.[name];
  if (raw === undefined && kind === "limits") raw = ctx.allocatable[name];
  const value = raw === undefined ? 0 : parseQuantity(raw);
  const divisorRaw = ref.divisor === undefined || ref.divisor === "" || parseQuantity(ref.divisor) === 0 ? "1" : ref.divisor;
  const divisor = parseQuantity(divisorRaw);
  if (name === "cpu") {
    // MilliValue() rounds up; the division is in millicores.
    return String(Math.ceil(Math.ceil(value * 1000 - 1e-9) / Math.ceil(divisor * 1000 - 1e-9)));
  }
  return String(Math.ceil(Math.round(value) / Math.ceil(divisor - 1e-9)));
}

/** The container a volume's resourceFieldRef names. */
export function findContainer(pod: Pod, name: string | undefined): ContainerSpec | undefined {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
}
