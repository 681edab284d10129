// A pod as the scheduler sees it, decoded once from the host's record (layout in
// bindings/wasm/records.ts), with its resource requests aggregated as Kubernetes does
// (component-helpers resource.PodRequests).

import { NodeAffinity, NodeSelectorTerm } from "../nodeaffinity/node_selector";
import { SelectorBuilder } from "../labels/selector";
import { Op } from "../labels/requirement";
import { Selector } from "../labels/selector";
import { next, nextCount, nextArray, nextI64, EMPTY_I32S } from "./record";
import { readSelector, readOptionalSelector } from "./selector_record";
import { AffinityTerm, readAffinityTerms, NO_TERMS } from "./affinity_term";
import { readSharedPairs } from "./shared_records";
import { Amounts, CPU, MEMORY, resourceIndex, quantityOf } from "./resources";

/** schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: for scoring pods that request none. */
export const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
export const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

export const CONTAINER = 0;
export const INIT_CONTAINER = 1;
/** An init container with restartPolicy: Always (a sidecar). */
export const SIDECAR = 2;

export class PreferredTerm {
  constructor(
    public weight: i32,
    public term: NodeSelectorTerm,
  ) {}
}

/** A topologySpreadConstraint, with matchLabelKeys already merged into the selector. */
export class SpreadConstraint {
  maxSkew: i32 = 1;
  topologyKey: i32 = 0;
  /** whenUnsatisfiable: DoNotSchedule (Filter) or ScheduleAnyway (Score). */
  doNotSchedule: bool = true;
  minDomains: i32 = 1;
  honorNodeAffinity: bool = true;
  honorNodeTaints: bool = false;
  selector: Selector = Selector.nothingSelector();
}

const NO_PREFERRED = new Array<PreferredTerm>(0);
const NO_CONSTRAINTS = new Array<SpreadConstraint>(0);
const NO_AMOUNTS = new Amounts();

// Scratch vectors for aggregating a pod's requests, reused record after record.
const sum = new Amounts();
const sumNonZero = new Amounts();
const initMax = new Amounts();
const initMaxNonZero = new Amounts();
const sidecars = new Amounts();
const sidecarsNonZero = new Amounts();
const containerRequests = new Amounts();
const containerNonZero = new Amounts();
const podLevel = new Amounts();
const overhead = new Amounts();
const ports = new Array<i32>();
const images = new Array<i32>();

export class PodInfo {
  key: i32 = 0; // "namespace/name"
  namespace: i32 = 0;
  name: i32 = 0;
  nodeName: i32 = 0;
  priority: i32 = 0;
  // List fields start as shared empty lists (never written to): every record replaces
  // them, and a pod decoded for one cycle should leave as little garbage as possible.
  labels: StaticArray<i32> = EMPTY_I32S;
  /** (key, operator, value, effect) per toleration. */
  tolerations: StaticArray<i32> = EMPTY_I32S;
  /** spec.nodeSelector and required node affinity. */
  required: NodeAffinity = new NodeAffinity();
  preferred: Array<PreferredTerm> = NO_PREFERRED;
  /** Real requests (the Fit filter, BalancedAllocation, the node's requested sum). */
  requests: Amounts = NO_AMOUNTS;
  /** cpu and memory with the non-zero defaults per container (scoring). */
  nonZeroCpu: i64 = 0;
  nonZeroMemory: i64 = 0;
  /** (protocol id, host IP id, host port) per requested host port. */
  hostPorts: StaticArray<i32> = EMPTY_I32S;
  /** Normalized image names of containers and init containers. */
  images: StaticArray<i32> = EMPTY_I32S;
  containerCount: i32 = 0;
  /** metadata.deletionTimestamp is set (spreading does not count terminating pods). */
  terminating: bool = false;
  /** preemptionPolicy: Never. */
  neverPreempts: bool = false;
  /** status.startTime in ms since the epoch; -1 when not started. */
  startTime: i64 = -1;
  spreadConstraints: Array<SpreadConstraint> = NO_CONSTRAINTS;
  /** The Services/controllers' selector for default spreading (null: none selects the pod). */
  defaultSpreadSelector: Selector | null = null;
  requiredAffinity: Array<AffinityTerm> = NO_TERMS;
  requiredAntiAffinity: Array<AffinityTerm> = NO_TERMS;
  preferredAffinity: Array<AffinityTerm> = NO_TERMS;
  preferredAntiAffinity: Array<AffinityTerm> = NO_TERMS;

