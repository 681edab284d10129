// Defaults of CronJob (SetDefaults_CronJob in Kubernetes' API types).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const cronJobDefaulters: Record<string, Defaulter> = {
  CronJob(obj) {
    const jobTemplate = (obj.spec as Obj | undefined)?.jobTemplate as Obj | undefined;
    defaultTemplate((jobTemplate?.spec as Obj | undefined)?.template as Obj | undefined);
  },
};
