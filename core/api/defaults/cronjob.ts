// Defaults of CronJob (SetDefaults_CronJob in batch/v1). The jobTemplate's JobSpec gets only
// the pod template's defaults here, as upstream: SetDefaults_Job applies to Jobs, so a
// CronJob's Jobs get completions, backoffLimit… when they are created.
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;

export const cronJobDefaulters: Record<string, Defaulter> = {
  CronJob(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    if (!spec.concurrencyPolicy) spec.concurrencyPolicy = "Allow";
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jobTemplate = spec.jobTemplate as Obj | undefined;
    defaultTemplate((jobTemplate?.spec as Obj | undefined)?.template as Obj | undefined);
  },
};
