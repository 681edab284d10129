// labels.Selector: an AND of requirements, kept sorted by key as Kubernetes keeps them.
// A selector with no requirements matches everything; `nothing` is labels.Nothing()
// (what a nil metav1.LabelSelector converts to) and matches no label set.

import { compareIds } from "../strings/intern";
import { Requirement } from "./requirement";

export class Selector {
  constructor(
    public requirements: StaticArray<Requirement>,
    public nothing: bool = false,
  ) {}

  static everything(): Selector {
    return new Selector(new StaticArray<Requirement>(0));
  }

  static nothingSelector(): Selector {
    return new Selector(new StaticArray<Requirement>(0), true);
  }

  /** Builds from requirements in input order, sorting by key while keeping ties in order. */
  static sorted(input: Array<Requirement>): Selector {
    const n = input.length;
    const reqs = new StaticArray<Requirement>(n);
    for (let i = 0; i < n; i++) {
      const r = input[i];
      let j = i;
      while (j > 0 && compareIds(reqs[j - 1].key, r.key) > 0) {
        reqs[j] = reqs[j - 1];
        j--;
      }
      reqs[j] = r;
    }
    return new Selector(reqs);
  }

  /** Matches one label set: `count` (key id, value id) pairs at `pairs`. */
  matches(pairs: usize, count: i32): bool {
    if (this.nothing) return false;
    const reqs = this.requirements;
    for (let i = 0, n = reqs.length; i < n; i++) {
      if (!unchecked(reqs[i]).matches(pairs, count)) return false; // i < reqs.length
    }
    return true;
  }

  /** Selector.String(): requirements joined by ","; "" for Everything and Nothing. */
  toString(): string {
    const parts = new Array<string>(this.requirements.length);
    for (let i = 0; i < this.requirements.length; i++) parts[i] = this.requirements[i].toString();
    return parts.join(",");
  }
}
