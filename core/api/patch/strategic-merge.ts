// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`): what `kubectl
// apply` (client side), `kubectl patch`, `set image`, `rollout restart`, `edit`… send for
// built-in kinds. It is a JSON merge patch that knows, per field, whether a list is replaced
// whole (the default) or merged: lists of objects entry by entry using a merge key, lists of
// primitives as sets. That knowledge comes from the `patchStrategy`/`patchMergeKey` tags of
// k8s.io/api, transcribed below as data (SMP_STRUCTS) so server and browser share one table.
import { PatchError, cloneJson, isJsonObject, jsonEqual, setKey, type JsonObject, type JsonValue } from "./index.js";

// ---------------------------------------------------------------------------------------------
// Schema: the patch metadata of built-in types (k8s.io/api v0.32). Fields not listed are plain:
// objects merge key by key (labels, annotations, data, nodeSelector, resources.limits…) and
// lists are atomic (tolerations, args, command, taints, affinity terms…).

export interface FieldPatchMeta {
  /** The struct (a key of the struct table) the field holds, or each element holds for a list. */
  readonly type?: string;
  /**
   * `merge`: a list merges (objects by `mergeKey`, primitives as a set).
   * `replace`: even an object is replaced whole (PodDisruptionBudget's selector).
   * Absent: objects merge, lists are replaced whole.
   */
  readonly strategy?: "merge" | "replace";
  readonly mergeKey?: string;
  /**
   * Kubernetes' `retainKeys` strategy: where kubectl sends `$retainKeys` (a volume's source, a
   * Deployment's strategy). Informational: like Kubernetes, the directive is honoured anywhere.
   */
  readonly retainKeys?: boolean;
}

/** Field name → patch metadata, for one struct. */
export type StructPatchMeta = Readonly<Record<string, FieldPatchMeta>>;

const byName = { strategy: "merge", mergeKey: "name" } as const;
const byType = { strategy: "merge", mergeKey: "type" } as const;
const containers = { ...byName, type: "Container" } as const;

