// The core's ABI: every export takes and returns numbers only. Strings and arrays travel
// through the scratch and output regions (abi/io.ts); objects stay inside, behind handles.
// bindings/wasm/abi.ts describes the same surface from the host's side.

import { reserveScratch as reserveScratchArea, scratchString, scratchI32, scratchAddress, outputString, outputI32s, outputAddress } from "./abi/io";
import { Handles } from "./abi/handles";
import { collectIfDue } from "./abi/gc";
import { internBytes, internedCount, stringOf, isKnownId } from "./strings/intern";
import { goQuote } from "./strings/go_format";
import { FieldErrors } from "./util/field_errors";
import { Op, newRequirement } from "./labels/requirement";
import { Selector, SelectorBuilder } from "./labels/selector";
import { parse, parseError } from "./labels/parser";
import { labelKeyErrors, labelValueErrors } from "./labels/validation";
import { LabelSetTable } from "./labels/label_set_table";
import { NodeAffinity, NodeSelectorTerm } from "./nodeaffinity/node_selector";
import { TolerationOp, toleratesTaint as tolerates, anyToleratesTaint, effectSelected } from "./taints/toleration";

export { outputAddress, internedCount };

/** Address of a scratch area of at least `bytes` bytes (moves only when it grows). */
export function reserveScratch(bytes: i32): usize {
  collectIfDue();
  return reserveScratchArea(bytes);
}

const selectors = new Handles<Selector>();
const labelSetTables = new Handles<LabelSetTable>();
const nodeAffinities = new Handles<NodeAffinity>();

let lastError: string = "";

/** Publishes the message of the last failed call; returns its UTF-8 length. */
export function lastErrorMessage(): i32 {
  collectIfDue();
  return outputString(lastError);
}

export function liveHandles(): i32 {
  collectIfDue();
  return selectors.live + labelSetTables.live + nodeAffinities.live;
}

// ---- strings ---------------------------------------------------------------------------

/** Interns the UTF-8 string in scratch[0, byteLength). */
export function intern(byteLength: i32): i32 {
  collectIfDue();
  return internBytes(scratchAddress(), byteLength);
}

/** Publishes the string behind `id`; returns its UTF-8 length. */
export function stringById(id: i32): i32 {
  collectIfDue();
  return outputString(stringOf(id));
}

// ---- label validation ------------------------------------------------------------------

/** Validates the label key in scratch; publishes the messages joined by "\n"; returns their UTF-8 length (0: valid). */
export function validateLabelKey(byteLength: i32): i32 {
  collectIfDue();
  return publishMessages(labelKeyErrors(scratchString(byteLength)));
}

export function validateLabelValue(byteLength: i32): i32 {
  collectIfDue();
  return publishMessages(labelValueErrors(scratchString(byteLength)));
}

function publishMessages(messages: Array<string>): i32 {
  return outputString(messages.join("\n"));
}

// ---- selectors -------------------------------------------------------------------------

/** labels.Parse of the UTF-8 selector in scratch: a selector handle, or 0 (see lastErrorMessage). */
export function parseSelector(byteLength: i32): i32 {
  collectIfDue();
  const s = parse(scratchAddress(), byteLength);
  if (s === null) {
    lastError = parseError;
    return 0;
  }
  return selectors.add(s);
}

/** Publishes the selector's canonical String(); returns its UTF-8 length. */
export function selectorString(h: i32): i32 {
  collectIfDue();
  const s = selectors.get(h);
  return outputString(s === null ? "" : s.toString());
}

/** Matches the label set in scratch: `pairCount` (key id, value id) pairs. */
export function selectorMatches(h: i32, pairCount: i32): bool {
  collectIfDue();
  const s = selectors.get(h);
  return s !== null && s.matches(scratchAddress(), pairCount);
}

let filterOut = new StaticArray<i32>(0);

/** Publishes the indices of the table's sets that the selector matches; returns how many. */
export function selectorFilter(h: i32, table: i32): i32 {
  collectIfDue();
  const s = selectors.get(h);
  const t = labelSetTables.get(table);
  if (s === null || t === null) return 0;
  if (filterOut.length < t.count) filterOut = new StaticArray<i32>(t.count);
  const found = t.filter(s, filterOut);
  outputI32s(filterOut);
  return found;
}

export function releaseSelector(h: i32): void {
  collectIfDue();
  selectors.release(h);
}

