// Defaults of Job: SetDefaults_Job (batch/v1), plus the selector the Job strategy generates
// on create (generateSelector, when spec.manualSelector is not true).
import type { Defaulter } from "./types.js";
import { defaultTemplate } from "./pod.js";

type Obj = Record<string, unknown>;
type Labels = Record<string, string>;

/** The labels Kubernetes puts on a Job's pod template (and so on its pods). */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_JOB_NAME_LABEL = "job-name";
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";

/** SetDefaults_Job on a Job's spec (also what the Job strategy adds around it). */
export function defaultJobSpec(spec: Obj): void {
  // completions and parallelism both unset: a non-parallel Job, one pod to success.
  if (spec.completions == null && spec.parallelism == null) spec.completions = 1;
  spec.parallelism ??= 1;
  // backoffLimitPerIndex makes the global limit irrelevant: MaxInt32.
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  // JobPodReplacementPolicy (beta, on in 1.32): with a podFailurePolicy only Failed pods
  // are replaced, otherwise terminating pods are replaced at once.
  spec.podReplacementPolicy ??= spec.podFailurePolicy != null ? "Failed" : "TerminatingOrFailed";
  spec.manualSelector ??= false;
  const policy = spec.podFailurePolicy as { rules?: { onPodConditions?: Obj[] }[] } | undefined;
  for (const rule of policy?.rules ?? []) for (const pattern of rule.onPodConditions ?? []) pattern.status ??= "True";
}

/**
 * generateSelector: the template gets job-name and controller-uid labels (new and legacy
 * keys, a user's own value wins) and the selector matches controller-uid — unique to this
 * Job, so two Jobs never share pods. Needs the uid: the store assigns it before defaulting.
 */
function generateSelector(job: Obj, template: Obj): void {
  const meta = (job.metadata ?? {}) as { name?: string; uid?: string };
  const labels = ((template.metadata ??= {}) as Obj).labels as Labels | undefined;
  const next: Labels = { ...(labels ?? {}) };
  if (meta.name) for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) next[key] ??= meta.name;
  if (!meta.uid) {
    (template.metadata as Obj).labels = next;
    return;
  }
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) next[key] ??= meta.uid;
  (template.metadata as Obj).labels = next;
  const spec = job.spec as Obj;
  const selector = (spec.selector ??= {}) as Obj;
  const matchLabels = (selector.matchLabels ??= {}) as Labels;
  matchLabels[CONTROLLER_UID_LABEL] ??= meta.uid;
}

export const jobDefaulters: Record<string, Defaulter> = {
  Job(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    const template = spec.template as Obj | undefined;
    defaultTemplate(template);
    defaultJobSpec(spec);
    const meta = (obj.metadata ??= {}) as Obj;
    // SetDefaults_Job copies the template's labels to a Job that has none.
    const userTemplateLabels = (template?.metadata as Obj | undefined)?.labels as Labels | undefined;
    const hadLabels = Object.keys((meta.labels as Labels | undefined) ?? {}).length > 0;
    if (userTemplateLabels && !hadLabels) meta.labels = { ...userTemplateLabels };
    if (template && spec.manualSelector !== true) {
      const before = JSON.stringify(spec.selector ?? null);
      generateSelector(obj, template);
      // A template without labels: kube-apiserver's defaulting on the next read copies the
      // generated labels onto the Job (what `kubectl get job -o yaml` shows); do it now.
      if (!hadLabels && !userTemplateLabels && before !== JSON.stringify(spec.selector ?? null)) {
        meta.labels = { ...((template.metadata as Obj).labels as Labels) };
      }
    }
  },
};