export const SMP_STRUCTS: Readonly<Record<string, StructPatchMeta>> = {
  ObjectMeta: {
    ownerReferences: { strategy: "merge", mergeKey: "uid" },
    finalizers: { strategy: "merge" },
  },
  PodTemplateSpec: { metadata: { type: "ObjectMeta" }, spec: { type: "PodSpec" } },
  PodSpec: {
    containers,
    initContainers: containers,
    ephemeralContainers: containers,
    volumes: { ...byName, retainKeys: true },
    imagePullSecrets: byName,
    hostAliases: { strategy: "merge", mergeKey: "ip" },
    topologySpreadConstraints: { strategy: "merge", mergeKey: "topologyKey" },
    schedulingGates: byName,
    resourceClaims: { ...byName, retainKeys: true },
  },
  // Also EphemeralContainer, whose common fields carry the same tags.
  Container: {
    ports: { strategy: "merge", mergeKey: "containerPort" },
    env: byName,
    volumeMounts: { strategy: "merge", mergeKey: "mountPath" },
    volumeDevices: { strategy: "merge", mergeKey: "devicePath" },
  },
  PodStatus: {
    conditions: byType,
    podIPs: { strategy: "merge", mergeKey: "ip" },
    hostIPs: { strategy: "merge", mergeKey: "ip" },
    resourceClaimStatuses: { ...byName, retainKeys: true },
  },
  /** Every status whose only merged list is `conditions` (keyed by type). */
  StatusWithConditions: { conditions: byType },

  Pod: { metadata: { type: "ObjectMeta" }, spec: { type: "PodSpec" }, status: { type: "PodStatus" } },
  PodTemplate: { metadata: { type: "ObjectMeta" }, template: { type: "PodTemplateSpec" } },
  /** ReplicaSet, StatefulSet, DaemonSet, ReplicationController: only the pod template is special. */
  WorkloadSpec: { template: { type: "PodTemplateSpec" } },
  Workload: { metadata: { type: "ObjectMeta" }, spec: { type: "WorkloadSpec" }, status: { type: "StatusWithConditions" } },
  DeploymentSpec: { template: { type: "PodTemplateSpec" }, strategy: { retainKeys: true } },
  Deployment: { metadata: { type: "ObjectMeta" }, spec: { type: "DeploymentSpec" }, status: { type: "StatusWithConditions" } },
  Job: { metadata: { type: "ObjectMeta" }, spec: { type: "WorkloadSpec" }, status: { type: "StatusWithConditions" } },
  JobTemplateSpec: { metadata: { type: "ObjectMeta" }, spec: { type: "WorkloadSpec" } },
  CronJob: { metadata: { type: "ObjectMeta" }, spec: { type: "CronJobSpec" } },
  CronJobSpec: { jobTemplate: { type: "JobTemplateSpec" } },

  Service: { metadata: { type: "ObjectMeta" }, spec: { type: "ServiceSpec" }, status: { type: "StatusWithConditions" } },
  ServiceSpec: { ports: { strategy: "merge", mergeKey: "port" } },
  ServiceAccount: { metadata: { type: "ObjectMeta" }, secrets: byName },
  Node: { metadata: { type: "ObjectMeta" }, spec: { type: "NodeSpec" }, status: { type: "NodeStatus" } },
  NodeSpec: { podCIDRs: { strategy: "merge" } },
  NodeStatus: { addresses: byType, conditions: byType },
  /** Namespace, PersistentVolumeClaim, HorizontalPodAutoscaler (autoscaling/v2). */
  ObjectWithConditions: { metadata: { type: "ObjectMeta" }, status: { type: "StatusWithConditions" } },
  ComponentStatus: { metadata: { type: "ObjectMeta" }, conditions: byType },
  PodDisruptionBudget: {
    metadata: { type: "ObjectMeta" },
    spec: { type: "PodDisruptionBudgetSpec" },
    status: { type: "StatusWithConditions" },
  },
  PodDisruptionBudgetSpec: { selector: { strategy: "replace" } },
  CSINode: { metadata: { type: "ObjectMeta" }, spec: { type: "CSINodeSpec" } },
  CSINodeSpec: { drivers: byName },
  /** Kinds whose own fields are all plain (every list atomic): only ObjectMeta is special. */
  MetadataOnly: { metadata: { type: "ObjectMeta" } },
};

/**
 * Kind → the struct of SMP_STRUCTS describing the whole object. Kinds not listed (custom
 * resources above all) get 415, as kube-apiserver answers for CRs.
 */
export const SMP_KINDS: Readonly<Record<string, string>> = {
  Pod: "Pod",
  PodTemplate: "PodTemplate",
  Deployment: "Deployment",
  ReplicaSet: "Workload",
  StatefulSet: "Workload",
  DaemonSet: "Workload",
  ReplicationController: "Workload",
  Job: "Job",
  CronJob: "CronJob",
  Service: "Service",
  ServiceAccount: "ServiceAccount",
  Node: "Node",
  Namespace: "ObjectWithConditions",
  PersistentVolumeClaim: "ObjectWithConditions",
  HorizontalPodAutoscaler: "ObjectWithConditions",
  ComponentStatus: "ComponentStatus",
  PodDisruptionBudget: "PodDisruptionBudget",
  CSINode: "CSINode",
  ...Object.fromEntries(
    [
      "ConfigMap",
      "Secret",
      "Endpoints",
      "EndpointSlice",
      "Event",
      "LimitRange",
      "ResourceQuota",
      "PersistentVolume",
      "Ingress",
      "IngressClass",
      "NetworkPolicy",
      "Role",
      "ClusterRole",
      "RoleBinding",
      "ClusterRoleBinding",
      "StorageClass",
      "CSIDriver",
      "VolumeAttachment",
      "PriorityClass",
      "RuntimeClass",
      "Lease",
      "ControllerRevision",
    ].map((kind) => [kind, "MetadataOnly"]),
  ),
};

export function supportsStrategicMergePatch(kind: string): boolean {
  return Object.hasOwn(SMP_KINDS, kind);
}

