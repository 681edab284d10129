// The embedding API's label logic, table-driven from Kubernetes' documented behaviour
// (labels.Parse, Selector.Matches, metav1.LabelSelectorAsSelector, IsQualifiedName,
// IsValidLabelValue, nodeaffinity, Toleration.ToleratesTaint).
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, SelectorError, type Core } from "../../dist/core/index.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

describe("labels.parse", () => {
  it.each([
    ["", ""],
    ["x=a", "x=a"],
    ["x==a", "x==a"],
    ["x!=a", "x!=a"],
    ["x in (b,a,b)", "x in (a,b)"],
    ["x notin ()", "x notin ()"],
    ["!x", "!x"],
    ["x,y", "x,y"],
    ["y, x", "x,y"],
    ["x>1", "x>1"],
    ["x<010", "x<010"],
    ["example.com/key in (v)", "example.com/key in (v)"],
    ["  a  =  b  ", "a=b"],
    ["notin notin (in)", "notin notin (in)"],
  ])("%j → %j", (input, canonical) => {
    expect(core.labels.parse(input)).toBe(canonical);
  });

  it.each([
    ["x=", undefined],
    ["x in", "unable to parse requirement: found '' expected: '('"],
    ["x in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ["=x", "found '=', expected: !, identifier, or 'end of string'"],
    ["x,,y", "found ',', expected: identifier after ','"],
    ["x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ["x>y", "unable to parse requirement: values[0]: Invalid value: \"y\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ])("%j errors as Kubernetes does", (input, message) => {
    if (message === undefined) {
      expect(core.labels.parse(input)).toBe("x=");
      return;
    }
    expect(() => core.labels.parse(input)).toThrow(SelectorError);
    expect(() => core.labels.parse(input)).toThrow(message);
  });
});

describe("labels.matches", () => {
  const set = { app: "web", tier: "frontend", replicas: "3", empty: "" };
  it.each([
    ["app=web", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["app in (web,api)", true],
    ["app notin (web)", false],
    ["missing notin (x)", true],
    ["empty", true],
    ["!empty", false],
    ["!missing", true],
    ["replicas>2", true],
    ["replicas<3", false],
    ["app>1", false],
    ["empty=", true],
    ["empty in ()", true],
    ["app=web,tier=backend", false],
    ["", true],
  ])("%j → %s", (selector, expected) => {
    expect(core.labels.matches(selector, set)).toBe(expected);
  });
});

describe("LabelSelector", () => {
  it.each([
    ["null matches nothing", null, {}, false],
    ["{} matches everything", {}, { a: "b" }, true],
    ["empty lists match everything", { matchLabels: {}, matchExpressions: [] }, {}, true],
    ["matchLabels must all match", { matchLabels: { a: "1", b: "2" } }, { a: "1" }, false],
    ["Exists", { matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "" }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, {}, true],
    ["NotIn matches an absent key", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, {}, true],
  ] as const)("%s", (_, selector, labels, expected) => {
    expect(core.labels.matchesLabelSelector(selector as never, labels)).toBe(expected);
  });

  it("prints LabelSelectorAsSelector(...).String(), keeping duplicate values", () => {
    expect(
      core.labels.labelSelectorAsString({
        matchLabels: { z: "1" },
        matchExpressions: [{ key: "a", operator: "NotIn", values: ["y", "x", "y"] }],
      }),
    ).toBe("a notin (x,y,y),z=1");
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "in", values: ["x"] }] }, '"in" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "a", operator: "DoesNotExist", values: ["x"] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
    [{ matchLabels: { a: "-x" } }, 'values[0][a]: Invalid value: "-x": a valid label must be an empty string'],
    [{ matchLabels: { "": "x" } }, 'key: Invalid value: "": name part must be non-empty'],
  ])("rejects %j", (selector, message) => {
    expect(() => core.labels.matchesLabelSelector(selector, {})).toThrow(message);
  });
});

