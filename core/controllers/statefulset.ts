// The StatefulSet controller (pkg/controller/statefulset): pods with stable identities
// `<set>-<ordinal>` (from spec.ordinals.start), each with its own PersistentVolumeClaims
// `<claim template>-<set>-<ordinal>` created before the pod, hostname = pod name and
// subdomain = serviceName.
//  - OrderedReady (the default) is "monotonic": pods are created in ordinal order, each only
//    once every lower one is Running, Ready and Available; scale-down deletes from the highest
//    ordinal, one at a time, only while every other pod is healthy. Parallel creates and
//    deletes without waiting.
//  - Failed (or Succeeded) pods are deleted and created again with the same identity.
//  - RollingUpdate deletes, from the highest ordinal down to the partition, one pod that is
//    not at the update revision, and waits until its replacement is Running and Ready before
//    the next; pods below the partition keep (and are re-created at) the current revision.
//    OnDelete only uses the update revision for pods somebody else deleted.
//  - persistentVolumeClaimRetentionPolicy is enforced with ownerReferences on the claims
//    (the garbage collector deletes them): whenDeleted=Delete → the set owns them,
//    whenScaled=Delete → a condemned pod owns its claims.
// Revisions are template hashes (revision-hash.ts), not ControllerRevision objects.
import type { ControllerContext, Reconciler, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { CompiledSelector } from "../labels.js";
import type { ObjectMeta, OwnerReference, LabelSelector } from "../types/meta.js";
import { R, isAlreadyExists, isConflict, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import { CONTROLLER_REVISION_HASH_LABEL, computeHash, revisionName } from "./revision-hash.js";

export const STATEFULSET_POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** How long a create or delete we issued may stay unseen by the informer (ExpectationsTimeout). */
const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;
/** Parallel mode creates in slow-start batches of at most this many (MaxBatchSize). */
const MAX_BATCH = 500;
const OWNER_INDEX = "statefulset-controller:owner";

type Obj = Record<string, unknown>;
type Meta = ObjectMeta & { name: string; namespace: string };

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  spec?: Obj & { volumes?: Volume[] };
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } & Obj;
  spec?: Obj;
}

interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec: Obj & { volumes?: Volume[]; hostname?: string; subdomain?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

interface Claim {
  metadata: Meta;
  spec?: Obj;
}

interface RetentionPolicy {
  whenDeleted?: string;
  whenScaled?: string;
}

interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas: number;
  conditions?: unknown[];
}

interface StatefulSet {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec: {
    replicas?: number;
    selector?: LabelSelector | null;
    template?: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: string;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } | null };
    volumeClaimTemplates?: ClaimTemplate[];
    persistentVolumeClaimRetentionPolicy?: RetentionPolicy | null;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    ordinals?: { start?: number } | null;
  };
  status?: StatefulSetStatus;
}

// ---- pod and set helpers (stateful_set_utils.go) ----

const ORDINAL_NAME = /^(.*)-([0-9]+)$/;

/** The parent set's name and the ordinal in a pod's name (ordinal -1 when it has none). */
function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL_NAME.exec(pod.metadata.name);
  if (!m) return { parent: "", ordinal: -1 };
  const ordinal = Number(m[2]);
  return { parent: m[1], ordinal: ordinal <= 0x7fffffff ? ordinal : -1 };
}

const ordinalOf = (pod: Pod) => parentAndOrdinal(pod).ordinal;
const isMemberOf = (set: StatefulSet, pod: Pod) => parentAndOrdinal(pod).parent === set.metadata.name;
const startOrdinal = (set: StatefulSet) => set.spec.ordinals?.start ?? 0;
const replicasOf = (set: StatefulSet) => set.spec.replicas ?? 1;
const minReadySecondsOf = (set: StatefulSet) => set.spec.minReadySeconds ?? 0;
const inOrdinalRange = (set: StatefulSet, pod: Pod) => {
  const ordinal = ordinalOf(pod);
  return ordinal >= startOrdinal(set) && ordinal < startOrdinal(set) + replicasOf(set);
};
const podName = (set: StatefulSet, ordinal: number) => `${set.metadata.name}-${ordinal}`;
const claimName = (set: StatefulSet, template: ClaimTemplate, ordinal: number) => `${template.metadata?.name ?? ""}-${set.metadata.name}-${ordinal}`;
const podRevision = (pod: Pod) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "";
const allowsBurst = (set: StatefulSet) => set.spec.podManagementPolicy === "Parallel";
const retentionPolicy = (set: StatefulSet): Required<RetentionPolicy> => ({
  whenDeleted: set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted || "Retain",
  whenScaled: set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled || "Retain",
});