// ---------------------------------------------------------------------------------------------
// Applying a patch.

const PATCH_DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER = "$setElementOrder/";

/**
 * Applies a strategic merge patch to `original`, an object of the built-in `kind` (e.g.
 * "Deployment"), and returns the patched copy. Throws PatchError: 415 for a kind without patch
 * metadata, 400 for a malformed directive, 422 for a list entry lacking its merge key.
 */
export function strategicMergePatch(kind: string, original: JsonObject, patch: JsonValue): JsonObject {
  if (!supportsStrategicMergePatch(kind)) {
    throw new PatchError(
      "the body of the request was in an unknown format - accepted media types include: " +
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      415,
    );
  }
  return strategicMergePatchWithSchema(SMP_STRUCTS, SMP_KINDS[kind], original, patch);
}

/** The same, with a caller-supplied struct table and root struct (undefined: no special fields). */
export function strategicMergePatchWithSchema(
  structs: Readonly<Record<string, StructPatchMeta>>,
  rootStruct: string | undefined,
  original: JsonObject,
  patch: JsonValue,
): JsonObject {
  if (!isJsonObject(patch)) throw new PatchError("invalid JSON document", 400);
  // Merge into a private copy; patch values are copied as they are taken.
  return mergeObject(structs, cloneJson(original), patch, rootStruct);
}

type Structs = Readonly<Record<string, StructPatchMeta>>;

const PLAIN: FieldPatchMeta = {};

function fieldMeta(structs: Structs, struct: string | undefined, field: string): FieldPatchMeta {
  const fields = struct !== undefined && Object.hasOwn(structs, struct) ? structs[struct] : undefined;
  return fields && Object.hasOwn(fields, field) ? (fields[field] as FieldPatchMeta) : PLAIN;
}

/** Merges `patch` into `target` (our own copy, modified in place) and returns the result. */
function mergeObject(structs: Structs, target: JsonObject, patch: JsonObject, struct: string | undefined): JsonObject {
  if (Object.hasOwn(patch, PATCH_DIRECTIVE)) {
    const directive = patch[PATCH_DIRECTIVE];
    if (directive === "delete") return {};
    if (directive === "replace") {
      const { [PATCH_DIRECTIVE]: _, ...replacement } = patch;
      return mergeObject(structs, {}, replacement, struct); // merging into {} drops nulls and directives
    }
    if (directive !== "merge") throw unknownPatchType(directive, patch);
  }
  applyRetainKeys(target, patch);
  const ordered = applySetElementOrders(structs, target, patch, struct);

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$") && isDirectiveKey(key)) continue;
    if (ordered.has(key)) continue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    setKey(target, key, mergeField(structs, current, value, fieldMeta(structs, struct, key)));
  }

  // Deletions come last, so they also remove what a list merge above may have added.
  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    if (!Array.isArray(values)) throw new PatchError("invalid patch format of primitive list", 400);
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    const list = target[field];
    if (Array.isArray(list)) setKey(target, field, list.filter((item) => !values.some((value) => jsonEqual(value, item))));
  }
  return target;
}

function isDirectiveKey(key: string): boolean {
  return (
    key === PATCH_DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
  );
}

/** Merges one field's patch value (never null) into its current value. */
function mergeField(structs: Structs, current: JsonValue | undefined, value: JsonValue, meta: FieldPatchMeta): JsonValue {
  if (Array.isArray(value)) {
    if (meta.strategy === "merge") return mergeList(structs, Array.isArray(current) ? current : [], value, meta);
    return cloneJson(value); // atomic list
  }
  if (isJsonObject(value)) {
    // A value of another type (or a `replace` field) is replaced, but still cleaned of directives.
    const base = meta.strategy !== "replace" && isJsonObject(current) ? current : {};
    return mergeObject(structs, base, value, meta.type);
  }
  return value;
}

