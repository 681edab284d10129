// Required node affinity as the scheduler evaluates it. Facts from
// k8s.io/component-helpers/scheduling/corev1/nodeaffinity (nodeaffinity.go, nodeaffinity_test.go:
// TestNodeSelectorMatch, TestNodeSelectorRequirementsAsSelector,
// TestPodMatchesNodeSelectorAndAffinityTerms) and labels.NewRequirement / Requirement.Matches.
import { beforeAll, describe, expect, it } from "vitest";
import type { Core, V1Node, V1NodeSelector, V1NodeSelectorTerm, V1Pod } from "../../dist/core/index.js";
import { exprTerm, fieldTerm, getCore, namedNode, nodeWithLabels, podWith, req } from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await getCore();
});

interface SelectorCase {
  name: string;
  terms: V1NodeSelectorTerm[] | null | undefined;
  node: V1Node;
  want: boolean;
}

function selectorTable(cases: SelectorCase[]) {
  it.each(cases)("$name", ({ terms, node, want }) => {
    const ns: V1NodeSelector = terms === undefined ? {} : { nodeSelectorTerms: terms };
    expect(core.nodeAffinity.matches(ns, node)).toBe(want);
    const compiled = core.nodeAffinity.compileNodeSelector(ns);
    try {
      expect(compiled.matches(node)).toBe(want);
    } finally {
      compiled.dispose();
    }
  });
}

describe("node selector: term lists", () => {
  selectorTable([
    { name: "a missing term list matches no node", terms: undefined, node: nodeWithLabels({ a: "b" }), want: false },
    { name: "a null term list matches no node", terms: null, node: nodeWithLabels({ a: "b" }), want: false },
    { name: "an empty term list matches no node", terms: [], node: nodeWithLabels({ a: "b" }), want: false },
    { name: "a single empty term matches no node", terms: [{}], node: nodeWithLabels({ a: "b" }), want: false },
    { name: "a term with empty expression and field lists matches no node", terms: [{ matchExpressions: [], matchFields: [] }], node: nodeWithLabels({}), want: false },
    { name: "a term with null lists matches no node", terms: [{ matchExpressions: null, matchFields: null }], node: nodeWithLabels({}), want: false },
    {
      name: "an empty term is skipped and a later matching term still matches",
      terms: [{}, exprTerm(req("a", "Exists"))],
      node: nodeWithLabels({ a: "" }),
      want: true,
    },
    {
      name: "terms are ORed: the second term matches",
      terms: [exprTerm(req("foo", "In", ["bar", "value2"])), exprTerm(req("diffkey", "In", ["wrong", "value2"]))],
      node: nodeWithLabels({ foo: "bar" }),
      want: true,
    },
    {
      name: "terms are ORed: neither term matches",
      terms: [exprTerm(req("foo", "In", ["x"])), exprTerm(req("bar", "Exists"))],
      node: nodeWithLabels({ foo: "bar" }),
      want: false,
    },
    {
      name: "expressions in one term are ANDed and both hold",
      terms: [exprTerm(req("GPU", "Exists"), req("GPU", "NotIn", ["AMD", "INTER"]))],
      node: nodeWithLabels({ GPU: "NVIDIA-GRID-K1" }),
      want: true,
    },
    {
      name: "expressions in one term are ANDed and one fails",
      terms: [exprTerm(req("GPU", "Exists"), req("GPU", "In", ["AMD", "INTER"]))],
      node: nodeWithLabels({ GPU: "NVIDIA-GRID-K1" }),
      want: false,
    },
    { name: "a node without labels fails an In expression", terms: [exprTerm(req("a", "In", ["b"]))], node: nodeWithLabels(undefined), want: false },
  ]);
});

