import { toleratesTaint, TolerationOp, EFFECT_NO_SCHEDULE, EFFECT_NO_EXECUTE } from "../taints/toleration";
import { intern } from "../strings/intern";

const K = intern("k");
const V = intern("v");
const W = intern("w");

describe("Toleration.ToleratesTaint", () => {
  it("matches key, value and effect with Equal", () => {
    expect(toleratesTaint(K, TolerationOp.Equal, V, EFFECT_NO_SCHEDULE, K, V, EFFECT_NO_SCHEDULE, false)).toBe(true);
    expect(toleratesTaint(K, TolerationOp.Equal, V, EFFECT_NO_SCHEDULE, K, W, EFFECT_NO_SCHEDULE, false)).toBe(false);
    expect(toleratesTaint(K, TolerationOp.Equal, V, EFFECT_NO_SCHEDULE, K, V, EFFECT_NO_EXECUTE, false)).toBe(false);
  });
  it("tolerates every effect when the effect is empty, every key when the key is empty", () => {
    expect(toleratesTaint(K, TolerationOp.Exists, 0, 0, K, V, EFFECT_NO_EXECUTE, false)).toBe(true);
    expect(toleratesTaint(0, TolerationOp.Exists, 0, 0, K, V, EFFECT_NO_EXECUTE, false)).toBe(true);
  });
  it("tolerates empty-valued taints with an empty key, Equal and empty value", () => {
    expect(toleratesTaint(0, TolerationOp.Equal, 0, 0, K, 0, EFFECT_NO_SCHEDULE, false)).toBe(true);
    expect(toleratesTaint(0, TolerationOp.Equal, 0, 0, K, V, EFFECT_NO_SCHEDULE, false)).toBe(false);
  });
  it("tolerates nothing with an unknown operator", () => {
    expect(toleratesTaint(K, TolerationOp.Unknown, V, 0, K, V, EFFECT_NO_SCHEDULE, false)).toBe(false);
  });
  it("compares Gt/Lt as integers only behind the feature gate", () => {
    const ten = intern("10");
    const five = intern("5");
    expect(toleratesTaint(K, TolerationOp.Gt, five, 0, K, ten, EFFECT_NO_SCHEDULE, true)).toBe(true);
    expect(toleratesTaint(K, TolerationOp.Gt, five, 0, K, ten, EFFECT_NO_SCHEDULE, false)).toBe(false);
    expect(toleratesTaint(K, TolerationOp.Lt, five, 0, K, ten, EFFECT_NO_SCHEDULE, true)).toBe(false);
    expect(toleratesTaint(K, TolerationOp.Gt, ten, 0, K, ten, EFFECT_NO_SCHEDULE, true)).toBe(false);
  });
});
