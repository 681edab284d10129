// framework.AffinityTerm: one pod (anti-)affinity term as the scheduler evaluates it — a
// label selector, the namespaces it applies to (explicit names, the owner's namespace by
// default, or a namespaceSelector over Namespace labels), a topology key, and a weight for
// preferred terms.

import { Selector } from "../labels/selector";
import { next, nextCount, nextArray, overrun, recordCursor, seekRecord } from "./record";
import { SharedSpans } from "./shared_records";

/** Shared by every pod without terms of a kind: never written to. */
export const NO_TERMS = new Array<AffinityTerm>(0);
import { readSelector, matchesLabels } from "./selector_record";

/** Bumped once per pod being scheduled: AffinityTerm.matchesIncoming's memo is valid for one epoch. */
let epoch = 0;
export function newMatchEpoch(): void {
  epoch++;
}

export class AffinityTerm {
  private matchEpoch: i32 = -1;
  private matchResult: bool = false;
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

  /**
   * matches() against the pod being scheduled, remembered until newMatchEpoch(): existing
   * pods made from one template share their term objects (shared_records), so thousands
   * of them cost one match per cycle.
   */
  matchesIncoming(namespace: i32, labels: StaticArray<i32>, namespaceLabels: StaticArray<i32> | null): bool {
    if (this.matchEpoch != epoch) {
      this.matchResult = this.matches(namespace, labels, namespaceLabels);
      this.matchEpoch = epoch;
    }
    return this.matchResult;
  }
}

const sharedTerms = new SharedSpans<Array<AffinityTerm>>();

/** A list of terms: count, then per term weight, topology key, selector, namespaces, namespaceSelector. */
export function readAffinityTerms(): Array<AffinityTerm> {
  const from = recordCursor();
  skipAffinityTerms();
  const to = recordCursor();
  if (overrun || to - from == 4) {
    // No terms (the count alone), or a malformed record the caller rejects.
    seekRecord(from);
    return readTermsUnshared();
  }
  seekRecord(from);
  const shared = sharedTerms.find(from, to);
  if (shared !== null) return shared;
  const terms = readTermsUnshared();
  sharedTerms.keep(from, to, terms);
  return terms;
}

function readTermsUnshared(): Array<AffinityTerm> {
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

/** Moves past a term list without allocating, to find where it ends. */
function skipAffinityTerms(): void {
  const n = nextCount(5);
  for (let i = 0; i < n; i++) {
    next(); // weight
    next(); // topology key
    skipSelector();
    const namespaces = nextCount(1);
    for (let k = 0; k < namespaces; k++) next();
    skipSelector();
  }
}

function skipSelector(): void {
  if (next() != 1) return;
  const n = nextCount(3);
  for (let i = 0; i < n; i++) {
    next(); // key
    next(); // operator
    const values = nextCount(1);
    for (let k = 0; k < values; k++) next();
  }
}
