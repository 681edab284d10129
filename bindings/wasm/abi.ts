/**
 * The Wasm core's exports, as the host sees them. Everything crossing is a number:
 * - strings go in as UTF-8 bytes written at `reserveScratch(n)` and come out as UTF-8 bytes
 *   at `outputAddress()` (length returned by the call);
 * - label keys, values, names are interned once (`intern`) and then passed as i32 ids;
 * - label sets are (key id, value id) i32 pairs written into scratch;
 * - compiled objects stay in the core behind positive i32 handles (0 = failure/none).
 * See bindings/README.md for the layouts.
 */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;

  reserveScratch(bytes: number): number;
  outputAddress(): number;
  lastErrorMessage(): number;
  liveHandles(): number;
  internedCount(): number;

  intern(byteLength: number): number;
  stringById(id: number): number;

  validateLabelKey(byteLength: number): number;
  validateLabelValue(byteLength: number): number;

  parseSelector(byteLength: number): number;
  selectorString(handle: number): number;
  selectorMatches(handle: number, pairCount: number): number;
  selectorFilter(handle: number, table: number): number;
  releaseSelector(handle: number): void;
  labelSelectorBegin(): void;
  labelSelectorAddMatchLabel(key: number, value: number): number;
  labelSelectorAddExpression(key: number, operator: number, valueCount: number, valuesNil: number): number;
  labelSelectorFinish(): number;
  nothingSelector(): number;

  labelSetsBegin(setCount: number, pairCount: number): void;
  labelSetsAppend(setCount: number): number;
  labelSetsFinish(): number;
  releaseLabelSets(handle: number): void;

  nodeAffinityBegin(): void;
  nodeAffinityAddNodeSelectorLabel(key: number, value: number): void;
  nodeAffinityBeginRequired(): void;
  nodeAffinityBeginTerm(): void;
  nodeAffinityAddExpression(key: number, operator: number, valueCount: number): void;
  nodeAffinityAddField(key: number, operator: number, valueCount: number): void;
  nodeAffinityFinish(): number;
  nodeAffinityMatches(handle: number, nodeName: number, pairCount: number): number;
  releaseNodeAffinity(handle: number): void;

  reconcilePodsToDelete(count: number, relatedCount: number, diff: number): number;
  reconcileRollout(count: number): number;

  schedulerCreate(percentageOfNodesToScore: number, seed: bigint): number;
  releaseScheduler(handle: number): void;
  schedulerAddPlugin(handle: number, name: number, points: number, weight: number): number;
  schedulerSetFitScoring(handle: number, strategy: number, resourceCount: number, shapeCount: number): number;
  schedulerSetBalancedResources(handle: number, count: number): number;
  schedulerSetFitIgnored(handle: number, names: number, groups: number): number;
  schedulerSetAddedAffinity(handle: number, length: number): number;
  schedulerSetPreFilterOrder(handle: number, count: number): number;
  schedulerSetSpreadDefaults(handle: number, system: number, count: number): number;
  schedulerSetInterPodAffinity(handle: number, hardPodAffinityWeight: number, ignorePreferredTermsOfExistingPods: number): number;
  schedulerSetNamespace(handle: number, length: number): number;
  schedulerRemoveNamespace(handle: number, name: number): number;
  schedulerSetNode(handle: number, length: number): number;
  schedulerRemoveNode(handle: number, name: number): number;
  schedulerSetPod(handle: number, length: number): number;
  schedulerRemovePod(handle: number, key: number): number;
  schedulerAssume(handle: number, nodeName: number): number;
  schedulerNodeCount(handle: number): number;
  schedulerSchedule(handle: number, length: number, explain: number): number;
  schedulerScores(handle: number): number;

  toleratesTaint(
    key: number, operator: number, value: number, effect: number,
    taintKey: number, taintValue: number, taintEffect: number, comparisonOperators: number,
  ): number;
  tolerationsTolerateTaint(tolerationCount: number, comparisonOperators: number): number;
  findUntoleratedTaint(taintCount: number, tolerationCount: number, effectMask: number, comparisonOperators: number): number;
}

/** v1.NodeSelectorOperator as the core encodes it (-1: not an operator). */
export const NodeSelectorOperatorCode: Readonly<Record<string, number>> = {
  In: 0,
  NotIn: 1,
  Exists: 2,
  DoesNotExist: 3,
  Gt: 4,
  Lt: 5,
};

/** v1.TolerationOperator as the core encodes it; "" means Equal. */
export const TolerationOperatorCode: Readonly<Record<string, number>> = {
  "": 0,
  Equal: 0,
  Exists: 1,
  Gt: 2,
  Lt: 3,
};
export const UNKNOWN_TOLERATION_OPERATOR = 4;

/** Bits selecting taint effects in findUntoleratedTaint (0 = every effect). */
export const TaintEffectBit: Readonly<Record<string, number>> = {
  NoSchedule: 1,
  PreferNoSchedule: 2,
  NoExecute: 4,
};