describe("node selector: label operators", () => {
  selectorTable([
    { name: "In matches a listed value", terms: [exprTerm(req("zone", "In", ["a", "b"]))], node: nodeWithLabels({ zone: "b" }), want: true },
    { name: "In does not match an absent label", terms: [exprTerm(req("zone", "In", ["a"]))], node: nodeWithLabels({}), want: false },
    { name: "In of the empty value matches the empty label", terms: [exprTerm(req("zone", "In", [""]))], node: nodeWithLabels({ zone: "" }), want: true },
    { name: "NotIn matches another value", terms: [exprTerm(req("mem-type", "NotIn", ["DDR", "DDR2"]))], node: nodeWithLabels({ "mem-type": "DDR3" }), want: true },
    { name: "NotIn matches a node without the label", terms: [exprTerm(req("mem-type", "NotIn", ["DDR"]))], node: nodeWithLabels({}), want: true },
    { name: "NotIn rejects a listed value", terms: [exprTerm(req("mem-type", "NotIn", ["DDR"]))], node: nodeWithLabels({ "mem-type": "DDR" }), want: false },
    { name: "Exists matches any value", terms: [exprTerm(req("GPU", "Exists"))], node: nodeWithLabels({ GPU: "NVIDIA-GRID-K1" }), want: true },
    { name: "Exists rejects a node without the label", terms: [exprTerm(req("GPU", "Exists"))], node: nodeWithLabels({ gpu: "x" }), want: false },
    { name: "DoesNotExist matches a node without the label", terms: [exprTerm(req("spot", "DoesNotExist"))], node: nodeWithLabels({ a: "b" }), want: true },
    { name: "DoesNotExist rejects a label with the empty value", terms: [exprTerm(req("spot", "DoesNotExist"))], node: nodeWithLabels({ spot: "" }), want: false },
    {
      name: "a label key that looks like a field is still a label",
      terms: [exprTerm(req("metadata.name", "In", ["node-1"]))],
      node: namedNode("node-1", {}),
      want: false,
    },
  ]);
});

describe("node selector: Gt and Lt are strict int64 comparisons", () => {
  const gt = (v: string) => [exprTerm(req("n", "Gt", [v]))];
  const lt = (v: string) => [exprTerm(req("n", "Lt", [v]))];
  selectorTable([
    { name: "Gt matches a node label with leading zeros that is larger", terms: [exprTerm(req("kernel-version", "Gt", ["0204"]))], node: nodeWithLabels({ "kernel-version": "0206" }), want: true },
    { name: "Gt rejects an equal value", terms: gt("5"), node: nodeWithLabels({ n: "5" }), want: false },
    { name: "Gt rejects an equal value written with leading zeros", terms: gt("5"), node: nodeWithLabels({ n: "005" }), want: false },
    { name: "Gt matches a larger value", terms: gt("5"), node: nodeWithLabels({ n: "6" }), want: true },
    { name: "Lt matches a smaller value", terms: lt("7"), node: nodeWithLabels({ n: "6" }), want: true },
    { name: "Lt rejects an equal value", terms: lt("7"), node: nodeWithLabels({ n: "7" }), want: false },
    { name: "Lt compares numerically, not as text", terms: lt("10"), node: nodeWithLabels({ n: "9" }), want: true },
    { name: "Gt compares numerically, not as text", terms: gt("9"), node: nodeWithLabels({ n: "10" }), want: true },
    { name: "Gt rejects a node without the label", terms: gt("0"), node: nodeWithLabels({}), want: false },
    { name: "Lt rejects a node without the label", terms: lt("10"), node: nodeWithLabels({}), want: false },
    { name: "Gt rejects a non-numeric node label", terms: gt("1"), node: nodeWithLabels({ n: "v2" }), want: false },
    { name: "Lt rejects an empty node label", terms: lt("1"), node: nodeWithLabels({ n: "" }), want: false },
    { name: "Lt accepts a negative node label (node labels are not validated)", terms: lt("1"), node: nodeWithLabels({ n: "-5" }), want: true },
    { name: "Gt rejects a node label past int64", terms: gt("1"), node: nodeWithLabels({ n: "9223372036854775808" }), want: false },
    { name: "Lt with the largest int64 threshold matches the value below it", terms: lt("9223372036854775807"), node: nodeWithLabels({ n: "9223372036854775806" }), want: true },
    { name: "Gt with the largest int64 threshold never matches", terms: gt("9223372036854775807"), node: nodeWithLabels({ n: "9223372036854775807" }), want: false },
    { name: "a threshold of zero written as 00 is fine", terms: gt("00"), node: nodeWithLabels({ n: "1" }), want: true },
    { name: "a Gt threshold past int64 makes the term invalid", terms: gt("9223372036854775808"), node: nodeWithLabels({ n: "9223372036854775809" }), want: false },
    { name: "a negative Gt threshold is not a valid label value, so the term never matches", terms: gt("-1"), node: nodeWithLabels({ n: "5" }), want: false },
    { name: "a plus-signed Lt threshold is not a valid label value, so the term never matches", terms: lt("+10"), node: nodeWithLabels({ n: "5" }), want: false },
    { name: "a non-integer Gt threshold makes the term invalid", terms: gt("abc"), node: nodeWithLabels({ n: "5" }), want: false },
    { name: "a decimal Lt threshold makes the term invalid", terms: lt("1.5"), node: nodeWithLabels({ n: "1" }), want: false },
    { name: "Gt with two values makes the term invalid", terms: [exprTerm(req("n", "Gt", ["1", "2"]))], node: nodeWithLabels({ n: "5" }), want: false },
    { name: "Lt with no values makes the term invalid", terms: [exprTerm(req("n", "Lt"))], node: nodeWithLabels({ n: "5" }), want: false },
    { name: "Gt and Lt in one term form a range that holds", terms: [exprTerm(req("n", "Gt", ["1"]), req("n", "Lt", ["5"]))], node: nodeWithLabels({ n: "3" }), want: true },
  ]);
});

