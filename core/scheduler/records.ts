// Pods and nodes as the i32 records the core's scheduler reads (core/assembly/scheduler/
// record.ts, pod_info.ts, node_info.ts). Strings become interned ids; quantities stay
// strings (ids) and are parsed by the core, once per distinct value.

import type { WasmCore } from "../../bindings/wasm/instance.js";
import { NodeSelectorOperatorCode, TolerationOperatorCode, UNKNOWN_TOLERATION_OPERATOR } from "../../bindings/wasm/abi.js";
import type { V1Container, V1Node, V1NodeAffinity, V1NodeSelectorTerm, V1Pod, V1PodAffinityTerm } from "../types/core-v1.js";
import type { LabelSelector } from "../types/meta.js";

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

/** `defaultSpread`: the pod's default spreading selector (default-selector.ts), if any. */
export function encodePod(core: WasmCore, pod: V1Pod, defaultSpread: LabelSelector | null = null): number[] {
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
  encodeNodeAffinity(core, out, spec.affinity?.nodeAffinity ?? {});
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

  // For preemption: terminating, preemptionPolicy Never, status.startTime (ms; -1: none).
  out.push(meta.deletionTimestamp ? 1 : 0, spec.preemptionPolicy === "Never" ? 1 : 0);
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : -1;
  pushI64(out, Number.isFinite(start) ? start : -1);

  // PodTopologySpread: the pod's constraints, then its default spreading selector.
  const labels = meta.labels ?? {};
  const constraints = spec.topologySpreadConstraints ?? [];
  out.push(constraints.length);
  for (const c of constraints) {
    out.push(
      c.maxSkew ?? 0,
      id(c.topologyKey),
      c.whenUnsatisfiable === "ScheduleAnyway" ? 1 : 0,
      c.minDomains ?? 1,
      c.nodeAffinityPolicy === "Ignore" ? 0 : 1,
      c.nodeTaintsPolicy === "Honor" ? 1 : 0,
    );
    encodeSelector(core, out, withLabelKeys(c.labelSelector, labels, c.matchLabelKeys, undefined));
  }
  encodeSelector(core, out, defaultSpread);

  // InterPodAffinity: required affinity, required anti-affinity, preferred affinity,
  // preferred anti-affinity; each term: weight, topology key, selector, namespaces, namespaceSelector.
  const podAffinity = spec.affinity?.podAffinity;
  const podAntiAffinity = spec.affinity?.podAntiAffinity;
  for (const terms of [
    (podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => ({ weight: 0, podAffinityTerm: t })),
    (podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => ({ weight: 0, podAffinityTerm: t })),
    podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
  ]) {
    out.push(terms.length);
    for (const { weight, podAffinityTerm } of terms) encodeAffinityTerm(core, out, podAffinityTerm ?? { topologyKey: "" }, weight ?? 0, namespace, labels);
  }
  return out;
}

/**
 * matchLabelKeys / mismatchLabelKeys merged into the selector as the API server merges them
 * (`key in (pod's value)` / `key notin (pod's value)`, keys the pod lacks ignored); a nil
 * selector stays nil (it matches nothing either way).
 */
function withLabelKeys(
  selector: LabelSelector | null | undefined,
  labels: Record<string, string>,
  matchKeys: string[] | undefined,
  mismatchKeys: string[] | undefined,
): LabelSelector | null {
  if (!selector) return null;
  const extra = [
    ...(matchKeys ?? []).filter((k) => k in labels).map((key) => ({ key, operator: "In", values: [labels[key]] })),
    ...(mismatchKeys ?? []).filter((k) => k in labels).map((key) => ({ key, operator: "NotIn", values: [labels[key]] })),
  ];
  if (extra.length === 0) return selector;
  return { matchLabels: selector.matchLabels, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
}

function encodeAffinityTerm(
  core: WasmCore,
  out: number[],
  term: V1PodAffinityTerm,
  weight: number,
  podNamespace: string,
  labels: Record<string, string>,
): void {
  out.push(weight, core.id(term.topologyKey ?? ""));
  encodeSelector(core, out, withLabelKeys(term.labelSelector, labels, term.matchLabelKeys, term.mismatchLabelKeys));
  // No namespaces and no namespaceSelector: the term owner's own namespace.
  const namespaces = (term.namespaces ?? []).length === 0 && !term.namespaceSelector ? [podNamespace] : (term.namespaces ?? []);
  out.push(namespaces.length);
  for (const ns of namespaces) out.push(core.id(ns));
  encodeSelector(core, out, term.namespaceSelector ?? null);
}

/** LabelSelectorOperator → labels operator code (core/assembly/labels/requirement.ts Op). */
const SELECTOR_OPERATOR: Record<string, number> = { In: 0, NotIn: 1, Exists: 5, DoesNotExist: 6 };
const NIL_SELECTOR = 0;
const SELECTOR = 1;
const INVALID_SELECTOR = 2;

/** A metav1.LabelSelector: nil (matches nothing), or requirements (key, op, values...). */
function encodeSelector(core: WasmCore, out: number[], selector: LabelSelector | null | undefined): void {
  if (!selector) {
    out.push(NIL_SELECTOR);
    return;
  }
  const expressions = selector.matchExpressions ?? [];
  if (expressions.some((e) => SELECTOR_OPERATOR[e.operator] === undefined)) {
    out.push(INVALID_SELECTOR);
    return;
  }
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  out.push(SELECTOR, matchLabels.length + expressions.length);
  for (const [key, value] of matchLabels) out.push(core.id(key), 2 /* Equals */, 1, core.id(String(value)));
  for (const e of expressions) {
    const values = e.values ?? [];
    out.push(core.id(e.key), SELECTOR_OPERATOR[e.operator], values.length);
    for (const v of values) out.push(core.id(String(v)));
  }
}

function pushI64(out: number[], value: number): void {
  out.push(value % 2 ** 32 | 0, Math.floor(value / 2 ** 32) | 0);
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
  for (const [name, size] of images) {
    out.push(id(name));
    pushI64(out, size);
  }
  return out;
}

/** NodeAffinityArgs.addedAffinity, in the same layout as a pod's node affinity. */
export function encodeAddedAffinity(core: WasmCore, affinity: V1NodeAffinity): number[] {
  const out: number[] = [];
  encodeNodeAffinity(core, out, affinity);
  return out;
}

/** Required node selector (1, terms; or 0 when absent), then preferred (weight, term) pairs. */
function encodeNodeAffinity(core: WasmCore, out: number[], affinity: V1NodeAffinity): void {
  const required = affinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    out.push(1, terms.length);
    for (const term of terms) encodeTerm(core, out, term ?? {});
  } else {
    out.push(0);
  }
  const preferred = affinity.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  out.push(preferred.length);
  for (const p of preferred) {
    out.push(p.weight ?? 0);
    encodeTerm(core, out, p.preference ?? {});
  }
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
