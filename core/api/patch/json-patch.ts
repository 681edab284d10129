// RFC 6902 JSON Patch (`application/json-patch+json`), as kube-apiserver applies it with the
// evanphx/json-patch library: the operations run in order against a copy of the object, and the
// first one that fails rejects the whole patch (nothing is half applied). Error texts follow that
// library's wording, since kubectl users see them in the Status causes.
import { PatchError, cloneJson, isJsonObject, jsonEqual, setKey, type JsonObject, type JsonValue } from "./index.js";

export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  /** Source location of `move` and `copy`. */
  from?: string;
  /** Required by `add`, `replace` and `test`. */
  value?: JsonValue;
}

/** kube-apiserver refuses longer patches with 413 (a guard against abusive requests). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const OPERATIONS: ReadonlySet<string> = new Set<JsonPatchOperation["op"]>(["add", "remove", "replace", "move", "copy", "test"]);

type Container = JsonObject | JsonValue[];

/** Splits a JSON Pointer (RFC 6901) into unescaped reference tokens; "" is the whole document. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`JSON pointer must be empty or start with a "/": ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => {
      // "~" may only introduce "~0" (a literal "~") or "~1" (a literal "/").
      if (/~(?![01])/.test(token)) throw new PatchError(`invalid JSON pointer escape in ${JSON.stringify(pointer)}`);
      return token.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

/**
 * Applies `patch` (the decoded request body: a list of operations) to `document` and returns
 * the patched copy. Throws PatchError: 400 if the body is not a list of operation objects,
 * 413 if it has too many operations, 422 if an operation does not apply.
 */
export function applyJsonPatch(document: JsonValue, patch: unknown): JsonValue {
  if (!Array.isArray(patch)) throw new PatchError(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`, 400);
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`, 413);
  }
  let result = cloneJson(document);
  for (const operation of patch) {
    if (!isJsonObject(operation)) {
      throw new PatchError(`json: cannot unmarshal ${jsonKind(operation)} into Go value of type jsonpatch.Operation`, 400);
    }
    result = applyOperation(result, operation);
  }
  return result;
}

function applyOperation(doc: JsonValue, operation: JsonObject): JsonValue {
  const op = typeof operation.op === "string" ? operation.op : "unknown";
  if (!OPERATIONS.has(op)) throw new PatchError(`Unexpected kind: ${op}`);
  const path = stringField(operation, "path", op);
  switch (op) {
    case "add":
      return add(doc, path, requiredValue(operation, op), op);
    case "remove":
      return remove(doc, path, op).doc;
    case "replace":
      return replace(doc, path, requiredValue(operation, op));
    case "move": {
      const from = stringField(operation, "from", op);
      if (from === path) return doc;
      // Moving a value into one of its own children would leave it nowhere (RFC 6902 §4.4).
      if (path.startsWith(from + "/")) throw new PatchError(`move operation does not apply: "from" location ${from} is a prefix of "path" ${path}`);
      const taken = remove(doc, from, op);
      return add(taken.doc, path, taken.value, op);
    }
    case "copy": {
      const from = stringField(operation, "from", op);
      const value = lookup(doc, parseJsonPointer(from));
      if (value === undefined) throw new PatchError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      return add(doc, path, cloneJson(value), op);
    }
    case "test":
      test(doc, path, requiredValue(operation, op));
      return doc;
    default:
      throw new PatchError(`Unexpected kind: ${op}`); // unreachable: OPERATIONS was checked
  }
}

function add(doc: JsonValue, path: string, value: JsonValue, op: string): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return value; // adding at the root replaces the document
  const parent = lookupContainer(doc, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1] as string;
  if (parent === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  if (Array.isArray(parent)) {
    parent.splice(insertionIndex(parent, key, path, op), 0, value);
  } else {
    setKey(parent, key, value);
  }
  return doc;
}