  /** Any pod affinity or anti-affinity term (NodeInfo.PodsWithAffinity). */
  get hasPodAffinity(): bool {
    return this.requiredAffinity.length > 0 || this.requiredAntiAffinity.length > 0 ||
      this.preferredAffinity.length > 0 || this.preferredAntiAffinity.length > 0;
  }

  /**
   * Whether this pod, once placed, adds to InterPodAffinity's score of other pods: its
   * required affinity (hardPodAffinityWeight), preferred affinity and anti-affinity do;
   * required anti-affinity only filters.
   */
  get scoresOthers(): bool {
    return this.requiredAffinity.length > 0 || this.preferredAffinity.length > 0 || this.preferredAntiAffinity.length > 0;
  }

  get hasRequiredAffinity(): bool {
    return this.required.required !== null || this.required.nodeSelectorLabels !== null;
  }
}

export function readTerm(): NodeSelectorTerm {
  const term = new NodeSelectorTerm();
  const expressions = nextCount(3);
  for (let i = 0; i < expressions; i++) {
    const key = next();
    const op = next();
    term.addExpression(key, op, nextArray(nextCount(1), 1));
  }
  const fields = nextCount(3);
  for (let i = 0; i < fields; i++) {
    const key = next();
    const op = next();
    term.addField(key, op, nextArray(nextCount(1), 1));
  }
  term.seal();
  return term;
}

const SAW_CPU = 1;
const SAW_MEMORY = 2;

/**
 * (resource, quantity) pairs added into `into`; returns which of cpu/memory were listed
 * (an explicit "0" counts as listed). With `nonZero`, also adds the scoring view: the
 * listed cpu/memory, or the non-zero defaults for those not listed.
 */
function readRequests(into: Amounts, nonZero: Amounts | null): i32 {
  const n = nextCount(2);
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const r = resourceIndex(next());
    into.add(r, quantityOf(r, next()));
    if (r == CPU) seen |= SAW_CPU;
    if (r == MEMORY) seen |= SAW_MEMORY;
  }
  if (nonZero !== null) {
    nonZero.add(CPU, seen & SAW_CPU ? into.get(CPU) : DEFAULT_MILLI_CPU_REQUEST);
    nonZero.add(MEMORY, seen & SAW_MEMORY ? into.get(MEMORY) : DEFAULT_MEMORY_REQUEST);
  }
  return seen;
}

