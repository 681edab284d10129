// Defaults of Deployment and ReplicaSet (SetDefaults_Deployment / SetDefaults_ReplicaSet, apps/v1).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const deploymentDefaulters: Record<string, Defaulter> = {
  Deployment(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    spec.replicas ??= 1;
    const strategy = (spec.strategy ??= {}) as Obj;
    strategy.type ??= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      const rolling = (strategy.rollingUpdate ??= {}) as Obj;
      rolling.maxUnavailable ??= "25%";
      rolling.maxSurge ??= "25%";
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec.template as Obj | undefined);
  },
  ReplicaSet(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    spec.replicas ??= 1;
    defaultTemplate(spec.template as Obj | undefined);
  },
};
