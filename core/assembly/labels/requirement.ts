// labels.Requirement: one `key op values` clause of a selector, validated exactly as
// Kubernetes' NewRequirement validates it, and matched against interned label sets.

import { stringOf, isIntegerId, integerOf, bytesOf, byteLengthOf, compareIds } from "../strings/intern";
import { goQuote, goStringSlice } from "../strings/go_format";
import { FieldErrors, childPath, indexPath } from "../util/field_errors";
import { parseInt64 } from "../util/int64";
import { labelKeyErrors, labelValueErrors, isValidLabelKey, isValidLabelValue } from "./validation";

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

export class Requirement {
  constructor(
    public key: i32,
    public op: Op,
    /** Value ids in the order given (Kubernetes keeps duplicates from LabelSelectors). */
    public values: StaticArray<i32>,
    /** The single Gt/Lt operand, parsed. */
    public threshold: i64,
  ) {}

  /** Matches one label set: `count` (key id, value id) pairs at `pairs`. */
  @inline matches(pairs: usize, count: i32): bool {
    const value = lookup(pairs, count, this.key);
    switch (this.op) {
      case Op.In:
      case Op.Equals:
      case Op.DoubleEquals:
        return value >= 0 && this.hasValue(value);
      case Op.NotIn:
      case Op.NotEquals:
        return value < 0 || !this.hasValue(value);
      case Op.Exists:
        return value >= 0;
      case Op.DoesNotExist:
        return value < 0;
      case Op.GreaterThan:
        return value >= 0 && isIntegerId(value) && integerOf(value) > this.threshold;
      case Op.LessThan:
        return value >= 0 && isIntegerId(value) && integerOf(value) < this.threshold;
    }
    return false;
  }

  @inline hasValue(value: i32): bool {
    const values = this.values;
    for (let i = 0, n = values.length; i < n; i++) {
      if (unchecked(values[i]) == value) return true; // i < values.length
    }
    return false;
  }

  /** Requirement.String(): `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k>v`, `k<v`, `k in (a,b)`. */
  toString(): string {
    const key = stringOf(this.key);
    switch (this.op) {
      case Op.Exists:
        return key;
      case Op.DoesNotExist:
        return "!" + key;
    }
    let text = key;
    switch (this.op) {
      case Op.Equals: text += "="; break;
      case Op.DoubleEquals: text += "=="; break;
      case Op.NotEquals: text += "!="; break;
      case Op.In: text += " in ("; break;
      case Op.NotIn: text += " notin ("; break;
      case Op.GreaterThan: text += ">"; break;
      case Op.LessThan: text += "<"; break;
    }
    // Values print sorted, without changing the stored order.
    const sorted = StaticArray.slice<i32>(this.values);
    sortIds(sorted);
    for (let i = 0; i < sorted.length; i++) {
      if (i > 0) text += ",";
      text += stringOf(sorted[i]);
    }
    if (this.op == Op.In || this.op == Op.NotIn) text += ")";
    return text;
  }
}

/** The value id of `key` in a label set, or -1 when the key is absent. */
@inline export function lookup(pairs: usize, count: i32, key: i32): i32 {
  for (let i = 0; i < count; i++) {
    const pair = pairs + (<usize>i << 3);
    if (load<i32>(pair) == key) return load<i32>(pair, 4);
  }
  return -1;
}

/** Insertion sort of ids by their bytes (stable; value lists are short). */
export function sortIds(ids: StaticArray<i32>): void {
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i];
    let j = i;
    while (j > 0 && compareIds(ids[j - 1], id) > 0) {
      ids[j] = ids[j - 1];
      j--;
    }
    ids[j] = id;
  }
}

/** Byte-wise string order (UTF-16 order agrees on the ASCII that valid labels use). */
export function compareStrings(a: string, b: string): i32 {
  return a < b ? -1 : a > b ? 1 : 0;
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
 * NewRequirement over interned strings. `values` null stands for Go's nil slice (it prints
 * differently from an empty one). Invalid input adds Kubernetes' messages to `errs`, with
 * field paths under `path` ("" for none), and returns null.
 */
export function newRequirement(
  key: i32,
  op: Op,
  values: StaticArray<i32> | null,
  path: string,
  errs: FieldErrors,
): Requirement | null {
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
    return null;
  }
  return new Requirement(key, op, values === null ? new StaticArray<i32>(0) : values, ordered ? integerOf(values![0]) : 0);
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
