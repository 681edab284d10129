// metav1.LabelSelectorAsSelector: nil vs empty, String() form, matching, and error texts.
// Facts from k8s.io/apimachinery/pkg/apis/meta/v1 helpers.go / helpers_test.go
// (TestLabelSelectorAsSelector) and labels.NewRequirement (selector.go), v1.32 wording.
import { beforeAll, describe, expect, it } from "vitest";
import { SelectorError, type Core, type LabelSelector } from "../../dist/core/index.js";
import { LABEL_VALUE_REGEX, LABEL_VALUE_TOO_LONG, NAME_PART_EMPTY, NAME_PART_REGEX, TOO_MANY_SLASHES, getCore } from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await getCore();
});

const sel = (s: LabelSelector) => s;
type Labels = Record<string, string> | null;
const expr = (key: string, operator: string, values?: string[] | null) =>
  values === undefined ? { key, operator } : { key, operator, values };

describe("LabelSelectorAsSelector: nil versus empty", () => {
  it.each<{ name: string; selector: LabelSelector | null | undefined; labels: Labels; want: boolean }>([
    { name: "a null selector matches nothing, not even a labelled object", selector: null, labels: { a: "b" }, want: false },
    { name: "a null selector does not even match an object without labels", selector: null, labels: {}, want: false },
    { name: "an undefined selector is nil too and matches nothing", selector: undefined, labels: {}, want: false },
    { name: "an empty selector matches an object with labels", selector: sel({}), labels: { a: "b" }, want: true },
    { name: "an empty selector matches an object without labels", selector: sel({}), labels: {}, want: true },
    { name: "empty matchLabels and matchExpressions still match everything", selector: sel({ matchLabels: {}, matchExpressions: [] }), labels: { x: "y" }, want: true },
    { name: "null matchLabels and matchExpressions still match everything", selector: sel({ matchLabels: null, matchExpressions: null }), labels: {}, want: true },
  ])("$name", ({ selector, labels, want }) => {
    expect(core.labels.matchesLabelSelector(selector, labels)).toBe(want);
  });

  it.each([
    { name: "a null selector prints as the empty string", selector: null },
    { name: "an empty selector prints as the empty string", selector: sel({}) },
    { name: "empty lists print as the empty string", selector: sel({ matchLabels: {}, matchExpressions: [] }) },
  ])("$name", ({ selector }) => {
    expect(core.labels.labelSelectorAsString(selector)).toBe("");
  });
});

