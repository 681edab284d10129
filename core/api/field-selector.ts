// Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Running`): equality and
// inequality on the few fields each resource supports, as kube-apiserver's field-label
// conversion functions list them. Any other field is a 400 "field label not supported".
import { Errors } from "./status.js";

export interface FieldRequirement {
  field: string;
  equals: boolean;
  value: string;
}

type Json = Record<string, unknown>;

function at(obj: Json, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Json)[part];
  }
  if (cur === undefined || cur === null) return "";
  return String(cur);
}

/** Fields beyond metadata.name / metadata.namespace, per resource (plural). */
const SUPPORTED: Record<string, string[]> = {
  pods: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
  events: [
    "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
    "reason", "reportingComponent", "source", "type",
  ],
  secrets: ["type"],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  replicasets: ["status.replicas"],
  jobs: ["status.successful"],
  replicationcontrollers: ["status.replicas"],
};

/** Parses a field selector; throws a 400 Status for syntax errors and unsupported fields. */
export function parseFieldSelector(plural: string, selector: string | null): FieldRequirement[] {
  if (!selector) return [];
  const out: FieldRequirement[] = [];
  for (const term of selector.split(",")) {
    if (term.trim() === "") continue;
    const m = /^([^=!]+?)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw Errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (field !== "metadata.name" && field !== "metadata.namespace" && !(SUPPORTED[plural] ?? []).includes(field)) {
      throw Errors.badRequest(`field label not supported: ${field}`);
    }
    out.push({ field, equals: m[2] !== "!=", value: m[3].trim() });
  }
  return out;
}

export function matchesFields(obj: Json, requirements: FieldRequirement[]): boolean {
  for (const r of requirements) {
    // pods' spec.hostNetwork and nodes' spec.unschedulable default to false.
    let value = at(obj, r.field);
    if (value === "" && (r.field === "spec.hostNetwork" || r.field === "spec.unschedulable")) value = "false";
    if (r.field === "source") value = at(obj, "source.component") || at(obj, "reportingComponent");
    if ((value === r.value) !== r.equals) return false;
  }
  return true;
}
