// Defaults of StatefulSet (SetDefaults_* in Kubernetes' API types).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const statefulSetDefaulters: Record<string, Defaulter> = {
  StatefulSet(obj) {
    defaultTemplate((obj.spec as Obj | undefined)?.template as Obj | undefined);
  },
};