/** Created pods have a phase (the API sets Pending); the ones we are about to create have none. */
const isCreated = (pod: Pod) => !!pod.status?.phase;
const isPending = (pod: Pod) => pod.status?.phase === "Pending";
const isFailed = (pod: Pod) => pod.status?.phase === "Failed";
const isSucceeded = (pod: Pod) => pod.status?.phase === "Succeeded";
const isTerminating = (pod: Pod) => !!pod.metadata.deletionTimestamp;
const readyCondition = (pod: Pod) => pod.status?.conditions?.find((c) => c.type === "Ready");
const isRunningAndReady = (pod: Pod) => pod.status?.phase === "Running" && readyCondition(pod)?.status === "True";
const isHealthy = (pod: Pod) => isRunningAndReady(pod) && !isTerminating(pod);

/** podutil.IsPodAvailable: Ready for longer than minReadySeconds (strictly). */
function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = readyCondition(pod);
  if (ready?.status !== "True") return false;
  if (minReadySeconds === 0) return true;
  const since = Date.parse(ready.lastTransitionTime ?? "");
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now;
}
const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: number) => pod.status?.phase === "Running" && isAvailable(pod, minReadySeconds, now);

function controllerRefOf(obj: { metadata?: ObjectMeta }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

function ownerRef(apiVersion: string, kind: string, owner: { metadata: Meta }): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
const setRef = (set: StatefulSet) => ownerRef("apps/v1", "StatefulSet", set);
const podRef = (pod: Pod) => ownerRef("v1", "Pod", pod);

/** identityMatches: the name, namespace and pod-name label of its ordinal. */
function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** storageMatches: every claim template has its volume, pointing at this ordinal's claim. */
function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec.volumeClaimTemplates ?? []).every(
    (t) => volumes.get(t.metadata?.name ?? "")?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal),
  );
}

/** The claims of one ordinal: the templates named for it, labelled with the set's matchLabels. */
function claimsFor(set: StatefulSet, ordinal: number): { template: string; claim: KubeObject }[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => {
    const { apiVersion: _v, kind: _k, status: _s, metadata, ...rest } = structuredClone(t) as ClaimTemplate & Obj;
    const labels = { ...(metadata?.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
    const claim: KubeObject = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      ...rest,
      metadata: { ...(metadata ?? {}), name: claimName(set, t, ordinal), namespace: set.metadata.namespace, labels },
    };
    return { template: t.metadata?.name ?? "", claim };
  });
}

/** updateIdentity: the pod-name and pod-index labels. */
function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** updateStorage: one persistentVolumeClaim volume per claim template, replacing same-named volumes. */
function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = claimsFor(set, ordinalOf(pod));
  const names = new Set(claims.map((c) => c.template));
  pod.spec.volumes = [
    ...claims.map((c) => ({ name: c.template, persistentVolumeClaim: { claimName: c.claim.metadata!.name! } })),
    ...(pod.spec.volumes ?? []).filter((v) => !names.has(v.name)),
  ];
}

/** newStatefulSetPod: the template's pod with this ordinal's identity and storage. */
function newStatefulSetPod(set: StatefulSet, template: PodTemplate, ordinal: number, revision: string): Pod {
  const tm = template.metadata ?? {};
  const name = podName(set, ordinal);
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: `${set.metadata.name}-`,
      namespace: set.metadata.namespace,
      labels: { ...(tm.labels ?? {}) },
      ...(tm.annotations ? { annotations: { ...tm.annotations } } : {}),
      ...(tm.finalizers ? { finalizers: [...tm.finalizers] } : {}),
      ownerReferences: [setRef(set)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
  updateIdentity(set, pod);
  // Hostname and subdomain are immutable: set only when the pod is created.
  pod.spec.hostname = name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  pod.metadata.labels![CONTROLLER_REVISION_HASH_LABEL] = revision;
  return pod;
}

// ---- claim ownership for the retention policy ----

const hasOwnerRef = (claim: Claim, owner: { metadata: Meta }) => (claim.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
const matchesRef = (ref: OwnerReference, owner: { metadata: Meta }, apiVersion: string, kind: string) =>
  ref.apiVersion === apiVersion && ref.kind === kind && ref.name === owner.metadata.name;
const isSetRef = (ref: OwnerReference, set: StatefulSet) => matchesRef(ref, set, "apps/v1", "StatefulSet");
const isPodRef = (ref: OwnerReference, pod: Pod) => matchesRef(ref, pod, "v1", "Pod");

/** A reference naming the set (or pod) but another uid: left by a deleted namesake. */
function hasStaleOwnerRef(claim: Claim, owner: { metadata: Meta }, isOwner: (r: OwnerReference) => boolean): boolean {
  const ref = (claim.metadata.ownerReferences ?? []).find(isOwner);
  return !!ref && ref.uid !== owner.metadata.uid;
}

/** Another controller manages the claim (ignored when both policies are Retain). */
function hasUnexpectedController(claim: Claim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenScaled === "Retain" && policy.whenDeleted === "Retain") return false;
  for (const ref of claim.metadata.ownerReferences ?? []) {
    if (isSetRef(ref, set)) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (isPodRef(ref, pod)) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: Claim, set: StatefulSet, pod: Pod): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && !r.controller);
}

