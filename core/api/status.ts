// metav1.Status errors, with the reasons, codes, messages and details kube-apiserver
// writes, so kubectl prints what users know ("Error from server (NotFound): configmaps
// "x" not found"). Handlers throw ApiError; the server turns it into the Status response.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = "ApiError";
  }

  get code(): number {
    return this.status.code;
  }
}

/** The resource as kube-apiserver names it in messages: "configmaps", "deployments.apps". */
export interface Qualified {
  group: string;
  plural: string;
}

function qualified(r: Qualified): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function failure(code: number, reason: string, message: string, details?: Status["details"]): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code });
}

export const Errors = {
  notFound(r: Qualified, name: string): ApiError {
    return failure(404, "NotFound", `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.plural });
  },
  /** A path the server does not serve. */
  pathNotFound(): ApiError {
    return failure(404, "NotFound", "the server could not find the requested resource", {});
  },
  alreadyExists(r: Qualified, name: string): ApiError {
    return failure(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.plural });
  },
  /** 409 "Operation cannot be fulfilled on …": by default, a stale resourceVersion. */
  conflict(r: Qualified, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ApiError {
    return failure(409, "Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group || undefined, kind: r.plural });
  },
  /** 422: `<Kind>.<group> "name" is invalid: field: message, field: message`. */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const what = group ? `${kind}.${group}` : kind;
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
    const message = `${what} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`;
    return failure(422, "Invalid", message, { name, group: group || undefined, kind, causes });
  },
  badRequest(message: string): ApiError {
    return failure(400, "BadRequest", message);
  },
  methodNotAllowed(): ApiError {
    return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  },
  unsupportedMediaType(): ApiError {
    return failure(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
  },
  tooLarge(): ApiError {
    return failure(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
  },
  unauthorized(): ApiError {
    return failure(401, "Unauthorized", "Unauthorized");
  },
  forbidden(user: string, verb: string, r: Qualified, namespace?: string, name?: string, subresource?: string): ApiError {
    const subject = name ? `${qualified(r)} "${name}"` : qualified(r);
    const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
    const resource = subresource ? `${r.plural}/${subresource}` : r.plural;
    const message = `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${r.group}"${scope}`;
    return failure(403, "Forbidden", message, { name, group: r.group || undefined, kind: r.plural });
  },
  /** 410 Gone: a resourceVersion older than the store keeps. */
  expired(resourceVersion: string, compacted: number): ApiError {
    return failure(410, "Expired", `too old resource version: ${resourceVersion} (${compacted})`);
  },
  /** 403 from admission: `<resource> "name" is forbidden: <why>`. */
  forbiddenBy(r: Qualified, name: string, why: string, causes?: StatusCause[]): ApiError {
    return failure(403, "Forbidden", `${qualified(r)} "${name}" is forbidden: ${why}`, { name, group: r.group || undefined, kind: r.plural, causes });
  },
  namespaceNotFound(namespace: string): ApiError {
    return failure(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
  },
  namespaceTerminating(r: Qualified, name: string, namespace: string): ApiError {
    return Errors.forbiddenBy(r, name, `unable to create new content in namespace ${namespace} because it is being terminated`, [
      { reason: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" },
    ]);
  },
  internal(message: string): ApiError {
    return failure(500, "InternalError", `Internal error occurred: ${message}`);
  },
};

/** A Status for a successful delete (kube-apiserver's answer when it does not return the object). */
export function successStatus(r: Qualified, name: string, uid?: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, group: r.group || undefined, kind: r.plural, uid }, code: 200 };
}
