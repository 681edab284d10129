import { numFeasibleNodesToFind } from "../scheduler/scheduler";
import { defaultNormalizeScore } from "../scheduler/framework";

// numFeasibleNodesToFind (schedule_one.go): below 100 nodes, or at 100 %, every node;
// adaptive 50 - nodes/125 percent, at least 5 %; never fewer than 100 nodes.
const CASES: Array<StaticArray<i32>> = [
  // nodes, percentage, expected
  [50, 0, 50],
  [99, 10, 99],
  [100, 0, 100],
  [1000, 0, 420],
  [5000, 0, 500],
  [5000, 100, 5000],
  [5000, 30, 1500],
  [6000, 0, 300],
  [15000, 0, 750],
  [200, 10, 100],
];

describe("numFeasibleNodesToFind", () => {
  it("follows kube-scheduler's adaptive percentage", () => {
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i];
      expect(numFeasibleNodesToFind(c[0], c[1])).toBe(c[2], c[0].toString() + " nodes at " + c[1].toString() + "%");
    }
  });
});

function normalized(raw: Array<i64>, reverse: bool): Array<i64> {
  const scores = new StaticArray<i64>(raw.length);
  for (let i = 0; i < raw.length; i++) scores[i] = raw[i];
  defaultNormalizeScore(100, reverse, scores, raw.length);
  const out = new Array<i64>();
  for (let i = 0; i < raw.length; i++) out.push(scores[i]);
  return out;
}

describe("DefaultNormalizeScore", () => {
  it("scales by the largest score with integer division", () => {
    expect(normalized([80, 20, 0], false)).toStrictEqual([100, 25, 0]);
    expect(normalized([3, 1], false)).toStrictEqual([100, 33]);
  });
  it("reverses: fewer is better", () => {
    expect(normalized([2, 1, 0], true)).toStrictEqual([0, 50, 100]);
  });
  it("leaves all-zero scores at 0, or at 100 when reversed", () => {
    expect(normalized([0, 0], false)).toStrictEqual([0, 0]);
    expect(normalized([0, 0], true)).toStrictEqual([100, 100]);
  });
});