/**
 * isClaimOwnerUpToDate: Retain/Retain → no refs of ours; whenDeleted=Delete → the set owns
 * claims of pods in range; whenScaled=Delete → a condemned pod owns its claims.
 */
function isClaimOwnerUpToDate(claim: Claim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleOwnerRef(claim, set, (r) => isSetRef(r, set)) || hasStaleOwnerRef(claim, pod, (r) => isPodRef(r, pod))) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const { want } = wantedClaimOwners(set, pod);
  return hasOwnerRef(claim, set) === want.set && hasOwnerRef(claim, pod) === want.pod;
}

function wantedClaimOwners(set: StatefulSet, pod: Pod): { want: { set: boolean; pod: boolean } } {
  const policy = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(set, pod);
  const deleteOnScale = policy.whenScaled === "Delete";
  const deleteWithSet = policy.whenDeleted === "Delete";
  return { want: { set: deleteWithSet && !(deleteOnScale && scaledDown), pod: deleteOnScale && scaledDown } };
}

/** updateClaimOwnerRefForSetAndPod: our refs scrubbed, then the ones the policy wants added. */
function claimOwnerRefs(claim: Claim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => !isSetRef(r, set) && !isPodRef(r, pod));
  if (unexpected) return refs;
  const { want } = wantedClaimOwners(set, pod);
  if (want.set) refs.push(setRef(set));
  if (want.pod && pod.metadata.uid) refs.push(podRef(pod));
  return refs;
}

// ---- the controller ----

interface Revisions {
  currentRevision: string;
  updateRevision: string;
  currentSet: StatefulSet;
  updateSet: StatefulSet;
  collisionCount: number;
}

/** Creates and deletes we issued and the informer has not shown yet (keyed by pod name / uid). */
class PendingPodOps {
  private readonly creates = new Map<string, Map<string, number>>();
  private readonly deletes = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number) {}

  expectCreate(setKey: string, name: string): void {
    this.entry(this.creates, setKey).set(name, this.now() + EXPECTATIONS_TTL_MS);
  }
  expectDelete(setKey: string, uid: string): void {
    this.entry(this.deletes, setKey).set(uid, this.now() + EXPECTATIONS_TTL_MS);
  }
  createObserved(setKey: string, name: string): void {
    this.creates.get(setKey)?.delete(name);
  }
  deleteObserved(setKey: string, uid: string): void {
    this.deletes.get(setKey)?.delete(uid);
  }
  creating(setKey: string, name: string): boolean {
    return this.live(this.creates, setKey, name);
  }
  deleting(setKey: string, uid: string): boolean {
    return this.live(this.deletes, setKey, uid);
  }
  forget(setKey: string): void {
    this.creates.delete(setKey);
    this.deletes.delete(setKey);
  }

  private entry(map: Map<string, Map<string, number>>, key: string): Map<string, number> {
    let m = map.get(key);
    if (!m) map.set(key, (m = new Map()));
    return m;
  }
  private live(map: Map<string, Map<string, number>>, key: string, id: string): boolean {
    const until = map.get(key)?.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    map.get(key)!.delete(id);
    return false;
  }
}

export interface StatefulSetControllerOptions {
  /** --concurrent-statefulset-syncs (default 5). */
  workers?: number;
}

export class StatefulSetController implements Reconciler {
  readonly name = "statefulset-controller";
  readonly workers: number;
  private ctx!: ControllerContext;
  private sets!: SharedInformer;
  private pods!: SharedInformer;
  private claims!: SharedInformer;
  private pending!: PendingPodOps;
  /**
   * Templates by revision name, per set uid: what ControllerRevisions hold in Kubernetes.
   * Kept across leader terms (the reconciler outlives its informers); after a restart a
   * revision's template is recovered from one of its pods.
   */
  private readonly history = new Map<string, Map<string, PodTemplate>>();

