// Pod and pod-template defaults, as SetDefaults_PodSpec / SetDefaults_Container set them
// (the fields `kubectl get pod -o yaml` shows on a pod nobody wrote them into), plus what
// the pod strategy sets on create: status.phase Pending and the QoS class.
import type { Defaulter } from "./types.js";

type Obj = Record<string, unknown>;

function probe(p: Obj | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  const http = p.httpGet as Obj | undefined;
  if (http) {
    http.path ??= "/";
    http.scheme ??= "HTTP";
  }
}

/** imagePullPolicy: Always for ":latest" or an untagged image, else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return "IfNotPresent";
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : "";
  if (image.includes("@")) return "IfNotPresent";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function container(c: Obj): void {
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.imagePullPolicy ??= defaultPullPolicy(c.image as string | undefined);
  c.resources ??= {};
  const resources = c.resources as { limits?: Obj; requests?: Obj };
  // Limits without requests: the requests are the limits.
  if (resources.limits) resources.requests = { ...resources.limits, ...(resources.requests ?? {}) };
  for (const port of (c.ports as Obj[] | undefined) ?? []) port.protocol ??= "TCP";
  for (const e of (c.env as Obj[] | undefined) ?? []) {
    const fieldRef = (e.valueFrom as Obj | undefined)?.fieldRef as Obj | undefined;
    if (fieldRef) fieldRef.apiVersion ??= "v1";
  }
  probe(c.livenessProbe as Obj | undefined);
  probe(c.readinessProbe as Obj | undefined);
  probe(c.startupProbe as Obj | undefined);
}

/** SetDefaults_PodSpec and its containers (pods and every workload's template). */
export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  spec.enableServiceLinks ??= true;
  for (const c of (spec.containers as Obj[] | undefined) ?? []) container(c);
  for (const c of (spec.initContainers as Obj[] | undefined) ?? []) container(c);
  for (const v of (spec.volumes as Obj[] | undefined) ?? []) {
    for (const source of ["configMap", "secret", "downwardAPI", "projected"]) {
      const s = v[source] as Obj | undefined;
      if (s) s.defaultMode ??= 420;
    }
    if (v.emptyDir === null) v.emptyDir = {};
  }
}

/** A workload's spec.template: its pod spec gets the pod defaults. */
export function defaultTemplate(template: Obj | undefined): void {
  if (!template) return;
  template.spec ??= {};
  defaultPodSpec(template.spec as Obj);
}

/** status.qosClass: Guaranteed (every container's requests = limits for cpu and memory), BestEffort (none), else Burstable. */
export function qosClass(spec: Obj): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = [...((spec.containers as Obj[] | undefined) ?? []), ...((spec.initContainers as Obj[] | undefined) ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = (c.resources ?? {}) as { limits?: Obj; requests?: Obj };
    const req = r.requests ?? {};
    const lim = r.limits ?? {};
    for (const name of ["cpu", "memory"]) {
      if (req[name] !== undefined || lim[name] !== undefined) any = true;
      if (lim[name] === undefined || (req[name] !== undefined && String(req[name]) !== String(lim[name]))) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

export const podDefaulters: Record<string, Defaulter> = {
  Pod(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    defaultPodSpec(spec);
    const status = (obj.status ??= {}) as Obj;
    status.phase ??= "Pending";
    status.qosClass ??= qosClass(spec);
  },
  PodTemplate(obj) {
    defaultTemplate(obj.template as Obj | undefined);
  },
};
