// The PersistentVolume binder (pkg/controller/volume/persistentvolume, pv_controller.go and
// index.go): pairs PersistentVolumeClaims with PersistentVolumes and keeps both phases.
//  - A Pending claim without spec.volumeName gets the best Available volume: among volumes
//    whose access modes include the claim's, those with the fewest modes first, then the
//    smallest capacity ≥ the request, with the same storageClassName and volumeMode and
//    labels matching spec.selector; a volume pre-bound to the claim (claimRef) wins. A
//    claim naming spec.volumeName gets that volume if it fits (else a VolumeMismatch event).
//  - Binding writes the volume (spec.claimRef with the claim's uid and resourceVersion,
//    pv.kubernetes.io/bound-by-controller when the controller chose), its phase Bound, the
//    claim (spec.volumeName, pv.kubernetes.io/bind-completed, bound-by-controller), and the
//    claim's status: phase Bound, accessModes and capacity of the volume.
//  - No volume: a claim without a class gets FailedBinding; a claim whose storageClassName
//    was never set gets the default class (RetroactiveDefaultStorageClass: kubeling has no
//    StorageClass objects, so `defaultStorageClassName` stands for the class marked
//    default); a class served by a known provisioner gets the storage-provisioner
//    annotations and an ExternalProvisioning event, and waits; another class is
//    ProvisioningFailed, as with a StorageClass that does not exist.
//  - The claim gone (or replaced by one with another uid): the volume is Released, then
//    reclaimed: Retain keeps it, Delete deletes the PersistentVolume (the data itself is
//    the host's to remove), Recycle fails (no recycler) and the volume is Failed.
//  - A bound claim whose volume disappeared or points elsewhere is Lost (ClaimLost /
//    ClaimMisbound).
// One worker, as in Kubernetes: two concurrent claim syncs could pick the same volume.
import type { Reconciler, ControllerContext, ReconcileResult } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { EventRecorder } from "./events.js";
import type { LabelsApi } from "../labels.js";
import type { LabelSelector } from "../types/meta.js";
import { R, isNotFound, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import { timestamp } from "../api/object-store.js";

export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
export const ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by";
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
/** The pre-storageClassName way of naming a class, still honoured. */
const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
/** The provisioner LocalPathProvisioner names itself after. */
export const LOCAL_PATH_PROVISIONER = "kubeling.io/local-path";

/** Access modes in GetAccessModesAsString's order. */
const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

export interface ObjectRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface PersistentVolume extends KubeObject {
  metadata?: KubeObject["metadata"] & { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    claimRef?: ObjectRef | null;
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    [k: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  metadata?: KubeObject["metadata"] & { annotations?: Record<string, string> };
  spec?: {
    accessModes?: string[];
    selector?: LabelSelector | null;
    resources?: { requests?: Record<string, string> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
    [k: string]: unknown;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string>; [k: string]: unknown };
}

export interface PersistentVolumeBinderOptions {
  /**
   * The class a claim that never set storageClassName gets when no volume fits it (the
   * StorageClass marked default; null: there is none). Default "standard".
   */
  defaultStorageClassName?: string | null;
  /** Classes that are provisioned dynamically, and by whom. Default: standard → kubeling.io/local-path. */
  provisioners?: Record<string, string>;
}

const SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity as a number ("1Gi" → 1073741824, "1e3" → 1000); NaN when malformed. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return NaN;
  if (typeof q === "number") return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(q.trim());
  if (!m) return NaN;
  if (m[2]) return Number(m[1] + m[2]);
  const factor = SUFFIXES[m[3] ?? ""];
  return factor === undefined ? NaN : Number(m[1]) * factor;
}

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? "";
}

/** Whether the claim never named a class (nil storageClassName, no beta annotation). */
export function claimClassUnset(claim: PersistentVolumeClaim): boolean {
  return claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined && (claim.spec?.storageClassName === undefined || claim.spec.storageClassName === null);
}

function volumeClass(volume: PersistentVolume): string {
  return volume.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? volume.spec?.storageClassName ?? "";
}

function requestOf(claim: PersistentVolumeClaim): number {
  const q = parseQuantity(claim.spec?.resources?.requests?.storage);
  return Number.isNaN(q) ? 0 : q;
}

function capacityOf(volume: PersistentVolume): number {
  const q = parseQuantity(volume.spec?.capacity?.storage);
  return Number.isNaN(q) ? 0 : q;
}

/** IsVolumeBoundToClaim: claimRef names the claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** CheckVolumeModeMismatches, with nil as Filesystem as in Kubernetes' HA-upgrade path. */
function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode ?? "Filesystem") !== (volume.spec?.volumeMode ?? "Filesystem");
}