describe("node selector: invalid terms never match, but the other terms are still tried", () => {
  const valid = exprTerm(req("ok", "Exists"));
  const node = nodeWithLabels({ ok: "1", foo: "bar", n: "5" });
  selectorTable([
    { name: "In with no values is invalid on its own", terms: [exprTerm(req("foo", "In"))], node, want: false },
    { name: "In with no values is skipped and a later valid term matches", terms: [exprTerm(req("foo", "In", [])), valid], node, want: true },
    { name: "NotIn with no values is invalid even though the label would pass", terms: [exprTerm(req("absent", "NotIn", []))], node, want: false },
    { name: "Exists with values is invalid", terms: [exprTerm(req("foo", "Exists", ["bar", "baz"]))], node, want: false },
    { name: "DoesNotExist with values is invalid", terms: [exprTerm(req("absent", "DoesNotExist", ["x"]))], node, want: false },
    { name: "an invalid key makes the term invalid", terms: [exprTerm(req("invalid key", "In", ["label_value"]))], node: nodeWithLabels({ "invalid key": "label_value" }), want: false },
    {
      name: "an invalid value makes a NotIn term invalid even though the label differs",
      terms: [exprTerm(req("foo", "NotIn", ["invalid value: ___@#$%^"]))],
      node,
      want: false,
    },
    { name: "an unknown operator makes the term invalid", terms: [exprTerm(req("foo", "Equals", ["bar"]))], node, want: false },
    { name: "operators are case-sensitive", terms: [exprTerm(req("foo", "in", ["bar"]))], node, want: false },
    { name: "an invalid requirement poisons the valid requirements of its term", terms: [exprTerm(req("foo", "In", ["bar"]), req("n", "Gt", ["x"]))], node, want: false },
    { name: "an invalid term before a valid one does not stop the match", terms: [exprTerm(req("n", "Gt", ["-1"])), valid], node, want: true },
    { name: "an invalid term after a valid one does not stop the match", terms: [valid, exprTerm(req("n", "Gt", ["-1"]))], node, want: true },
    {
      name: "an invalid matchFields requirement poisons valid expressions in the same term",
      terms: [{ matchExpressions: [req("foo", "In", ["bar"])], matchFields: [req("metadata.name", "In", ["node-1", "node-2"])] }],
      node,
      want: false,
    },
  ]);
});

