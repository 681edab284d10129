// The API as controllers see it: typed calls that return objects or throw ApiError, and
// watches that deliver objects. Controllers only know this interface. In one process (the
// Node host's control plane, the browser sandbox) InProcessClient calls the API server's
// handler directly — same admission, validation, RBAC and managedFields as kubectl gets,
// without HTTP — and its watches hand out the server's shared event objects, which nobody
// may mutate (controller-runtime's rule for cached objects).
import type { ApiServer, UserInfo } from "../api/server.js";
import { ApiError, type Status } from "../api/status.js";
import type { KubeObject, WatchEventOut } from "../api/object-store.js";
import { findResource, type ResourceInfo } from "../api/resources.js";

export type { KubeObject } from "../api/object-store.js";

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this revision ("" or "0": the current objects first, as ADDED). */
  resourceVersion?: string;
}

export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = "application/merge-patch+json" | "application/strategic-merge-patch+json" | "application/json-patch+json";

export interface ApiClient {
  get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(r: ResourceInfo, namespace?: string, options?: ListOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  create(r: ResourceInfo, namespace: string | undefined, obj: KubeObject): Promise<KubeObject>;
  /** PUT (with the object's resourceVersion as precondition); `subresource` "status" writes only status. */
  update(r: ResourceInfo, namespace: string | undefined, obj: KubeObject, subresource?: string): Promise<KubeObject>;
  patch(r: ResourceInfo, namespace: string | undefined, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<KubeObject>;
  delete(r: ResourceInfo, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<void>;
  /** POST to an object's subresource (serviceaccounts/<name>/token: a TokenRequest); the answer. */
  createSubresource(r: ResourceInfo, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject>;
  /** POST pods/<name>/binding. */
  bind(namespace: string, name: string, nodeName: string, uid?: string): Promise<void>;
  /** Events until `onEnd` (410 Gone arrives as an ERROR event first). Returns the stop function. */
  watch(r: ResourceInfo, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEventOut) => void, onEnd: () => void): Promise<() => void>;
}

/** A resource of the registry by group, version and plural ("" for core). */
export function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`unknown resource ${group}/${version}/${plural}`);
  return r;
}

/** The resources the controllers use. */
export const R = {
  namespaces: resource("", "v1", "namespaces"),
  pods: resource("", "v1", "pods"),
  nodes: resource("", "v1", "nodes"),
  services: resource("", "v1", "services"),
  endpoints: resource("", "v1", "endpoints"),
  endpointSlices: resource("discovery.k8s.io", "v1", "endpointslices"),
  configMaps: resource("", "v1", "configmaps"),
  secrets: resource("", "v1", "secrets"),
  serviceAccounts: resource("", "v1", "serviceaccounts"),
  events: resource("", "v1", "events"),
  persistentVolumes: resource("", "v1", "persistentvolumes"),
  persistentVolumeClaims: resource("", "v1", "persistentvolumeclaims"),
  deployments: resource("apps", "v1", "deployments"),
  replicaSets: resource("apps", "v1", "replicasets"),
  statefulSets: resource("apps", "v1", "statefulsets"),
  daemonSets: resource("apps", "v1", "daemonsets"),
  jobs: resource("batch", "v1", "jobs"),
  cronJobs: resource("batch", "v1", "cronjobs"),
  leases: resource("coordination.k8s.io", "v1", "leases"),
  priorityClasses: resource("scheduling.k8s.io", "v1", "priorityclasses"),
} as const;

const encoder = new TextEncoder();

/** The control plane's own identity: system:masters, as kube-controller-manager's credentials allow everything it needs. */
export const CONTROL_PLANE_USER: UserInfo = { name: "system:kube-controller-manager", groups: ["system:masters", "system:authenticated"] };

/**
 * The REST calls of an ApiClient on one primitive, `send` (a request answered with the
 * decoded object, or an ApiError): the in-process client hands it to the API server's
 * handler, the Node host's remote client sends it over HTTPS. Writes name the field manager.
 */
export abstract class RestClient implements ApiClient {
  constructor(
    /** The field manager named in managedFields ("kube-controller-manager", "kube-scheduler", "kubelet"…). */
    protected readonly manager: string,
  ) {}