function hasAccessModes(volume: PersistentVolume, wanted: string[]): boolean {
  const have = new Set(volume.spec?.accessModes ?? []);
  return wanted.every((m) => have.has(m));
}

/** FindMatchingVolume over one access-mode group (the PV controller's path: no node). */
function findMatchingVolume(claim: PersistentVolumeClaim, volumes: PersistentVolume[], labels: LabelsApi): PersistentVolume | undefined {
  const requested = requestOf(claim);
  const requestedClass = claimClass(claim);
  let smallest: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata?.deletionTimestamp) continue;
    const size = capacityOf(volume);
    if (isVolumeBoundToClaim(volume, claim)) {
      // Pre-bound to this claim (by a user or a provisioner): it, if it is big enough.
      if (size < requested) continue;
      return volume;
    }
    if (volume.status?.phase !== "Available" || volume.spec?.claimRef) continue;
    const selector = claim.spec?.selector;
    if (selector && !labels.matchesLabelSelector(selector, volume.metadata?.labels ?? {})) continue;
    if (volumeClass(volume) !== requestedClass) continue;
    if (size >= requested && (!smallest || capacityOf(smallest) > size)) smallest = volume;
  }
  return smallest;
}

/**
 * findBestMatchForClaim: the volumes grouped by their set of access modes; the groups that
 * include every mode the claim asks for are searched fewest modes first, so a claim gets
 * what is closest to what it asked for.
 */
export function findBestMatchForClaim(claim: PersistentVolumeClaim, volumes: PersistentVolume[], labels: LabelsApi): PersistentVolume | undefined {
  const wanted = claim.spec?.accessModes ?? [];
  const groups = new Map<string, PersistentVolume[]>();
  const sorted = [...volumes].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  for (const v of sorted) {
    const key = ACCESS_MODES.filter((m) => v.spec?.accessModes?.includes(m)).join(",");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(v);
  }
  const candidates = [...groups.entries()]
    .filter(([, vs]) => hasAccessModes(vs[0], wanted))
    .sort(([a], [b]) => a.split(",").length - b.split(",").length || (a < b ? -1 : 1));
  for (const [, vs] of candidates) {
    const best = findMatchingVolume(claim, vs, labels);
    if (best) return best;
  }
  return undefined;
}

/** checkVolumeSatisfyClaim, for a claim that names its volume. */
function checkVolumeSatisfyClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volume.metadata?.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  if (capacityOf(volume) < requestOf(claim)) return "requested PV is too small";
  if (volumeClass(volume) !== claimClass(claim)) return "storageClassName does not match";
  if (volumeModeMismatch(claim, volume)) return "incompatible volumeMode";
  if (!hasAccessModes(volume, claim.spec?.accessModes ?? [])) return "incompatible accessMode";
  return undefined;
}

/** reference.GetReference of a claim, as claimRef carries it. */
export function claimReference(claim: PersistentVolumeClaim): ObjectRef {
  return {
    kind: "PersistentVolumeClaim",
    namespace: claim.metadata?.namespace,
    name: claim.metadata?.name,
    uid: claim.metadata?.uid,
    apiVersion: "v1",
    resourceVersion: claim.metadata?.resourceVersion,
  };
}

export class PersistentVolumeBinder implements Reconciler {
  readonly name = "persistentvolume-binder-controller";
  readonly workers = 1;
  private readonly defaultClass: string | null;
  private readonly provisioners: Record<string, string>;
  private ctx!: ControllerContext;
  private queue!: WorkQueue;
  private volumes!: SharedInformer;
  private claims!: SharedInformer;
  private events!: EventRecorder;

