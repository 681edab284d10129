// Extra builders for the PodTopologySpread and InterPodAffinity tables: zoned nodes, pods
// with spread constraints / pod (anti-)affinity terms, groups of identical pods, and a
// loose `evaluate` call (the input also takes namespaces, services, replica sets, …).
import type { Core } from "../../dist/core/index.js";
import { node, pod, type NodeOptions, type PodOptions } from "./builders.js";

export const ZONE = "topology.kubernetes.io/zone";
export const HOST = "kubernetes.io/hostname";

type Json = Record<string, unknown>;
type AnyPod = ReturnType<typeof pod>;
type AnyNode = ReturnType<typeof node>;

/** A node in `zone` (no zone label when zone is null); hostname label added by node(). */
export function zoned(name: string, zone: string | null, o: NodeOptions = {}): AnyNode {
  return node(name, { ...o, labels: { ...(zone === null ? {} : { [ZONE]: zone }), ...o.labels } });
}

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector?: Json;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[];
}

/** A spread constraint; `selector` is matchLabels (null: no labelSelector at all). */
export function spread(
  maxSkew: number,
  topologyKey: string,
  whenUnsatisfiable: Constraint["whenUnsatisfiable"],
  selector: Record<string, string> | null,
  extra: Partial<Constraint> = {},
): Constraint {
  return {
    maxSkew,
    topologyKey,
    whenUnsatisfiable,
    ...(selector === null ? {} : { labelSelector: { matchLabels: selector } }),
    ...extra,
  };
}

export interface SpreadPodOptions extends PodOptions {
  constraints?: Constraint[];
  deletionTimestamp?: string;
  ownerReferences?: Json[];
}

/** pod() plus topologySpreadConstraints, deletionTimestamp and ownerReferences. */
export function spreadPod(name: string, o: SpreadPodOptions = {}): AnyPod {
  const p = pod(name, o);
  return {
    ...p,
    metadata: {
      ...p.metadata,
      ...(o.deletionTimestamp ? { deletionTimestamp: o.deletionTimestamp } : {}),
      ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
    },
    spec: { ...p.spec, ...(o.constraints ? { topologySpreadConstraints: o.constraints } : {}) },
  } as AnyPod;
}

/** `count` bound pods named `${prefix}-${i}` on `nodeName`. */
export function podsOn(prefix: string, nodeName: string, count: number, o: SpreadPodOptions = {}): AnyPod[] {
  return Array.from({ length: count }, (_, i) => spreadPod(`${prefix}-${i}`, { ...o, nodeName }));
}

/** A pod affinity term; `selector` is matchLabels, null leaves labelSelector out (nil), "all" is {}. */
export function term(
  topologyKey: string,
  selector: Record<string, string> | null | "all",
  extra: { namespaces?: string[]; namespaceSelector?: Json } = {},
): Json {
  return {
    topologyKey,
    ...(selector === null ? {} : { labelSelector: selector === "all" ? {} : { matchLabels: selector } }),
    ...extra,
  };
}

export const weighted = (weight: number, t: Json): Json => ({ weight, podAffinityTerm: t });

export interface AffinityParts {
  required?: Json[];
  preferred?: Json[];
  antiRequired?: Json[];
  antiPreferred?: Json[];
}

/** spec.affinity with podAffinity / podAntiAffinity from the parts given. */
export function podAffinity(a: AffinityParts): NonNullable<PodOptions["affinity"]> {
  const aff: Json = {};
  if (a.required || a.preferred) {
    aff.podAffinity = {
      ...(a.required ? { requiredDuringSchedulingIgnoredDuringExecution: a.required } : {}),
      ...(a.preferred ? { preferredDuringSchedulingIgnoredDuringExecution: a.preferred } : {}),
    };
  }
  if (a.antiRequired || a.antiPreferred) {
    aff.podAntiAffinity = {
      ...(a.antiRequired ? { requiredDuringSchedulingIgnoredDuringExecution: a.antiRequired } : {}),
      ...(a.antiPreferred ? { preferredDuringSchedulingIgnoredDuringExecution: a.antiPreferred } : {}),
    };
  }
  return aff as NonNullable<PodOptions["affinity"]>;
}

export const namespace = (name: string, labels: Record<string, string> = {}): Json => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

export const service = (name: string, selector: Record<string, string> | undefined, ns = "default"): Json => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80 }] },
});

export const replicaSet = (name: string, matchLabels: Record<string, string>, ns = "default"): Json => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels }, template: { metadata: { labels: matchLabels } } },
});

export const ownedBy = (kind: string, name: string, apiVersion = "apps/v1"): Json[] => [
  { apiVersion, kind, name, uid: `uid-${name}`, controller: true },
];

export interface EvalInput {
  pod: AnyPod;
  nodes: AnyNode[];
  pods?: AnyPod[];
  namespaces?: Json[];
  services?: Json[];
  replicaSets?: Json[];
  statefulSets?: Json[];
  replicationControllers?: Json[];
  profile?: object;
}

export type EvalResult = ReturnType<Core["scheduler"]["evaluate"]>;

/** core.scheduler.evaluate with the extra object lists, typed loosely. */
export function evaluate(core: Core, input: EvalInput): EvalResult {
  return core.scheduler.evaluate(input as unknown as Parameters<Core["scheduler"]["evaluate"]>[0]);
}

/** node name → "fits" or "<code>: <reasons>" */
export function verdicts(r: EvalResult): Record<string, string> {
  return Object.fromEntries(
    Object.entries(r.nodes).map(([name, n]) => [name, n.feasible ? "fits" : `${n.code}: ${n.reasons.join("; ")}`]),
  );
}

/** node name → that plugin's normalized score (undefined when the plugin did not score). */
export function pluginScores(r: EvalResult, plugin: string): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(r.nodes).map(([name, n]) => [name, n.scores[plugin]]));
}
