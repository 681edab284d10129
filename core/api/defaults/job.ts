// Defaults of Job (SetDefaults_* in Kubernetes' API types).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const jobDefaulters: Record<string, Defaulter> = {
  Job(obj) {
    defaultTemplate((obj.spec as Obj | undefined)?.template as Obj | undefined);
  },
};
