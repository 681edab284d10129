import type { WasmCore } from "../bindings/wasm/instance.js";
import { NodeSelectorOperatorCode } from "../bindings/wasm/abi.js";
import type { V1Node, V1NodeSelector, V1NodeSelectorRequirement, V1Pod } from "./types/core-v1.js";
import { CoreHandle, Releaser } from "./handles.js";

/** A pod's node requirements (or a bare NodeSelector) compiled into the core. */
export class CompiledNodeAffinity extends CoreHandle {
  constructor(
    handle: number,
    private readonly core: WasmCore,
    releaser: Releaser,
  ) {
    super(handle, releaser);
  }

  matches(node: V1Node): boolean {
    const h = this.live();
    const name = this.core.id(node.metadata?.name ?? "");
    const pairs = this.core.labelPairs(node.metadata?.labels);
    this.core.writeInts(pairs);
    return this.core.exports.nodeAffinityMatches(h, name, pairs.length >> 1) !== 0;
  }
}

/**
 * Node selection as the scheduler evaluates it (component-helpers nodeaffinity): terms
 * ORed, requirements ANDed, Gt/Lt integer comparisons, matchFields on metadata.name; a
 * term that fails to parse never matches while the others are still tried.
 */
export class NodeAffinityApi {
  private readonly releaser: Releaser;

  constructor(private readonly core: WasmCore) {
    this.releaser = new Releaser((h) => core.exports.releaseNodeAffinity(h));
  }

  /** Does `node` satisfy the NodeSelector? An empty or missing term list matches no node. */
  matches(nodeSelector: V1NodeSelector | null | undefined, node: V1Node): boolean {
    return this.once(this.compileNodeSelector(nodeSelector ?? {}), node);
  }

  /** spec.nodeSelector AND required node affinity of `pod` against `node` (GetRequiredNodeAffinity). */
  podMatches(pod: V1Pod, node: V1Node): boolean {
    return this.once(this.compilePod(pod), node);
  }

  /** Compiles a pod's node requirements once, to test many nodes. */
  compilePod(pod: V1Pod): CompiledNodeAffinity {
    const spec = pod.spec;
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const nodeSelector = spec?.nodeSelector ?? {};
    const labelIds = Object.keys(nodeSelector).map((k) => [this.core.id(k), this.core.id(String(nodeSelector[k]))]);
    const terms = required ? this.internTerms(required) : null;
    const ex = this.core.exports;
    ex.nodeAffinityBegin();
    for (const [key, value] of labelIds) ex.nodeAffinityAddNodeSelectorLabel(key, value);
    if (terms) this.addTerms(terms);
    return new CompiledNodeAffinity(ex.nodeAffinityFinish(), this.core, this.releaser);
  }

  /** Compiles a NodeSelector once, to test many nodes. */
  compileNodeSelector(nodeSelector: V1NodeSelector): CompiledNodeAffinity {
    const terms = this.internTerms(nodeSelector);
    this.core.exports.nodeAffinityBegin();
    this.addTerms(terms);
    return new CompiledNodeAffinity(this.core.exports.nodeAffinityFinish(), this.core, this.releaser);
  }

  private once(compiled: CompiledNodeAffinity, node: V1Node): boolean {
    try {
      return compiled.matches(node);
    } finally {
      compiled.dispose();
    }
  }

  // Interning first, because it reuses the scratch area the builder calls read.
  private internTerms(nodeSelector: V1NodeSelector): InternedTerm[] {
    return (nodeSelector.nodeSelectorTerms ?? []).map((term) => ({
      expressions: (term?.matchExpressions ?? []).map((r) => this.internRequirement(r)),
      fields: (term?.matchFields ?? []).map((r) => this.internRequirement(r)),
    }));
  }

  private internRequirement(r: V1NodeSelectorRequirement): InternedRequirement {
    return {
      key: this.core.id(r.key ?? ""),
      operator: NodeSelectorOperatorCode[r.operator] ?? -1,
      values: (r.values ?? []).map((v) => this.core.id(String(v))),
    };
  }

  private addTerms(terms: InternedTerm[]): void {
    const ex = this.core.exports;
    ex.nodeAffinityBeginRequired();
    for (const term of terms) {
      ex.nodeAffinityBeginTerm();
      for (const r of term.expressions) {
        this.core.writeInts(r.values);
        ex.nodeAffinityAddExpression(r.key, r.operator, r.values.length);
      }
      for (const r of term.fields) {
        this.core.writeInts(r.values);
        ex.nodeAffinityAddField(r.key, r.operator, r.values.length);
      }
    }
  }
}

interface InternedRequirement {
  key: number;
  operator: number;
  values: number[];
}

interface InternedTerm {
  expressions: InternedRequirement[];
  fields: InternedRequirement[];
}
