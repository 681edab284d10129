// Cell formatting shared by several printers: label maps, label selectors, container
// lists and the "a,b,c + N more..." lists, each as the Kubernetes helpers render them.
import type { LabelSelector } from "../../types/meta.js";

/** labels.FormatLabels: "k=v" sorted by key and comma-joined; "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key, matchLabels
 * as "k=v", expressions as "k in (a,b)", "k notin (a)", "k", "!k". A null or empty
 * selector prints as "". Returns undefined where Kubernetes would reject the selector.
 */
export function labelSelectorString(sel: LabelSelector | null | undefined): string | undefined {
  if (!sel) return "";
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key, text: `${key}=${value}` });
  }
  for (const expr of sel.matchExpressions ?? []) {
    // Sorted but, unlike labels.Parse, not de-duplicated: [b,a,b] prints as (a,b,b).
    const values = [...(expr.values ?? [])].sort();
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) return undefined;
        reqs.push({ key: expr.key, text: `${expr.key} ${expr.operator === "In" ? "in" : "notin"} (${values.join(",")})` });
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) return undefined;
        reqs.push({ key: expr.key, text: expr.operator === "Exists" ? expr.key : `!${expr.key}` });
        break;
      default:
        return undefined;
    }
  }
  // Array.prototype.sort is stable, so equal keys keep matchLabels-then-expressions order.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(",");
}

/** metav1.FormatLabelSelector: like labelSelectorString, but "<none>" when empty and "<error>" when invalid. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

export interface NamedImage {
  name?: string;
  image?: string;
}

/** layoutContainerCells: the CONTAINERS and IMAGES cells, each comma-joined in spec order. */
export function containerCells(containers: readonly NamedImage[] | null | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** The first `max` items, then " + N more..." for the rest; `empty` when there are none. */
export function listWithMore(items: readonly string[], max: number, empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(",");
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

/** Go's printBoolPtr: "True", "False", or "<unset>" for a missing value. */
export function boolPtr(value: boolean | null | undefined): string {
  if (value === undefined || value === null) return "<unset>";
  return value ? "True" : "False";
}

/** Sorted, de-duplicated, comma-joined: how load-balancer ingress addresses print. */
export function sortedUnique(values: Iterable<string>): string {
  return [...new Set(values)].sort().join(",");
}
