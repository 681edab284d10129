// labels.Requirement: one `key op values` clause of a selector, validated exactly as
// Kubernetes' NewRequirement validates it. Valid requirements go into a SelectorBuilder,
// which lays them out for matching (selector.ts).

import { stringOf, isIntegerId, bytesOf, byteLengthOf } from "../strings/intern";
import { goQuote, goStringSlice } from "../strings/go_format";
import { FieldErrors, childPath, indexPath } from "../util/field_errors";
import { parseInt64 } from "../util/int64";
import { labelKeyErrors, labelValueErrors, isValidLabelKey, isValidLabelValue } from "./validation";
import { SelectorBuilder } from "./selector";

/** selection.Operator. */
export const enum Op {
  In = 0,
  NotIn = 1,
  Equals = 2,
  DoubleEquals = 3,
  NotEquals = 4,
  Exists = 5,
  DoesNotExist = 6,
  GreaterThan = 7,
  LessThan = 8,
}

/** NewRequirement's value-count rule for `op`. */
function countAllowed(op: Op, n: i32): bool {
  switch (op) {
    case Op.In:
    case Op.NotIn:
      return n > 0;
    case Op.Exists:
    case Op.DoesNotExist:
      return n == 0;
  }
  return n == 1; // =, ==, !=, gt, lt
}

/**
 * NewRequirement over interned strings: adds the requirement to `into` when valid.
 * `values` null stands for Go's nil slice (it prints differently from an empty one).
 * Invalid input adds Kubernetes' messages to `errs`, with field paths under `path` ("" for
 * none), and returns false.
 */
export function newRequirement(
  key: i32,
  op: Op,
  values: StaticArray<i32> | null,
  path: string,
  errs: FieldErrors,
  into: SelectorBuilder,
): bool {
  const n = values === null ? 0 : values.length;
  let valid = isValidLabelKey(bytesOf(key), byteLengthOf(key)) && countAllowed(op, n);
  const ordered = op == Op.GreaterThan || op == Op.LessThan;
  for (let i = 0; valid && i < n; i++) {
    const v = values![i];
    valid = isValidLabelValue(bytesOf(v), byteLengthOf(v)) && (!ordered || isIntegerId(v));
  }
  if (!valid) {
    let strings: Array<string> | null = null;
    if (values !== null) {
      strings = new Array<string>(n);
      for (let i = 0; i < n; i++) strings[i] = stringOf(values[i]);
    }
    reportRequirementErrors(stringOf(key), op, strings, path, errs);
    return false;
  }
  into.begin(key, op);
  for (let i = 0; i < n; i++) into.value(values![i]);
  return true;
}

/** NewRequirement's error list, in Kubernetes' order: key, operator/values, each value. */
export function reportRequirementErrors(
  key: string,
  op: Op,
  values: Array<string> | null,
  path: string,
  errs: FieldErrors,
): void {
  const keyErrors = labelKeyErrors(key);
  if (keyErrors.length > 0) errs.invalid(childPath(path, "key"), goQuote(key), keyErrors.join("; "));

  const valuePath = childPath(path, "values"); // no allocation for the usual empty path
  const n = values === null ? 0 : values.length;
  if (!countAllowed(op, n)) {
    let detail = "exact-match compatibility requires one single value";
    if (op == Op.In || op == Op.NotIn) detail = "for 'in', 'notin' operators, values set can't be empty";
    else if (op == Op.Exists || op == Op.DoesNotExist) detail = "values set must be empty for exists and does not exist";
    else if (op == Op.GreaterThan || op == Op.LessThan) detail = "for 'Gt', 'Lt' operators, exactly one value is required";
    errs.invalid(valuePath, goStringSlice(values), detail);
  }
  if (op == Op.GreaterThan || op == Op.LessThan) {
    for (let i = 0; i < n; i++) {
      const v = values![i];
      if (!parseInt64(v)) errs.invalid(indexPath(valuePath, i), goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer");
    }
  }
  for (let i = 0; i < n; i++) {
    const v = values![i];
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0) errs.invalid(indexPath(valuePath, i) + "[" + key + "]", goQuote(v), valueErrors.join("; "));
  }
}
