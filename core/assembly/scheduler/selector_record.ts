// metav1.LabelSelector inside a pod record (written by core/scheduler/records.ts):
//   0                       nil selector (labels.Nothing(): matches no pod)
//   1, n, n × (key, op, value count, values...)   requirements, ANDed
//   2                       a selector Kubernetes would reject (treated as nil)
// The host converted matchLabels and matchExpressions into requirements already.

import { Selector, SelectorBuilder } from "../labels/selector";
import { next, nextCount } from "./record";

const builder = new SelectorBuilder();

/** A selector; nil and invalid ones become labels.Nothing(). */
export function readSelector(): Selector {
  const selector = readOptionalSelector();
  return selector === null ? Selector.nothingSelector() : selector;
}

/** A selector, or null for nil / invalid. */
export function readOptionalSelector(): Selector | null {
  const kind = next();
  if (kind != 1) return null;
  builder.reset();
  const n = nextCount(3);
  for (let i = 0; i < n; i++) {
    builder.begin(next(), next());
    const values = nextCount(1);
    for (let k = 0; k < values; k++) builder.value(next());
  }
  return builder.build();
}

/** labels.Selector.Empty(): no requirements (matches everything); Nothing is not empty. */
@inline export function isEmptySelector(selector: Selector): bool {
  return selector.requirementCount == 0 && !selector.nothing;
}

/** Whether `selector` matches a label set stored as (key, value) pairs. */
@inline export function matchesLabels(selector: Selector, labels: StaticArray<i32>): bool {
  return selector.matches(changetype<usize>(labels), labels.length >> 1);
}