/** `$retainKeys: [...]`: drop every key of the target not listed, before merging the rest. */
function applyRetainKeys(target: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retained = patch[RETAIN_KEYS];
  if (!Array.isArray(retained)) throw new PatchError("invalid patch format of retainKeys", 400);
  const keep = new Set(retained.filter((key): key is string => typeof key === "string"));
  // A patch that sets a key it does not retain contradicts itself.
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !isDirectiveKey(key) && !keep.has(key)) throw new PatchError("invalid patch format of retainKeys", 400);
  }
  for (const key of Object.keys(target)) if (!keep.has(key)) delete target[key];
}

/**
 * `$setElementOrder/<list>`: merge that list (if patched) and put its entries in the given
 * order; entries the order does not mention keep their place relative to the others.
 * Returns the list fields it merged, so the main loop skips them.
 */
function applySetElementOrders(structs: Structs, target: JsonObject, patch: JsonObject, struct: string | undefined): Set<string> {
  const merged = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!Array.isArray(order)) throw new PatchError("invalid patch format of setElementOrder list", 400);
    const field = key.slice(SET_ELEMENT_ORDER.length);
    const meta = fieldMeta(structs, struct, field);
    const identity = identityFor(meta.mergeKey);
    const patchList = Object.hasOwn(patch, field) ? patch[field] : undefined;
    const current = Object.hasOwn(target, field) ? target[field] : undefined;
    const original = Array.isArray(current) ? current : [];
    let list: JsonValue[];
    if (Array.isArray(patchList)) {
      checkOrderCoversPatch(patchList, order, identity);
      list = mergeField(structs, current, patchList, meta) as JsonValue[];
    } else if (patchList === undefined && Array.isArray(current)) {
      list = current;
    } else {
      continue; // the list is deleted (null) or not a list: nothing to order
    }
    setKey(target, field, interleave(list, order, original, identity));
    merged.add(field);
  }
  return merged;
}

