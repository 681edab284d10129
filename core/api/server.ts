// The API server's request handling, without HTTP: a request (method, path, query, headers,
// body, authenticated user) in, a JSON response or a watch stream out. The Node host puts
// it behind HTTPS; the browser sandbox can call it directly.
import type { Storage } from "../../bindings/storage.js";
import { findResource, groupVersion, type ResourceInfo } from "./resources.js";
import type { ServiceAccountTokens } from "./service-account-tokens.js";
import { admitServiceAccountVolume } from "./service-account-admission.js";
import { ApiError, Errors, successStatus } from "./status.js";
import {
  ObjectStore,
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  defaultOrphans,
  type KubeObject,
  type LabelMatcher,
  type ListOptions,
  type PropagationPolicy,
  type StoreDeleteOptions,
  type WatchEventOut,
} from "./object-store.js";
import { parseFieldSelector } from "./field-selector.js";
import { decodeBody, decodeObject, mediaType } from "./codec.js";
import {
  AGGREGATED_DISCOVERY_TYPE,
  VERSION_INFO,
  aggregatedDiscovery,
  apiGroup,
  apiResourceList,
  legacyApiGroupList,
  legacyApiVersions,
} from "./discovery.js";
import { openApiV3Document, openApiV3Root } from "./openapi.js";
import { RbacAuthorizer } from "./rbac.js";
import { apply, recordUpdate } from "./field-manager.js";
import { SYSTEM_PRIORITY_CLASSES, admitPod } from "./admission.js";
import { unknownFields } from "./field-validation.js";
import { privilegedCauses } from "./privileged.js";
import { timestamp } from "./object-store.js";
import { NamespaceLifecycle } from "./namespace-lifecycle.js";
import { ServiceAllocator } from "./service-allocator.js";
import type { ExecStream, WritableLike } from "../../bindings/runtime.js";
import type { RemoteCommandOptions } from "./remotecommand.js";

export interface UserInfo {
  name: string;
  groups: string[];
  /** Extra attributes (a service account token's bound pod). */
  extra?: Record<string, string[]>;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: Uint8Array;
  user: UserInfo;
}

export type StreamWriter = (chunk: string | Uint8Array) => void;

/**
 * What the API server asks of a node's kubelet (kube-apiserver reaches it over HTTPS on
 * :10250; here it is whatever the host registers: an in-process kubelet, later an agent).
 */
export interface NodeConnection {
  logs(namespace: string, pod: string, container: string, options: { previous?: boolean; follow?: boolean; tailLines?: number }): Promise<AsyncIterable<Uint8Array> | { error: string }>;
  /** Starts `command` in the pod's container with the streams asked for (`kubectl exec`). */
  exec(namespace: string, pod: string, container: string, command: string[], options: RemoteCommandOptions): Promise<ExecStream | { error: string }>;
  /** Joins the container's own stdin and output (`kubectl attach`, `kubectl run -it`). */
  attach(namespace: string, pod: string, container: string, options: RemoteCommandOptions): Promise<ExecStream | { error: string }>;
  /** A TCP connection to `port` inside the pod's network namespace (`kubectl port-forward`). */
  portForward(namespace: string, pod: string, port: number): Promise<PodPortConnection | { error: string }>;
}

/** Bytes both ways to a pod's port; `close` is EOF toward the pod (a half-close). */
export interface PodPortConnection extends WritableLike {
  readable: AsyncIterable<Uint8Array>;
  /** Drops the connection in both directions. */
  destroy(): void;
}

/**
 * A pods/exec or pods/portforward request that passed kube-apiserver's checks: what the host
 * runs once it has upgraded the connection (WebSocket or SPDY; the protocol is the host's).
 */
export type PodStreamTarget =
  | {
      /** exec runs `command`; attach joins the container's own streams (command is empty). */
      subresource: "exec" | "attach";
      namespace: string;
      pod: string;
      container: string;
      command: string[];
      options: RemoteCommandOptions;
      /** Starts the command on the pod's node. */
      start(): Promise<ExecStream | { error: string }>;
    }
  | {
      subresource: "portforward";
      namespace: string;
      pod: string;
      /** Opens a connection to the pod's port on its node. */
      dial(port: number): Promise<PodPortConnection | { error: string }>;
    };

/** The subresources reached by upgrading the connection, not by a plain request. */
const STREAMING_SUBRESOURCES = new Set(["exec", "attach", "portforward"]);

export type ApiResponse =
  | { status: number; headers: Record<string, string>; body: unknown }
  | {
      status: number;
      headers: Record<string, string>;
      /** Starts the stream; returns a function that stops it (client gone). */
      stream: (write: StreamWriter, end: () => void) => Promise<() => void>;
    };

/** Renders objects as a meta.k8s.io/v1 Table (server-side printing). */
export type TablePrinter = (plural: string, objects: KubeObject[], options: { now: Date; includeObject?: string }) => Record<string, unknown>;

/** Applies a PATCH body of a media type to the stored object (see core/api/patch). */
export type PatchApplier = (mediaType: string, kind: string, original: KubeObject, patch: unknown) => KubeObject;

export interface ApiServerOptions {
  storage: Storage;
  matchLabels: LabelMatcher;
  printTable: TablePrinter;
  applyPatch: PatchApplier;
  /** metav1.LabelSelector → its canonical string (Scale's status.selector). */
  selectorString: (selector: unknown) => string;
  /** The address kubectl reaches us at (legacy discovery's serverAddressByClientCIDRs). */
  serverAddress?: string;
  /** Where Services' cluster IPs come from (kube-apiserver's --service-cluster-ip-range): 10.96.0.0/12. */
  serviceCIDR?: string;
  /** Node ports (--service-node-port-range): "30000-32767". */
  nodePortRange?: string;
  /** --allow-privileged: containers may ask for securityContext.privileged (default false: refused). */
  allowPrivileged?: boolean;
  /**
   * Signs and checks service account tokens (TokenRequest, bearer JWTs); with it, pods also
   * get a kube-api-access volume (ServiceAccount admission). Without it neither happens.
   */
  serviceAccountTokens?: ServiceAccountTokens;
  now?: () => Date;
}

