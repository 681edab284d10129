// The API machinery, assembled: the request handler with the Wasm core's label matching,
// the server-side Table printers and the three patch formats. Host-agnostic: the Node host
// serves it over HTTPS, the browser sandbox calls it directly.
import type { Storage } from "../../bindings/storage.js";
import type { Core } from "../index.js";
import { ApiServer, type PatchApplier, type TablePrinter } from "./server.js";
import { ApiError, Errors } from "./status.js";
import { printTable } from "./printers/index.js";
import { PatchError, applyJsonPatch, applyMergePatch, strategicMergePatch, type JsonObject, type JsonValue } from "./patch/index.js";
import type { KubeObject } from "./object-store.js";

export { ApiServer } from "./server.js";
export type { ApiRequest, ApiResponse, UserInfo } from "./server.js";
export { ApiError, Errors } from "./status.js";
export { RESOURCES, findResource } from "./resources.js";

import type { ServiceAccountTokens } from "./service-account-tokens.js";
export { ServiceAccountTokens } from "./service-account-tokens.js";

export interface CreateApiServerOptions {
  storage: Storage;
  core: Core;
  serverAddress?: string;
  /** The Service cluster IP range (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** The NodePort range (default "30000-32767"). */
  nodePortRange?: string;
  /** kube-apiserver's --allow-privileged (default false). */
  allowPrivileged?: boolean;
  /** Service account tokens: TokenRequest, bearer JWTs, kube-api-access volumes (see ApiServerOptions). */
  serviceAccountTokens?: ServiceAccountTokens;
  now?: () => Date;
}

const applyPatch: PatchApplier = (type, kind, original, patch) => {
  try {
    const doc = original as unknown as JsonObject;
    let result: JsonValue;
    if (type === "application/json-patch+json") result = applyJsonPatch(doc, patch as JsonValue);
    else if (type === "application/merge-patch+json") result = applyMergePatch(doc, patch as JsonValue);
    else result = strategicMergePatch(kind, doc, patch as JsonValue);
    if (result === null || typeof result !== "object" || Array.isArray(result)) throw new PatchError("the patched object is not an object", 422);
    return result as unknown as KubeObject;
  } catch (err) {
    if (err instanceof PatchError) {
      if (err.code === 422) throw Errors.invalid(kind, "", (original.metadata?.name as string) ?? "", [{ reason: "FieldValueInvalid", message: err.message }]);
      throw new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: err.message, reason: err.reason, code: err.code });
    }
    throw err;
  }
};

export function createApiServer(options: CreateApiServerOptions): ApiServer {
  return new ApiServer({
    storage: options.storage,
    matchLabels: (selector, labels) => options.core.labels.matches(selector, labels ?? {}),
    selectorString: (selector) => options.core.labels.labelSelectorAsString(selector as never),
    printTable: printTable as unknown as TablePrinter,
    applyPatch,
    serverAddress: options.serverAddress,
    serviceCIDR: options.serviceCIDR,
    nodePortRange: options.nodePortRange,
    allowPrivileged: options.allowPrivileged,
    serviceAccountTokens: options.serviceAccountTokens,
    now: options.now,
  });
}
