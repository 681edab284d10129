import { beginRecord, EMPTY_I32S } from "../scheduler/record";
import { readSharedPairs } from "../scheduler/shared_records";
import { readAffinityTerms, newMatchEpoch, NO_TERMS } from "../scheduler/affinity_term";
import { intern } from "../strings/intern";

// Hash-consing of pod record spans: equal label sets and equal affinity term lists read as
// one shared object, different ones never do.

function begin(words: StaticArray<i32>): void {
  beginRecord(changetype<usize>(words), words.length);
}

const APP = intern("app");
const WEB = intern("web");
const DB = intern("db");
const HOST = intern("kubernetes.io/hostname");
const NS = intern("default");
const EQUALS = 2; // labels Op.Equals

describe("readSharedPairs", () => {
  it("gives pods with equal labels one array, and different labels their own", () => {
    begin([1, APP, WEB]);
    const a = readSharedPairs();
    begin([1, APP, WEB]);
    const b = readSharedPairs();
    begin([1, APP, DB]);
    const c = readSharedPairs();
    expect(changetype<usize>(a)).toBe(changetype<usize>(b));
    expect(changetype<usize>(a)).not.toBe(changetype<usize>(c));
    expect(c[1]).toBe(DB);
  });

  it("reads no labels as the shared empty list", () => {
    begin([0]);
    expect(changetype<usize>(readSharedPairs())).toBe(changetype<usize>(EMPTY_I32S));
  });
});

/** One required term: weight 0, topology key, selector app=<value>, namespace default, nil namespaceSelector. */
function termList(value: i32): StaticArray<i32> {
  return [1, 0, HOST, 1, 1, APP, EQUALS, 1, value, 1, NS, 0];
}

describe("readAffinityTerms", () => {
  it("shares equal term lists and reads different ones apart", () => {
    begin(termList(WEB));
    const a = readAffinityTerms();
    begin(termList(WEB));
    const b = readAffinityTerms();
    begin(termList(DB));
    const c = readAffinityTerms();
    expect(a.length).toBe(1);
    expect(changetype<usize>(a)).toBe(changetype<usize>(b));
    expect(changetype<usize>(a)).not.toBe(changetype<usize>(c));
    begin([0]);
    expect(changetype<usize>(readAffinityTerms())).toBe(changetype<usize>(NO_TERMS));
  });

  it("remembers a match against the incoming pod for one epoch only", () => {
    begin(termList(WEB));
    const term = readAffinityTerms()[0];
    const web: StaticArray<i32> = [APP, WEB];
    const db: StaticArray<i32> = [APP, DB];
    newMatchEpoch();
    expect(term.matchesIncoming(NS, web, null)).toBe(true);
    // Same epoch: the remembered answer (the caller promises the same incoming pod).
    expect(term.matchesIncoming(NS, db, null)).toBe(true);
    newMatchEpoch();
    expect(term.matchesIncoming(NS, db, null)).toBe(false);
  });
});
