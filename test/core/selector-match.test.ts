// labels.Parse(s).Matches(set), plus the compiled-selector API (compile, filter over a
// LabelSetBatch, dispose). Facts from k8s.io/apimachinery/pkg/labels selector.go
// (Requirement.Matches) and selector_test.go (TestEverything, TestSelectorMatches,
// TestRequirementSelectorMatching, TestSetMatches).
import { beforeAll, describe, expect, it } from "vitest";
import { SelectorError, type Core, type LabelSelector } from "../../dist/core/index.js";
import { getCore, rng } from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await getCore();
});

interface MatchCase {
  name: string;
  selector: string;
  labels: Record<string, string>;
  want: boolean;
}

function matchTable(cases: MatchCase[]) {
  it.each(cases)("$name", ({ selector, labels, want }) => {
    expect(core.labels.matches(selector, labels)).toBe(want);
    const compiled = core.labels.compile(selector);
    try {
      expect(compiled.matches(labels)).toBe(want);
    } finally {
      compiled.dispose();
    }
  });
}

describe("matches: the empty selector", () => {
  matchTable([
    { name: "the empty selector matches a labelled object", selector: "", labels: { x: "y" }, want: true },
    { name: "the empty selector matches an object with no labels", selector: "", labels: {}, want: true },
    { name: "a whitespace-only selector matches everything", selector: "  \t", labels: { a: "b" }, want: true },
  ]);

  it("the empty selector matches null and undefined label sets", () => {
    expect(core.labels.matches("", null)).toBe(true);
    expect(core.labels.matches("", undefined)).toBe(true);
  });
});

describe("matches: equality operators", () => {
  matchTable([
    { name: "equals matches the same value", selector: "x=y", labels: { x: "y" }, want: true },
    { name: "equals does not match a different value", selector: "x=y", labels: { x: "z" }, want: false },
    { name: "equals does not match when the key is absent", selector: "x=z", labels: {}, want: false },
    { name: "double equals behaves like equals", selector: "x==y", labels: { x: "y" }, want: true },
    { name: "double equals does not match when the key is absent", selector: "x==y", labels: { y: "y" }, want: false },
    { name: "equals with no value matches the empty value", selector: "x=", labels: { x: "" }, want: true },
    { name: "equals with no value does not match an absent key", selector: "x=", labels: {}, want: false },
    { name: "equals with no value does not match a non-empty value", selector: "x=", labels: { x: "a" }, want: false },
    { name: "equality is case-sensitive", selector: "x=Y", labels: { x: "y" }, want: false },
    { name: "keys are case-sensitive", selector: "X=y", labels: { x: "y" }, want: false },
    { name: "two equalities both satisfied", selector: "x=y,z=w", labels: { x: "y", z: "w" }, want: true },
    { name: "two equalities with one unsatisfied", selector: "x=y,z=w", labels: { x: "w", z: "w" }, want: false },
    { name: "keywords are ordinary keys and values when matching", selector: "notin=in", labels: { notin: "in" }, want: true },
    { name: "an equality on a prefixed key", selector: "example.com/app=web", labels: { "example.com/app": "web" }, want: true },
    { name: "a prefixed key does not match the bare name", selector: "example.com/app=web", labels: { app: "web" }, want: false },
  ]);
});

describe("matches: not-equals matches absent keys", () => {
  matchTable([
    { name: "not-equals matches a different value", selector: "x!=y", labels: { x: "z" }, want: true },
    { name: "not-equals does not match the same value", selector: "x!=y", labels: { x: "y" }, want: false },
    { name: "not-equals matches when the key is absent", selector: "x!=y", labels: {}, want: true },
    { name: "not-equals matches the empty value", selector: "x!=y", labels: { x: "" }, want: true },
    { name: "not-equals with no value does not match the empty value", selector: "x!=", labels: { x: "" }, want: false },
    { name: "not-equals with no value matches an absent key", selector: "x!=", labels: {}, want: true },
    { name: "two not-equals both satisfied", selector: "x!=y,z!=w", labels: { x: "z", z: "a" }, want: true },
    { name: "two not-equals with one violated", selector: "x!=y,z!=w", labels: { x: "z", z: "w" }, want: false },
  ]);
});

