// framework.AffinityTerm: one pod (anti-)affinity term as the scheduler evaluates it — a
// label selector, the namespaces it applies to (explicit names, the owner's namespace by
// default, or a namespaceSelector over Namespace labels), a topology key, and a weight for
// preferred terms.

import { Selector } from "../labels/selector";
import { next, nextCount, nextArray } from "./record";

/** Shared by every pod without terms of a kind: never written to. */
export const NO_TERMS = new Array<AffinityTerm>(0);
import { readSelector, matchesLabels } from "./selector_record";

export class AffinityTerm {
  weight: i32 = 0;
  topologyKey: i32 = 0;
  selector: Selector = Selector.nothingSelector();
  namespaces: StaticArray<i32> = new StaticArray<i32>(0);
  namespaceSelector: Selector = Selector.nothingSelector();

  /**
   * AffinityTerm.Matches: the pod's namespace is one of the term's, or its Namespace's labels
   * (`namespaceLabels`; null when that Namespace is unknown) match the namespaceSelector;
   * and the pod's labels match the selector.
   */
  matches(namespace: i32, labels: StaticArray<i32>, namespaceLabels: StaticArray<i32> | null): bool {
    let inNamespace = false;
    const namespaces = this.namespaces;
    for (let i = 0; i < namespaces.length; i++) {
      if (unchecked(namespaces[i]) == namespace) {
        inNamespace = true;
        break;
      }
    }
    if (!inNamespace && (namespaceLabels === null || !matchesLabels(this.namespaceSelector, namespaceLabels))) return false;
    return matchesLabels(this.selector, labels);
  }
}

/** A list of terms: count, then per term weight, topology key, selector, namespaces, namespaceSelector. */
export function readAffinityTerms(): Array<AffinityTerm> {
  const n = nextCount(5);
  if (n == 0) return NO_TERMS;
  const terms = new Array<AffinityTerm>(n);
  for (let i = 0; i < n; i++) {
    const term = new AffinityTerm();
    term.weight = next();
    term.topologyKey = next();
    term.selector = readSelector();
    term.namespaces = nextArray(nextCount(1), 1);
    term.namespaceSelector = readSelector();
    terms[i] = term;
  }
  return terms;
}
