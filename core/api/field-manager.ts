// Field ownership (metadata.managedFields) and server-side apply, as kube-apiserver's field
// manager keeps them:
//  - every write names a manager (`?fieldManager=`); an Update takes over the fields it
//    changed, an Apply owns exactly the fields of its configuration;
//  - apply merges the configuration into the live object (lists with a merge key entry by
//    entry, other lists whole), removes fields the manager applied before and no longer
//    does (unless another manager owns them), and refuses (409) to change a field another
//    manager owns to a different value, unless forced — then ownership moves.
// Field paths are fieldsV1 keys: "f:<field>", "k:{<merge key>:<value>}" for an entry of a
// keyed list, "v:<json>" for a member of a set; which lists are keyed comes from the
// strategic-merge schema (patch/strategic-merge.ts).
import { SMP_KINDS, SMP_STRUCTS, strategicMergePatch, type JsonObject, type JsonValue } from "./patch/index.js";
import { ApiError, type StatusCause } from "./status.js";
import type { KubeObject } from "./object-store.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Paths as "\u0000"-joined segments, so they can live in Sets. */
type PathSet = Set<string>;
const SEP = "\u0000";

/** Identity and server-owned fields: never part of anyone's field set. */
const SKIPPED_METADATA = new Set(["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function rootStruct(kind: string): string | undefined {
  return SMP_KINDS[kind];
}

/** The field paths an object sets (its leaves, keyed list entries, set members). */
export function fieldSet(kind: string, obj: KubeObject): PathSet {
  const out: PathSet = new Set();
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind" || key === "status") continue;
    if (key === "metadata" && isObject(value)) {
      for (const [mk, mv] of Object.entries(value)) {
        if (SKIPPED_METADATA.has(mk)) continue;
        collect(mv, SMP_STRUCTS.ObjectMeta?.[mk], [`f:metadata`, `f:${mk}`], out);
      }
      continue;
    }
    const struct = rootStruct(kind);
    collect(value, struct ? SMP_STRUCTS[struct]?.[key] : undefined, [`f:${key}`], out);
  }
  return out;
}

function collect(value: unknown, meta: { type?: string; strategy?: string; mergeKey?: string } | undefined, path: string[], out: PathSet): void {
  if (Array.isArray(value)) {
    if (meta?.strategy === "merge" && meta.mergeKey) {
      for (const item of value) {
        if (!isObject(item) || item[meta.mergeKey] === undefined) continue;
        const itemPath = [...path, `k:${JSON.stringify({ [meta.mergeKey]: item[meta.mergeKey] })}`];
        out.add([...itemPath, "."].join(SEP));
        for (const [k, v] of Object.entries(item)) collect(v, meta.type ? SMP_STRUCTS[meta.type]?.[k] : undefined, [...itemPath, `f:${k}`], out);
      }
    } else if (meta?.strategy === "merge") {
      for (const item of value) out.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
    } else {
      out.add(path.join(SEP));
    }
    return;
  }
  if (isObject(value) && meta?.strategy !== "replace" && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) collect(v, meta?.type ? SMP_STRUCTS[meta.type]?.[k] : undefined, [...path, `f:${k}`], out);
    return;
  }
  out.add(path.join(SEP));
}

/** fieldsV1 (nested objects, "." for an entry itself) ↔ path sets. */
export function toFieldsV1(paths: PathSet): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of [...paths].sort()) {
    let node = root;
    for (const segment of path.split(SEP)) node = (node[segment] ??= {}) as Record<string, unknown>;
  }
  return root;
}

export function fromFieldsV1(tree: Record<string, unknown>, prefix: string[] = [], out: PathSet = new Set()): PathSet {
  for (const [segment, child] of Object.entries(tree)) {
    const path = [...prefix, segment];
    if (isObject(child) && Object.keys(child).length > 0) fromFieldsV1(child, path, out);
    else out.add(path.join(SEP));
  }
  return out;
}