describe("matches: set-based operators", () => {
  matchTable([
    { name: "in matches a listed value", selector: "x in (a,b)", labels: { x: "b" }, want: true },
    { name: "in does not match an unlisted value", selector: "x in (a,b)", labels: { x: "c" }, want: false },
    { name: "in does not match when the key is absent", selector: "x in (a,b)", labels: {}, want: false },
    { name: "in with empty parentheses matches only the empty value", selector: "x in ()", labels: { x: "" }, want: true },
    { name: "in with empty parentheses does not match a non-empty value", selector: "x in ()", labels: { x: "a" }, want: false },
    { name: "in with empty parentheses does not match an absent key", selector: "x in ()", labels: {}, want: false },
    { name: "in with an empty slot matches the empty value", selector: "x in (a,)", labels: { x: "" }, want: true },
    { name: "in with keyword values matches a keyword value", selector: "a in (x,in,notin)", labels: { a: "notin" }, want: true },
    { name: "notin matches an unlisted value", selector: "x notin (a,b)", labels: { x: "c" }, want: true },
    { name: "notin does not match a listed value", selector: "x notin (a,b)", labels: { x: "a" }, want: false },
    { name: "notin matches when the key is absent", selector: "x notin (a,b)", labels: {}, want: true },
    { name: "notin with empty parentheses matches an absent key", selector: "x notin ()", labels: {}, want: true },
    { name: "notin with empty parentheses matches a non-empty value", selector: "x notin ()", labels: { x: "a" }, want: true },
    { name: "notin with empty parentheses does not match the empty value", selector: "x notin ()", labels: { x: "" }, want: false },
    { name: "in and notin together, both satisfied", selector: "x in (foo),y notin (alpha)", labels: { x: "foo", y: "baz" }, want: true },
    { name: "in and in together, one unsatisfied", selector: "x in (foo),y in (alpha)", labels: { x: "foo", y: "baz" }, want: false },
    { name: "in with an empty-value list does not match a different key", selector: "x in ()", labels: { y: "baz" }, want: false },
    { name: "notin of the empty value and exists on another key", selector: "x notin (),y", labels: { y: "" }, want: true },
    { name: "notin of the empty value and does-not-exist on a present key", selector: "x notin (),!y", labels: { y: "" }, want: false },
  ]);
});

describe("matches: exists and does-not-exist", () => {
  matchTable([
    { name: "exists matches any value", selector: "x", labels: { x: "z" }, want: true },
    { name: "exists matches the empty value", selector: "x", labels: { x: "" }, want: true },
    { name: "exists does not match an absent key", selector: "x", labels: { y: "z" }, want: false },
    { name: "does-not-exist matches an absent key", selector: "!x", labels: { y: "z" }, want: true },
    { name: "does-not-exist does not match a present key", selector: "!x", labels: { x: "z" }, want: false },
    { name: "does-not-exist does not match a key with the empty value", selector: "!x", labels: { x: "" }, want: false },
    { name: "does-not-exist and exists on another key", selector: "!x,y", labels: { y: "" }, want: true },
    { name: "exists and does-not-exist on the same key never match (key present)", selector: "x,!x", labels: { x: "a" }, want: false },
    { name: "exists and does-not-exist on the same key never match (key absent)", selector: "x,!x", labels: {}, want: false },
    { name: "two different equalities on one key never match", selector: "x=a,x=b", labels: { x: "a" }, want: false },
  ]);
});

