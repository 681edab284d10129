// A dynamic provisioner for one "StorageClass-like" class (default "standard"), in the role
// an external provisioner plays in Kubernetes (sig-storage-lib-external-provisioner, e.g.
// rancher.io/local-path): a Pending claim of its class that no existing volume satisfies
// gets a hostPath PersistentVolume
//   name  pvc-<claim uid>
//   path  <basePath>/<namespace>-<claim name>-<claim uid>, type DirectoryOrCreate
// of the requested size, with the claim's access modes and volumeMode, reclaimPolicy
// Delete, annotation pv.kubernetes.io/provisioned-by: kubeling.io/local-path, and claimRef
// to the claim (pre-bound); the PersistentVolumeBinder then binds the two. The core only
// names the directory: the kubelet of the node that mounts it creates it.
//
// Which claims are this class's. kubeling has no StorageClass objects; this class stands
// for the one marked default (storageclass.kubernetes.io/is-default-class):
//  - storageClassName equal to the class name: provisioned;
//  - storageClassName "": "no class", never provisioned dynamically (as in Kubernetes);
//  - storageClassName unset: in Kubernetes the DefaultStorageClass admission plugin sets
//    the default class on create, and the PV controller sets it on claims created before a
//    default existed (RetroactiveDefaultStorageClass) once no volume fits them. kubeling
//    does the latter: PersistentVolumeBinder (option defaultStorageClassName, "standard")
//    sets the class, and this provisioner then serves the claim like any other of its class.
//    So a class-less claim first gets any Available class-less volume that fits, and only
//    otherwise a provisioned one; either way the claim's class and the volume's agree.
// Left out: WaitForFirstConsumer and node affinity (the volume is not pinned to a node),
// block volumes, selectors and data sources (refused with ProvisioningFailed), capacity limits.
import type { Reconciler, ControllerContext } from "./controller.js";
import type { WorkQueue } from "./workqueue.js";
import type { SharedInformer } from "./informer.js";
import type { EventRecorder } from "./events.js";
import { R, isAlreadyExists, type KubeObject } from "./client.js";
import { objectKey } from "./keys.js";
import {
  ANN_BIND_COMPLETED,
  ANN_DYNAMICALLY_PROVISIONED,
  LOCAL_PATH_PROVISIONER,
  claimClass,
  claimClassUnset,
  claimReference,
  findBestMatchForClaim,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from "./persistent-volume.js";

export interface LocalPathProvisionerOptions {
  /** The class served (default "standard"). */
  className?: string;
  /** Where the volumes' directories go on the node (default /var/lib/kubeling/volumes). */
  basePath?: string;
}

export class LocalPathProvisioner implements Reconciler {
  readonly name = "local-path-provisioner";
  readonly workers = 2;
  readonly className: string;
  private readonly basePath: string;
  private ctx!: ControllerContext;
  private claims!: SharedInformer;
  private volumes!: SharedInformer;
  private events!: EventRecorder;

  constructor(options: LocalPathProvisionerOptions = {}) {
    this.className = options.className ?? "standard";
    this.basePath = (options.basePath ?? "/var/lib/kubeling/volumes").replace(/\/+$/, "");
  }

  setup(ctx: ControllerContext, queue: WorkQueue): void {
    this.ctx = ctx;
    this.events = ctx.events.forComponent(LOCAL_PATH_PROVISIONER);
    this.claims = ctx.informers.for(R.persistentVolumeClaims);
    this.volumes = ctx.informers.for(R.persistentVolumes);
    this.claims.addEventHandler({ add: (c) => queue.add(objectKey(c)), update: (_, c) => queue.add(objectKey(c)) });
    // A volume going away may leave a claim unsatisfied again.
    this.volumes.addEventHandler({
      delete: (v) => {
        const ref = (v as PersistentVolume).spec?.claimRef;
        if (ref?.namespace && ref.name) queue.add(`${ref.namespace}/${ref.name}`);
      },
    });
  }

  /** Whether the claim is of the class this provisioner serves (an unset class is not yet). */
  serves(claim: PersistentVolumeClaim): boolean {
    return !claimClassUnset(claim) && claimClass(claim) === this.className;
  }

  async reconcile(key: string): Promise<void> {
    const claim = this.claims.get(key) as PersistentVolumeClaim | undefined;
    if (!claim || claim.metadata?.deletionTimestamp) return;
    // Bound, or asking for a volume by name: nothing to provision.
    if (claim.spec?.volumeName || claim.metadata?.annotations?.[ANN_BIND_COMPLETED]) return;
    if (!this.serves(claim)) return;
    // An existing volume satisfies it (or the one provisioned before is there): the binder's.
    if (findBestMatchForClaim(claim, this.volumes.list() as PersistentVolume[], this.ctx.core.labels)) return;

    const refusal = this.unsupported(claim);
    if (refusal) {
      this.events.event(claim, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass "${this.className}": ${refusal}`);
      return;
    }
    this.events.event(claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${key}"`);
    const volume = this.volumeFor(claim);
    try {
      await this.ctx.client.create(R.persistentVolumes, undefined, volume);
    } catch (err) {
      // Provisioned already (names are the claim's uid): done.
      if (!isAlreadyExists(err)) throw err;
      return;
    }
    this.events.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${volume.metadata!.name}`);
  }

  private unsupported(claim: PersistentVolumeClaim): string | undefined {
    if (claim.spec?.selector) return "claim.Spec.Selector is not supported for dynamic provisioning";
    if (claim.spec?.volumeMode === "Block") return "volumeMode Block is not supported";
    if (claim.spec?.dataSource || claim.spec?.dataSourceRef) return "data sources are not supported";
    if (!claim.spec?.resources?.requests?.storage) return "claim has no storage request";
    return undefined;
  }

  /** The PersistentVolume for the claim, pre-bound to it. */
  private volumeFor(claim: PersistentVolumeClaim): KubeObject {
    const { namespace, name, uid } = claim.metadata!;
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `pvc-${uid}`, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: LOCAL_PATH_PROVISIONER } },
      spec: {
        capacity: { storage: claim.spec!.resources!.requests!.storage },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Delete",
        storageClassName: this.className,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        claimRef: claimReference(claim),
        hostPath: { path: `${this.basePath}/${namespace}-${name}-${uid}`, type: "DirectoryOrCreate" },
      },
    };
  }
}