  protected abstract send<T>(method: string, path: string, query: URLSearchParams, body: unknown, contentType: string): Promise<T>;

  abstract watch(r: ResourceInfo, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEventOut) => void, onEnd: () => void): Promise<() => void>;

  async get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.call("GET", path(r, namespace, name));
  }

  async list(r: ResourceInfo, namespace?: string, options: ListOptions = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const query = new URLSearchParams();
    if (options.labelSelector) query.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) query.set("fieldSelector", options.fieldSelector);
    const list = await this.call<{ items: KubeObject[]; metadata: { resourceVersion: string } }>("GET", path(r, namespace), query);
    return { items: list.items ?? [], resourceVersion: list.metadata.resourceVersion };
  }

  async create(r: ResourceInfo, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    return this.call("POST", path(r, namespace), undefined, obj);
  }

  async update(r: ResourceInfo, namespace: string | undefined, obj: KubeObject, subresource?: string): Promise<KubeObject> {
    return this.call("PUT", path(r, namespace, obj.metadata!.name!, subresource), undefined, obj);
  }

  async patch(r: ResourceInfo, namespace: string | undefined, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<KubeObject> {
    return this.call("PATCH", path(r, namespace, name, subresource), undefined, patch, type);
  }

  async delete(r: ResourceInfo, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<void> {
    const hasBody = Object.keys(options).length > 0;
    await this.call("DELETE", path(r, namespace, name), undefined, hasBody ? { kind: "DeleteOptions", apiVersion: "v1", ...options } : undefined);
  }

  async createSubresource(r: ResourceInfo, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject> {
    return this.call("POST", path(r, namespace, name, subresource), undefined, body);
  }

  async bind(namespace: string, name: string, nodeName: string, uid?: string): Promise<void> {
    await this.call("POST", path(R.pods, namespace, name, "binding"), undefined, {
      kind: "Binding",
      apiVersion: "v1",
      metadata: { name, namespace, ...(uid ? { uid } : {}) },
      target: { kind: "Node", apiVersion: "v1", name: nodeName },
    });
  }

  private call<T = KubeObject>(method: string, p: string, query = new URLSearchParams(), body?: unknown, contentType = "application/json"): Promise<T> {
    if (method !== "GET" && method !== "DELETE") query.set("fieldManager", this.manager);
    return this.send<T>(method, p, query, body, contentType);
  }
}

export class InProcessClient extends RestClient {
  constructor(
    private readonly api: ApiServer,
    private readonly user: UserInfo = CONTROL_PLANE_USER,
    manager = "kube-controller-manager",
  ) {
    super(manager);
  }

  /** The same client acting as another component (another field manager and user). */
  as(manager: string, user: UserInfo = this.user): InProcessClient {
    return new InProcessClient(this.api, user, manager);
  }

  async watch(r: ResourceInfo, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEventOut) => void, onEnd: () => void): Promise<() => void> {
    return this.api.watchObjects(this.user, r, namespace, options, onEvent, onEnd);
  }

  protected async send<T>(method: string, p: string, query: URLSearchParams, body: unknown, contentType: string): Promise<T> {
    const response = await this.api.handle({
      method,
      path: p,
      query,
      headers: { "content-type": contentType, "user-agent": `${this.manager}/v1.32.0 kubeling` },
      body: body === undefined ? undefined : encoder.encode(JSON.stringify(body)),
      user: this.user,
    });
    if ("stream" in response) throw new Error(`unexpected stream from ${method} ${p}`);
    if (response.status >= 400) throw new ApiError(response.body as Status);
    return response.body as T;
  }
}

/** The REST path of a resource, an object, or its subresource. */
export function path(r: ResourceInfo, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** Whether an error is the API's NotFound / Conflict / AlreadyExists. */
export const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;
export const isConflict = (err: unknown) => err instanceof ApiError && err.code === 409 && err.status.reason === "Conflict";
export const isAlreadyExists = (err: unknown) => err instanceof ApiError && err.code === 409 && err.status.reason === "AlreadyExists";
/** NamespaceLifecycle's refusal in a terminating namespace (cause NamespaceTerminating): nothing to retry. */
export const isNamespaceTerminating = (err: unknown) => err instanceof ApiError && (err.status.details?.causes ?? []).some((c) => c.reason === "NamespaceTerminating");