describe("matches: greater-than and less-than compare int64 values", () => {
  matchTable([
    { name: "greater-than matches a larger value", selector: "x>1", labels: { x: "2" }, want: true },
    { name: "greater-than does not match a smaller value", selector: "x>1", labels: { x: "0" }, want: false },
    { name: "greater-than is strict", selector: "x>1", labels: { x: "1" }, want: false },
    { name: "less-than matches a smaller value", selector: "x<1", labels: { x: "0" }, want: true },
    { name: "less-than does not match a larger value", selector: "x<1", labels: { x: "2" }, want: false },
    { name: "less-than is strict", selector: "x<1", labels: { x: "1" }, want: false },
    { name: "greater-than does not match an absent key", selector: "x>1", labels: {}, want: false },
    { name: "less-than does not match an absent key", selector: "x<1", labels: {}, want: false },
    { name: "a label with leading zeros is read as decimal", selector: "x>1", labels: { x: "02" }, want: true },
    { name: "a threshold with leading zeros is read as decimal", selector: "x>0009", labels: { x: "10" }, want: true },
    { name: "leading zeros do not mean octal", selector: "x<9", labels: { x: "010" }, want: false },
    { name: "a non-numeric label never matches greater-than", selector: "z>1", labels: { z: "v2" }, want: false },
    { name: "a non-numeric label never matches less-than", selector: "z<100", labels: { z: "abc" }, want: false },
    { name: "the empty label value is not an integer", selector: "x<5", labels: { x: "" }, want: false },
    { name: "a decimal fraction is not an integer", selector: "x>1", labels: { x: "2.0" }, want: false },
    { name: "hexadecimal is not accepted", selector: "x>1", labels: { x: "0x10" }, want: false },
    { name: "a label with a leading space is not an integer", selector: "x>1", labels: { x: " 2" }, want: false },
    { name: "a negative label value compares as negative (labels are not validated when matching)", selector: "x<0", labels: { x: "-3" }, want: true },
    { name: "minus zero is zero", selector: "x<1", labels: { x: "-0" }, want: true },
    { name: "underscores are not digit separators in base 10", selector: "x>1", labels: { x: "1_000" }, want: false },
    { name: "a plus-signed label value is an integer", selector: "x>1", labels: { x: "+2" }, want: true },
    { name: "the largest int64 label exceeds the next smaller threshold", selector: "x>9223372036854775806", labels: { x: "9223372036854775807" }, want: true },
    { name: "a label one past int64 does not parse and never matches", selector: "x>1", labels: { x: "9223372036854775808" }, want: false },
    { name: "the smallest int64 label is less than zero", selector: "x<0", labels: { x: "-9223372036854775808" }, want: true },
    { name: "a label one below int64 does not parse and never matches", selector: "x<0", labels: { x: "-9223372036854775809" }, want: false },
    { name: "values beyond double precision still compare exactly", selector: "x>9007199254740993", labels: { x: "9007199254740994" }, want: true },
    { name: "values beyond double precision are not rounded together", selector: "x<9007199254740993", labels: { x: "9007199254740992" }, want: true },
    { name: "values beyond double precision are strict at equality", selector: "x>9007199254740993", labels: { x: "9007199254740993" }, want: false },
    { name: "a range expressed with greater-than and less-than", selector: "x>1,x<5", labels: { x: "3" }, want: true },
    { name: "a range excludes values outside it", selector: "x>1,x<5", labels: { x: "5" }, want: false },
  ]);
});

describe("matches: a realistic label set", () => {
  const labelset = { foo: "bar", baz: "blah" };
  matchTable([
    { name: "one equality that holds", selector: "foo=bar", labels: labelset, want: true },
    { name: "the other equality that holds", selector: "baz=blah", labels: labelset, want: true },
    { name: "both equalities that hold", selector: "foo=bar,baz=blah", labels: labelset, want: true },
    { name: "an equality with the wrong value", selector: "foo=blah", labels: labelset, want: false },
    { name: "an equality with another key's value", selector: "baz=bar", labels: labelset, want: false },
    { name: "an extra equality on a missing key", selector: "foo=bar,foobar=bar,baz=blah", labels: labelset, want: false },
  ]);

  it("label values handed to matches are not validated", () => {
    expect(core.labels.matches("x!=c", { x: "not a valid value!" })).toBe(true);
    expect(core.labels.matches("x", { x: "not a valid value!" })).toBe(true);
  });
});

describe("matches: label sets are plain maps, not objects with inherited keys", () => {
  matchTable([
    { name: "exists on constructor does not see Object.prototype", selector: "constructor", labels: {}, want: false },
    { name: "does-not-exist on toString holds for an empty label set", selector: "!toString", labels: {}, want: true },
    { name: "in on valueOf requires an own label", selector: "valueOf in (x)", labels: { a: "x" }, want: false },
    { name: "not-equals on hasOwnProperty holds when the label is absent", selector: "hasOwnProperty!=x", labels: {}, want: true },
    { name: "greater-than on constructor does not see Object.prototype", selector: "constructor>0", labels: {}, want: false },
    { name: "an own label named constructor is an ordinary label", selector: "constructor=web", labels: { constructor: "web" }, want: true },
  ]);
});