function remove(doc: JsonValue, path: string, op: string): { doc: JsonValue; value: JsonValue } {
  const tokens = parseJsonPointer(path);
  const missing = () =>
    op === "move"
      ? new PatchError(`move operation does not apply: doc is missing from path: ${path}: missing value`)
      : new PatchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  if (tokens.length === 0) throw missing(); // there is no parent to remove the document from
  const parent = lookupContainer(doc, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1] as string;
  if (parent === undefined) throw missing();
  if (Array.isArray(parent)) {
    const index = existingIndex(parent, key, path, op);
    const [value] = parent.splice(index, 1);
    return { doc, value: value as JsonValue };
  }
  if (!Object.hasOwn(parent, key)) {
    if (op === "move") throw missing();
    throw new PatchError(`error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`);
  }
  const value = parent[key] as JsonValue;
  delete parent[key];
  return { doc, value };
}

function replace(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return value;
  const parent = lookupContainer(doc, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1] as string;
  if (parent === undefined) throw new PatchError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  if (Array.isArray(parent)) {
    parent[existingIndex(parent, key, path, "replace")] = value;
  } else {
    // Unlike add, replace requires the member to exist already (RFC 6902 §4.3).
    if (!Object.hasOwn(parent, key)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    setKey(parent, key, value);
  }
  return doc;
}

function test(doc: JsonValue, path: string, expected: JsonValue): void {
  const tokens = parseJsonPointer(path);
  if (tokens.length > 0 && lookupContainer(doc, tokens.slice(0, -1)) === undefined) {
    throw new PatchError(`test operation does not apply: is missing path: ${path}: missing value`);
  }
  const actual = lookup(doc, tokens);
  // kube-apiserver's library treats an absent member as equal to an expected null.
  if (actual === undefined ? expected === null : jsonEqual(actual, expected)) return;
  throw new PatchError(`testing value ${path} failed: test failed`);
}

/** The value at `tokens`, or undefined if any step is missing. */
function lookup(doc: JsonValue, tokens: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = parseIndex(token, current.length);
      current = index === undefined ? undefined : current[index];
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, token) ? current[token] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}

function lookupContainer(doc: JsonValue, tokens: string[]): Container | undefined {
  const found = lookup(doc, tokens);
  return Array.isArray(found) || isJsonObject(found) ? found : undefined;
}

/**
 * An array index token. kube-apiserver's json-patch library also accepts negative indices,
 * counted from the end (-1 is the last element), so we do too.
 */
function parseIndex(token: string, length: number): number | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  const resolved = index < 0 ? length + index : index;
  return resolved >= 0 && resolved < length ? resolved : undefined;
}

function existingIndex(array: JsonValue[], token: string, path: string, op: string): number {
  const index = parseIndex(token, array.length);
  if (index === undefined) throw invalidIndex(token, path, op);
  return index;
}

/** Where `add` inserts: 0..length, "-" appends, negative counts from the end of the grown list. */
function insertionIndex(array: JsonValue[], token: string, path: string, op: string): number {
  if (token === "-") return array.length;
  const index = parseIndex(token, array.length + 1);
  if (index === undefined) throw invalidIndex(token, path, op);
  return index;
}

function invalidIndex(token: string, path: string, op: string): PatchError {
  if (!/^-?[0-9]+$/.test(token)) {
    return new PatchError(`error in ${op} for path: '${path}': strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`);
  }
  return new PatchError(`error in ${op} for path: '${path}': Unable to access invalid index: ${token}: invalid index referenced`);
}

function stringField(operation: JsonObject, field: "path" | "from", op: string): string {
  const value = operation[field];
  if (typeof value !== "string") throw new PatchError(`${op} operation does not apply: operation missing ${field} string`);
  return value;
}

function requiredValue(operation: JsonObject, op: string): JsonValue {
  if (!Object.hasOwn(operation, "value")) throw new PatchError(`${op} operation does not apply: operation missing value`);
  return cloneJson(operation.value as JsonValue);
}

/** The JSON type name Go's decoder uses in "cannot unmarshal X into …". */
function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return typeof value === "boolean" ? "bool" : typeof value;
}
