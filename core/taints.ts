import type { WasmCore } from "../bindings/wasm/instance.js";
import { TaintEffectBit, TolerationOperatorCode, UNKNOWN_TOLERATION_OPERATOR } from "../bindings/wasm/abi.js";
import type { V1Taint, V1Toleration, TaintEffect } from "./types/core-v1.js";

export interface TolerationOptions {
  /**
   * Honour the Gt/Lt toleration operators (feature gate TaintTolerationComparisonOperators,
   * alpha and off by default in Kubernetes v1.35). When off, Gt/Lt tolerate nothing.
   */
  comparisonOperators?: boolean;
}

export interface UntoleratedTaintOptions extends TolerationOptions {
  /** Only taints with these effects are considered (default: every effect). */
  effects?: readonly (TaintEffect | string)[];
}

/** Taints and tolerations (v1.Toleration.ToleratesTaint and its helpers). */
export class TaintsApi {
  constructor(private readonly core: WasmCore) {}

  /** Does `toleration` tolerate `taint`? Empty key: any key (with Exists); empty effect: any effect. */
  tolerates(toleration: V1Toleration, taint: V1Taint, options: TolerationOptions = {}): boolean {
    const t = this.internToleration(toleration);
    const k = this.internTaint(taint);
    return (
      this.core.exports.toleratesTaint(t[0], t[1], t[2], t[3], k[0], k[1], k[2], options.comparisonOperators ? 1 : 0) !== 0
    );
  }

  /** Does any of `tolerations` tolerate `taint`? (v1helper.TolerationsTolerateTaint) */
  tolerationsTolerateTaint(tolerations: readonly V1Toleration[] | null | undefined, taint: V1Taint, options: TolerationOptions = {}): boolean {
    const ints = (tolerations ?? []).flatMap((t) => this.internToleration(t));
    ints.push(...this.internTaint(taint));
    this.core.writeInts(ints);
    return this.core.exports.tolerationsTolerateTaint(tolerations?.length ?? 0, options.comparisonOperators ? 1 : 0) !== 0;
  }

  /**
   * The first taint (with one of `options.effects`) that no toleration tolerates, or
   * undefined (v1helper.FindMatchingUntoleratedTaint). The scheduler's TaintToleration
   * filter uses effects NoSchedule and NoExecute.
   */
  findUntoleratedTaint(
    taints: readonly V1Taint[] | null | undefined,
    tolerations: readonly V1Toleration[] | null | undefined,
    options: UntoleratedTaintOptions = {},
  ): V1Taint | undefined {
    const taintList = taints ?? [];
    const tolerationList = tolerations ?? [];
    let mask = 0;
    for (const effect of options.effects ?? []) mask |= TaintEffectBit[effect] ?? 0;
    if (options.effects && mask === 0) return undefined; // only unknown effects: nothing selected
    const ints = taintList.flatMap((t) => this.internTaint(t));
    for (const t of tolerationList) ints.push(...this.internToleration(t));
    this.core.writeInts(ints);
    const index = this.core.exports.findUntoleratedTaint(
      taintList.length, tolerationList.length, mask, options.comparisonOperators ? 1 : 0,
    );
    return index < 0 ? undefined : taintList[index];
  }

  private internToleration(t: V1Toleration): [number, number, number, number] {
    return [
      this.core.id(t.key ?? ""),
      TolerationOperatorCode[t.operator ?? ""] ?? UNKNOWN_TOLERATION_OPERATOR,
      this.core.id(t.value ?? ""),
      this.core.id(t.effect ?? ""),
    ];
  }

  private internTaint(t: V1Taint): [number, number, number] {
    return [this.core.id(t.key ?? ""), this.core.id(t.value ?? ""), this.core.id(t.effect ?? "")];
  }
}