  constructor(options: StatefulSetControllerOptions = {}) {
    this.workers = options.workers ?? 5;
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.pending = new PendingPodOps(() => ctx.clock.now());
    this.sets = ctx.informers.for(R.statefulSets);
    this.pods = ctx.informers.for(R.pods);
    this.claims = ctx.informers.for(R.persistentVolumeClaims);
    // Pods by controller uid; orphans by namespace (candidates for adoption).
    this.pods.addIndex(OWNER_INDEX, (p) => {
      const ref = controllerRefOf(p);
      return [ref ? ref.uid : `orphan/${p.metadata?.namespace ?? ""}`];
    });
    const enqueue = (o: KubeObject) => queue.add(objectKey(o));
    this.sets.addEventHandler({
      add: enqueue,
      update: (_, o) => enqueue(o),
      delete: (o) => {
        this.pending.forget(objectKey(o));
        this.history.delete(o.metadata?.uid ?? "");
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.podChanged(queue, undefined, p as unknown as Pod),
      update: (old, p) => this.podChanged(queue, old as unknown as Pod, p as unknown as Pod),
      delete: (p) => this.podDeleted(queue, p as unknown as Pod),
    });
  }

  /** The set a controller reference points at, if it is in the cache with that uid. */
  private owner(namespace: string, ref: OwnerReference | undefined): StatefulSet | undefined {
    if (!ref || ref.kind !== "StatefulSet" || !ref.apiVersion.startsWith("apps/")) return undefined;
    const set = this.sets.get(`${namespace}/${ref.name}`) as unknown as StatefulSet | undefined;
    return set?.metadata.uid === ref.uid ? set : undefined;
  }

  private podChanged(queue: WorkQueue, old: Pod | undefined, pod: Pod): void {
    if (old && old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const ns = pod.metadata.namespace;
    const ref = controllerRefOf(pod);
    const oldRef = old && controllerRefOf(old);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const before = this.owner(ns, oldRef);
      if (before) queue.add(objectKey(before as unknown as KubeObject));
    }
    if (ref) {
      const set = this.owner(ns, ref);
      if (!set) return;
      const key = objectKey(set as unknown as KubeObject);
      this.pending.createObserved(key, pod.metadata.name);
      if (isTerminating(pod)) this.pending.deleteObserved(key, pod.metadata.uid ?? "");
      queue.add(key);
      return;
    }
    // An orphan: every set that could adopt it looks (only when that might have changed).
    const labelsChanged = !old || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (!labelsChanged && !oldRef) return;
    for (const set of this.setsSelecting(pod)) queue.add(objectKey(set as unknown as KubeObject));
  }

  private podDeleted(queue: WorkQueue, pod: Pod): void {
    const set = this.owner(pod.metadata.namespace, controllerRefOf(pod));
    if (!set) return;
    const key = objectKey(set as unknown as KubeObject);
    this.pending.deleteObserved(key, pod.metadata.uid ?? "");
    queue.add(key);
  }

  private setsSelecting(pod: Pod): StatefulSet[] {
    const out: StatefulSet[] = [];
    for (const o of this.sets.inNamespace(pod.metadata.namespace)) {
      const set = o as unknown as StatefulSet;
      const sel = set.spec.selector;
      // An empty selector would select everything: Kubernetes never lets it adopt.
      if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) continue;
      try {
        if (this.ctx.core.labels.matchesLabelSelector(sel, pod.metadata.labels)) out.push(set);
      } catch {
        // An invalid selector selects nothing.
      }
    }
    return out;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const set = this.sets.get(key) as unknown as StatefulSet | undefined;
    if (!set) return;
    let selector: CompiledSelector;
    try {
      selector = this.ctx.core.labels.compile(set.spec.selector ?? null);
    } catch {
      return; // An invalid selector is not retried: only a new spec can fix it.
    }
    let status: StatefulSetStatus;
    try {
      // The API validates this in Kubernetes; without it every pod we made would be released.
      if (!selector.matches(set.spec.template?.metadata?.labels)) throw new Error(`StatefulSet ${key}: selector does not match template labels`);
      const pods = await this.podsForSet(set, selector);
      status = await this.updateStatefulSet(key, set, pods);
    } finally {
      selector.dispose();
    }
    return this.requeueForAvailability(set, status);
  }

  /**
   * getPodsForStatefulSet: the pods it controls, after adopting orphans that match its
   * selector and carry its name, and releasing its pods that no longer match.
   */
  private async podsForSet(set: StatefulSet, selector: CompiledSelector): Promise<Pod[]> {
    const owned = this.pods.byIndex(OWNER_INDEX, set.metadata.uid!) as unknown as Pod[];
    const orphans = (this.pods.byIndex(OWNER_INDEX, `orphan/${set.metadata.namespace}`) as unknown as Pod[]).filter(
      (p) => !isTerminating(p) && isMemberOf(set, p) && selector.matches(p.metadata.labels),
    );
    const out: Pod[] = [];
    for (const pod of owned) {
      if (selector.matches(pod.metadata.labels) && isMemberOf(set, pod)) out.push(pod);
      else if (!set.metadata.deletionTimestamp) await this.patchOwnerRefs(pod, (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid));
    }
    if (orphans.length && !set.metadata.deletionTimestamp && (await this.canAdopt(set))) {
      for (const pod of orphans) {
        if (await this.patchOwnerRefs(pod, [...(pod.metadata.ownerReferences ?? []), setRef(set)])) out.push(pod);
      }
    }
    return out;
  }