/** The patched entries must appear in the order list, in the same relative order. */
function checkOrderCoversPatch(patchList: JsonValue[], order: JsonValue[], identity: Identity): void {
  const wanted = patchList.filter((item) => !(isJsonObject(item) && Object.hasOwn(item, PATCH_DIRECTIVE))).map(identity);
  let matched = 0;
  for (const item of order) if (matched < wanted.length && identity(item) === wanted[matched]) matched++;
  if (matched < wanted.length) {
    throw new PatchError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`,
      400,
    );
  }
}

/** Merges a `patchStrategy: merge` list. `original` is our own copy. */
function mergeList(structs: Structs, original: JsonValue[], patch: JsonValue[], meta: FieldPatchMeta): JsonValue[] {
  if (patch.some((item) => Array.isArray(item))) throw new PatchError("lists of lists are not supported", 422);
  if (patch.length === 0) return original; // an empty patch list changes nothing in a merged list
  const identity = identityFor(meta.mergeKey);
  if (!patch.some(isJsonObject)) {
    // Primitives (finalizers, podCIDRs): a set union; patched values lead, see interleave.
    const union = [...original, ...patch].filter((item, i, all) => all.findIndex((other) => jsonEqual(other, item)) === i);
    return interleave(union, patch, original, identity);
  }
  const mergeKey = meta.mergeKey;
  if (mergeKey === undefined) throw new PatchError("cannot merge lists without merge key", 422);

  let items = [...original]; // `original` itself stays as it was: interleave needs its order
  const entries: JsonObject[] = [];
  let replaceWhole = false;
  for (const item of patch) {
    if (!isJsonObject(item)) throw new PatchError(`expected a map, but received ${goFormat(item)}`, 400);
    if (!Object.hasOwn(item, PATCH_DIRECTIVE)) {
      entries.push(item);
      continue;
    }
    const directive = item[PATCH_DIRECTIVE];
    if (directive === "delete") {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      items = items.filter((existing) => !sameKey(existing, item, mergeKey));
    } else if (directive === "replace") {
      replaceWhole = true; // `{"$patch": "replace"}`: the other entries become the whole list
    } else if (directive === "merge") {
      throw new PatchError("merging lists cannot yet be specified in the patch", 400);
    } else {
      throw unknownPatchType(directive, item);
    }
  }
  if (replaceWhole) return entries.map((entry) => mergeObject(structs, {}, entry, meta.type));

  for (const entry of entries) {
    if (!Object.hasOwn(entry, mergeKey)) throw noMergeKey(entry, mergeKey);
    const index = items.findIndex((existing) => sameKey(existing, entry, mergeKey));
    if (index >= 0) items[index] = mergeObject(structs, items[index] as JsonObject, entry, meta.type);
    else items.push(mergeObject(structs, {}, entry, meta.type));
  }
  return interleave(items, entries, original, identity);
}

function sameKey(existing: JsonValue, entry: JsonObject, mergeKey: string): boolean {
  return isJsonObject(existing) && Object.hasOwn(existing, mergeKey) && jsonEqual(existing[mergeKey] as JsonValue, entry[mergeKey] as JsonValue);
}

/** What identifies a list entry: its merge key's value, or the whole value for primitives. */
type Identity = (item: JsonValue) => string | undefined;

function identityFor(mergeKey: string | undefined): Identity {
  if (mergeKey === undefined) return (item) => JSON.stringify(item);
  return (item) => (isJsonObject(item) && Object.hasOwn(item, mergeKey) ? JSON.stringify(item[mergeKey]) : undefined);
}

/**
 * Orders a merged list as Kubernetes does: entries named in `wanted` (the patch, or a
 * `$setElementOrder` list) follow that order; the others keep their order in `original`; the two
 * runs are woven together by position in `original`, so a server-only entry stays in front of the
 * patched entries it preceded, and new entries follow the patched entry before them.
 */
function interleave(list: JsonValue[], wanted: JsonValue[], original: JsonValue[], identity: Identity): JsonValue[] {
  const wantedRank = rankBy(wanted, identity);
  const originalRank = rankBy(original, identity);
  const rank = (ranks: Map<string, number>, item: JsonValue) => {
    const id = identity(item);
    return id === undefined ? undefined : ranks.get(id);
  };
  const byRank = (ranks: Map<string, number>) => (a: JsonValue, b: JsonValue) =>
    (rank(ranks, a) ?? Infinity) - (rank(ranks, b) ?? Infinity);
  const patched = list.filter((item) => rank(wantedRank, item) !== undefined).sort(byRank(wantedRank));
  const serverOnly = list.filter((item) => rank(wantedRank, item) === undefined).sort(byRank(originalRank));

  const result: JsonValue[] = [];
  let s = 0;
  let p = 0;
  while (s < serverOnly.length || p < patched.length) {
    if (p >= patched.length) {
      result.push(serverOnly[s++] as JsonValue);
    } else if (s >= serverOnly.length) {
      result.push(patched[p++] as JsonValue);
    } else {
      const serverPosition = rank(originalRank, serverOnly[s] as JsonValue);
      const patchedPosition = rank(originalRank, patched[p] as JsonValue);
      const serverFirst = serverPosition !== undefined && patchedPosition !== undefined && serverPosition < patchedPosition;
      result.push((serverFirst ? serverOnly[s++] : patched[p++]) as JsonValue);
    }
  }
  return result;
}

function rankBy(list: JsonValue[], identity: Identity): Map<string, number> {
  const ranks = new Map<string, number>();
  list.forEach((item, index) => {
    const id = identity(item);
    if (id !== undefined && !ranks.has(id)) ranks.set(id, index);
  });
  return ranks;
}

function noMergeKey(item: JsonObject, mergeKey: string): PatchError {
  return new PatchError(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`, 422);
}

function unknownPatchType(directive: JsonValue | undefined, item: JsonObject): PatchError {
  return new PatchError(`unknown patch type: ${goFormat(directive ?? null)} in map: ${goFormat(item)}`, 400);
}

/** A value as Go's `%v` prints decoded JSON, so messages read like kube-apiserver's. */
function goFormat(value: JsonValue): string {
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((key) => `${key}:${goFormat(value[key] as JsonValue)}`).join(" ")}]`;
  }
  return String(value);
}