describe("label key and value validation", () => {
  it.each([
    ["app", []],
    ["app.kubernetes.io/name", []],
    ["a".repeat(63), []],
    ["a".repeat(64), ["name part must be no more than 63 characters"]],
    ["/name", ["prefix part must be non-empty"]],
    ["Example.com/name", ["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]],
  ])("validateKey(%j)", (key, messages) => {
    expect(core.labels.validateKey(key)).toEqual(messages);
  });

  it("validates values", () => {
    expect(core.labels.validateValue("")).toEqual([]);
    expect(core.labels.validateValue("v1.2_3-x")).toEqual([]);
    expect(core.labels.validateValue("a".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(core.labels.validateValue("_a")).toHaveLength(1);
  });
});

describe("nodeAffinity", () => {
  const node = { metadata: { name: "n1", labels: { zone: "a", cpus: "16" } } };
  const terms = (...t: object[]) => ({ nodeSelectorTerms: t });
  it.each([
    ["an empty term list matches no node", terms(), false],
    ["an empty term matches no node", terms({}), false],
    ["terms are ORed", terms({ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }, { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }), true],
    ["requirements are ANDed", terms({ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, { key: "cpus", operator: "Lt", values: ["8"] }] }), false],
    ["Gt compares integers", terms({ matchExpressions: [{ key: "cpus", operator: "Gt", values: ["9"] }] }), true],
    ["an invalid term never matches", terms({ matchExpressions: [{ key: "cpus", operator: "Gt", values: ["nine"] }] }), false],
    ["matchFields on metadata.name", terms({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["n2"] }] }), true],
    ["matchFields needs exactly one value", terms({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1", "n2"] }] }), false],
  ])("%s", (_, selector, expected) => {
    expect(core.nodeAffinity.matches(selector as never, node)).toBe(expected);
  });

  it("combines spec.nodeSelector with required affinity", () => {
    const pod = (nodeSelector: Record<string, string>) => ({ spec: { containers: [], nodeSelector } });
    expect(core.nodeAffinity.podMatches(pod({ zone: "a" }), node)).toBe(true);
    expect(core.nodeAffinity.podMatches(pod({ zone: "b" }), node)).toBe(false);
    expect(core.nodeAffinity.podMatches({ spec: { containers: [] } }, node)).toBe(true);
  });
});

describe("taints", () => {
  const taint = { key: "k", value: "v", effect: "NoSchedule" };
  it.each([
    ["Equal with the same value", { key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }, true],
    ["empty operator means Equal", { key: "k", value: "v" }, true],
    ["Equal with another value", { key: "k", value: "w" }, false],
    ["Exists ignores the value", { key: "k", operator: "Exists" }, true],
    ["empty key with Exists tolerates every key", { operator: "Exists" }, true],
    ["another effect", { key: "k", operator: "Exists", effect: "NoExecute" }, false],
    ["an unknown operator tolerates nothing", { key: "k", operator: "Bogus" }, false],
    ["Gt without the feature gate", { key: "k", operator: "Gt", value: "1" }, false],
  ])("%s", (_, toleration, expected) => {
    expect(core.taints.tolerates(toleration, taint)).toBe(expected);
  });

  it("compares Gt/Lt as integers with the gate on", () => {
    const numeric = { key: "k", value: "10", effect: "NoSchedule" };
    expect(core.taints.tolerates({ key: "k", operator: "Gt", value: "5" }, numeric, { comparisonOperators: true })).toBe(true);
    expect(core.taints.tolerates({ key: "k", operator: "Lt", value: "5" }, numeric, { comparisonOperators: true })).toBe(false);
  });

  it("finds the first untolerated taint among the selected effects", () => {
    const taints = [{ key: "a", effect: "PreferNoSchedule" }, { key: "b", effect: "NoExecute" }, { key: "c", effect: "NoSchedule" }];
    const tolerations = [{ key: "b", operator: "Exists" }];
    expect(core.taints.findUntoleratedTaint(taints, tolerations, { effects: ["NoSchedule", "NoExecute"] })?.key).toBe("c");
    expect(core.taints.findUntoleratedTaint(taints, tolerations)?.key).toBe("a");
    expect(core.taints.tolerationsTolerateTaint(tolerations, taints[1])).toBe(true);
  });
});