  /** RecheckDeletionTimestamp: adopt only for a set that still exists, with that uid, not being deleted. */
  private async canAdopt(set: StatefulSet): Promise<boolean> {
    try {
      const fresh = (await this.ctx.client.get(R.statefulSets, set.metadata.namespace, set.metadata.name)) as unknown as StatefulSet;
      return fresh.metadata.uid === set.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Adopts or releases a pod; false when the pod is gone. */
  private async patchOwnerRefs(pod: Pod, refs: OwnerReference[]): Promise<boolean> {
    try {
      await this.ctx.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name, "application/merge-patch+json", {
        metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: pod.metadata.resourceVersion },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** The current and update revisions (getStatefulSetRevisions), and the set at each. */
  private revisions(set: StatefulSet, pods: Pod[]): Revisions {
    const uid = set.metadata.uid!;
    const template = set.spec.template ?? {};
    const collisionCount = set.status?.collisionCount ?? 0;
    const updateRevision = revisionName(set.metadata.name, computeHash(template, collisionCount));
    let known = this.history.get(uid);
    if (!known) this.history.set(uid, (known = new Map()));
    known.delete(updateRevision);
    known.set(updateRevision, template);
    let currentRevision = set.status?.currentRevision || updateRevision;
    let currentTemplate = currentRevision === updateRevision ? template : (known.get(currentRevision) ?? templateFromPod(set, pods, currentRevision));
    if (!currentTemplate) {
      // Like a ControllerRevision that no longer exists: start over from the update revision.
      currentRevision = updateRevision;
      currentTemplate = template;
    }
    known.set(currentRevision, currentTemplate);
    trimHistory(known, set.spec.revisionHistoryLimit ?? 10, [currentRevision, updateRevision]);
    const withTemplate = (t: PodTemplate): StatefulSet => ({ ...set, spec: { ...set.spec, template: t } });
    return { currentRevision, updateRevision, currentSet: withTemplate(currentTemplate), updateSet: withTemplate(template), collisionCount };
  }

  /** updateStatefulSet: one pass of the control loop; returns the status it computed (and wrote). */
  private async updateStatefulSet(key: string, set: StatefulSet, cached: Pod[]): Promise<StatefulSetStatus> {
    const rev = this.revisions(set, cached);
    const now = this.ctx.clock.now();
    const minReady = minReadySecondsOf(set);
    // A pod we already deleted is treated as terminating until the informer shows it gone.
    const pods = cached.map((p) =>
      !isTerminating(p) && this.pending.deleting(key, p.metadata.uid ?? "") ? { ...p, metadata: { ...p.metadata, deletionTimestamp: "pending" } } : p,
    );
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      replicas: 0,
      availableReplicas: 0,
      currentRevision: rev.currentRevision,
      updateRevision: rev.updateRevision,
      collisionCount: rev.collisionCount,
    };
    const count = (...lists: Pod[][]) => Object.assign(status, countReplicas(lists.flat(), minReady, now, rev));
    count(pods);

    const start = startOrdinal(set);
    const replicas: Pod[] = new Array(replicasOf(set));
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(pod);
      if (inOrdinalRange(set, pod)) replicas[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicas.length; i++) {
      replicas[i] ??= this.newVersionedPod(rev, start + i);
    }
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

    // The first unhealthy pod, in ordinal order (replicas, then condemned from the lowest).
    const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

    if (set.metadata.deletionTimestamp) return this.finish(set, count(pods));
    const monotonic = !allowsBurst(set);

    let failure: unknown;
    try {
      const stopped =
        // Living replicas first (create, replace failed, wait in order); then the claims of
        // condemned pods; then scale-down; in monotonic mode each step can stop the pass.
        (await runForAll(replicas.length, (i) => this.processReplica(key, set, rev.updateSet, monotonic, replicas[i], now), monotonic)) ||
        (await runForAll(condemned.length, (i) => this.fixCondemnedClaims(rev.updateSet, condemned[i]), monotonic)) ||
        (await runForAll(condemned.length, (i) => this.processCondemned(key, set, firstUnhealthy, monotonic, condemned[i], now), monotonic));
      count(replicas, condemned);
      // OnDelete: pods are only replaced (at the update revision) when somebody deletes them.
      if (!stopped && set.spec.updateStrategy?.type !== "OnDelete") await this.rollingUpdate(key, set, rev, replicas, status);
    } catch (err) {
      failure = err;
      count(replicas, condemned);
    }
    if (failure === undefined) return this.finish(set, status);
    // The status is written even when a step failed (the error then retries the key).
    await this.finish(set, status).catch(() => undefined);
    throw failure;
  }

  /**
   * RollingUpdate: deletes the highest-ordinal pod not at the update revision, down to the
   * partition, and waits (stops) at any pod in that range that is not healthy yet.
   */
  private async rollingUpdate(key: string, set: StatefulSet, rev: Revisions, replicas: Pod[], status: StatefulSetStatus): Promise<void> {
    const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target];
      if (podRevision(pod) !== rev.updateRevision && !isTerminating(pod) && pod.metadata.uid) {
        await this.deleteStatefulPod(key, set, pod);
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  /** Condemned pods' claims get the owners the policy wants once scaled down (whenScaled=Delete: the pod). */
  private async fixCondemnedClaims(set: StatefulSet, pod: Pod): Promise<boolean> {
    if (!(await this.claimsMatchRetentionPolicy(set, pod))) await this.updateClaimsForRetentionPolicy(set, pod);
    return false;
  }

  /** newVersionedStatefulSetPod: below the partition at the current revision, else at the update revision. */
  private newVersionedPod(rev: Revisions, ordinal: number): Pod {
    const strategy = rev.currentSet.spec.updateStrategy;
    const start = startOrdinal(rev.currentSet);
    const keepCurrent =
      strategy?.type === "RollingUpdate" &&
      (strategy.rollingUpdate ? ordinal < start + (strategy.rollingUpdate.partition ?? 0) : ordinal < start + (rev.currentSet.status?.currentReplicas ?? 0));
    return keepCurrent
      ? newStatefulSetPod(rev.currentSet, rev.currentSet.spec.template ?? {}, ordinal, rev.currentRevision)
      : newStatefulSetPod(rev.updateSet, rev.updateSet.spec.template ?? {}, ordinal, rev.updateRevision);
  }

  /** processReplica: true when a monotonic pass must stop here. */
  private async processReplica(key: string, set: StatefulSet, updateSet: StatefulSet, monotonic: boolean, pod: Pod, now: number): Promise<boolean> {
    // A failed pod (or one that exited, e.g. after a node reboot) is replaced; the next pass
    // creates it again once it is gone.
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!isTerminating(pod)) await this.deleteStatefulPod(key, set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (this.pending.creating(key, pod.metadata.name)) return monotonic;
      // A claim still owned by the previous pod of this ordinal waits for the garbage collector.
      if (this.podClaimIsStale(set, pod)) return true;
      await this.createStatefulPod(key, set, pod);
      if (monotonic) return true;
      return false;
    }
    if (isPending(pod)) await this.createMissingClaims(set, pod);
    // A terminating pod is waited for (monotonic) or left alone: it is about to be replaced.
    if (isTerminating(pod)) return monotonic;
    if (monotonic && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReadySecondsOf(set), now))) return true;
    let retentionMatch = true;
    try {
      retentionMatch = await this.claimsMatchRetentionPolicy(updateSet, pod);
    } catch {
      // Treated as matching, as Kubernetes does while a pod is not fully updated.
    }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await this.updateStatefulPod(updateSet, structuredClone(pod));
    return false;
  }

  /** processCondemned: scale-down of a pod beyond the replica range. */
  private async processCondemned(key: string, set: StatefulSet, firstUnhealthy: Pod | undefined, monotonic: boolean, pod: Pod, now: number): Promise<boolean> {
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReadySecondsOf(set), now))) return true;
    await this.deleteStatefulPod(key, set, pod);
    return true;
  }

  // ---- pod and claim operations (stateful_pod_control.go) ----

  private podEvent(verb: string, set: StatefulSet, pod: Pod, err?: unknown): void {
    const title = verb[0].toUpperCase() + verb.slice(1);
    const s = set as unknown as KubeObject;
    if (err === undefined) this.ctx.events.event(s, "Normal", `Successful${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    else this.ctx.events.event(s, "Warning", `Failed${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${message(err)}`);
  }

  private async createStatefulPod(key: string, set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createClaims(set, pod);
    } catch (err) {
      this.podEvent("create", set, pod, err);
      throw err;
    }
    this.pending.expectCreate(key, pod.metadata.name);
    let created: Pod;
    try {
      created = (await this.ctx.client.create(R.pods, set.metadata.namespace, pod as unknown as KubeObject)) as unknown as Pod;
    } catch (err) {
      this.pending.createObserved(key, pod.metadata.name);
      // AlreadyExists: a cache behind the API; the retry sees the pod.
      if (!isAlreadyExists(err)) this.podEvent("create", set, pod, err);
      throw err;
    }
    try {
      await this.updateClaimsForRetentionPolicy(set, created);
    } catch (err) {
      this.podEvent("update", set, pod, err);
      throw err;
    }
    this.podEvent("create", set, pod);
  }

  private async deleteStatefulPod(key: string, set: StatefulSet, pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    this.pending.expectDelete(key, uid);
    try {
      await this.ctx.client.delete(R.pods, set.metadata.namespace, pod.metadata.name, { preconditions: { uid } });
    } catch (err) {
      this.pending.deleteObserved(key, uid);
      // Already gone (or replaced by a namesake): nothing left to delete.
      if (isNotFound(err) || isConflict(err)) return;
      this.podEvent("delete", set, pod, err);
      throw err;
    }
    this.podEvent("delete", set, pod);
  }

  /** UpdateStatefulPod: restores identity labels and storage, and claim ownership; retries conflicts. */
  private async updateStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let consistent = true;
      if (!identityMatches(set, pod)) {
        updateIdentity(set, pod);
        consistent = false;
      }
      try {
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createClaims(set, pod);
        }
        if (!(await this.claimsMatchRetentionPolicy(set, pod))) {
          await this.updateClaimsForRetentionPolicy(set, pod);
          consistent = false;
        }
      } catch (err) {
        this.podEvent("update", set, pod, err);
        throw err;
      }
      if (consistent) return;
      try {
        await this.ctx.client.update(R.pods, pod.metadata.namespace, pod as unknown as KubeObject);
        this.podEvent("update", set, pod);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) {
          this.podEvent("update", set, pod, err);
          throw err;
        }
        pod = (await this.ctx.client.get(R.pods, pod.metadata.namespace, pod.metadata.name)) as unknown as Pod;
      }
    }
  }

  private claim(namespace: string, name: string): Claim | undefined {
    return this.claims.get(`${namespace}/${name}`) as unknown as Claim | undefined;
  }

  /** createPersistentVolumeClaims: the pod's claims that do not exist yet, before the pod. */
  private async createClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errors: string[] = [];
    for (const { claim } of claimsFor(set, ordinalOf(pod))) {
      const name = claim.metadata!.name!;
      const existing = this.claim(set.metadata.namespace, name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) errors.push(`pvc ${name} is being deleted`);
        continue;
      }
      // whenDeleted=Delete: the set owns the claims of its pods from the start (Kubernetes
      // sets the same reference on the pass after creating them).
      if (wantedClaimOwners(set, pod).want.set) claim.metadata!.ownerReferences = [...(claim.metadata!.ownerReferences ?? []), setRef(set)];
      try {
        await this.ctx.client.create(R.persistentVolumeClaims, set.metadata.namespace, claim);
        this.claimEvent(set, pod, name);
      } catch (err) {
        if (isAlreadyExists(err)) continue; // created meanwhile: our cache is behind
        errors.push(`failed to create PVC ${name}: ${message(err)}`);
        this.claimEvent(set, pod, name, err);
      }
    }
    if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
  }

  private claimEvent(set: StatefulSet, pod: Pod, claim: string, err?: unknown): void {
    const s = set as unknown as KubeObject;
    if (err === undefined) this.ctx.events.event(s, "Normal", "SuccessfulCreate", `create Claim ${claim} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    else this.ctx.events.event(s, "Warning", "FailedCreate", `create Claim ${claim} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${message(err)}`);
  }

  /** createMissingPersistentVolumeClaims: for a Pending pod whose claims were deleted. */
  private async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    await this.createClaims(set, pod);
    try {
      await this.updateClaimsForRetentionPolicy(set, pod);
    } catch (err) {
      this.podEvent("update", set, pod, err);
      throw err;
    }
  }

  /** PodClaimIsStale: with whenScaled=Delete, a claim still owned by an earlier pod of this name. */
  private podClaimIsStale(set: StatefulSet, pod: Pod): boolean {
    if (retentionPolicy(set).whenScaled === "Retain") return false;
    return claimsFor(set, ordinalOf(pod)).some(({ claim }) => {
      const existing = this.claim(set.metadata.namespace, claim.metadata!.name!);
      return !!existing && hasStaleOwnerRef(existing, pod, (r) => isPodRef(r, pod));
    });
  }

  private async claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): Promise<boolean> {
    return claimsFor(set, ordinalOf(pod)).every(({ claim }) => {
      const existing = this.claim(set.metadata.namespace, claim.metadata!.name!);
      return !existing || isClaimOwnerUpToDate(existing, set, pod);
    });
  }

  /** UpdatePodClaimForRetentionPolicy: sets the claims' ownerReferences the policy asks for. */
  private async updateClaimsForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    for (const { claim } of claimsFor(set, ordinalOf(pod))) {
      const name = claim.metadata!.name!;
      const existing = this.claim(set.metadata.namespace, name);
      if (!existing) continue; // picked up on a later pass, once the cache has it
      if (hasUnexpectedController(existing, set, pod)) {
        this.ctx.events.event(
          set as unknown as KubeObject,
          "Warning",
          "ConflictingController",
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`,
        );
      }
      if (isClaimOwnerUpToDate(existing, set, pod)) continue;
      const refs = claimOwnerRefs(existing, set, pod);
      try {
        await this.ctx.client.patch(R.persistentVolumeClaims, set.metadata.namespace, name, "application/merge-patch+json", {
          metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: existing.metadata.resourceVersion },
        });
      } catch (err) {
        throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${message(err)}`);
      }
    }
  }

  // ---- status ----

  /** updateStatefulSetStatus: completes a finished rolling update and writes status if it changed. */
  private async finish(set: StatefulSet, status: StatefulSetStatus): Promise<StatefulSetStatus> {
    const replicas = replicasOf(set);
    if (
      set.spec.updateStrategy?.type === "RollingUpdate" &&
      (status.updatedReplicas ?? 0) === replicas &&
      (status.readyReplicas ?? 0) === replicas &&
      status.replicas === replicas
    ) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    const out = compactStatus(status, set.status?.conditions);
    if (!inconsistentStatus(set, out)) return out;
    let base: KubeObject = set as unknown as KubeObject;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ctx.client.update(R.statefulSets, set.metadata.namespace, { ...base, status: out }, "status");
        return out;
      } catch (err) {
        if (!isConflict(err) || attempt >= 2) throw err;
        base = await this.ctx.client.get(R.statefulSets, set.metadata.namespace, set.metadata.name);
        if (base.metadata?.uid !== set.metadata.uid) throw err;
      }
    }
  }

  /** With minReadySeconds: come back when the next ready pod becomes available. */
  private requeueForAvailability(set: StatefulSet, status: StatefulSetStatus): ReconcileResult | void {
    const minReady = minReadySecondsOf(set);
    if (minReady <= 0 || status.availableReplicas === replicasOf(set)) return;
    const now = this.ctx.clock.now();
    let next = Infinity;
    for (const p of this.pods.byIndex(OWNER_INDEX, set.metadata.uid!) as unknown as Pod[]) {
      const since = Date.parse(readyCondition(p)?.lastTransitionTime ?? "");
      if (!isRunningAndReady(p) || Number.isNaN(since)) continue;
      const at = since + minReady * 1000 + 1;
      if (at > now) next = Math.min(next, at - now);
    }
    return { requeueAfterMs: Number.isFinite(next) ? next : minReady * 1000 };
  }
}

