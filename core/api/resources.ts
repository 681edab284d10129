// The resource registry: every kind the API server serves, with what discovery advertises
// for it (plural, singular, scope, short names, categories, verbs, subresources) and where
// its objects live in storage. Data, not code: discovery, routing and kubectl's
// `api-resources` all read this one table.

export interface Subresource {
  name: string;
  /** The kind a request to it returns (Scale for /scale, the parent kind for /status). */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  options: { cluster?: boolean; short?: string[]; all?: boolean; status?: boolean; scale?: boolean; extra?: Subresource[]; verbs?: string[] } = {},
): ResourceInfo {
  const subresources: Subresource[] = [];
  if (options.scale) subresources.push({ name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  if (options.status) subresources.push({ name: "status", group, version, kind, verbs: ["get", "patch", "update"] });
  subresources.push(...(options.extra ?? []));
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: !options.cluster,
    shortNames: options.short ?? [],
    categories: options.all ? ["all"] : [],
    verbs: options.verbs ?? ALL_VERBS,
    subresources,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  resource("", "v1", "Namespace", "namespaces", { cluster: true, short: ["ns"], status: true, extra: [{ name: "finalize", group: "", version: "v1", kind: "Namespace", verbs: ["update"] }], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
  resource("", "v1", "Pod", "pods", {
    short: ["po"],
    all: true,
    status: true,
    extra: [
      { name: "log", group: "", version: "v1", kind: "Pod", verbs: ["get"] },
      { name: "binding", group: "", version: "v1", kind: "Binding", verbs: ["create"] },
      { name: "exec", group: "", version: "v1", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "attach", group: "", version: "v1", kind: "PodAttachOptions", verbs: ["create", "get"] },
      { name: "portforward", group: "", version: "v1", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
    ],
  }),
  resource("", "v1", "Node", "nodes", { cluster: true, short: ["no"], status: true }),
  resource("", "v1", "Service", "services", { short: ["svc"], all: true, status: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }),
  resource("", "v1", "Endpoints", "endpoints", { short: ["ep"] }),
  resource("", "v1", "ConfigMap", "configmaps", { short: ["cm"] }),
  resource("", "v1", "Secret", "secrets"),
  resource("", "v1", "ServiceAccount", "serviceaccounts", { short: ["sa"], extra: [{ name: "token", group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] }] }),
  resource("", "v1", "Event", "events", { short: ["ev"] }),
  resource("", "v1", "PersistentVolume", "persistentvolumes", { cluster: true, short: ["pv"], status: true }),
  resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", { short: ["pvc"], status: true }),
  resource("apps", "v1", "Deployment", "deployments", { short: ["deploy"], all: true, status: true, scale: true }),
  resource("apps", "v1", "ReplicaSet", "replicasets", { short: ["rs"], all: true, status: true, scale: true }),
  resource("apps", "v1", "StatefulSet", "statefulsets", { short: ["sts"], all: true, status: true, scale: true }),
  resource("apps", "v1", "DaemonSet", "daemonsets", { short: ["ds"], all: true, status: true }),
  resource("batch", "v1", "Job", "jobs", { all: true, status: true }),
  resource("batch", "v1", "CronJob", "cronjobs", { short: ["cj"], all: true, status: true }),
  resource("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
  resource("events.k8s.io", "v1", "Event", "events", { short: ["ev"] }),
  resource("networking.k8s.io", "v1", "Ingress", "ingresses", { short: ["ing"], status: true }),
  resource("coordination.k8s.io", "v1", "Lease", "leases"),
  resource("rbac.authorization.k8s.io", "v1", "Role", "roles"),
  resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", { cluster: true }),
  resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
  resource("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", { cluster: true }),
  resource("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", { cluster: true, short: ["pc"] }),
];

/** "apps/v1", or "v1" for the core group. */
export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The groups in discovery order (core first, then as listed), each with its resources. */
export function groups(): { group: string; version: string; resources: ResourceInfo[] }[] {
  const out: { group: string; version: string; resources: ResourceInfo[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group && x.version === r.version);
    if (!g) out.push((g = { group: r.group, version: r.version, resources: [] }));
    g.resources.push(r);
  }
  return out;
}

/**
 * Where an object lives in storage: /registry/<group>/<plural>/<namespace>/<name>, the
 * layout kube-apiserver uses in etcd (core-group resources have no group segment).
 */
export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return storagePrefix(r, namespace) + name;
}

/** The prefix holding a resource's objects (in one namespace, or all when none). */
export function storagePrefix(r: ResourceInfo, namespace: string | undefined): string {
  const base = r.group && r.group !== "" ? `/registry/${r.group}/${r.plural}/` : `/registry/${r.plural}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}