// metav1.LabelSelector → labels.Selector (LabelSelectorAsSelector), built one clause at a
// time. The first invalid clause fails the whole selector, as in Kubernetes.
const building = new SelectorBuilder();
let buildFailed = false;

export function labelSelectorBegin(): void {
  collectIfDue();
  building.reset();
  buildFailed = false;
}

/** A matchLabels entry (callers send them sorted by key). */
export function labelSelectorAddMatchLabel(key: i32, value: i32): bool {
  collectIfDue();
  if (buildFailed) return false;
  if (!isKnownId(key)) key = 0;
  if (!isKnownId(value)) value = 0;
  const values = new StaticArray<i32>(1);
  values[0] = value;
  return addReporting(key, Op.Equals, values);
}

/**
 * A matchExpressions entry: `operator` is the interned operator string; `valueCount` value
 * ids are in scratch; `valuesNil` tells a missing `values` from an empty list.
 */
export function labelSelectorAddExpression(key: i32, operator: i32, valueCount: i32, valuesNil: bool): bool {
  collectIfDue();
  if (buildFailed) return false;
  if (!isKnownId(key)) key = 0;
  const name = stringOf(operator);
  let op: Op;
  if (name == "In") op = Op.In;
  else if (name == "NotIn") op = Op.NotIn;
  else if (name == "Exists") op = Op.Exists;
  else if (name == "DoesNotExist") op = Op.DoesNotExist;
  else {
    lastError = goQuote(name) + " is not a valid label selector operator";
    buildFailed = true;
    return false;
  }
  const values: StaticArray<i32> | null = valuesNil ? null : scratchIds(valueCount);
  return addReporting(key, op, values);
}

/** The selector built since labelSelectorBegin: a handle, or 0 when a clause failed. */
export function labelSelectorFinish(): i32 {
  collectIfDue();
  if (buildFailed) return 0;
  return selectors.add(building.build());
}

/** labels.Nothing(): what a null LabelSelector converts to. */
export function nothingSelector(): i32 {
  collectIfDue();
  return selectors.add(Selector.nothingSelector());
}

function addReporting(key: i32, op: Op, values: StaticArray<i32> | null): bool {
  const errs = new FieldErrors();
  if (newRequirement(key, op, values, "", errs, building)) return true;
  lastError = errs.aggregate();
  buildFailed = true;
  return false;
}

/** `count` ids from the start of scratch; unknown ids (host bugs) read as "". */
function scratchIds(count: i32): StaticArray<i32> {
  const out = new StaticArray<i32>(count);
  for (let i = 0; i < count; i++) {
    const id = scratchI32(i);
    out[i] = isKnownId(id) ? id : 0;
  }
  return out;
}

// ---- label set tables ------------------------------------------------------------------

// A table being loaded: sized exactly up front, filled chunk by chunk through scratch so
// scratch stays small however many sets are loaded.
let loading: LabelSetTable | null = null;
let loadedSets = 0;
let loadedPairs = 0;

/** Starts loading `setCount` label sets holding `pairCount` (key id, value id) pairs in all. */
export function labelSetsBegin(setCount: i32, pairCount: i32): void {
  collectIfDue();
  loading = new LabelSetTable(new StaticArray<i32>(setCount + 1), new StaticArray<i32>(pairCount << 1));
  loadedSets = 0;
  loadedPairs = 0;
}

/**
 * Appends `setCount` sets from scratch: first their pair counts, then their pairs back to
 * back. Returns false (and loads nothing) when they would overflow the sizes given to begin.
 */
export function labelSetsAppend(setCount: i32): bool {
  collectIfDue();
  const table = loading;
  if (table === null || loadedSets + setCount > table.count) return false;
  let pairs = 0;
  for (let i = 0; i < setCount; i++) pairs += scratchI32(i);
  if (pairs < 0 || loadedPairs + pairs > table.pairs.length >> 1) return false;
  for (let i = 0; i < setCount; i++) {
    table.offsets[loadedSets + i] = loadedPairs;
    loadedPairs += scratchI32(i);
  }
  loadedSets += setCount;
  table.offsets[loadedSets] = loadedPairs;
  memory.copy(
    changetype<usize>(table.pairs) + (<usize>(loadedPairs - pairs) << 3),
    scratchAddress() + (<usize>setCount << 2),
    <usize>pairs << 3,
  );
  return true;
}

/** The loaded table's handle, or 0 when fewer sets arrived than announced. */
export function labelSetsFinish(): i32 {
  collectIfDue();
  const table = loading;
  loading = null;
  if (table === null || loadedSets != table.count) return 0;
  return labelSetTables.add(table);
}

