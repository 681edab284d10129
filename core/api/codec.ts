// Request bodies: JSON or YAML (kubectl sends JSON; users' tools may send YAML), bounded in
// size, and always an object. Errors are the 4xx Statuses kube-apiserver gives.
import { parse as parseYaml } from "yaml";
import { Errors } from "./status.js";
import type { KubeObject } from "./object-store.js";
import { KUBERNETES_PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, decodeKubernetesProtobuf } from "./protobuf/index.js";

/** kube-apiserver's default request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: false });

/** The media type without parameters, lower-cased ("application/json"). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** Decodes a body for create/update/patch; `patchTypes` are the extra media types allowed. */
export function decodeBody(body: Uint8Array | undefined, contentType: string | undefined, allowed: readonly string[]): unknown {
  if (!body || body.length === 0) throw Errors.badRequest("the request body is empty");
  if (body.length > MAX_BODY_BYTES) throw Errors.tooLarge();
  const type = mediaType(contentType) || "application/json";
  if (!allowed.includes(type)) throw Errors.unsupportedMediaType();
  if (type === KUBERNETES_PROTOBUF_CONTENT_TYPE) {
    // What kubectl's typed clients (create deployment|configmap|secret …) send.
    try {
      return decodeKubernetesProtobuf(body);
    } catch (err) {
      if (err instanceof ProtobufDecodeError) throw Errors.badRequest(err.message);
      throw err;
    }
  }
  const text = decoder.decode(body);
  if (type === "application/yaml" || type === "application/apply-patch+yaml") {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      throw Errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** The body as an object to store (not an array, string or null). */
export function decodeObject(body: Uint8Array | undefined, contentType: string | undefined): KubeObject {
  const value = decodeBody(body, contentType, ["application/json", "application/yaml", KUBERNETES_PROTOBUF_CONTENT_TYPE]);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw Errors.badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  }
  const obj = value as KubeObject;
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== "object" || Array.isArray(obj.metadata))) {
    throw Errors.badRequest("metadata must be an object");
  }
  return obj;
}