const JSON_TYPE = "application/json";
const TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];
const APPLY_TYPE = "application/apply-patch+yaml";
const BOOTSTRAP_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
/** NamespaceLifecycle admission refuses to delete these. */
const IMMORTAL_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);
const PROPAGATION_POLICIES = ["Foreground", "Background", "Orphan"];
/** What kube-apiserver warns when a batch/v1 Job is deleted with no policy (its pods stay). */
const JOB_DELETE_WARNING =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning";

interface Target {
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class ApiServer {
  readonly store: ObjectStore;
  private readonly now: () => Date;
  private readonly rbac: RbacAuthorizer;
  private readonly namespaces: NamespaceLifecycle;
  readonly services: ServiceAllocator;
  /** Kubelets by node name, for pods/log, exec and portforward. */
  private readonly nodeConnections = new Map<string, NodeConnection>();

  constructor(private readonly options: ApiServerOptions) {
    this.now = options.now ?? (() => new Date());
    this.services = new ServiceAllocator(options.storage, { serviceCIDR: options.serviceCIDR, nodePortRange: options.nodePortRange, now: this.now });
    this.store = new ObjectStore(options.storage, options.matchLabels, this.now, this.services);
    this.rbac = new RbacAuthorizer(this.store);
    this.namespaces = new NamespaceLifecycle(this.store);
  }

  /** Stops the watches the server keeps for itself (before the storage is closed). */
  close(): void {
    this.namespaces.close();
  }

  /** Creates the namespaces and PriorityClasses every cluster has (kept when they exist). */
  async bootstrap(): Promise<void> {
    const namespaces = findResource("", "v1", "namespaces")!;
    const classes = findResource("scheduling.k8s.io", "v1", "priorityclasses")!;
    const ensure = async (create: () => Promise<unknown>) => {
      try {
        await create();
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      }
    };
    for (const name of BOOTSTRAP_NAMESPACES) {
      await ensure(() => this.store.create(namespaces, undefined, { metadata: { name }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } }));
    }
    for (const pc of SYSTEM_PRIORITY_CLASSES) {
      await ensure(() => this.store.create(classes, undefined, { metadata: { name: pc.name }, value: pc.value, description: pc.description, preemptionPolicy: "PreemptLowerPriority" }));
    }
    await this.bootstrapKubernetesService();
  }