/** computeReplicaStatus over `pods`. */
function countReplicas(pods: Pod[], minReady: number, now: number, rev: Revisions): Partial<StatefulSetStatus> {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, now)) s.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === rev.currentRevision) s.currentReplicas++;
      if (podRevision(pod) === rev.updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/** The status as the API serializes it: readyReplicas, currentReplicas, updatedReplicas omitted when 0. */
function compactStatus(s: StatefulSetStatus, conditions: unknown[] | undefined): StatefulSetStatus {
  const out: StatefulSetStatus = { replicas: s.replicas, availableReplicas: s.availableReplicas };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.currentReplicas) out.currentReplicas = s.currentReplicas;
  if (s.updatedReplicas) out.updatedReplicas = s.updatedReplicas;
  if (s.currentRevision) out.currentRevision = s.currentRevision;
  if (s.updateRevision) out.updateRevision = s.updateRevision;
  out.collisionCount = s.collisionCount ?? 0;
  if (conditions?.length) out.conditions = conditions;
  return out;
}

function inconsistentStatus(set: StatefulSet, s: StatefulSetStatus): boolean {
  const old = set.status ?? ({} as Partial<StatefulSetStatus>);
  return (
    (s.observedGeneration ?? 0) > (old.observedGeneration ?? 0) ||
    s.replicas !== (old.replicas ?? 0) ||
    (s.currentReplicas ?? 0) !== (old.currentReplicas ?? 0) ||
    (s.readyReplicas ?? 0) !== (old.readyReplicas ?? 0) ||
    (s.updatedReplicas ?? 0) !== (old.updatedReplicas ?? 0) ||
    (s.currentRevision ?? "") !== (old.currentRevision ?? "") ||
    s.availableReplicas !== (old.availableReplicas ?? 0) ||
    (s.updateRevision ?? "") !== (old.updateRevision ?? "") ||
    s.collisionCount !== old.collisionCount
  );
}

