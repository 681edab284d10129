import type { WasmCore } from "../bindings/wasm/instance.js";
import type { LabelSelector } from "./types/meta.js";
import { SelectorError } from "./errors.js";
import { CoreHandle, Releaser } from "./handles.js";

export type Labels = Readonly<Record<string, string>>;

/** Many label sets loaded into the core once, for CompiledSelector.filter. */
export class LabelSetBatch extends CoreHandle {
  constructor(
    handle: number,
    releaser: Releaser,
    /** How many label sets the batch holds. */
    readonly size: number,
  ) {
    super(handle, releaser);
  }
}

/** A selector compiled into the core, for matching many label sets. */
export class CompiledSelector extends CoreHandle {
  constructor(
    handle: number,
    private readonly core: WasmCore,
    releaser: Releaser,
  ) {
    super(handle, releaser);
  }

  /** Selector.Matches(labels). */
  matches(labels: Labels | null | undefined): boolean {
    const h = this.live();
    const pairs = this.core.labelPairs(labels);
    this.core.writeInts(pairs);
    return this.core.exports.selectorMatches(h, pairs.length >> 1) !== 0;
  }

  /** Indices (ascending) of the label sets that match. Load sets once with labels.loadLabelSets. */
  filter(labelSets: LabelSetBatch | readonly (Labels | null | undefined)[]): Int32Array {
    const h = this.live();
    if (labelSets instanceof LabelSetBatch) {
      const found = this.core.exports.selectorFilter(h, labelSets.live());
      return this.core.readOutputInts(found);
    }
    const out: number[] = [];
    labelSets.forEach((labels, i) => {
      if (this.matches(labels)) out.push(i);
    });
    return Int32Array.from(out);
  }

  /** The canonical form, Selector.String(). */
  override toString(): string {
    return this.core.readOutput(this.core.exports.selectorString(this.live()));
  }
}

const SELECTOR_CACHE_SIZE = 256;

/** Kubernetes label logic (k8s.io/apimachinery/pkg/labels and metav1 helpers). */
export class LabelsApi {
  // Recently used string selectors, compiled: `matches(selector, labels)` in a loop
  // parses each selector once.
  private readonly cache = new Map<string, CompiledSelector>();
  private readonly selectorReleaser: Releaser;
  private readonly labelSetReleaser: Releaser;

  constructor(private readonly core: WasmCore) {
    this.selectorReleaser = new Releaser((h) => core.exports.releaseSelector(h));
    this.labelSetReleaser = new Releaser((h) => core.exports.releaseLabelSets(h));
  }

  /** labels.Parse(selector).String(); throws SelectorError with Kubernetes' message. */
  parse(selector: string): string {
    return this.cached(selector).toString();
  }

  /** labels.Parse(selector).Matches(labels). */
  matches(selector: string, labels: Labels | null | undefined): boolean {
    return this.cached(selector).matches(labels);
  }

  /**
   * metav1.LabelSelectorAsSelector(sel).Matches(labels): null matches nothing, {} matches
   * everything; an invalid selector throws SelectorError.
   */
  matchesLabelSelector(selector: LabelSelector | null | undefined, labels: Labels | null | undefined): boolean {
    const compiled = this.compile(selector ?? null);
    try {
      return compiled.matches(labels);
    } finally {
      compiled.dispose();
    }
  }

  /** metav1.LabelSelectorAsSelector(sel).String(): the `?labelSelector=` form. */
  labelSelectorAsString(selector: LabelSelector | null | undefined): string {
    const compiled = this.compile(selector ?? null);
    try {
      return compiled.toString();
    } finally {
      compiled.dispose();
    }
  }

  /** Label key syntax (validation.IsQualifiedName): [] when valid, else Kubernetes' messages. */
  validateKey(key: string): string[] {
    return this.messages(this.core.exports.validateLabelKey(this.core.writeString(key)));
  }

  /** Label value syntax (validation.IsValidLabelValue): [] when valid. */
  validateValue(value: string): string[] {
    return this.messages(this.core.exports.validateLabelValue(this.core.writeString(value)));
  }