/** Decodes a pod record (already begun with beginRecord). */
export function readPod(): PodInfo {
  const pod = new PodInfo();
  pod.key = next();
  pod.namespace = next();
  pod.name = next();
  pod.nodeName = next();
  pod.priority = next();
  pod.labels = readSharedPairs();
  pod.tolerations = nextArray(nextCount(4), 4);

  const nodeSelector = nextCount(2);
  if (nodeSelector > 0) {
    const b = new SelectorBuilder();
    for (let i = 0; i < nodeSelector; i++) {
      b.begin(next(), Op.Equals);
      b.value(next());
    }
    pod.required.nodeSelectorLabels = b.build();
  }
  if (next() != 0) {
    const terms = new Array<NodeSelectorTerm>();
    const n = nextCount(2);
    for (let i = 0; i < n; i++) terms.push(readTerm());
    pod.required.required = terms;
  }
  const preferred = nextCount(3);
  if (preferred > 0) {
    const terms = new Array<PreferredTerm>(preferred);
    for (let i = 0; i < preferred; i++) {
      const weight = next();
      terms[i] = new PreferredTerm(weight, readTerm());
    }
    pod.preferred = terms;
  }

  // Containers: kind, requests, host ports, image. Aggregated per PodRequests: regular
  // containers and sidecars add up; each init container needs its own requests plus the
  // sidecars started before it; the pod needs the larger of the two, per resource.
  sum.clear();
  sumNonZero.clear();
  initMax.clear();
  initMaxNonZero.clear();
  sidecars.clear();
  sidecarsNonZero.clear();
  ports.length = 0;
  images.length = 0;
  const containers = nextCount(4);
  pod.containerCount = containers;
  for (let c = 0; c < containers; c++) {
    const kind = next();
    const requests = containerRequests;
    const nonZero = containerNonZero;
    requests.clear();
    nonZero.clear();
    readRequests(requests, nonZero);
    const portCount = nextCount(3);
    for (let p = 0; p < portCount * 3; p++) ports.push(next());
    images.push(next());
    if (kind == CONTAINER) {
      sum.addAll(requests);
      sumNonZero.addAll(nonZero);
    } else if (kind == SIDECAR) {
      sum.addAll(requests);
      sumNonZero.addAll(nonZero);
      sidecars.addAll(requests);
      sidecarsNonZero.addAll(nonZero);
      initMax.maxWith(sidecars);
      initMaxNonZero.maxWith(sidecarsNonZero);
    } else {
      requests.addAll(sidecars);
      nonZero.addAll(sidecarsNonZero);
      initMax.maxWith(requests);
      initMaxNonZero.maxWith(nonZero);
    }
  }
  sum.maxWith(initMax);
  sumNonZero.maxWith(initMaxNonZero);

  // Pod-level requests (PodLevelResources, on since v1.34) replace cpu and memory.
  podLevel.clear();
  const podLevelSeen = readRequests(podLevel, null);
  if (podLevelSeen & SAW_CPU) {
    sum.set(CPU, podLevel.get(CPU));
    sumNonZero.set(CPU, podLevel.get(CPU));
  }
  if (podLevelSeen & SAW_MEMORY) {
    sum.set(MEMORY, podLevel.get(MEMORY));
    sumNonZero.set(MEMORY, podLevel.get(MEMORY));
  }

  // spec.overhead is added on top.
  overhead.clear();
  readRequests(overhead, null);
  sum.addAll(overhead);
  sumNonZero.add(CPU, overhead.get(CPU));
  sumNonZero.add(MEMORY, overhead.get(MEMORY));

  pod.requests = sum.clone();
  pod.nonZeroCpu = sumNonZero.get(CPU);
  pod.nonZeroMemory = sumNonZero.get(MEMORY);
  if (ports.length > 0) pod.hostPorts = StaticArray.fromArray<i32>(ports);
  if (images.length > 0) pod.images = StaticArray.fromArray<i32>(images);

  pod.terminating = next() != 0;
  pod.neverPreempts = next() != 0;
  pod.startTime = nextI64();
  const constraints = nextCount(7);
  if (constraints > 0) {
    const list = new Array<SpreadConstraint>(constraints);
    for (let i = 0; i < constraints; i++) {
      const c = new SpreadConstraint();
      c.maxSkew = next();
      c.topologyKey = next();
      c.doNotSchedule = next() == 0;
      c.minDomains = next();
      c.honorNodeAffinity = next() != 0;
      c.honorNodeTaints = next() != 0;
      c.selector = readSelector();
      list[i] = c;
    }
    pod.spreadConstraints = list;
  }
  pod.defaultSpreadSelector = readOptionalSelector();
  pod.requiredAffinity = readAffinityTerms();
  pod.requiredAntiAffinity = readAffinityTerms();
  pod.preferredAffinity = readAffinityTerms();
  pod.preferredAntiAffinity = readAffinityTerms();
  return pod;
}
