// Shared helpers for the core test tables: one core per test file, Kubernetes' message
// fragments, and small object builders.
import { loadCore, type Core, type V1Node, type V1NodeSelectorRequirement, type V1NodeSelectorTerm, type V1Pod } from "../../dist/core/index.js";

let shared: Promise<Core> | undefined;

/** One core per test file (vitest runs each file in its own worker). */
export function getCore(): Promise<Core> {
  shared ??= loadCore();
  return shared;
}

// Message fragments from k8s.io/apimachinery/pkg/util/validation (v1.32 wording).
export const QUALIFIED_NAME_REGEX_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
export const NAME_PART_REGEX = "name part " + QUALIFIED_NAME_REGEX_MSG;
export const NAME_PART_EMPTY = "name part must be non-empty";
export const NAME_PART_TOO_LONG = "name part must be no more than 63 characters";
export const PREFIX_PART_EMPTY = "prefix part must be non-empty";
export const PREFIX_PART_TOO_LONG = "prefix part must be no more than 253 characters";
export const PREFIX_PART_REGEX =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const TOO_MANY_SLASHES =
  "a qualified name " + QUALIFIED_NAME_REGEX_MSG + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
export const LABEL_VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
export const LABEL_VALUE_TOO_LONG = "must be no more than 63 characters";
export const GT_LT_NOT_INTEGER = "for 'Gt', 'Lt' operators, the value must be an integer";
export const EXPECTED_OPERATOR = "expected: in, notin, =, ==, !=, gt, lt";

export function nodeWithLabels(labels: Record<string, string> | undefined, name = "node-1"): V1Node {
  return { metadata: { name, labels } };
}

export function namedNode(name: string, labels?: Record<string, string>): V1Node {
  return { metadata: { name, labels } };
}

export function req(key: string, operator: string, values?: string[] | null): V1NodeSelectorRequirement {
  return values === undefined ? { key, operator } : { key, operator, values };
}

export function exprTerm(...matchExpressions: V1NodeSelectorRequirement[]): V1NodeSelectorTerm {
  return { matchExpressions };
}

export function fieldTerm(...matchFields: V1NodeSelectorRequirement[]): V1NodeSelectorTerm {
  return { matchFields };
}

export function podWith(spec: { nodeSelector?: Record<string, string> | null; terms?: V1NodeSelectorTerm[] | null; affinity?: V1Pod["spec"] extends infer S ? S extends { affinity?: infer A } ? A : never : never }): V1Pod {
  const affinity =
    spec.affinity !== undefined
      ? spec.affinity
      : spec.terms !== undefined
        ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: spec.terms } } }
        : undefined;
  return {
    metadata: { name: "pod", namespace: "default" },
    spec: { containers: [{ name: "c", image: "busybox" }], nodeSelector: spec.nodeSelector, affinity },
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
