// batch/v1: Jobs (NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR, the
// STATUS column being new in 1.31/1.32) and CronJobs (NAME SCHEDULE TIMEZONE SUSPEND ACTIVE
// LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR).
import type { LabelSelector } from "../../types/meta.js";
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, containersColumn, imagesColumn, nameColumn, nameOf, type HasMeta } from "./common.js";
import { boolPtr, containerCells, formatLabelSelector, type NamedImage } from "./format.js";
import { humanDuration, parseTime, since } from "./duration.js";

interface JobSpec {
  completions?: number | null;
  parallelism?: number | null;
  selector?: LabelSelector | null;
  template?: { spec?: { containers?: NamedImage[] } };
}

interface Job extends HasMeta {
  spec?: JobSpec;
  status?: {
    succeeded?: number;
    startTime?: string | null;
    completionTime?: string | null;
    conditions?: { type: string; status: string }[];
  };
}

/** True when the first condition of this type is True (the first one decides, as upstream). */
function jobCondition(job: Job, type: string): boolean {
  return job.status?.conditions?.find((c) => c.type === type)?.status === "True";
}

/** Job STATUS: a finished state first, then Terminating, Suspended, FailureTarget, else Running. */
export function jobStatus(job: Job): string {
  if (jobCondition(job, "Complete")) return "Complete";
  if (jobCondition(job, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (jobCondition(job, "Suspended")) return "Suspended";
  if (jobCondition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

/** COMPLETIONS: "succeeded/completions"; without completions "n/1", or "n/1 of P" when parallel. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** DURATION: start to completion, or start to now while running; "" before it starts. */
export function jobDuration(job: Job, now: Date): string {
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return "";
  const end = parseTime(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", FIELD_DOCS["JobStatus.succeeded"]),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "string", FIELD_DOCS["JobSpec.selector"], { priority: 1 }),
  ],
  row: (job: Job, now) => ({
    cells: [
      nameOf(job),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      ageOf(job, now),
      ...containerCells(job.spec?.template?.spec?.containers),
      formatLabelSelector(job.spec?.selector),
    ],
  }),
};

interface CronJob extends HasMeta {
  spec?: { schedule?: string; timeZone?: string | null; suspend?: boolean | null; jobTemplate?: { spec?: JobSpec } };
  status?: { active?: unknown[] | null; lastScheduleTime?: string | null };
}

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn,
    column("Schedule", "string", FIELD_DOCS["CronJobSpec.schedule"]),
    column("Timezone", "string", FIELD_DOCS["CronJobSpec.timeZone"]),
    column("Suspend", "boolean", FIELD_DOCS["CronJobSpec.suspend"]),
    column("Active", "integer", FIELD_DOCS["CronJobStatus.active"]),
    column("Last Schedule", "string", FIELD_DOCS["CronJobStatus.lastScheduleTime"]),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "string", FIELD_DOCS["JobSpec.selector"], { priority: 1 }),
  ],
  row: (cj: CronJob, now) => {
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const last = cj.status?.lastScheduleTime;
    return {
      cells: [
        nameOf(cj),
        cj.spec?.schedule ?? "",
        cj.spec?.timeZone ?? "<none>",
        // A string cell despite the "boolean" column type, as upstream prints it.
        boolPtr(cj.spec?.suspend),
        (cj.status?.active ?? []).length,
        last ? since(last, now) : "<none>",
        ageOf(cj, now),
        ...containerCells(jobSpec?.template?.spec?.containers),
        formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};