describe("LabelSelectorAsSelector: String()", () => {
  it.each([
    { name: "matchLabels become equality requirements", selector: sel({ matchLabels: { foo: "bar" } }), want: "foo=bar" },
    { name: "an In expression prints with sorted values", selector: sel({ matchExpressions: [expr("baz", "In", ["qux", "norf"])] }), want: "baz in (norf,qux)" },
    {
      name: "matchLabels and matchExpressions merge in key order",
      selector: sel({ matchLabels: { foo: "bar" }, matchExpressions: [expr("baz", "In", ["qux", "norf"])] }),
      want: "baz in (norf,qux),foo=bar",
    },
    { name: "several matchLabels sort by key", selector: sel({ matchLabels: { b: "1", c: "3", a: "2" } }), want: "a=2,b=1,c=3" },
    { name: "an empty matchLabels value prints as nothing after the equals sign", selector: sel({ matchLabels: { x: "" } }), want: "x=" },
    { name: "NotIn prints as notin", selector: sel({ matchExpressions: [expr("x", "NotIn", ["b", "a"])] }), want: "x notin (a,b)" },
    { name: "Exists prints as the bare key", selector: sel({ matchExpressions: [expr("x", "Exists")] }), want: "x" },
    { name: "DoesNotExist prints with a bang", selector: sel({ matchExpressions: [expr("x", "DoesNotExist")] }), want: "!x" },
    { name: "Exists with an explicitly empty values list is fine", selector: sel({ matchExpressions: [expr("x", "Exists", [])] }), want: "x" },
    { name: "DoesNotExist with null values is fine", selector: sel({ matchExpressions: [expr("x", "DoesNotExist", null)] }), want: "!x" },
    {
      name: "expressions sort by key with the bang ignored",
      selector: sel({ matchExpressions: [expr("z", "Exists"), expr("a", "DoesNotExist"), expr("m", "NotIn", ["y", "x"])] }),
      want: "!a,m notin (x,y),z",
    },
    { name: "duplicate In values are kept (no de-duplication outside the parser)", selector: sel({ matchExpressions: [expr("x", "In", ["b", "a", "b"])] }), want: "x in (a,b,b)" },
    { name: "an empty In value prints as an empty slot", selector: sel({ matchExpressions: [expr("x", "In", ["b", ""])] }), want: "x in (,b)" },
    { name: "a single empty In value prints as empty parentheses", selector: sel({ matchExpressions: [expr("x", "In", [""])] }), want: "x in ()" },
    {
      name: "a matchLabels requirement comes before an expression on the same key",
      selector: sel({ matchLabels: { x: "a" }, matchExpressions: [expr("x", "Exists")] }),
      want: "x=a,x",
    },
    {
      name: "expressions on the same key keep their order",
      selector: sel({ matchExpressions: [expr("x", "NotIn", ["a"]), expr("x", "Exists"), expr("x", "In", ["b"])] }),
      want: "x notin (a),x,x in (b)",
    },
    { name: "keyword-like keys and values print as given", selector: sel({ matchLabels: { in: "notin" } }), want: "in=notin" },
    {
      name: "a prefixed key sorts by its full text",
      selector: sel({ matchLabels: { z: "1", "app.kubernetes.io/name": "web" } }),
      want: "app.kubernetes.io/name=web,z=1",
    },
  ])("$name", ({ selector, want }) => {
    expect(core.labels.labelSelectorAsString(selector)).toBe(want);
    const compiled = core.labels.compile(selector);
    expect(compiled.toString()).toBe(want);
    compiled.dispose();
  });
});

describe("LabelSelectorAsSelector: many requirements", () => {
  it("twenty matchLabels in scrambled order print sorted by key", () => {
    const entries = Array.from({ length: 20 }, (_, i) => [`key-${(i * 7) % 20}`, `v${i}`] as const);
    const want = [...entries]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    expect(core.labels.labelSelectorAsString({ matchLabels: Object.fromEntries(entries) })).toBe(want);
  });

  it("matchLabels and fifteen expressions with distinct keys interleave by key", () => {
    const matchExpressions = Array.from({ length: 15 }, (_, i) => expr(`e${String.fromCharCode(112 - i)}`, i % 2 ? "Exists" : "DoesNotExist"));
    const s = core.labels.labelSelectorAsString({ matchLabels: { ea: "1", ez: "2" }, matchExpressions });
    const parts = s.split(",");
    expect(parts).toHaveLength(17);
    expect(parts.map((p) => p.replace(/^!/, "").replace(/=.*$/, ""))).toEqual(
      ["ea", ...matchExpressions.map((e) => e.key), "ez"].sort(),
    );
  });
});

