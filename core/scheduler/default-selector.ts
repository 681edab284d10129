// helper.DefaultSelector: the selector PodTopologySpread's default constraints use for a
// pod — the union of the selectors of the Services in its namespace that select it, plus the
// selector of its controlling ReplicationController, ReplicaSet or StatefulSet. It is host
// input for the core (not a hot path): a handful of plain-map comparisons per pod.

import type { LabelSelector, LabelSelectorRequirement } from "../types/meta.js";
import type { V1Pod, V1ReplicationController, V1Service } from "../types/core-v1.js";
import type { V1ReplicaSet, V1StatefulSet } from "../types/apps-v1.js";

export interface SpreadOwners {
  services?: readonly V1Service[];
  replicationControllers?: readonly V1ReplicationController[];
  replicaSets?: readonly V1ReplicaSet[];
  statefulSets?: readonly V1StatefulSet[];
}

/** The default selector for `pod`, or null when nothing selects it (no default constraints). */
export function defaultSelector(pod: V1Pod, owners: SpreadOwners): LabelSelector | null {
  const namespace = pod.metadata?.namespace ?? "default";
  const labels = pod.metadata?.labels ?? {};
  const inNamespace = <T extends { metadata?: { namespace?: string } }>(o: T) => (o.metadata?.namespace ?? "default") === namespace;
  const merged: Record<string, string> = {};
  for (const service of owners.services ?? []) {
    const selector = service.spec?.selector;
    // A Service with a nil selector selects nothing (not everything).
    if (!selector || !inNamespace(service)) continue;
    if (Object.entries(selector).every(([k, v]) => labels[k] === v)) Object.assign(merged, selector);
  }
  const expressions: LabelSelectorRequirement[] = [];
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  const byName = <T extends { metadata?: { name?: string; namespace?: string } }>(list: readonly T[] | undefined) =>
    (list ?? []).find((o) => o.metadata?.name === owner?.name && inNamespace(o));
  if (owner?.kind === "ReplicationController" && owner.apiVersion === "v1") {
    Object.assign(merged, byName(owners.replicationControllers)?.spec?.selector ?? {});
  } else if ((owner?.kind === "ReplicaSet" || owner?.kind === "StatefulSet") && owner.apiVersion === "apps/v1") {
    const list = owner.kind === "ReplicaSet" ? owners.replicaSets : owners.statefulSets;
    const selector = byName<V1ReplicaSet | V1StatefulSet>(list)?.spec?.selector;
    if (selector) {
      for (const [key, value] of Object.entries(selector.matchLabels ?? {})) expressions.push({ key, operator: "In", values: [value] });
      expressions.push(...(selector.matchExpressions ?? []));
    }
  }
  if (Object.keys(merged).length === 0 && expressions.length === 0) return null;
  return { matchLabels: merged, matchExpressions: expressions };
}