  constructor(options: PersistentVolumeBinderOptions = {}) {
    this.defaultClass = options.defaultStorageClassName === undefined ? "standard" : options.defaultStorageClassName;
    this.provisioners = options.provisioners ?? { standard: LOCAL_PATH_PROVISIONER };
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.queue = queue;
    this.events = ctx.events.forComponent("persistentvolume-controller");
    this.volumes = ctx.informers.for(R.persistentVolumes);
    this.claims = ctx.informers.for(R.persistentVolumeClaims);
    const claimOf = (v: KubeObject) => {
      const ref = (v as PersistentVolume).spec?.claimRef;
      return ref?.name && ref.namespace ? `${ref.namespace}/${ref.name}` : undefined;
    };
    const onVolume = (v: KubeObject) => {
      queue.add(v.metadata!.name!);
      const claim = claimOf(v);
      if (claim) queue.add(claim);
      // A volume that may have become available: the claims still waiting look again
      // (Kubernetes finds it on its 15 s resync).
      for (const c of this.claims.list() as PersistentVolumeClaim[]) {
        if (!c.spec?.volumeName && !c.metadata?.annotations?.[ANN_BIND_COMPLETED]) queue.add(objectKey(c));
      }
    };
    this.volumes.addEventHandler({ add: onVolume, update: (_, v) => onVolume(v), delete: onVolume });
    const onClaim = (c: KubeObject) => {
      queue.add(objectKey(c));
      const volume = (c as PersistentVolumeClaim).spec?.volumeName;
      if (volume) queue.add(volume);
    };
    this.claims.addEventHandler({
      add: onClaim,
      update: (_, c) => onClaim(c),
      // The volumes that point at a deleted claim are released.
      delete: (c) => {
        onClaim(c);
        for (const v of this.volumes.list()) if (claimOf(v) === objectKey(c)) queue.add(v.metadata!.name!);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.includes("/")) return this.syncClaim(key);
    return this.syncVolume(key);
  }

  // ---- claims ----

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.get(key) as PersistentVolumeClaim | undefined;
    if (!claim) return;
    if (!claim.metadata?.annotations?.[ANN_BIND_COMPLETED]) return this.syncUnboundClaim(claim);
    return this.syncBoundClaim(claim);
  }

  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      const volume = findBestMatchForClaim(claim, this.volumes.list() as PersistentVolume[], this.ctx.core.labels);
      if (volume) return this.bind(volume, claim);
      if (this.defaultClass !== null && claimClassUnset(claim)) {
        // assignDefaultStorageClass; the claim's update brings it back here.
        const next = structuredClone(claim) as PersistentVolumeClaim;
        next.spec!.storageClassName = this.defaultClass;
        await this.ctx.client.update(R.persistentVolumeClaims, claim.metadata!.namespace, next);
        return;
      }
      const cls = claimClass(claim);
      if (cls === "") {
        this.events.event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
        await this.updateClaimStatus(claim, "Pending");
        return;
      }
      return this.provisionClaim(claim, cls);
    }
    // The user asked for a specific volume.
    const volume = this.volumes.get(volumeName) as PersistentVolume | undefined;
    if (!volume) {
      await this.updateClaimStatus(claim, "Pending");
      return;
    }
    if (!volume.spec?.claimRef) {
      const mismatch = checkVolumeSatisfyClaim(volume, claim);
      if (!mismatch) return this.bind(volume, claim);
      this.events.event(claim, "Warning", "VolumeMismatch", `Cannot bind to requested volume "${volume.metadata!.name}": ${mismatch}`);
      await this.updateClaimStatus(claim, "Pending");
      return;
    }
    if (isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (!claim.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      // Claimed by someone else: wait until it is free.
      await this.updateClaimStatus(claim, "Pending");
      return;
    }
    throw new Error(`Invalid binding of claim "${objectKey(claim)}" to volume "${volumeName}": volume already claimed by "${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}"`);
  }