describe("compile", () => {
  it("a compiled string selector prints its canonical form", () => {
    const s = core.labels.compile("y=b, x in (c,a)");
    expect(s.toString()).toBe("x in (a,c),y=b");
    s.dispose();
  });

  it("a compiled LabelSelector prints LabelSelectorAsSelector's form", () => {
    const s = core.labels.compile({ matchLabels: { b: "1" }, matchExpressions: [{ key: "a", operator: "NotIn", values: ["y", "x"] }] });
    expect(s.toString()).toBe("a notin (x,y),b=1");
    expect(s.matches({ b: "1" })).toBe(true);
    expect(s.matches({ b: "1", a: "x" })).toBe(false);
    s.dispose();
  });

  it("compiling null gives the selector that matches nothing", () => {
    const s = core.labels.compile(null);
    expect(s.toString()).toBe("");
    expect(s.matches({})).toBe(false);
    expect(s.matches({ a: "b" })).toBe(false);
    expect(Array.from(s.filter([{}, { a: "b" }, null]))).toEqual([]);
    s.dispose();
  });

  it("compiling an empty LabelSelector gives the selector that matches everything", () => {
    const s = core.labels.compile({});
    expect(s.matches({})).toBe(true);
    expect(Array.from(s.filter([{}, { a: "b" }]))).toEqual([0, 1]);
    s.dispose();
  });

  it("compiling an invalid LabelSelector throws a SelectorError", () => {
    expect(() => core.labels.compile({ matchExpressions: [{ key: "x", operator: "Gt", values: ["1"] }] })).toThrow(SelectorError);
  });

  it("a compiled selector treats a null label set as having no labels", () => {
    const s = core.labels.compile("!x,y!=z");
    expect(s.matches(null)).toBe(true);
    expect(s.matches(undefined)).toBe(true);
    s.dispose();
  });

  it("filter over a plain array returns the ascending indices of matching sets", () => {
    const s = core.labels.compile("app=web,tier notin (db)");
    const sets: (Record<string, string> | null)[] = [{ app: "web" }, { app: "api" }, null, { app: "web", tier: "db" }, { app: "web", tier: "fe" }];
    const out = s.filter(sets);
    expect(out).toBeInstanceOf(Int32Array);
    expect(Array.from(out)).toEqual([0, 4]);
    s.dispose();
  });

  it("filter over an empty list returns an empty array", () => {
    const s = core.labels.compile("a");
    expect(Array.from(s.filter([]))).toEqual([]);
    s.dispose();
  });
});