describe("LabelSelectorAsSelector: matching", () => {
  it.each<{ name: string; selector: LabelSelector; labels: Labels; want: boolean }>([
    { name: "all matchLabels must match", selector: sel({ matchLabels: { a: "1", b: "2" } }), labels: { a: "1" }, want: false },
    { name: "matchLabels are satisfied by a superset of labels", selector: sel({ matchLabels: { a: "1" } }), labels: { a: "1", b: "2" }, want: true },
    { name: "an empty matchLabels value requires the empty value", selector: sel({ matchLabels: { a: "" } }), labels: { a: "" }, want: true },
    { name: "an empty matchLabels value does not match an absent key", selector: sel({ matchLabels: { a: "" } }), labels: {}, want: false },
    { name: "In requires the key", selector: sel({ matchExpressions: [expr("a", "In", ["x"])] }), labels: {}, want: false },
    { name: "In matches a listed value", selector: sel({ matchExpressions: [expr("a", "In", ["x", "y"])] }), labels: { a: "y" }, want: true },
    { name: "In of the empty value matches the empty value", selector: sel({ matchExpressions: [expr("a", "In", [""])] }), labels: { a: "" }, want: true },
    { name: "NotIn matches an absent key", selector: sel({ matchExpressions: [expr("a", "NotIn", ["x"])] }), labels: {}, want: true },
    { name: "NotIn rejects a listed value", selector: sel({ matchExpressions: [expr("a", "NotIn", ["x"])] }), labels: { a: "x" }, want: false },
    { name: "Exists matches the empty value", selector: sel({ matchExpressions: [expr("a", "Exists")] }), labels: { a: "" }, want: true },
    { name: "Exists rejects an absent key", selector: sel({ matchExpressions: [expr("a", "Exists")] }), labels: { b: "" }, want: false },
    { name: "DoesNotExist matches an absent key", selector: sel({ matchExpressions: [expr("a", "DoesNotExist")] }), labels: { b: "1" }, want: true },
    { name: "DoesNotExist rejects a key with the empty value", selector: sel({ matchExpressions: [expr("a", "DoesNotExist")] }), labels: { a: "" }, want: false },
    {
      name: "matchLabels and matchExpressions are ANDed",
      selector: sel({ matchLabels: { app: "web" }, matchExpressions: [expr("tier", "NotIn", ["db"])] }),
      labels: { app: "web", tier: "db" },
      want: false,
    },
    {
      name: "a matchLabels entry and a conflicting expression never match",
      selector: sel({ matchLabels: { x: "a" }, matchExpressions: [expr("x", "DoesNotExist")] }),
      labels: { x: "a" },
      want: false,
    },
    { name: "a null label set has no labels", selector: sel({ matchExpressions: [expr("a", "DoesNotExist")] }), labels: null, want: true },
  ])("$name", ({ selector, labels, want }) => {
    expect(core.labels.matchesLabelSelector(selector, labels)).toBe(want);
  });
});

