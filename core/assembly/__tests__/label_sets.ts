// Builders shared by the specs: label sets as interned (key id, value id) pairs.
import { intern } from "../strings/intern";

export class LabelSet {
  pairs: StaticArray<i32>;
  constructor(kv: Array<string>) {
    this.pairs = new StaticArray<i32>(kv.length);
    for (let i = 0; i < kv.length; i++) this.pairs[i] = intern(kv[i]);
  }
  get ptr(): usize {
    return changetype<usize>(this.pairs);
  }
  get count(): i32 {
    return this.pairs.length >> 1;
  }
}

/** labels(["a", "1", "b", "2"]) is {a: "1", b: "2"}. */
export function labels(kv: Array<string>): LabelSet {
  return new LabelSet(kv);
}