describe("node selector: matchFields on metadata.name", () => {
  selectorTable([
    { name: "In matches the node's name", terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))], node: namedNode("node_1"), want: true },
    { name: "In rejects another node's name", terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))], node: namedNode("node_2"), want: false },
    { name: "NotIn matches another node's name", terms: [fieldTerm(req("metadata.name", "NotIn", ["node_1"]))], node: namedNode("node_2"), want: true },
    { name: "NotIn rejects the named node", terms: [fieldTerm(req("metadata.name", "NotIn", ["node_1"]))], node: namedNode("node_1"), want: false },
    { name: "matchFields are ignored for a node with an empty name", terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))], node: namedNode(""), want: true },
    { name: "matchFields are ignored for a node with no name", terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))], node: { metadata: { labels: { a: "b" } } }, want: true },
    {
      name: "a node label called metadata.name does not satisfy matchFields",
      terms: [fieldTerm(req("metadata.name", "In", ["other"]))],
      node: namedNode("node-1", { "metadata.name": "other" }),
      want: false,
    },
    { name: "In of the empty name is ignored for a nameless node", terms: [fieldTerm(req("metadata.name", "In", [""]))], node: namedNode(""), want: true },
    { name: "In of the empty name does not match a named node", terms: [fieldTerm(req("metadata.name", "In", [""]))], node: namedNode("n"), want: false },
    { name: "NotIn is ignored for a nameless node", terms: [fieldTerm(req("metadata.name", "NotIn", ["x"]))], node: { metadata: {} }, want: true },
    { name: "In with two values is invalid", terms: [fieldTerm(req("metadata.name", "In", ["host_1", "host_2"]))], node: namedNode("host_1"), want: false },
    { name: "In with two values is invalid even for a nameless node", terms: [fieldTerm(req("metadata.name", "In", ["host_1", "host_2"]))], node: namedNode(""), want: false },
    { name: "NotIn with no values is invalid", terms: [fieldTerm(req("metadata.name", "NotIn", []))], node: namedNode("host_1"), want: false },
    { name: "Exists is not a field operator", terms: [fieldTerm(req("metadata.name", "Exists"))], node: namedNode("host_1"), want: false },
    { name: "Gt is not a field operator", terms: [fieldTerm(req("metadata.name", "Gt", ["1"]))], node: namedNode("host_1"), want: false },
    { name: "a field the node does not have never equals a value", terms: [fieldTerm(req("metadata.uid", "In", ["abc"]))], node: namedNode("host_1"), want: false },
    { name: "a field the node does not have differs from any value, so NotIn holds", terms: [fieldTerm(req("metadata.uid", "NotIn", ["abc"]))], node: namedNode("host_1"), want: true },
    {
      name: "matchFields and matchExpressions in one term are ANDed: fields match, labels do not",
      terms: [{ matchExpressions: [req("label_1", "In", ["label_1_val"])], matchFields: [req("metadata.name", "In", ["host_1"])] }],
      node: namedNode("host_1"),
      want: false,
    },
    {
      name: "matchFields and matchExpressions in one term are ANDed: both match",
      terms: [{ matchExpressions: [req("label_1", "In", ["label_1_val"])], matchFields: [req("metadata.name", "In", ["host_1"])] }],
      node: namedNode("host_1", { label_1: "label_1_val" }),
      want: true,
    },
    {
      name: "matchFields and matchExpressions in one term are ANDed: labels match, fields do not",
      terms: [{ matchExpressions: [req("foo", "In", ["bar"])], matchFields: [req("metadata.name", "In", ["node_1"])] }],
      node: namedNode("node_2", { foo: "bar" }),
      want: false,
    },
    {
      name: "a fields-only term that fails and a labels-only term that matches",
      terms: [fieldTerm(req("metadata.name", "In", ["node_1"])), exprTerm(req("foo", "In", ["bar"]))],
      node: namedNode("node_2", { foo: "bar" }),
      want: true,
    },
    {
      name: "a fields-only term and a labels-only term that both fail",
      terms: [fieldTerm(req("metadata.name", "In", ["node_1"])), exprTerm(req("foo", "In", ["not-match-to-bar"]))],
      node: namedNode("node_2", { foo: "bar" }),
      want: false,
    },
    {
      name: "an invalid fields term, a mismatching term and an invalid key term never match",
      terms: [
        fieldTerm(req("metadata.name", "In", ["host_1", "host_2"])),
        { matchExpressions: [req("label_1", "In", ["label_1_val"])], matchFields: [req("metadata.name", "In", ["host_1"])] },
        exprTerm(req("invalid key", "In", ["label_value"])),
      ],
      node: namedNode("host_1"),
      want: false,
    },
    {
      name: "two field requirements are ANDed",
      terms: [fieldTerm(req("metadata.name", "NotIn", ["a"]), req("metadata.name", "NotIn", ["b"]))],
      node: namedNode("b"),
      want: false,
    },
  ]);
});