  /**
   * Compiles a string selector, a LabelSelector, or null (labels.Nothing()). The result
   * holds core memory: dispose() it when done (it is also freed when garbage collected).
   */
  compile(selector: string | LabelSelector | null): CompiledSelector {
    if (typeof selector === "string") return this.parseSelector(selector);
    if (selector === null) return this.wrap(this.core.exports.nothingSelector());
    return this.fromLabelSelector(selector);
  }

  /** Loads label sets into the core once, for CompiledSelector.filter. */
  loadLabelSets(labelSets: readonly (Labels | null | undefined)[]): LabelSetBatch {
    const core = this.core;
    // Intern everything first (interning uses scratch), then send it in bounded chunks.
    const counts = new Int32Array(labelSets.length);
    const pairs: number[] = [];
    for (let i = 0; i < labelSets.length; i++) {
      const before = pairs.length;
      core.labelPairs(labelSets[i], pairs);
      counts[i] = (pairs.length - before) >> 1;
    }
    core.exports.labelSetsBegin(counts.length, pairs.length >> 1);
    const CHUNK_INTS = 1 << 16;
    let set = 0;
    let pair = 0;
    while (set < counts.length) {
      let sets = 0;
      let ints = 0;
      while (set + sets < counts.length && (sets === 0 || ints + 1 + 2 * counts[set + sets] <= CHUNK_INTS)) {
        ints += 1 + 2 * counts[set + sets];
        sets++;
      }
      const pairInts = ints - sets;
      const scratch = core.scratchInts(ints);
      scratch.set(counts.subarray(set, set + sets));
      for (let i = 0; i < pairInts; i++) scratch[sets + i] = pairs[pair + i];
      if (!core.exports.labelSetsAppend(sets)) throw new Error("kubeling: label set chunk rejected by the core");
      set += sets;
      pair += pairInts;
    }
    const handle = core.exports.labelSetsFinish();
    if (handle === 0) throw new Error("kubeling: label sets incomplete");
    return new LabelSetBatch(handle, this.labelSetReleaser, labelSets.length);
  }

  private cached(selector: string): CompiledSelector {
    let compiled = this.cache.get(selector);
    if (compiled) {
      this.cache.delete(selector); // re-insert: most recently used last
    } else {
      compiled = this.parseSelector(selector);
      if (this.cache.size >= SELECTOR_CACHE_SIZE) {
        const [oldest, evicted] = this.cache.entries().next().value as [string, CompiledSelector];
        this.cache.delete(oldest);
        evicted.dispose();
      }
    }
    this.cache.set(selector, compiled);
    return compiled;
  }

  private parseSelector(selector: string): CompiledSelector {
    const handle = this.core.exports.parseSelector(this.core.writeString(selector));
    if (handle === 0) throw new SelectorError(this.core.lastError(), selector);
    return this.wrap(handle);
  }

  private wrap(handle: number): CompiledSelector {
    return new CompiledSelector(handle, this.core, this.selectorReleaser);
  }

  private fromLabelSelector(selector: LabelSelector): CompiledSelector {
    const core = this.core;
    const ex = core.exports;
    const fail = (): never => {
      throw new SelectorError(core.lastError(), selector);
    };
    const matchLabels = selector.matchLabels ?? {};
    // Ids first: interning reuses scratch.
    const labelIds = Object.keys(matchLabels)
      .sort()
      .map((key) => [core.id(key), core.id(String(matchLabels[key]))]);
    const expressions = (selector.matchExpressions ?? []).map((e) => ({
      key: core.id(e.key ?? ""),
      operator: core.id(e.operator ?? ""),
      // Go builds the list with append([]string(nil), values...): empty is nil.
      values: e.values == null || e.values.length === 0 ? null : e.values.map((v) => core.id(String(v))),
    }));
    ex.labelSelectorBegin();
    for (const [key, value] of labelIds) {
      if (!ex.labelSelectorAddMatchLabel(key, value)) fail();
    }
    for (const e of expressions) {
      core.writeInts(e.values ?? []);
      if (!ex.labelSelectorAddExpression(e.key, e.operator, e.values?.length ?? 0, e.values === null ? 1 : 0)) fail();
    }
    const handle = ex.labelSelectorFinish();
    if (handle === 0) fail();
    return this.wrap(handle);
  }

  private messages(byteLength: number): string[] {
    return byteLength === 0 ? [] : this.core.readOutput(byteLength).split("\n");
  }
}