/**
 * runForAll: monotonic → in order, stopping at the first that asks to (true when stopped);
 * otherwise all, in slow-start batches (1, 2, 4, … ≤ 500), stopping after a failing batch.
 */
async function runForAll(n: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < n; i++) if (await fn(i)) return true;
    return false;
  }
  let next = 0;
  for (let batch = Math.min(n, 1); batch > 0; batch = Math.min(2 * batch, n - next, MAX_BATCH)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(next + k)));
    next += batch;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
  return false;
}

/** Keeps at most `limit` revisions besides the live ones, dropping the oldest first. */
function trimHistory(known: Map<string, PodTemplate>, limit: number, live: string[]): void {
  const dead = [...known.keys()].filter((k) => !live.includes(k));
  for (const k of dead.slice(0, Math.max(0, dead.length - Math.max(0, limit)))) known.delete(k);
}

/**
 * A revision's template recovered from one of its pods (after a restart lost the in-memory
 * history): the pod minus what the controller, the API and the scheduler added to it.
 */
function templateFromPod(set: StatefulSet, pods: Pod[], revision: string): PodTemplate | undefined {
  const pod = pods.find((p) => podRevision(p) === revision);
  if (!pod) return undefined;
  const labels = { ...(pod.metadata.labels ?? {}) };
  for (const k of [STATEFULSET_POD_NAME_LABEL, POD_INDEX_LABEL, CONTROLLER_REVISION_HASH_LABEL]) delete labels[k];
  const claims = new Set((set.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name));
  const { nodeName: _n, hostname: _h, subdomain: _s, priority: _p, volumes, ...spec } = structuredClone(pod.spec);
  const kept = (volumes ?? []).filter((v) => !claims.has(v.name));
  return {
    metadata: { labels, ...(pod.metadata.annotations ? { annotations: { ...pod.metadata.annotations } } : {}) },
    spec: kept.length ? { ...spec, volumes: kept } : spec,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
