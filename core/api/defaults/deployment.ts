// Defaults of Deployment ReplicaSet (SetDefaults_* in Kubernetes' API types).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const deploymentDefaulters: Record<string, Defaulter> = {
  Deployment(obj) {
    defaultTemplate((obj.spec as Obj | undefined)?.template as Obj | undefined);
  },
  ReplicaSet(obj) {
    defaultTemplate((obj.spec as Obj | undefined)?.template as Obj | undefined);
  },
};