describe("LabelSelectorAsSelector: errors", () => {
  const keyErr = (key: string, ...msgs: string[]) => `key: Invalid value: ${JSON.stringify(key)}: ${msgs.join("; ")}`;
  const valueErr = (key: string, i: number, value: string, msg: string) =>
    `values[${i}][${key}]: Invalid value: ${JSON.stringify(value)}: ${msg}`;
  const EMPTY_SET = "for 'in', 'notin' operators, values set can't be empty";
  const MUST_BE_EMPTY = "values set must be empty for exists and does not exist";

  it.each([
    { name: "In without values", selector: sel({ matchExpressions: [expr("x", "In")] }), message: `values: Invalid value: []string(nil): ${EMPTY_SET}` },
    { name: "In with an empty values list", selector: sel({ matchExpressions: [expr("x", "In", [])] }), message: `values: Invalid value: []string(nil): ${EMPTY_SET}` },
    { name: "NotIn with null values", selector: sel({ matchExpressions: [expr("x", "NotIn", null)] }), message: `values: Invalid value: []string(nil): ${EMPTY_SET}` },
    {
      name: "Exists with values",
      selector: sel({ matchExpressions: [expr("baz", "Exists", ["qux", "norf"])] }),
      message: `values: Invalid value: []string{"qux", "norf"}: ${MUST_BE_EMPTY}`,
    },
    {
      name: "DoesNotExist with a single empty value",
      selector: sel({ matchExpressions: [expr("x", "DoesNotExist", [""])] }),
      message: `values: Invalid value: []string{""}: ${MUST_BE_EMPTY}`,
    },
    { name: "the Gt operator is not allowed in a LabelSelector", selector: sel({ matchExpressions: [expr("x", "Gt", ["1"])] }), message: `"Gt" is not a valid label selector operator` },
    { name: "the Lt operator is not allowed in a LabelSelector", selector: sel({ matchExpressions: [expr("x", "Lt", ["1"])] }), message: `"Lt" is not a valid label selector operator` },
    { name: "operators are case-sensitive", selector: sel({ matchExpressions: [expr("x", "in", ["a"])] }), message: `"in" is not a valid label selector operator` },
    { name: "the string-selector spelling = is not an operator here", selector: sel({ matchExpressions: [expr("x", "=", ["a"])] }), message: `"=" is not a valid label selector operator` },
    { name: "an empty operator is rejected", selector: sel({ matchExpressions: [expr("x", "")] }), message: `"" is not a valid label selector operator` },
    { name: "an invalid key in an expression", selector: sel({ matchExpressions: [expr("a/b/c", "Exists")] }), message: keyErr("a/b/c", TOO_MANY_SLASHES) },
    { name: "an empty key in an expression", selector: sel({ matchExpressions: [expr("", "Exists")] }), message: keyErr("", NAME_PART_EMPTY, NAME_PART_REGEX) },
    { name: "an invalid key in matchLabels", selector: sel({ matchLabels: { "-x": "a" } }), message: keyErr("-x", NAME_PART_REGEX) },
    { name: "an invalid value in matchLabels", selector: sel({ matchLabels: { x: "a b" } }), message: valueErr("x", 0, "a b", LABEL_VALUE_REGEX) },
    { name: "a too-long value in matchLabels", selector: sel({ matchLabels: { x: "v".repeat(64) } }), message: valueErr("x", 0, "v".repeat(64), LABEL_VALUE_TOO_LONG) },
    {
      name: "an invalid value in an In list names its position in the given order",
      selector: sel({ matchExpressions: [expr("x", "In", ["ok", "bad-"])] }),
      message: valueErr("x", 1, "bad-", LABEL_VALUE_REGEX),
    },
    {
      name: "two problems in one requirement are reported together",
      selector: sel({ matchExpressions: [expr("-x", "In")] }),
      message: `[${keyErr("-x", NAME_PART_REGEX)}, values: Invalid value: []string(nil): ${EMPTY_SET}]`,
    },
    {
      name: "an unknown operator is reported even when an earlier expression is fine",
      selector: sel({ matchExpressions: [expr("a", "Exists"), expr("b", "Equals", ["c"])] }),
      message: `"Equals" is not a valid label selector operator`,
    },
    {
      name: "matchLabels are checked before matchExpressions",
      selector: sel({ matchLabels: { x: "bad value" }, matchExpressions: [expr("y", "Gt", ["1"])] }),
      message: valueErr("x", 0, "bad value", LABEL_VALUE_REGEX),
    },
    {
      name: "the first failing expression is the one reported",
      selector: sel({ matchExpressions: [expr("a", "In"), expr("b", "Gt", ["1"])] }),
      message: `values: Invalid value: []string(nil): ${EMPTY_SET}`,
    },
  ])("$name", ({ selector, message }) => {
    let caught: unknown;
    try {
      core.labels.labelSelectorAsString(selector);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorError);
    expect((caught as Error).message).toBe(message);
    expect(() => core.labels.matchesLabelSelector(selector, {})).toThrow(SelectorError);
    expect(() => core.labels.matchesLabelSelector(selector, {})).toThrow(message);
  });

  it("the error keeps the selector it was given", () => {
    const bad = sel({ matchExpressions: [expr("x", "Gt", ["1"])] });
    try {
      core.labels.matchesLabelSelector(bad, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SelectorError);
      expect((err as SelectorError).selector).toEqual(bad);
    }
  });
});