  /**
   * default/kubernetes (kube-apiserver's kubernetesservice controller and endpoint
   * reconciler): a ClusterIP Service on the range's first address, port 443 "https" to the
   * API server's port, with Endpoints and an EndpointSlice at the server's address. Kept
   * when it exists; the endpoints follow the address this server was started with.
   */
  private async bootstrapKubernetesService(): Promise<void> {
    const services = findResource("", "v1", "services")!;
    const endpoints = findResource("", "v1", "endpoints")!;
    const slices = findResource("discovery.k8s.io", "v1", "endpointslices")!;
    const address = this.advertiseAddress ?? this.options.serverAddress ?? "127.0.0.1:6443";
    const colon = address.lastIndexOf(":");
    const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
    const port = Number(address.slice(colon + 1)) || 6443;
    const exists = async (r: ResourceInfo, name: string) => {
      try {
        return await this.store.get(r, "default", name);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return null;
        throw err;
      }
    };
    const createOrIgnore = async (r: ResourceInfo, obj: KubeObject) => {
      try {
        await this.store.create(r, "default", obj);
      } catch (err) {
        // Another server sharing the store made it first.
        if (!(err instanceof ApiError && (err.code === 409 || err.code === 422))) throw err;
      }
    };
    if (!(await exists(services, "kubernetes"))) {
      const clusterIP = this.services.ipRange.firstAddress;
      await createOrIgnore(services, {
        metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
        spec: { type: "ClusterIP", clusterIP, clusterIPs: [clusterIP], sessionAffinity: "None", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: port }] },
      });
    }
    const family = host.includes(":") ? "IPv6" : "IPv4";
    const wantedEndpoints = {
      metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
      subsets: [{ addresses: [{ ip: host }], ports: [{ name: "https", port, protocol: "TCP" }] }],
    };
    const wantedSlice = {
      metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
      addressType: family,
      endpoints: [{ addresses: [host], conditions: { ready: true } }],
      ports: [{ name: "https", port, protocol: "TCP" }],
    };
    for (const [r, wanted, fields] of [
      [endpoints, wantedEndpoints, ["subsets"]],
      [slices, wantedSlice, ["addressType", "endpoints", "ports"]],
    ] as const) {
      const current = await exists(r, "kubernetes");
      if (!current) {
        await createOrIgnore(r, structuredClone(wanted) as KubeObject);
        continue;
      }
      const source = wanted as unknown as Record<string, unknown>;
      if (fields.every((f) => JSON.stringify(current[f]) === JSON.stringify(source[f]))) continue;
      const next: KubeObject = { ...current };
      for (const f of fields) next[f] = structuredClone(source[f]);
      await this.store.update(r, "default", "kubernetes", next).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      });
    }
  }

  /**
   * A watch for in-process clients (the controllers, the simulated kubelets): RBAC-checked
   * like GET ?watch=true, but the events are the server's shared objects, not JSON text.
   * Nobody may mutate them. Returns the stop function.
   */
  async watchObjects(
    user: UserInfo,
    r: ResourceInfo,
    namespace: string | undefined,
    options: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string },
    send: (e: WatchEventOut) => void,
    end: () => void,
  ): Promise<() => void> {
    if (!(await this.rbac.allowed(user, { verb: "watch", group: r.group, resource: r.plural, namespace }))) {
      throw Errors.forbidden(user.name, "watch", r, namespace, undefined);
    }
    const query = new URLSearchParams();
    if (options.labelSelector) query.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) query.set("fieldSelector", options.fieldSelector);
    if (options.resourceVersion) query.set("resourceVersion", options.resourceVersion);
    return this.store.watch(r, namespace, this.listOptions(r, query), send, end);
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      if (err instanceof ApiError) return json(err.code, err.status);
      return json(500, Errors.internal((err as Error).message).status);
    }
  }

  private async route(req: ApiRequest): Promise<ApiResponse> {
    const path = req.path.replace(/\/+$/, "") || "/";
    const accept = req.headers["accept"] ?? "";
    if (path === "/version") return json(200, VERSION_INFO);
    if (path === "/healthz" || path === "/livez" || path === "/readyz") return { status: 200, headers: { "content-type": "text/plain" }, body: "ok" };
    if (path === "/api" || path === "/apis") {
      if (accept.includes("as=APIGroupDiscoveryList") && accept.includes("v=v2")) {
        return { status: 200, headers: { "content-type": AGGREGATED_DISCOVERY_TYPE }, body: aggregatedDiscovery(path === "/api") };
      }
      return json(200, path === "/api" ? legacyApiVersions(this.options.serverAddress ?? "127.0.0.1:6443") : legacyApiGroupList());
    }
    if (path === "/openapi/v3") return json(200, openApiV3Root());
    if (path.startsWith("/openapi/v3/")) {
      const doc = openApiV3Document(path.slice("/openapi/v3/".length));
      if (!doc) throw Errors.pathNotFound();
      return json(200, doc);
    }
    const parts = path.split("/").slice(1).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api" && parts[1] === "v1") {
      group = "";
      version = "v1";
      rest = parts.slice(2);
    } else if (parts[0] === "apis" && parts.length >= 2) {
      if (parts.length === 2) {
        const doc = apiGroup(parts[1]);
        if (!doc) throw Errors.pathNotFound();
        return json(200, doc);
      }
      group = parts[1];
      version = parts[2];
      rest = parts.slice(3);
    } else {
      throw Errors.pathNotFound();
    }
    if (rest.length === 0) {
      const list = apiResourceList(group, version);
      if (!list) throw Errors.pathNotFound();
      return json(200, list);
    }
    const target = this.target(group, version, rest);
    return this.serve(req, target);
  }

  /** [namespaces/<ns>/]<plural>[/<name>[/<subresource>]] */
  private target(group: string, version: string, rest: string[]): Target {
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      // /namespaces/<ns>/<plural>/…, except the Namespace's own /namespaces/<name>/status.
      const namespaceSubresource = group === "" && rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]);
      if (!namespaceSubresource) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const resource = findResource(group, version, rest[0]);
    if (!resource) throw Errors.pathNotFound();
    if (namespace !== undefined && !resource.namespaced) throw Errors.pathNotFound();
    const name = rest[1];
    const subresource = rest[2];
    if (rest.length > 3) throw Errors.pathNotFound();
    if (subresource && !resource.subresources.some((s) => s.name === subresource)) throw Errors.pathNotFound();
    return { resource, namespace, name, subresource };
  }

  /** The RBAC verb of a resource request. */
  private verb(req: ApiRequest, t: Target): string {
    const watching = req.query.get("watch") === "true" || req.query.get("watch") === "1";
    switch (req.method) {
      case "GET":
        return t.name ? "get" : watching ? "watch" : "list";
      case "POST":
        return "create";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return t.name ? "delete" : "deletecollection";
      default:
        return req.method.toLowerCase();
    }
  }

  /**
   * How to reach kubelets that did not register in this process (an agent's kubelet server,
   * as kube-apiserver dials node address + status.daemonEndpoints.kubeletEndpoint.Port).
   */
  setNodeDialer(dial: (node: KubeObject) => NodeConnection | null): void {
    this.dialNode = dial;
  }

  private dialNode: ((node: KubeObject) => NodeConnection | null) | null = null;

  /** The kubelet of `nodeName`: registered in process, else dialled; null when neither. */
  protected async nodeConnection(nodeName: string): Promise<NodeConnection | null> {
    const registered = this.nodeConnections.get(nodeName);
    if (registered || !this.dialNode) return registered ?? null;
    try {
      return this.dialNode(await this.store.get(findResource("", "v1", "nodes")!, undefined, nodeName));
    } catch {
      return null;
    }
  }

  private advertiseAddress: string | undefined;

  /**
   * The address pods reach this server at (kube-apiserver's --advertise-address): the
   * default/kubernetes Service's endpoints move there. `kubeling up` advertises the pod
   * bridge's gateway once its node has one, as loopback means nothing inside a pod.
   */
  async advertise(address: string): Promise<void> {
    this.advertiseAddress = address;
    await this.bootstrapKubernetesService();
  }

  /**
   * pods/exec and pods/portforward, before the upgrade: RBAC `create` on the subresource, the
   * pod, its container and its node, with kube-apiserver's errors. Returns what to run after
   * the upgrade, or the error response to answer instead. Any other path is a 400.
   */
  async connect(req: ApiRequest): Promise<PodStreamTarget | { status: number; body: unknown }> {
    try {
      return await this.streamTarget(req);
    } catch (err) {
      if (err instanceof ApiError) return { status: err.code, body: err.status };
      return { status: 500, body: Errors.internal((err as Error).message).status };
    }
  }

  private async streamTarget(req: ApiRequest): Promise<PodStreamTarget> {
    const path = req.path.replace(/\/+$/, "");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m || !STREAMING_SUBRESOURCES.has(m[3])) throw Errors.badRequest(`the server does not upgrade connections for ${path} (only pods/exec, pods/attach and pods/portforward)`);
    const [namespace, name, subresource] = [m[1], m[2], m[3]].map(decodeURIComponent);
    const r = findResource("", "v1", "pods")!;
    if (!(await this.rbac.allowed(req.user, { verb: "create", group: "", resource: "pods", subresource, namespace, name }))) {
      throw Errors.forbidden(req.user.name, "create", r, namespace, name, subresource);
    }
    type PodShape = KubeObject & { spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] }; status?: { phase?: string } };
    const pod = (await this.store.get(r, namespace, name)) as PodShape;
    const nodeName = pod.spec?.nodeName;
    const phase = pod.status?.phase ?? "Pending";
    const node = async () => {
      if (!nodeName) throw Errors.badRequest(`pod ${name} does not have a host assigned`);
      const connection = await this.nodeConnection(nodeName);
      if (!connection) throw Errors.internal(`no connection to the kubelet of node ${nodeName} (is it running?)`);
      return connection;
    };
    if (subresource === "portforward") {
      const connection = await node();
      if (phase !== "Running") throw Errors.badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
      return { subresource, namespace, pod: name, dial: (port) => connection.portForward(namespace, name, port) };
    }
    const q = req.query;
    const flag = (key: string) => q.get(key) === "true" || q.get(key) === "1";
    const tty = flag("tty");
    // With a tty the terminal carries stderr on stdout: the kubelet drops the stderr stream.
    const options: RemoteCommandOptions = { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr") && !tty, tty };
    if (!options.stdin && !options.stdout && !options.stderr) throw Errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
    const container = this.chooseContainer(pod, name, q.get("container") ?? "");
    if (subresource === "attach") {
      const connection = await node();
      if (phase === "Succeeded" || phase === "Failed") throw Errors.badRequest(`cannot attach a container in a completed pod; current phase is ${phase}`);
      return { subresource, namespace, pod: name, container, command: [], options, start: () => connection.attach(namespace, name, container, options) };
    }
    const command = q.getAll("command");
    if (command.length === 0) throw Errors.badRequest("you must specify at least one command for the container");
    const connection = await node();
    if (phase === "Succeeded" || phase === "Failed") throw Errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    return { subresource: "exec", namespace, pod: name, container, command, options, start: () => connection.exec(namespace, name, container, command, options) };
  }

  /** The container a pods/log or pods/exec request means: the one named, or the pod's only one. */
  private chooseContainer(pod: KubeObject & { spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] } }, name: string, container: string): string {
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    const all = [...names, ...(pod.spec?.initContainers ?? []).map((c) => c.name)];
    if (!container) {
      if (names.length !== 1) throw Errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`);
      return names[0];
    }
    if (!all.includes(container)) throw Errors.badRequest(`container ${container} is not valid for pod ${name}`);
    return container;
  }

  /** A node's kubelet becomes reachable for pods/log, exec and portforward; returns a function that forgets it. */
  registerNode(nodeName: string, connection: NodeConnection): () => void {
    this.nodeConnections.set(nodeName, connection);
    return () => {
      if (this.nodeConnections.get(nodeName) === connection) this.nodeConnections.delete(nodeName);
    };
  }

  /** GET pods/<name>/log: the container's output from its node's kubelet, streamed with follow. */
  private async serveLog(req: ApiRequest, r: ResourceInfo, namespace: string, name: string): Promise<ApiResponse> {
    if (req.method !== "GET") throw Errors.methodNotAllowed();
    const pod = (await this.store.get(r, namespace, name)) as KubeObject & { spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] } };
    const q = req.query;
    const container = this.chooseContainer(pod, name, q.get("container") ?? "");
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw Errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    const node = await this.nodeConnection(nodeName);
    if (!node) throw Errors.internal(`no connection to the kubelet of node ${nodeName} (is it running?)`);
    const tail = q.get("tailLines");
    const logs = await node.logs(namespace, name, container, {
      previous: q.get("previous") === "true",
      follow: q.get("follow") === "true",
      tailLines: tail !== null && /^\d+$/.test(tail) ? Number(tail) : undefined,
    });
    if ("error" in logs) throw Errors.badRequest(logs.error);
    return {
      status: 200,
      headers: { "content-type": "text/plain" },
      stream: async (write, end) => {
        let stopped = false;
        void (async () => {
          try {
            for await (const chunk of logs) {
              if (stopped) break;
              write(chunk);
            }
          } catch {
            // The container went away mid-stream: end what was sent.
          }
          if (!stopped) end();
        })();
        return () => {
          stopped = true;
        };
      },
    };
  }

  private async serve(req: ApiRequest, t: Target): Promise<ApiResponse> {
    const { resource: r, namespace, name, subresource } = t;
    const verb = this.verb(req, t);
    const scopeNamespace = r.plural === "namespaces" ? name : namespace;
    if (!(await this.rbac.allowed(req.user, { verb, group: r.group, resource: r.plural, subresource, namespace: scopeNamespace, name }))) {
      throw Errors.forbidden(req.user.name, verb, r, scopeNamespace, name);
    }
    const q = req.query;
    const dryRun = q.get("dryRun") === "All";
    if (subresource === "scale" && name) return this.serveScale(req, r, namespace, name, dryRun);
    if (subresource === "binding" && name) return this.serveBinding(req, r, namespace, name, dryRun);
    if (subresource === "token" && name && r.plural === "serviceaccounts") return this.serveTokenRequest(req, namespace!, name, dryRun);
    if (subresource === "log" && name) return this.serveLog(req, r, namespace!, name);
    // What kube-apiserver's upgrade-aware proxy answers a plain request for these.
    if (subresource && STREAMING_SUBRESOURCES.has(subresource)) throw Errors.badRequest("Upgrade request required");
    switch (req.method) {
      case "GET": {
        if (name) {
          if (q.get("watch") === "true" || q.get("watch") === "1") throw Errors.methodNotAllowed();
          const obj = await this.store.get(r, namespace, name);
          return this.objectResponse(req, r, obj, 200);
        }
        const options = this.listOptions(r, q);
        if (q.get("watch") === "true" || q.get("watch") === "1") return this.watchResponse(req, r, namespace, options);
        const list = await this.store.list(r, namespace, options);
        return this.listResponse(req, r, list.items, list.resourceVersion, list.continueToken);
      }
      case "POST": {
        if (name) throw Errors.methodNotAllowed();
        const obj = decodeObject(req.body, req.headers["content-type"]);
        this.checkKind(r, obj);
        const warnings = this.validateFields(req, r, obj);
        await this.admitCreate(r, namespace, obj);
        recordUpdate(r.kind, groupVersion(r), null, obj, this.manager(req), timestamp(this.now()));
        const created = await this.store.create(r, namespace, obj, { dryRun });
        return withWarnings(this.objectResponse(req, r, created, 201), warnings);
      }
      case "PUT": {
        if (!name) throw Errors.methodNotAllowed();
        const obj = decodeObject(req.body, req.headers["content-type"]);
        this.checkKind(r, obj);
        const warnings = this.validateFields(req, r, obj);
        const precondition = obj.metadata?.resourceVersion;
        let attempts = 0;
        const updated = await this.store.modify(
          r,
          namespace,
          name,
          (current) => {
            // The body is used in place; a retry after a lost race decodes it afresh.
            const next = attempts++ === 0 ? obj : decodeObject(req.body, req.headers["content-type"]);
            if (!subresource) this.checkPrivileged(r, next);
            recordUpdate(r.kind, groupVersion(r), current, next, this.manager(req), timestamp(this.now()), subresource);
            // No resourceVersion in the body: an unconditional update.
            next.metadata!.resourceVersion = precondition ?? current.metadata!.resourceVersion;
            return next;
          },
          { subresource, dryRun, deleteWhenFinalized: true },
        );
        return withWarnings(this.objectResponse(req, r, updated, 200), warnings);
      }
      case "PATCH": {
        if (!name) throw Errors.methodNotAllowed();
        const type = mediaType(req.headers["content-type"]);
        if (type === APPLY_TYPE) return this.serverSideApply(req, r, namespace, name, dryRun);
        const patch = decodeBody(req.body, req.headers["content-type"], PATCH_TYPES);
        const patched = await this.store.modify(
          r,
          namespace,
          name,
          (current) => {
            const next = this.options.applyPatch(type, r.kind, current, patch);
            if (!subresource) this.checkPrivileged(r, next);
            recordUpdate(r.kind, groupVersion(r), current, next, this.manager(req), timestamp(this.now()), subresource);
            return next;
          },
          { subresource, dryRun, deleteWhenFinalized: true },
        );
        return this.objectResponse(req, r, patched, 200);
      }
      case "DELETE": {
        if (!name) return this.deleteCollection(req, r, namespace);
        const options = this.deleteOptions(req);
        if (r.plural === "namespaces" && r.group === "") return this.deleteNamespace(req, r, name, { ...options, dryRun });
        const warnings = options.propagationPolicy === undefined && options.orphanDependents === undefined && defaultOrphans(r) ? [JOB_DELETE_WARNING] : [];
        const { object, deleted } = await this.store.delete(r, namespace, name, { ...options, dryRun });
        if (deleted) return withWarnings(json(200, successStatus(r, name, object.metadata?.uid)), warnings);
        // 202 only for the deprecated orphanDependents=false, as kube-apiserver answers.
        return withWarnings(this.objectResponse(req, r, object, options.orphanDependents === false ? 202 : 200), warnings);
      }
      default:
        throw Errors.methodNotAllowed();
    }
  }

  /** --allow-privileged off: a privileged container is Forbidden (422 Invalid, as pod validation says it). */
  private checkPrivileged(r: ResourceInfo, obj: KubeObject): void {
    if (this.options.allowPrivileged || !["", "apps", "batch"].includes(r.group)) return;
    const causes = privilegedCauses(r.kind, obj);
    if (causes.length > 0) throw Errors.invalid(r.kind, r.group, obj.metadata?.name ?? obj.metadata?.generateName ?? "", causes);
  }

  /**
   * fieldValidation: Strict refuses unknown fields (400), Warn (the default) answers with
   * Warning headers, Ignore says nothing. Returns the warnings.
   */
  private validateFields(req: ApiRequest, r: ResourceInfo, obj: KubeObject): string[] {
    const mode = req.query.get("fieldValidation") ?? "Warn";
    if (mode === "Ignore") return [];
    const unknown = unknownFields(groupVersion(r), r.kind, obj);
    if (unknown.length === 0) return [];
    if (mode === "Strict") {
      const list = unknown.map((f) => `unknown field "${f}"`).join(", ");
      throw Errors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${list}`);
    }
    return unknown.map((f) => `unknown field "${f}"`);
  }

  /**
   * POST pods/<name>/binding (what a scheduler does): sets spec.nodeName once. A pod already
   * bound, or being deleted, is a 409 Conflict, as kube-apiserver answers.
   */
  private async serveBinding(req: ApiRequest, r: ResourceInfo, namespace: string | undefined, name: string, dryRun: boolean): Promise<ApiResponse> {
    if (req.method !== "POST") throw Errors.methodNotAllowed();
    const binding = decodeObject(req.body, req.headers["content-type"]) as KubeObject & { target?: { kind?: string; name?: string } };
    const node = binding.target?.name;
    if (!node) throw Errors.invalid("Binding", "", name, [{ reason: "FieldValueRequired", message: "Required value", field: "target.name" }]);
    const conflict = (why: string) => Errors.conflict({ group: "", plural: "pods/binding" }, name, why);
    await this.store.modify(
      r,
      namespace,
      name,
      (pod) => {
        const spec = (pod.spec ?? {}) as { nodeName?: string };
        if (pod.metadata?.deletionTimestamp) throw conflict("pod is being deleted, cannot be assigned to a host");
        if (spec.nodeName) throw conflict(`pod ${name} is already assigned to node "${spec.nodeName}"`);
        const conditions = ((pod.status as { conditions?: unknown[] } | undefined)?.conditions ?? []).filter((c) => (c as { type?: string }).type !== "PodScheduled");
        conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: timestamp(this.now()) });
        return { ...pod, spec: { ...spec, nodeName: node }, status: { ...(pod.status as object), conditions } };
      },
      { dryRun, subresource: "binding" },
    );
    return json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  }

  /**
   * POST serviceaccounts/<name>/token (TokenRequest, `kubectl create token`): a token for the
   * account, bound to a pod when boundObjectRef names one; kube-apiserver's defaults (1 h,
   * the issuer as audience) and limits (at least 10 minutes).
   */
  private async serveTokenRequest(req: ApiRequest, namespace: string, name: string, dryRun: boolean): Promise<ApiResponse> {
    if (req.method !== "POST") throw Errors.methodNotAllowed();
    const tokens = this.options.serviceAccountTokens;
    if (!tokens) throw Errors.badRequest("this server issues no service account tokens (no signing key)");
    const sa = await this.store.get(findResource("", "v1", "serviceaccounts")!, namespace, name);
    const request = decodeObject(req.body, req.headers["content-type"]) as KubeObject & {
      spec?: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } };
    };
    const spec = request.spec ?? {};
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < 600) {
      throw Errors.invalid("TokenRequest", "authentication.k8s.io", name, [{ reason: "FieldValueInvalid", message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`, field: "spec.expirationSeconds" }]);
    }
    if (expirationSeconds > 2 ** 32) {
      throw Errors.invalid("TokenRequest", "authentication.k8s.io", name, [{ reason: "FieldValueInvalid", message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`, field: "spec.expirationSeconds" }]);
    }
    let pod: { name: string; uid: string } | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      if (ref.kind !== "Pod") throw Errors.badRequest(`cannot bind token to object of kind ${JSON.stringify(ref.kind ?? "")}: only Pod is supported here`);
      const bound = await this.store.get(findResource("", "v1", "pods")!, namespace, ref.name ?? "");
      if (ref.uid && ref.uid !== bound.metadata?.uid) throw Errors.conflict({ group: "", plural: "pods" }, ref.name ?? "", `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      if ((bound.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName !== name) throw Errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      pod = { name: bound.metadata!.name!, uid: bound.metadata!.uid! };
    }
    const issued = dryRun
      ? { token: "", expirationTimestamp: new Date(this.now().getTime() + expirationSeconds * 1000) }
      : await tokens.issue({ namespace, serviceAccount: { name, uid: sa.metadata!.uid! }, pod, audiences: spec.audiences, expirationSeconds }, this.now());
    return json(201, {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences: spec.audiences?.length ? spec.audiences : [tokens.issuer], expirationSeconds, boundObjectRef: ref ?? null },
      status: { token: issued.token, expirationTimestamp: timestamp(issued.expirationTimestamp) },
    });
  }

  /** The user a bearer token names, when it is a service account token this server signed; else null. */
  async authenticateToken(token: string): Promise<UserInfo | null> {
    const tokens = this.options.serviceAccountTokens;
    if (!tokens || token.split(".").length !== 3) return null;
    return tokens.authenticate(token, this.now(), async (kind, namespace, name) => {
      try {
        const obj = await this.store.get(findResource("", "v1", kind === "Pod" ? "pods" : "serviceaccounts")!, namespace, name);
        // A pod being deleted no longer vouches for its tokens.
        if (kind === "Pod" && obj.metadata?.deletionTimestamp) return null;
        return obj.metadata?.uid ?? null;
      } catch {
        return null;
      }
    });
  }

  /** The field manager of a write: `?fieldManager=`, else the client's name from its User-Agent. */
  private manager(req: ApiRequest): string {
    const named = req.query.get("fieldManager");
    if (named) return named;
    const agent = req.headers["user-agent"] ?? "unknown";
    return agent.split("/")[0] || "unknown";
  }

  /** PATCH application/apply-patch+yaml: server-side apply, creating the object when missing. */
  /**
   * Admission of a new object, whichever way it comes (POST, or server-side apply of an
   * absent object): privileged containers, the namespace's lifecycle, and for pods the
   * ServiceAccount/Priority/toleration plugins and the kube-api-access volume.
   */
  private async admitCreate(r: ResourceInfo, namespace: string | undefined, obj: KubeObject): Promise<void> {
    this.checkPrivileged(r, obj);
    const ns = namespace ?? obj.metadata?.namespace;
    if (r.namespaced) await this.admitNamespace(r, ns, obj.metadata?.name ?? obj.metadata?.generateName ?? "");
    if (r.plural === "pods" && r.group === "") {
      await admitPod(this.store, obj, ns);
      if (this.options.serviceAccountTokens) await admitServiceAccountVolume(this.store, obj, ns!);
    }
  }

  private async serverSideApply(req: ApiRequest, r: ResourceInfo, namespace: string | undefined, name: string, dryRun: boolean): Promise<ApiResponse> {
    const manager = req.query.get("fieldManager");
    if (!manager) {
      throw Errors.invalid("PatchOptions", "meta.k8s.io", "", [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }]);
    }
    const force = req.query.get("force") === "true";
    const config = decodeBody(req.body, req.headers["content-type"], [APPLY_TYPE]) as KubeObject;
    if (config === null || typeof config !== "object" || Array.isArray(config)) throw Errors.badRequest("the apply configuration must be an object");
    this.checkKind(r, config);
    if (config.metadata?.name && config.metadata.name !== name) throw Errors.badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
    const describe = { group: r.group, plural: r.plural, name };
    let updated: KubeObject;
    try {
      updated = await this.store.modify(
        r,
        namespace,
        name,
        (current) => {
          const next = apply(r.kind, groupVersion(r), current, config, manager, force, timestamp(this.now()), describe);
          this.checkPrivileged(r, next);
          return next;
        },
        { dryRun, deleteWhenFinalized: true },
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404 && err.status.details?.name === name)) throw err;
      // Absent: apply creates it, through the same admission as a POST.
      const obj = apply(r.kind, groupVersion(r), null, { ...config, metadata: { ...config.metadata, name } }, manager, force, timestamp(this.now()), describe);
      await this.admitCreate(r, namespace, obj);
      const created = await this.store.create(r, namespace, obj, { dryRun });
      return this.objectResponse(req, r, created, 201);
    }
    return this.objectResponse(req, r, updated, 200);
  }

  /**
   * The /scale subresource (autoscaling/v1 Scale): a view of spec.replicas, status.replicas
   * and the selector. PUT carries the object's resourceVersion as a precondition; PATCH
   * patches the Scale, then writes its spec.replicas back.
   */
  private async serveScale(req: ApiRequest, r: ResourceInfo, namespace: string | undefined, name: string, dryRun: boolean): Promise<ApiResponse> {
    const toScale = (obj: KubeObject) => {
      const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
      const status = (obj.status ?? {}) as { replicas?: number };
      const m = obj.metadata!;
      return {
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
        spec: { replicas: spec.replicas ?? 1 },
        status: { replicas: status.replicas ?? 0, selector: spec.selector ? this.options.selectorString(spec.selector) : "" },
      };
    };
    const withReplicas = (obj: KubeObject, replicas: unknown, resourceVersion?: string): KubeObject => {
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
        throw Errors.invalid("Scale", "autoscaling", name, [{ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }]);
      }
      return { ...obj, spec: { ...(obj.spec as object), replicas }, metadata: { ...obj.metadata, resourceVersion: resourceVersion ?? obj.metadata!.resourceVersion } };
    };
    if (req.method === "GET") return json(200, toScale(await this.store.get(r, namespace, name)));
    if (req.method === "PUT") {
      const scale = decodeObject(req.body, req.headers["content-type"]) as { spec?: { replicas?: unknown } } & KubeObject;
      const rv = scale.metadata?.resourceVersion;
      const updated = await this.store.modify(r, namespace, name, (current) => withReplicas(current, scale.spec?.replicas, rv), { dryRun });
      return json(200, toScale(updated));
    }
    if (req.method === "PATCH") {
      const type = mediaType(req.headers["content-type"]);
      const patch = decodeBody(req.body, req.headers["content-type"], PATCH_TYPES);
      const updated = await this.store.modify(r, namespace, name, (current) => {
        const patched = this.options.applyPatch(type === "application/strategic-merge-patch+json" ? "application/merge-patch+json" : type, "Scale", toScale(current) as unknown as KubeObject, patch);
        const rv = (patched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        return withReplicas(current, (patched.spec as { replicas?: unknown } | undefined)?.replicas, rv !== current.metadata!.resourceVersion ? rv : undefined);
      }, { dryRun });
      return json(200, toScale(updated));
    }
    throw Errors.methodNotAllowed();
  }

  private listOptions(r: ResourceInfo, q: URLSearchParams): ListOptions {
    const labelSelector = q.get("labelSelector") ?? undefined;
    if (labelSelector) {
      try {
        this.options.matchLabels(labelSelector, {});
      } catch (err) {
        throw Errors.badRequest(`unable to parse requirement: ${(err as Error).message}`);
      }
    }
    const limit = q.get("limit") ? Number(q.get("limit")) : undefined;
    return {
      labelSelector,
      fields: parseFieldSelector(r.plural, q.get("fieldSelector")),
      limit: limit && Number.isFinite(limit) ? limit : undefined,
      continueToken: q.get("continue") ?? undefined,
      resourceVersion: q.get("resourceVersion") ?? undefined,
    };
  }

  /**
   * metav1.DeleteOptions from the query (?gracePeriodSeconds=, ?propagationPolicy=,
   * ?orphanDependents=), then the body (kubectl sends {"kind":"DeleteOptions",…}), whose
   * fields win. Both a policy and orphanDependents, or an unknown policy, is a 422.
   */
  private deleteOptions(req: ApiRequest): StoreDeleteOptions {
    const q = req.query;
    const queryGrace = q.get("gracePeriodSeconds");
    const queryOrphan = q.get("orphanDependents");
    const options: StoreDeleteOptions = {
      gracePeriodSeconds: queryGrace !== null && queryGrace !== "" ? Number(queryGrace) : undefined,
      propagationPolicy: (q.get("propagationPolicy") || undefined) as PropagationPolicy | undefined,
      orphanDependents: queryOrphan !== null && queryOrphan !== "" ? queryOrphan === "true" : undefined,
    };
    if (req.body && req.body.length > 0) {
      const body = decodeBody(req.body, req.headers["content-type"], ["application/json", "application/yaml"]) as {
        preconditions?: { resourceVersion?: string; uid?: string };
        gracePeriodSeconds?: number;
        propagationPolicy?: PropagationPolicy | null;
        orphanDependents?: boolean | null;
      } | null;
      options.resourceVersion = body?.preconditions?.resourceVersion;
      options.uid = body?.preconditions?.uid;
      options.gracePeriodSeconds = body?.gracePeriodSeconds ?? options.gracePeriodSeconds;
      options.propagationPolicy = body?.propagationPolicy ?? options.propagationPolicy;
      options.orphanDependents = body?.orphanDependents ?? options.orphanDependents;
    }
    const policy = options.propagationPolicy;
    if (policy !== undefined && options.orphanDependents !== undefined) {
      throw Errors.invalid("DeleteOptions", "meta.k8s.io", "", [
        { reason: "FieldValueInvalid", message: `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set`, field: "propagationPolicy" },
      ]);
    }
    if (policy !== undefined && !PROPAGATION_POLICIES.includes(policy)) {
      throw Errors.invalid("DeleteOptions", "meta.k8s.io", "", [
        { reason: "FieldValueNotSupported", message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`, field: "propagationPolicy" },
      ]);
    }
    return options;
  }

  /** The object's kind and apiVersion, when given, must be this resource's. */
  private checkKind(r: ResourceInfo, obj: KubeObject): void {
    const expected = groupVersion(r);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw Errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== r.kind) {
      throw Errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
    }
  }

  /** NamespaceLifecycle admission (see namespace-lifecycle.ts). */
  private admitNamespace(r: ResourceInfo, namespace: string | undefined, name: string): Promise<void> {
    return this.namespaces.admit(r, namespace, name);
  }

  /**
   * DELETE of a namespace (the namespace registry's own rules): the first request marks it
   * — deletionTimestamp, status.phase Terminating, and the garbage collector's finalizers as
   * the policy asks — and returns it; the namespace controller then empties it and removes
   * its "kubernetes" finalizer through /finalize, and that update deletes it. Later requests
   * return it as it is while spec.finalizers is not empty.
   */
  private async deleteNamespace(req: ApiRequest, r: ResourceInfo, name: string, options: StoreDeleteOptions): Promise<ApiResponse> {
    if (IMMORTAL_NAMESPACES.has(name)) throw Errors.forbiddenBy(r, name, "this namespace may not be deleted");
    const ns = await this.store.get(r, undefined, name);
    const preconditions = { uid: options.uid ?? ns.metadata!.uid, resourceVersion: options.resourceVersion, dryRun: options.dryRun };
    if (!ns.metadata!.deletionTimestamp) {
      const marked = await this.store.guaranteedUpdate(
        r,
        undefined,
        name,
        (current) => {
          const meta = current.metadata!;
          meta.deletionTimestamp ??= timestamp(this.now());
          current.status = { ...(current.status as object), phase: "Terminating" };
          const finalizers = (meta.finalizers ?? []).filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
          const had = (f: string) => (meta.finalizers ?? []).includes(f);
          const orphan = options.orphanDependents ?? (options.propagationPolicy ? options.propagationPolicy === "Orphan" : had(FINALIZER_ORPHAN));
          const foreground = options.orphanDependents !== undefined ? !options.orphanDependents : options.propagationPolicy ? options.propagationPolicy === "Foreground" : had(FINALIZER_FOREGROUND);
          if (orphan) finalizers.push(FINALIZER_ORPHAN);
          if (foreground) finalizers.push(FINALIZER_FOREGROUND);
          if (finalizers.length !== (meta.finalizers ?? []).length || finalizers.some((f) => !had(f))) meta.finalizers = finalizers;
          return current;
        },
        preconditions,
      );
      return this.objectResponse(req, r, marked, 200);
    }
    if (((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) return this.objectResponse(req, r, ns, 200);
    const { object } = await this.store.delete(r, undefined, name, { ...options, ...preconditions });
    // The namespace registry returns the deleted object itself, not a Status.
    return this.objectResponse(req, r, object, 200);
  }

  private async deleteCollection(req: ApiRequest, r: ResourceInfo, namespace: string | undefined): Promise<ApiResponse> {
    if (!r.verbs.includes("deletecollection")) throw Errors.methodNotAllowed();
    const options = this.listOptions(r, req.query);
    const list = await this.store.list(r, namespace, { labelSelector: options.labelSelector, fields: options.fields });
    const deleteOptions = this.deleteOptions(req);
    const deleted: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const result = await this.store.delete(r, namespace ?? item.metadata?.namespace, item.metadata!.name!, deleteOptions);
        deleted.push(result.object);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return json(200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata: {}, items: deleted });
  }

  private wantsTable(req: ApiRequest): boolean {
    const accept = req.headers["accept"] ?? "";
    return accept.includes("as=Table");
  }

  private objectResponse(req: ApiRequest, r: ResourceInfo, obj: KubeObject, status: number): ApiResponse {
    if (this.wantsTable(req)) {
      const table = this.options.printTable(r.plural, [obj], { now: this.now(), includeObject: req.query.get("includeObject") ?? undefined });
      (table.metadata as Record<string, unknown>) = { resourceVersion: obj.metadata?.resourceVersion };
      return { status, headers: { "content-type": TABLE_TYPE }, body: table };
    }
    return json(status, obj);
  }

  private listResponse(req: ApiRequest, r: ResourceInfo, items: KubeObject[], resourceVersion: string, continueToken?: string): ApiResponse {
    const metadata: Record<string, unknown> = { resourceVersion };
    if (continueToken) metadata.continue = continueToken;
    if (this.wantsTable(req)) {
      const table = this.options.printTable(r.plural, items, { now: this.now(), includeObject: req.query.get("includeObject") ?? undefined });
      table.metadata = metadata;
      return { status: 200, headers: { "content-type": TABLE_TYPE }, body: table };
    }
    return json(200, { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata, items });
  }

  private watchResponse(req: ApiRequest, r: ResourceInfo, namespace: string | undefined, options: ListOptions): ApiResponse {
    const table = this.wantsTable(req);
    const includeObject = req.query.get("includeObject") ?? undefined;
    const timeoutSeconds = Number(req.query.get("timeoutSeconds") ?? "0");
    const bookmarks = req.query.get("allowWatchBookmarks") === "true";
    const render = (e: WatchEventOut): string => {
      if (!table || e.type === "ERROR" || e.type === "BOOKMARK") return serializedEvent(e.type, e.object);
      return JSON.stringify({ type: e.type, object: this.options.printTable(r.plural, [e.object], { now: this.now(), includeObject }) }) + "\n";
    };
    return {
      status: 200,
      headers: { "content-type": table ? TABLE_TYPE : JSON_TYPE, "transfer-encoding": "chunked" },
      stream: async (write, end) => {
        let lastRevision = options.resourceVersion ?? "0";
        const timers: ReturnType<typeof setTimeout>[] = [];
        const stop = await this.store.watch(
          r,
          namespace,
          options,
          (e) => {
            lastRevision = e.object.metadata?.resourceVersion ?? lastRevision;
            write(render(e));
          },
          () => {
            for (const t of timers) clearTimeout(t);
            end();
          },
        );
        if (timeoutSeconds > 0) timers.push(setTimeout(stop, timeoutSeconds * 1000));
        if (bookmarks) {
          const tick = () => {
            write(JSON.stringify({ type: "BOOKMARK", object: { kind: r.kind, apiVersion: groupVersion(r), metadata: { resourceVersion: lastRevision } } }) + "\n");
            timers.push(setTimeout(tick, 30_000));
          };
          timers.push(setTimeout(tick, 30_000));
        }
        return () => {
          for (const t of timers) clearTimeout(t);
          stop();
        };
      },
    };
  }
}

// Watchers of one prefix receive the same shared objects (see ObjectStore.toWatchEvent):
// each event line is serialized once, not once per watcher.
const serialized = new WeakMap<object, Map<string, string>>();

function serializedEvent(type: string, object: object): string {
  let byType = serialized.get(object);
  if (!byType) serialized.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object }) + "\n"));
  return line;
}

/** Adds `Warning: 299 - "…"` headers (kubectl prints them as "Warning: …"). */
function withWarnings(response: ApiResponse, warnings: string[]): ApiResponse {
  if (warnings.length === 0) return response;
  return { ...response, headers: { ...response.headers, warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") } };
}

function json(status: number, body: unknown): ApiResponse {
  return { status, headers: { "content-type": JSON_TYPE }, body };
}