export function releaseLabelSets(h: i32): void {
  collectIfDue();
  labelSetTables.release(h);
}

// ---- node affinity ---------------------------------------------------------------------

let affinity = new NodeAffinity();
let term: NodeSelectorTerm | null = null;
const nodeSelectorMap = new SelectorBuilder();

export function nodeAffinityBegin(): void {
  collectIfDue();
  affinity = new NodeAffinity();
  term = null;
  nodeSelectorMap.reset();
}

/** A spec.nodeSelector entry: an exact-match label, not validated (SelectorFromSet). */
export function nodeAffinityAddNodeSelectorLabel(key: i32, value: i32): void {
  collectIfDue();
  nodeSelectorMap.begin(isKnownId(key) ? key : 0, Op.Equals);
  nodeSelectorMap.value(isKnownId(value) ? value : 0);
}

/** Marks required node affinity as present (an empty term list then matches no node). */
export function nodeAffinityBeginRequired(): void {
  collectIfDue();
  affinity.required = new Array<NodeSelectorTerm>();
}

export function nodeAffinityBeginTerm(): void {
  collectIfDue();
  sealTerm();
  const t = new NodeSelectorTerm();
  term = t;
  let required = affinity.required;
  if (required === null) {
    required = new Array<NodeSelectorTerm>();
    affinity.required = required;
  }
  required.push(t);
}

function sealTerm(): void {
  const t = term;
  if (t !== null) t.seal();
}

/** A matchExpressions entry of the current term; `valueCount` value ids in scratch. */
export function nodeAffinityAddExpression(key: i32, operator: i32, valueCount: i32): void {
  collectIfDue();
  const t = term;
  if (t !== null) t.addExpression(key, operator, scratchIds(valueCount));
}

/** A matchFields entry of the current term: In/NotIn with exactly one value. */
export function nodeAffinityAddField(key: i32, operator: i32, valueCount: i32): void {
  collectIfDue();
  const t = term;
  if (t !== null) t.addField(key, operator, scratchIds(valueCount));
}

export function nodeAffinityFinish(): i32 {
  collectIfDue();
  sealTerm();
  term = null;
  if (nodeSelectorMap.requirementCount > 0) affinity.nodeSelectorLabels = nodeSelectorMap.build();
  return nodeAffinities.add(affinity);
}

/** Matches a node: its name id (0 when unnamed) and `pairCount` label pairs in scratch. */
export function nodeAffinityMatches(h: i32, nodeName: i32, pairCount: i32): bool {
  collectIfDue();
  const a = nodeAffinities.get(h);
  return a !== null && a.matches(nodeName, scratchAddress(), pairCount);
}

export function releaseNodeAffinity(h: i32): void {
  collectIfDue();
  nodeAffinities.release(h);
}

// ---- taints and tolerations --------------------------------------------------------------

export function toleratesTaint(
  key: i32, operator: i32, value: i32, effect: i32,
  taintKey: i32, taintValue: i32, taintEffect: i32, comparisonOperators: bool,
): bool {
  collectIfDue();
  return tolerates(key, <TolerationOp>operator, value, effect, taintKey, taintValue, taintEffect, comparisonOperators);
}

/** Scratch: `tolerationCount` tolerations (4 i32s each), then one taint (3 i32s). */
export function tolerationsTolerateTaint(tolerationCount: i32, comparisonOperators: bool): bool {
  collectIfDue();
  const base = scratchAddress();
  return anyToleratesTaint(base, tolerationCount, base + (<usize>tolerationCount << 4), comparisonOperators);
}

/**
 * Scratch: `taintCount` taints (3 i32s each), then `tolerationCount` tolerations (4 each).
 * The index of the first taint with a selected effect that no toleration tolerates, or -1.
 */
export function findUntoleratedTaint(taintCount: i32, tolerationCount: i32, effectMask: i32, comparisonOperators: bool): i32 {
  collectIfDue();
  const taints = scratchAddress();
  const tolerations = taints + <usize>taintCount * 12;
  for (let i = 0; i < taintCount; i++) {
    const taint = taints + <usize>i * 12;
    if (!effectSelected(load<i32>(taint, 8), effectMask)) continue;
    if (!anyToleratesTaint(tolerations, tolerationCount, taint, comparisonOperators)) return i;
  }
  return -1;
}
export * from "./scheduler/abi";
export * from "./reconcile/abi";
