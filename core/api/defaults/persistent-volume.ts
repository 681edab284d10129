// Defaults of PersistentVolume and PersistentVolumeClaim (SetDefaults_* in Kubernetes' API
// types, pkg/apis/core/v1/defaults.go), the fields `kubectl get pv,pvc -o yaml` shows on
// objects nobody wrote them into:
//  - PersistentVolume: spec.persistentVolumeReclaimPolicy Retain (dynamically provisioned
//    volumes carry their class's policy, usually Delete), spec.volumeMode Filesystem,
//    status.phase Pending (the binder moves it to Available), and hostPath.type ""
//    (SetDefaults_HostPathVolumeSource: HostPathUnset, no check before mounting);
//  - PersistentVolumeClaim: spec.volumeMode Filesystem, status.phase Pending.
// Runs on every write, so only absent fields are filled.
import type { Defaulter } from "./types.js";

type Obj = Record<string, unknown>;

export const persistentVolumeDefaulters: Record<string, Defaulter> = {
  PersistentVolume(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = "Retain";
    spec.volumeMode ??= "Filesystem";
    const hostPath = spec.hostPath as Obj | undefined;
    if (hostPath && typeof hostPath === "object") hostPath.type ??= "";
    const status = (obj.status ??= {}) as Obj;
    if (!status.phase) status.phase = "Pending";
  },
  PersistentVolumeClaim(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    spec.volumeMode ??= "Filesystem";
    const status = (obj.status ??= {}) as Obj;
    if (!status.phase) status.phase = "Pending";
  },
};
