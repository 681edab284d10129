// The three PATCH bodies kube-apiserver accepts for built-in kinds, as pure functions over
// JSON values so every host (Node server, browser sim) applies them the same way:
//   application/json-patch+json           → applyJsonPatch      (RFC 6902)
//   application/merge-patch+json          → applyMergePatch     (RFC 7386)
//   application/strategic-merge-patch+json → strategicMergePatch (Kubernetes SMP)
// None of them mutates its inputs. Server-side apply (application/apply-patch+yaml) is not here.

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Why kube-apiserver would refuse the patch. `code` and `reason` are the HTTP status and
 * metav1.Status reason it answers with:
 * - 400 BadRequest: the patch body is malformed (not a list of operations, a directive of the
 *   wrong shape, e.g. `invalid patch format of retainKeys`).
 * - 422 Invalid: the patch is well formed but does not apply to this object (a JSON Patch path
 *   that is missing, a failed `test`, a list entry without its merge key). kube-apiserver puts a
 *   generic message in the Status and this text in `details.causes`; the server decides.
 * - 413 RequestEntityTooLarge: more JSON Patch operations than kube-apiserver allows.
 * - 415 UnsupportedMediaType: strategic merge patch for a kind without SMP metadata (as for CRs).
 */
export class PatchError extends Error {
  override readonly name = "PatchError";
  constructor(
    message: string,
    readonly code: 400 | 413 | 415 | 422 = 422,
    readonly reason: "BadRequest" | "Invalid" | "RequestEntityTooLarge" | "UnsupportedMediaType" = reasonFor(code),
  ) {
    super(message);
  }
}

function reasonFor(code: number): PatchError["reason"] {
  if (code === 400) return "BadRequest";
  if (code === 413) return "RequestEntityTooLarge";
  if (code === 415) return "UnsupportedMediaType";
  return "Invalid";
}

// Shared by the three patch modules (they import them from here; only function declarations
// and a class used at call time, so the import cycle with this file is harmless).

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy, so results never share nested objects with the caller's inputs. */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  if (isJsonObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setKey(copy, key, cloneJson(item));
    return copy as T;
  }
  return value;
}

/**
 * `object[key] = value` that stays a plain data property even for the key "__proto__"
 * (JSON.parse makes it an own key; plain assignment would change the prototype instead).
 */
export function setKey(object: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** JSON equality: object key order does not matter, array order does. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key] as JsonValue, b[key] as JsonValue));
  }
  return false;
}

export { applyJsonPatch, parseJsonPointer, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOperation } from "./json-patch.js";
export { applyMergePatch } from "./merge-patch.js";
export {
  strategicMergePatch,
  strategicMergePatchWithSchema,
  supportsStrategicMergePatch,
  SMP_KINDS,
  SMP_STRUCTS,
  type FieldPatchMeta,
  type StructPatchMeta,
} from "./strategic-merge.js";