interface PodCase {
  name: string;
  pod: V1Pod;
  node: V1Node;
  want: boolean;
}

describe("pod placement: spec.nodeSelector AND required node affinity", () => {
  const cases: PodCase[] = [
    { name: "a pod without a selector or affinity fits any node", pod: podWith({}), node: nodeWithLabels({}), want: true },
    { name: "a pod with an empty nodeSelector map fits any node", pod: podWith({ nodeSelector: {} }), node: nodeWithLabels({}), want: true },
    { name: "a pod without a spec fits any node", pod: { metadata: { name: "p" } }, node: nodeWithLabels({}), want: true },
    { name: "nodeSelector fails on a node without the label", pod: podWith({ nodeSelector: { foo: "bar" } }), node: nodeWithLabels({}), want: false },
    { name: "nodeSelector matches a node with the same label", pod: podWith({ nodeSelector: { foo: "bar" } }), node: nodeWithLabels({ foo: "bar" }), want: true },
    { name: "nodeSelector matches a node whose labels are a superset", pod: podWith({ nodeSelector: { foo: "bar" } }), node: nodeWithLabels({ foo: "bar", baz: "blah" }), want: true },
    { name: "nodeSelector fails when the node has only some of the labels", pod: podWith({ nodeSelector: { foo: "bar", baz: "blah" } }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "nodeSelector with an empty value needs the label with the empty value", pod: podWith({ nodeSelector: { foo: "" } }), node: nodeWithLabels({ foo: "" }), want: true },
    { name: "nodeSelector with an empty value does not match a missing label", pod: podWith({ nodeSelector: { foo: "" } }), node: nodeWithLabels({}), want: false },
    { name: "affinity with an In expression matches", pod: podWith({ terms: [exprTerm(req("foo", "In", ["bar", "value2"]))] }), node: nodeWithLabels({ foo: "bar" }), want: true },
    { name: "affinity that does not match the node's labels", pod: podWith({ terms: [exprTerm(req("foo", "In", ["value1", "value2"]))] }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "affinity with a null term list matches no node", pod: podWith({ terms: null }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "affinity with an empty term list matches no node", pod: podWith({ terms: [] }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "affinity with one term holding an empty expression list matches no node", pod: podWith({ terms: [{ matchExpressions: [] }] }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "an affinity without nodeAffinity does not constrain", pod: podWith({ affinity: {} }), node: nodeWithLabels({}), want: true },
    { name: "a nodeAffinity without a required selector does not constrain", pod: podWith({ affinity: { nodeAffinity: {} } }), node: nodeWithLabels({}), want: true },
    {
      name: "a null required selector does not constrain",
      pod: podWith({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: null } } }),
      node: nodeWithLabels({}),
      want: true,
    },
    {
      name: "preferred terms alone do not constrain",
      pod: podWith({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: exprTerm(req("x", "Exists")) }] } } }),
      node: nodeWithLabels({}),
      want: true,
    },
    {
      name: "nodeSelector and affinity both satisfied",
      pod: podWith({ nodeSelector: { foo: "bar" }, terms: [exprTerm(req("foo", "Exists"))] }),
      node: nodeWithLabels({ foo: "bar" }),
      want: true,
    },
    {
      name: "affinity satisfied but nodeSelector not",
      pod: podWith({ nodeSelector: { foo: "bar" }, terms: [exprTerm(req("foo", "Exists"))] }),
      node: nodeWithLabels({ foo: "barrrrrr" }),
      want: false,
    },
    {
      name: "nodeSelector satisfied but affinity not",
      pod: podWith({ nodeSelector: { foo: "bar" }, terms: [exprTerm(req("zone", "In", ["a"]))] }),
      node: nodeWithLabels({ foo: "bar", zone: "b" }),
      want: false,
    },
    { name: "affinity with an invalid value never matches", pod: podWith({ terms: [exprTerm(req("foo", "NotIn", ["invalid value: ___@#$%^"]))] }), node: nodeWithLabels({ foo: "bar" }), want: false },
    { name: "affinity on the node name matches that node", pod: podWith({ terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))] }), node: namedNode("node_1"), want: true },
    { name: "affinity on the node name rejects another node", pod: podWith({ terms: [fieldTerm(req("metadata.name", "In", ["node_1"]))] }), node: namedNode("node_2"), want: false },
    {
      name: "affinity with a Gt term on a kernel version label",
      pod: podWith({ terms: [exprTerm(req("kernel-version", "Gt", ["0204"]))] }),
      node: nodeWithLabels({ "kernel-version": "0206" }),
      want: true,
    },
  ];

  it.each(cases)("$name", ({ pod, node, want }) => {
    expect(core.nodeAffinity.podMatches(pod, node)).toBe(want);
    const compiled = core.nodeAffinity.compilePod(pod);
    try {
      expect(compiled.matches(node)).toBe(want);
    } finally {
      compiled.dispose();
    }
  });
});

