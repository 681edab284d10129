// Defaults of StatefulSet (SetDefaults_StatefulSet in Kubernetes' apps/v1 defaults, plus the
// PersistentVolumeClaim defaults its volumeClaimTemplates get from the generated defaulters).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

/** A claim template as `kubectl get sts -o yaml` shows it: volumeMode Filesystem, status phase Pending. */
function defaultClaimTemplate(claim: Obj): void {
  claim.apiVersion ??= "v1";
  claim.kind ??= "PersistentVolumeClaim";
  const spec = (claim.spec ??= {}) as Obj;
  spec.volumeMode ??= "Filesystem";
  const status = (claim.status ??= {}) as Obj;
  status.phase ??= "Pending";
}

export const statefulSetDefaulters: Record<string, Defaulter> = {
  StatefulSet(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    defaultTemplate(spec.template as Obj | undefined);
    spec.podManagementPolicy ||= "OrderedReady";
    const strategy = (spec.updateStrategy ??= {}) as Obj;
    // Only an unset type gets a rollingUpdate block; an explicit RollingUpdate without one keeps none.
    if (!strategy.type) {
      strategy.type = "RollingUpdate";
      strategy.rollingUpdate ??= {};
    }
    if (strategy.type === "RollingUpdate" && strategy.rollingUpdate) {
      (strategy.rollingUpdate as Obj).partition ??= 0;
    }
    // StatefulSetAutoDeletePVC is GA in v1.32: the policy is always spelled out.
    const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {}) as Obj;
    retention.whenDeleted ||= "Retain";
    retention.whenScaled ||= "Retain";
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    // minReadySeconds defaults to 0, which the API (omitempty) does not write out.
    for (const claim of (spec.volumeClaimTemplates as Obj[] | undefined) ?? []) defaultClaimTemplate(claim);
  },
};
