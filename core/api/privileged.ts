// kube-apiserver's --allow-privileged (capabilities.AllowPrivileged), off by default here:
// pod validation refuses a container with securityContext.privileged true — in a Pod and in
// every workload's pod template — with "Forbidden: disallowed by cluster policy".
import type { KubeObject } from "./object-store.js";
import type { StatusCause } from "./status.js";

type Obj = Record<string, unknown>;

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ["spec"],
  PodTemplate: ["template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Deployment: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The causes for `obj` (empty when none of its containers is privileged). */
export function privilegedCauses(kind: string, obj: KubeObject): StatusCause[] {
  const path = POD_SPEC_PATHS[kind];
  if (!path) return [];
  let spec: unknown = obj;
  for (const p of path) spec = (spec as Obj | undefined)?.[p];
  if (!spec || typeof spec !== "object") return [];
  const causes: StatusCause[] = [];
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    const containers = ((spec as Obj)[list] as Obj[] | undefined) ?? [];
    containers.forEach((c, i) => {
      if ((c?.securityContext as Obj | undefined)?.privileged === true) {
        causes.push({ reason: "FieldValueForbidden", message: "Forbidden: disallowed by cluster policy", field: `${path.join(".")}.${list}[${i}].securityContext.privileged` });
      }
    });
  }
  return causes;
}