describe("compiled node affinity", () => {
  it("one compiled pod is evaluated against many nodes", () => {
    const pod = podWith({ nodeSelector: { pool: "gpu" }, terms: [exprTerm(req("zone", "In", ["a", "b"])), fieldTerm(req("metadata.name", "In", ["special"]))] });
    const nodes = [
      namedNode("n1", { pool: "gpu", zone: "a" }),
      namedNode("n2", { pool: "gpu", zone: "c" }),
      namedNode("special", { pool: "gpu", zone: "c" }),
      namedNode("special", { pool: "cpu", zone: "a" }),
      namedNode("n5", { zone: "b" }),
    ];
    const compiled = core.nodeAffinity.compilePod(pod);
    expect(nodes.map((n) => compiled.matches(n))).toEqual([true, false, true, false, false]);
    compiled.dispose();
  });

  it("dispose() frees compiled pods and node selectors", () => {
    const before = core.liveHandles();
    const a = core.nodeAffinity.compilePod(podWith({ terms: [exprTerm(req("a", "Exists"))] }));
    const b = core.nodeAffinity.compileNodeSelector({ nodeSelectorTerms: [exprTerm(req("b", "Exists"))] });
    expect(core.liveHandles()).toBe(before + 2);
    a.dispose();
    b.dispose();
    expect(core.liveHandles()).toBe(before);
  });

  it("one-shot calls leave no handles behind", () => {
    const before = core.liveHandles();
    for (let i = 0; i < 50; i++) {
      core.nodeAffinity.matches({ nodeSelectorTerms: [exprTerm(req(`k${i}`, "Exists"))] }, nodeWithLabels({}));
      core.nodeAffinity.podMatches(podWith({ nodeSelector: { [`k${i}`]: "v" } }), nodeWithLabels({}));
    }
    expect(core.liveHandles()).toBe(before);
  });
});