  /** provisionClaim for an external provisioner: announce who is expected to create the volume. */
  private async provisionClaim(claim: PersistentVolumeClaim, cls: string): Promise<void> {
    const provisioner = this.provisioners[cls];
    if (!provisioner) {
      this.events.event(claim, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "${cls}" not found`);
      await this.updateClaimStatus(claim, "Pending");
      return;
    }
    let current = claim;
    const annotations = claim.metadata?.annotations ?? {};
    if (annotations[ANN_STORAGE_PROVISIONER] !== provisioner || annotations[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      const next = structuredClone(claim) as PersistentVolumeClaim;
      next.metadata!.annotations = { ...annotations, [ANN_BETA_STORAGE_PROVISIONER]: provisioner, [ANN_STORAGE_PROVISIONER]: provisioner };
      current = (await this.ctx.client.update(R.persistentVolumeClaims, claim.metadata!.namespace, next)) as PersistentVolumeClaim;
      this.events.event(
        current,
        "Normal",
        "ExternalProvisioning",
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    }
    await this.updateClaimStatus(current, "Pending");
  }

  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      await this.updateClaimStatus(claim, "Lost", undefined, ["ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"]);
      return;
    }
    const volume = this.volumes.get(volumeName) as PersistentVolume | undefined;
    if (!volume) {
      await this.updateClaimStatus(claim, "Lost", undefined, ["ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!"]);
      return;
    }
    const ref = volume.spec?.claimRef;
    // Unbound meanwhile, or bound and all is well: bind() sets whatever is missing.
    if (!ref || ref.uid === claim.metadata?.uid) return this.bind(volume, claim);
    await this.updateClaimStatus(claim, "Lost", undefined, ["ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly"]);
  }

  /** bind: the volume to the claim, its phase, the claim to the volume, the claim's status — in that order. */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    let v = volume;
    const ref = v.spec?.claimRef;
    if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace || ref.uid !== claim.metadata?.uid) {
      const next = structuredClone(v) as PersistentVolume;
      next.spec!.claimRef = claimReference(claim);
      // Not pre-bound by a user or provisioner: the controller chose.
      if (!isVolumeBoundToClaim(v, claim)) next.metadata!.annotations = { ...(next.metadata!.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: "yes" };
      v = (await this.ctx.client.update(R.persistentVolumes, undefined, next)) as PersistentVolume;
    }
    v = await this.updateVolumePhase(v, "Bound");

    let c = claim;
    const annotations = { ...(c.metadata?.annotations ?? {}) };
    let dirty = false;
    if (c.spec?.volumeName !== v.metadata!.name) {
      annotations[ANN_BOUND_BY_CONTROLLER] ??= "yes";
      dirty = true;
    }
    if (!annotations[ANN_BIND_COMPLETED]) {
      annotations[ANN_BIND_COMPLETED] = "yes";
      dirty = true;
    }
    if (dirty) {
      const next = structuredClone(c) as PersistentVolumeClaim;
      next.spec!.volumeName = v.metadata!.name;
      next.metadata!.annotations = annotations;
      c = (await this.ctx.client.update(R.persistentVolumeClaims, c.metadata!.namespace, next)) as PersistentVolumeClaim;
    }
    await this.updateClaimStatus(c, "Bound", v);
  }

  /** updateClaimStatus(WithEvent): phase, and accessModes/capacity from the volume (cleared without one). */
  private async updateClaimStatus(claim: PersistentVolumeClaim, phase: string, volume?: PersistentVolume, event?: [string, string]): Promise<void> {
    const status = claim.status ?? {};
    if (event && status.phase === phase) return;
    const next = structuredClone(claim) as PersistentVolumeClaim;
    const s = (next.status ??= {});
    let dirty = false;
    if (s.phase !== phase) {
      s.phase = phase;
      dirty = true;
    }
    if (!volume) {
      if (s.accessModes !== undefined || s.capacity !== undefined) {
        delete s.accessModes;
        delete s.capacity;
        dirty = true;
      }
    } else {
      if (JSON.stringify(s.accessModes) !== JSON.stringify(volume.spec?.accessModes)) {
        s.accessModes = volume.spec?.accessModes;
        dirty = true;
      }
      // Capacity only when the claim becomes Bound: a later difference may be on purpose (resizing).
      if (status.phase !== phase && parseQuantity(status.capacity?.storage) !== capacityOf(volume)) {
        s.capacity = { ...volume.spec?.capacity };
        dirty = true;
      }
    }
    if (!dirty) return;
    const updated = await this.ctx.client.update(R.persistentVolumeClaims, claim.metadata!.namespace, next, "status");
    if (event) this.events.event(updated, "Warning", event[0], event[1]);
  }

  // ---- volumes ----

  private async syncVolume(name: string): Promise<void> {
    const volume = this.volumes.get(name) as PersistentVolume | undefined;
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    // Unused, or reserved for a claim that has not bound yet (the claim's sync binds it).
    if (!ref || !ref.uid) {
      await this.updateVolumePhase(volume, "Available");
      return;
    }
    const key = `${ref.namespace}/${ref.name}`;
    let claim = this.claims.get(key) as PersistentVolumeClaim | undefined;
    const phase = volume.status?.phase;
    if (!claim && phase !== "Released" && phase !== "Failed") {
      // The cache may lag behind a claim just created: ask the API before releasing.
      try {
        claim = (await this.ctx.client.get(R.persistentVolumeClaims, ref.namespace, ref.name!)) as PersistentVolumeClaim;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (claim && claim.metadata?.uid !== ref.uid) claim = undefined;
    if (!claim) {
      const released = phase === "Released" || phase === "Failed" ? volume : await this.updateVolumePhase(volume, "Released");
      return this.reclaimVolume(released);
    }
    if (!claim.spec?.volumeName) {
      // Binding not complete yet: the claim's sync finishes it.
      this.queue.add(key);
      return;
    }
    if (claim.spec.volumeName === volume.metadata!.name) {
      await this.updateVolumePhase(volume, "Bound");
      return;
    }
    // The claim is bound to another volume.
    if (volume.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] && volume.spec?.persistentVolumeReclaimPolicy === "Delete") {
      // Provisioned for this claim, which got another volume: not needed.
      const released = phase === "Released" || phase === "Failed" ? volume : await this.updateVolumePhase(volume, "Released");
      return this.reclaimVolume(released);
    }
    await this.unbindVolume(volume);
  }

  /** unbindVolume: the controller's own binding is undone; a user's pre-binding keeps the name, loses the uid. */
  private async unbindVolume(volume: PersistentVolume): Promise<void> {
    const next = structuredClone(volume) as PersistentVolume;
    if (next.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      next.spec!.claimRef = null;
      delete next.spec!.claimRef;
      delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
    } else {
      next.spec!.claimRef = { ...next.spec!.claimRef!, uid: "" };
    }
    const updated = (await this.ctx.client.update(R.persistentVolumes, undefined, next)) as PersistentVolume;
    await this.updateVolumePhase(updated, "Available");
  }

  /** reclaimVolume by persistentVolumeReclaimPolicy. */
  private async reclaimVolume(volume: PersistentVolume): Promise<void> {
    switch (volume.spec?.persistentVolumeReclaimPolicy ?? "Retain") {
      case "Retain":
        return;
      case "Delete":
        try {
          await this.ctx.client.delete(R.persistentVolumes, undefined, volume.metadata!.name!, { preconditions: { uid: volume.metadata?.uid } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      case "Recycle":
        await this.updateVolumePhase(volume, "Failed", ["VolumeFailedRecycle", "No recycler plugin found for the volume!"]);
        return;
      default:
        await this.updateVolumePhase(volume, "Failed", ["VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy"]);
    }
  }

  /**
   * updateVolumePhase(WithEvent). lastPhaseTransitionTime is what kube-apiserver's PV status
   * strategy sets when the phase changes; the controller sets it here.
   */
  private async updateVolumePhase(volume: PersistentVolume, phase: string, event?: [string, string]): Promise<PersistentVolume> {
    if (volume.status?.phase === phase) return volume;
    const next = structuredClone(volume) as PersistentVolume;
    next.status = { ...next.status, phase, lastPhaseTransitionTime: timestamp(new Date(this.ctx.clock.now())) };
    if (event) next.status.message = event[1];
    else delete next.status.message;
    const updated = (await this.ctx.client.update(R.persistentVolumes, undefined, next, "status")) as PersistentVolume;
    if (event) this.events.event(updated, "Warning", event[0], event[1]);
    return updated;
  }
}

