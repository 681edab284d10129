// Defaults of DaemonSet (SetDefaults_DaemonSet in Kubernetes' apps/v1 defaults).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const daemonSetDefaulters: Record<string, Defaulter> = {
  DaemonSet(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    defaultTemplate(spec.template as Obj | undefined);
    const strategy = (spec.updateStrategy ??= {}) as Obj;
    strategy.type ||= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      const rollingUpdate = (strategy.rollingUpdate ??= {}) as Obj;
      rollingUpdate.maxUnavailable ??= 1;
      rollingUpdate.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
  },
};
