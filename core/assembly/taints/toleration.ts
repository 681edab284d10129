// v1.Toleration.ToleratesTaint and the helpers the scheduler and the node lifecycle
// controller build on. Keys, values and effects arrive as interned ids (0 = "").

import { intern, isIntegerId, integerOf } from "../strings/intern";

/** Toleration operators. The numbering is part of the ABI (bindings/wasm/abi.ts). */
export const enum TolerationOp {
  Equal = 0, // also the empty operator
  Exists = 1,
  Gt = 2,
  Lt = 3,
  Unknown = 4,
}

export const EFFECT_NO_SCHEDULE = intern("NoSchedule");
export const EFFECT_PREFER_NO_SCHEDULE = intern("PreferNoSchedule");
export const EFFECT_NO_EXECUTE = intern("NoExecute");

/** Bits for the effects a caller cares about (0 = all effects). */
export const EFFECT_BIT_NO_SCHEDULE = 1;
export const EFFECT_BIT_PREFER_NO_SCHEDULE = 2;
export const EFFECT_BIT_NO_EXECUTE = 4;

export function toleratesTaint(
  key: i32,
  op: TolerationOp,
  value: i32,
  effect: i32,
  taintKey: i32,
  taintValue: i32,
  taintEffect: i32,
  comparisonOperators: bool,
): bool {
  // An empty effect tolerates every effect; an empty key every key.
  if (effect != 0 && effect != taintEffect) return false;
  if (key != 0 && key != taintKey) return false;
  switch (op) {
    case TolerationOp.Equal:
      return value == taintValue;
    case TolerationOp.Exists:
      return true;
    case TolerationOp.Gt:
    case TolerationOp.Lt:
      // Alpha in v1.35 (TaintTolerationComparisonOperators): taint value compared with the
      // toleration's, both as int64; unparsable values are not tolerated.
      if (!comparisonOperators || !isIntegerId(value) || !isIntegerId(taintValue)) return false;
      return op == TolerationOp.Gt
        ? integerOf(taintValue) > integerOf(value)
        : integerOf(taintValue) < integerOf(value);
  }
  return false;
}

export function effectSelected(effect: i32, mask: i32): bool {
  if (mask == 0) return true;
  if (effect == EFFECT_NO_SCHEDULE) return (mask & EFFECT_BIT_NO_SCHEDULE) != 0;
  if (effect == EFFECT_PREFER_NO_SCHEDULE) return (mask & EFFECT_BIT_PREFER_NO_SCHEDULE) != 0;
  if (effect == EFFECT_NO_EXECUTE) return (mask & EFFECT_BIT_NO_EXECUTE) != 0;
  return false;
}

/** Toleration records are 4 i32s (key, op, value, effect); taint records 3 (key, value, effect). */
export function anyToleratesTaint(
  tolerations: usize,
  tolerationCount: i32,
  taint: usize,
  comparisonOperators: bool,
): bool {
  const taintKey = load<i32>(taint);
  const taintValue = load<i32>(taint, 4);
  const taintEffect = load<i32>(taint, 8);
  for (let i = 0; i < tolerationCount; i++) {
    const t = tolerations + (<usize>i << 4);
    if (
      toleratesTaint(
        load<i32>(t), <TolerationOp>load<i32>(t, 4), load<i32>(t, 8), load<i32>(t, 12),
        taintKey, taintValue, taintEffect, comparisonOperators,
      )
    ) return true;
  }
  return false;
}