/** The value at a path (undefined when absent). */
function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const segment of path.split(SEP)) {
    if (segment === ".") return cur;
    if (segment.startsWith("f:")) cur = isObject(cur) ? cur[segment.slice(2)] : undefined;
    else if (segment.startsWith("k:")) {
      const key = JSON.parse(segment.slice(2)) as Record<string, unknown>;
      const [k, v] = Object.entries(key)[0];
      cur = Array.isArray(cur) ? cur.find((item) => isObject(item) && JSON.stringify(item[k]) === JSON.stringify(v)) : undefined;
    } else if (segment.startsWith("v:")) {
      const wanted = segment.slice(2);
      return Array.isArray(cur) && cur.some((item) => JSON.stringify(item) === wanted) ? JSON.parse(wanted) : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field at a path from `obj` (in place). */
function removeAt(obj: Record<string, unknown>, path: string): void {
  const segments = path.split(SEP).filter((s) => s !== ".");
  let parent: unknown = obj;
  for (let i = 0; i < segments.length - 1; i++) parent = step(parent, segments[i]);
  const last = segments[segments.length - 1];
  if (last.startsWith("f:") && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => matches(item, last));
    if (index >= 0) parent.splice(index, 1);
  }
}

function step(cur: unknown, segment: string): unknown {
  if (segment.startsWith("f:")) return isObject(cur) ? cur[segment.slice(2)] : undefined;
  return Array.isArray(cur) ? cur.find((item) => matches(item, segment)) : undefined;
}

function matches(item: unknown, segment: string): boolean {
  if (segment.startsWith("v:")) return JSON.stringify(item) === segment.slice(2);
  if (!segment.startsWith("k:") || !isObject(item)) return false;
  const [k, v] = Object.entries(JSON.parse(segment.slice(2)) as Record<string, unknown>)[0];
  return JSON.stringify(item[k]) === JSON.stringify(v);
}

/** ".spec.replicas" / ".spec.template.spec.containers[name="web"].image", as conflicts name fields. */
function describePath(path: string): string {
  return path
    .split(SEP)
    .filter((s) => s !== ".")
    .map((s) => {
      if (s.startsWith("f:")) return `.${s.slice(2)}`;
      if (s.startsWith("k:")) return `[${Object.entries(JSON.parse(s.slice(2)) as Record<string, unknown>).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
      return `[=${s.slice(2)}]`;
    })
    .join("");
}

function entries(obj: KubeObject): ManagedFieldsEntry[] {
  return ((obj.metadata?.managedFields as ManagedFieldsEntry[] | undefined) ?? []).map((e) => ({ ...e }));
}

function withoutEmpty(list: { entry: ManagedFieldsEntry; paths: PathSet }[]): ManagedFieldsEntry[] {
  return list.filter((x) => x.paths.size > 0).map((x) => ({ ...x.entry, fieldsV1: toFieldsV1(x.paths) }));
}

/**
 * An Update by `manager` (create, update, non-apply patch): it takes over every field whose
 * value it set or changed; fields that disappeared leave every manager.
 */
export function recordUpdate(kind: string, apiVersion: string, before: KubeObject | null, after: KubeObject, manager: string, time: string, subresource?: string): void {
  const now = fieldSet(kind, after);
  const previous = before ? fieldSet(kind, before) : new Set<string>();
  const changed = new Set([...now].filter((p) => !previous.has(p) || JSON.stringify(valueAt(before, p)) !== JSON.stringify(valueAt(after, p))));
  const list = entries(before ?? after).map((entry) => ({ entry, paths: fromFieldsV1(entry.fieldsV1 ?? {}) }));
  for (const x of list) for (const p of [...x.paths]) if (changed.has(p) || !now.has(p)) x.paths.delete(p);
  let mine = list.find((x) => x.entry.manager === manager && x.entry.operation === "Update" && (x.entry.subresource ?? "") === (subresource ?? ""));
  if (!mine) list.push((mine = { entry: { manager, operation: "Update", apiVersion, time, fieldsType: "FieldsV1", fieldsV1: {}, ...(subresource ? { subresource } : {}) }, paths: new Set() }));
  for (const p of changed) mine.paths.add(p);
  mine.entry.time = time;
  after.metadata = { ...after.metadata, managedFields: withoutEmpty(list) };
}

/** Server-side apply of `applied` by `manager` onto `live` (null: the object is created). */
export function apply(
  kind: string,
  apiVersion: string,
  live: KubeObject | null,
  applied: KubeObject,
  manager: string,
  force: boolean,
  time: string,
  describe: { group: string; plural: string; name: string },
): KubeObject {
  const config = structuredClone(applied);
  delete (config.metadata ?? {}).managedFields;
  const wanted = fieldSet(kind, config);
  const list = (live ? entries(live) : []).map((entry) => ({ entry, paths: fromFieldsV1(entry.fieldsV1 ?? {}) }));
  const mineIndex = list.findIndex((x) => x.entry.manager === manager && x.entry.operation === "Apply");
  const previouslyMine = mineIndex >= 0 ? list.splice(mineIndex, 1)[0].paths : new Set<string>();

  const conflicts: { manager: string; operation: string; apiVersion: string; path: string }[] = [];
  for (const other of list) {
    for (const p of wanted) {
      if (!other.paths.has(p) || p.endsWith(`${SEP}.`)) continue;
      if (JSON.stringify(valueAt(live, p)) === JSON.stringify(valueAt(config, p))) continue;
      if (force) other.paths.delete(p);
      else conflicts.push({ manager: other.entry.manager, operation: other.entry.operation, apiVersion: other.entry.apiVersion, path: p });
    }
  }
  if (conflicts.length > 0) {
    const causes: StatusCause[] = conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with "${c.manager}"${c.operation === "Update" ? ` using ${c.apiVersion}` : ""}`,
      field: describePath(c.path),
    }));
    const summary = causes.map((c) => `${c.message}: ${c.field}`).join("\n- ");
    const what = describe.group ? `${describe.plural}.${describe.group}` : describe.plural;
    throw new ApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.length > 1 ? `\n- ${summary}` : summary}`,
      reason: "Conflict",
      details: { name: describe.name, group: describe.group || undefined, kind: what, causes },
      code: 409,
    });
  }

  let result: KubeObject;
  if (!live) {
    result = config;
  } else {
    result = strategicMergePatch(kind in SMP_KINDS ? kind : "ConfigMap", live as unknown as JsonObject, stripNulls(config) as JsonValue) as unknown as KubeObject;
    // Fields this manager applied before and no longer does, if nobody else owns them.
    for (const p of previouslyMine) {
      if (wanted.has(p) || list.some((x) => x.paths.has(p))) continue;
      removeAt(result, p);
    }
  }
  list.push({ entry: { manager, operation: "Apply", apiVersion, time, fieldsType: "FieldsV1", fieldsV1: {} }, paths: wanted });
  result.metadata = { ...result.metadata, managedFields: withoutEmpty(list) };
  return result;
}

function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}
