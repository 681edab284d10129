// Pods and nodes as the i32 records the core's scheduler reads (core/assembly/scheduler/
// record.ts, pod_info.ts, node_info.ts). Strings become interned ids; quantities stay
// strings (ids) and are parsed by the core, once per distinct value.

import type { WasmCore } from "../../bindings/wasm/instance.js";
import { NodeSelectorOperatorCode, TolerationOperatorCode, UNKNOWN_TOLERATION_OPERATOR } from "../../bindings/wasm/abi.js";
import type { V1Container, V1Node, V1NodeSelectorTerm, V1Pod } from "../types/core-v1.js";

const CONTAINER = 0;
const INIT_CONTAINER = 1;
const SIDECAR = 2;

/** The pod's cache key, "namespace/name" (as kube-scheduler keys pods). */
export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** ImageLocality's normalizedImageName: a name without a tag gets ":latest". */
export function normalizedImageName(image: string): string {
  return image.lastIndexOf(":") <= image.lastIndexOf("/") ? `${image}:latest` : image;
}

export function encodePod(core: WasmCore, pod: V1Pod): number[] {
  const id = (s: string | undefined | null) => core.id(s ?? "");
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? { containers: [] };
  const namespace = meta.namespace ?? "default";
  const out: number[] = [
    id(podKey(namespace, meta.name ?? "")),
    id(namespace),
    id(meta.name),
    id(spec.nodeName),
    spec.priority ?? 0,
  ];
  pairs(core, out, meta.labels);
  const tolerations = spec.tolerations ?? [];
  out.push(tolerations.length);
  for (const t of tolerations) {
    out.push(id(t.key), TolerationOperatorCode[t.operator ?? ""] ?? UNKNOWN_TOLERATION_OPERATOR, id(t.value), id(t.effect));
  }
  pairs(core, out, spec.nodeSelector);
  const nodeAffinity = spec.affinity?.nodeAffinity;
  const required = nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    out.push(1, terms.length);
    for (const term of terms) encodeTerm(core, out, term ?? {});
  } else {
    out.push(0);
  }
  const preferred = nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  out.push(preferred.length);
  for (const p of preferred) {
    out.push(p.weight ?? 0);
    encodeTerm(core, out, p.preference ?? {});
  }
  const containers: [number, V1Container][] = [
    ...(spec.containers ?? []).map((c): [number, V1Container] => [CONTAINER, c]),
    ...(spec.initContainers ?? []).map((c): [number, V1Container] => [
      (c as { restartPolicy?: string }).restartPolicy === "Always" ? SIDECAR : INIT_CONTAINER,
      c,
    ]),
  ];
  out.push(containers.length);
  for (const [kind, c] of containers) {
    out.push(kind);
    pairs(core, out, c.resources?.requests);
    // Host ports count for containers and sidecars (schedutil.GetHostPorts).
    const ports = kind === INIT_CONTAINER ? [] : (c.ports ?? []).filter((p) => (p.hostPort ?? 0) > 0);
    out.push(ports.length);
    for (const p of ports) out.push(id(p.protocol || "TCP"), id(p.hostIP), p.hostPort ?? 0);
    out.push(id(normalizedImageName(c.image ?? "")));
  }
  pairs(core, out, (spec as { resources?: { requests?: Record<string, string> } }).resources?.requests);
  pairs(core, out, (spec as { overhead?: Record<string, string> }).overhead);
  return out;
}

export function encodeNode(core: WasmCore, node: V1Node): number[] {
  const id = (s: string | undefined | null) => core.id(s ?? "");
  const out: number[] = [id(node.metadata?.name), node.spec?.unschedulable ? 1 : 0];
  pairs(core, out, node.metadata?.labels);
  const taints = node.spec?.taints ?? [];
  out.push(taints.length);
  for (const t of taints) out.push(id(t.key), id(t.value), id(t.effect));
  pairs(core, out, node.status?.allocatable);
  const images = (node.status?.images ?? []).flatMap((image) =>
    (image.names ?? []).map((name) => [name, image.sizeBytes ?? 0] as const),
  );
  out.push(images.length);
  for (const [name, size] of images) out.push(id(name), size % 2 ** 32 | 0, Math.floor(size / 2 ** 32) | 0);
  return out;
}

function encodeTerm(core: WasmCore, out: number[], term: V1NodeSelectorTerm): void {
  for (const list of [term.matchExpressions ?? [], term.matchFields ?? []]) {
    out.push(list.length);
    for (const r of list) {
      const values = r.values ?? [];
      out.push(core.id(r.key ?? ""), NodeSelectorOperatorCode[r.operator] ?? -1, values.length);
      for (const v of values) out.push(core.id(String(v)));
    }
  }
}

function pairs(core: WasmCore, out: number[], map: Readonly<Record<string, unknown>> | null | undefined): void {
  const keys = map ? Object.keys(map) : [];
  out.push(keys.length);
  for (const k of keys) out.push(core.id(k), core.id(String(map![k])));
}
