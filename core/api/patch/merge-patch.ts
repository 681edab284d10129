// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): what `kubectl label`, `annotate`,
// `scale` and `patch --type=merge` send, and what `kubectl apply` sends for custom resources.
// No schema is involved: objects merge member by member, `null` deletes a member, and every
// other value (arrays included, whole) replaces what was there.
import { cloneJson, isJsonObject, setKey, type JsonObject, type JsonValue } from "./index.js";

/** Applies `patch` to `target` and returns the result; neither input is modified. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  // A non-object patch is the new value outright (RFC 7386 §2), arrays included.
  if (!isJsonObject(patch)) return cloneJson(patch);
  const original: JsonObject = isJsonObject(target) ? target : {};
  const result: JsonObject = {};
  // Walk the original first so untouched and patched members keep their order.
  for (const [key, value] of Object.entries(original)) {
    if (!Object.hasOwn(patch, key)) setKey(result, key, cloneJson(value));
    else if (patch[key] !== null) setKey(result, key, applyMergePatch(value, patch[key] as JsonValue));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !Object.hasOwn(original, key)) setKey(result, key, applyMergePatch(undefined, value));
  }
  return result;
}