describe("filter over a LabelSetBatch of generated label sets", () => {
  const envs = ["prod", "staging", "dev", "", "in"];
  const tiers = ["web", "api", "db", "cache"];
  const sets: (Record<string, string> | null)[] = [];
  const random = rng(20240611);
  for (let i = 0; i < 5000; i++) {
    if (random() < 0.02) {
      sets.push(null);
      continue;
    }
    const labels: Record<string, string> = {};
    if (random() < 0.8) labels.env = envs[Math.floor(random() * envs.length)];
    if (random() < 0.7) labels.tier = tiers[Math.floor(random() * tiers.length)];
    if (random() < 0.1) labels.canary = random() < 0.5 ? "" : "true";
    if (random() < 0.6) labels.version = String(Math.floor(random() * 12)).padStart(random() < 0.3 ? 2 : 1, "0");
    if (random() < 0.05) labels.version = "v" + Math.floor(random() * 9);
    if (random() < 0.3) labels["example.com/team"] = `team-${Math.floor(random() * 4)}`;
    sets.push(labels);
  }

  interface FilterCase {
    name: string;
    selector: string | LabelSelector | null;
    predicate: (l: Record<string, string>) => boolean;
  }
  const has = (l: Record<string, string>, k: string) => Object.prototype.hasOwnProperty.call(l, k);
  const int = (v: string | undefined) => (v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined);

  const cases: FilterCase[] = [
    {
      name: "a string selector mixing in, not-equals, does-not-exist and greater-than",
      selector: "env in (prod,staging),tier!=db,!canary,version>3",
      predicate: (l) =>
        (l.env === "prod" || l.env === "staging") &&
        l.tier !== "db" &&
        !has(l, "canary") &&
        int(l.version) !== undefined &&
        int(l.version)! > 3,
    },
    {
      name: "a string selector with notin of the empty value and less-than",
      selector: "env notin (),version<5",
      predicate: (l) => l.env !== "" && int(l.version) !== undefined && int(l.version)! < 5,
    },
    {
      name: "a selector on a prefixed key and a keyword value",
      selector: "example.com/team in (team-1,team-3),env=in",
      predicate: (l) => (l["example.com/team"] === "team-1" || l["example.com/team"] === "team-3") && l.env === "in",
    },
    {
      name: "a LabelSelector with matchLabels and every expression operator",
      selector: {
        matchLabels: { tier: "web" },
        matchExpressions: [
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "version", operator: "Exists" },
          { key: "canary", operator: "DoesNotExist" },
          { key: "example.com/team", operator: "In", values: ["team-0", "team-2"] },
        ],
      },
      predicate: (l) =>
        l.tier === "web" && l.env !== "dev" && has(l, "version") && !has(l, "canary") && ["team-0", "team-2"].includes(l["example.com/team"]),
    },
    { name: "the empty string selector selects every set", selector: "", predicate: () => true },
    { name: "the empty LabelSelector selects every set", selector: {}, predicate: () => true },
    { name: "the null LabelSelector selects no set", selector: null, predicate: () => false },
  ];

  it.each(cases)("$name", ({ selector, predicate }) => {
    const expected = sets.flatMap((l, i) => (predicate(l ?? {}) ? [i] : []));
    const batch = core.labels.loadLabelSets(sets);
    const compiled = core.labels.compile(selector);
    try {
      expect(batch.size).toBe(sets.length);
      const fromBatch = compiled.filter(batch);
      expect(Array.from(fromBatch)).toEqual(expected);
      expect(Array.from(compiled.filter(sets))).toEqual(expected);
      if (typeof selector === "string") {
        // Spot-check the one-shot API against the same expectation.
        for (let i = 0; i < sets.length; i += 97) {
          expect(core.labels.matches(selector, sets[i])).toBe(expected.includes(i));
        }
      }
    } finally {
      compiled.dispose();
      batch.dispose();
    }
  });

  it("the generated sets exercise both outcomes of the first selector", () => {
    const compiled = core.labels.compile("env in (prod,staging),tier!=db,!canary,version>3");
    const n = compiled.filter(sets).length;
    compiled.dispose();
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(sets.length - 100);
  });
});

describe("handles", () => {
  it("dispose() frees a compiled selector and a label-set batch", () => {
    const before = core.liveHandles();
    const compiled = core.labels.compile("a=b,c notin (d)");
    const batch = core.labels.loadLabelSets([{ a: "b" }, { c: "d" }]);
    expect(core.liveHandles()).toBe(before + 2);
    expect(Array.from(compiled.filter(batch))).toEqual([0]);
    compiled.dispose();
    expect(core.liveHandles()).toBe(before + 1);
    batch.dispose();
    expect(core.liveHandles()).toBe(before);
    expect(compiled.disposed).toBe(true);
    expect(batch.disposed).toBe(true);
  });

  it("disposing twice is harmless and does not free another handle", () => {
    const keep = core.labels.compile("keep");
    const before = core.liveHandles();
    const compiled = core.labels.compile("x");
    compiled.dispose();
    compiled.dispose();
    expect(core.liveHandles()).toBe(before);
    expect(keep.matches({ keep: "" })).toBe(true);
    keep.dispose();
  });

  it("many compile/dispose cycles do not leak handles", () => {
    const before = core.liveHandles();
    for (let i = 0; i < 200; i++) {
      const c = core.labels.compile(`k${i} in (a,b),x>${i}`);
      c.matches({ x: String(i + 1) });
      c.dispose();
    }
    expect(core.liveHandles()).toBe(before);
  });

  it("a failed compile does not leave a handle behind", () => {
    const before = core.liveHandles();
    expect(() => core.labels.compile("x in (")).toThrow(SelectorError);
    expect(() => core.labels.compile({ matchExpressions: [{ key: "x", operator: "In" }] })).toThrow(SelectorError);
    expect(core.liveHandles()).toBe(before);
  });
});
