// labels.Selector: an AND of requirements, kept sorted by key as Kubernetes keeps them.
// A selector with no requirements matches everything; `nothing` is labels.Nothing()
// (what a nil metav1.LabelSelector converts to) and matches no label set.
//
// A compiled selector is one flat i32 program, a record per requirement:
//   key id, operator, value count, value ids...
// so matching walks a single array the core built itself, and compiling allocates two
// objects however many requirements there are.

import { stringOf, isIntegerId, integerOf, compareIds } from "../strings/intern";
import { Op } from "./requirement";

export class Selector {
  constructor(
    public program: StaticArray<i32>,
    public requirementCount: i32,
    public nothing: bool = false,
  ) {}

  static everything(): Selector {
    return new Selector(new StaticArray<i32>(0), 0);
  }

  static nothingSelector(): Selector {
    return new Selector(new StaticArray<i32>(0), 0, true);
  }

  /** Matches one label set: `count` (key id, value id) pairs at `pairs`. */
  matches(pairs: usize, count: i32): bool {
    if (this.nothing) return false;
    // Every record was laid out by SelectorBuilder: [key, op, n, n values], within bounds.
    let at = changetype<usize>(this.program);
    const end = at + (<usize>this.program.length << 2);
    while (at < end) {
      const key = load<i32>(at);
      const op = load<i32>(at, 4);
      const n = load<i32>(at, 8);
      const values = at + 12;
      at = values + (<usize>n << 2);
      const value = lookup(pairs, count, key);
      switch (op) {
        case Op.In:
        case Op.Equals:
        case Op.DoubleEquals:
          if (value < 0 || !contains(values, n, value)) return false;
          break;
        case Op.NotIn:
        case Op.NotEquals:
          if (value >= 0 && contains(values, n, value)) return false;
          break;
        case Op.Exists:
          if (value < 0) return false;
          break;
        case Op.DoesNotExist:
          if (value >= 0) return false;
          break;
        case Op.GreaterThan:
          if (value < 0 || !isIntegerId(value) || !(integerOf(value) > integerOf(load<i32>(values)))) return false;
          break;
        case Op.LessThan:
          if (value < 0 || !isIntegerId(value) || !(integerOf(value) < integerOf(load<i32>(values)))) return false;
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** Selector.String(): requirements joined by ","; "" for Everything and Nothing. */
  toString(): string {
    let text = "";
    const program = this.program;
    let at = 0;
    while (at < program.length) {
      if (at > 0) text += ",";
      const n = program[at + 2];
      text += requirementString(program[at], <Op>program[at + 1], StaticArray.slice<i32>(program, at + 3, at + 3 + n));
      at += 3 + n;
    }
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

@inline function contains(values: usize, n: i32, value: i32): bool {
  for (let i = 0; i < n; i++) if (load<i32>(values + (<usize>i << 2)) == value) return true;
  return false;
}

/** Requirement.String(): `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k>v`, `k<v`, `k in (a,b)`. */
function requirementString(key: i32, op: Op, values: StaticArray<i32>): string {
  let text = stringOf(key);
  switch (op) {
    case Op.Exists: return text;
    case Op.DoesNotExist: return "!" + text;
    case Op.Equals: text += "="; break;
    case Op.DoubleEquals: text += "=="; break;
    case Op.NotEquals: text += "!="; break;
    case Op.In: text += " in ("; break;
    case Op.NotIn: text += " notin ("; break;
    case Op.GreaterThan: text += ">"; break;
    case Op.LessThan: text += "<"; break;
  }
  // Values print sorted, without changing the stored order.
  sortIds(values);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ",";
    text += stringOf(values[i]);
  }
  if (op == Op.In || op == Op.NotIn) text += ")";
  return text;
}

/** Insertion sort of ids by their bytes (stable; value lists are short). */
function sortIds(ids: StaticArray<i32>): void {
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

/**
 * Collects requirements (already validated) and lays them out as a Selector, sorted by key
 * with ties in input order (Go's sort.Sort is an insertion sort for the short lists
 * selectors have). Reusable: reset() between selectors.
 */
export class SelectorBuilder {
  private records: Array<i32> = new Array<i32>();
  private starts: Array<i32> = new Array<i32>();

  reset(): void {
    this.records.length = 0;
    this.starts.length = 0;
  }

  get requirementCount(): i32 {
    return this.starts.length;
  }

  begin(key: i32, op: Op): void {
    this.starts.push(this.records.length);
    this.records.push(key);
    this.records.push(op);
    this.records.push(0);
  }

  /** Adds a value to the requirement begun last. */
  value(id: i32): void {
    this.records.push(id);
    const countAt = this.starts[this.starts.length - 1] + 2;
    this.records[countAt] = this.records[countAt] + 1;
  }

  build(): Selector {
    const records = this.records;
    const starts = this.starts;
    const n = starts.length;
    for (let i = 1; i < n; i++) {
      const start = starts[i];
      let j = i;
      while (j > 0 && compareIds(records[starts[j - 1]], records[start]) > 0) {
        starts[j] = starts[j - 1];
        j--;
      }
      starts[j] = start;
    }
    const program = new StaticArray<i32>(records.length);
    let out = 0;
    for (let i = 0; i < n; i++) {
      const start = starts[i];
      const length = 3 + records[start + 2];
      for (let k = 0; k < length; k++) program[out++] = records[start + k];
    }
    return new Selector(program, n);
  }
}
