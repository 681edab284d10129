// labels.Parse(s).String() and labels.Parse's error texts, case by case.
// Facts from k8s.io/apimachinery/pkg/labels (selector.go, selector_test.go: TestSelectorParse,
// TestDeterministicParse, TestSetSelectorParser, TestToString, TestLexer*) in the v1.32 wording.
import { beforeAll, describe, expect, it } from "vitest";
import { SelectorError, type Core } from "../../dist/core/index.js";
import {
  EXPECTED_OPERATOR,
  GT_LT_NOT_INTEGER,
  LABEL_VALUE_REGEX,
  LABEL_VALUE_TOO_LONG,
  NAME_PART_EMPTY,
  NAME_PART_REGEX,
  NAME_PART_TOO_LONG,
  PREFIX_PART_EMPTY,
  PREFIX_PART_REGEX,
  PREFIX_PART_TOO_LONG,
  TOO_MANY_SLASHES,
  getCore,
} from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await getCore();
});

interface Canonical {
  name: string;
  input: string;
  want: string;
}

function canonicalTable(cases: Canonical[]) {
  it.each(cases)("$name", ({ input, want }) => {
    expect(core.labels.parse(input)).toBe(want);
  });
}

describe("parse: empty and whitespace-only selectors select everything", () => {
  canonicalTable([
    { name: "the empty string parses to the empty selector", input: "", want: "" },
    { name: "a lone space parses to the empty selector", input: " ", want: "" },
    { name: "tabs, carriage returns and newlines are whitespace too", input: "\t\r\n \t", want: "" },
  ]);
});

describe("parse: every operator round-trips to its canonical spelling", () => {
  canonicalTable([
    { name: "a bare key is the exists operator", input: "x", want: "x" },
    { name: "a bang before the key is does-not-exist", input: "!x", want: "!x" },
    { name: "a single equals sign stays a single equals sign", input: "x=a", want: "x=a" },
    { name: "a double equals sign is preserved rather than normalised", input: "x==a", want: "x==a" },
    { name: "not-equals keeps its spelling", input: "x!=a", want: "x!=a" },
    { name: "greater-than takes an integer", input: "x>1", want: "x>1" },
    { name: "less-than takes an integer", input: "x<7", want: "x<7" },
    { name: "in prints with single spaces around the keyword", input: "x in (abc,def)", want: "x in (abc,def)" },
    { name: "notin prints with single spaces around the keyword", input: "x notin (abc,def)", want: "x notin (abc,def)" },
    { name: "three equality requirements in key order stay as written", input: "x=a,y=b,z=c", want: "x=a,y=b,z=c" },
    { name: "a mix of equality and inequality", input: "x!=a,y=b", want: "x!=a,y=b" },
    { name: "greater-than and less-than combine", input: "x>1,z<5", want: "x>1,z<5" },
    { name: "set and exists operators combine", input: "x=a,y!=b,z in (h,i,j)", want: "x=a,y!=b,z in (h,i,j)" },
    { name: "a DNS-prefixed key with dashes is a valid exists requirement", input: "this-is-a-dns.domain.com/key-with-dash", want: "this-is-a-dns.domain.com/key-with-dash" },
    {
      name: "a numeric-looking prefix and name with dotted values is valid",
      input: "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
      want: "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
    },
    { name: "upper case and underscores are allowed in the name part", input: "Upper_Case.Name-1=Value_1", want: "Upper_Case.Name-1=Value_1" },
    { name: "a key with a prefix may have an upper-case name", input: "a.com/B=c", want: "a.com/B=c" },
    { name: "greater-than keeps leading zeros of the threshold", input: "x>01", want: "x>01" },
    { name: "less-than keeps leading zeros of the threshold", input: "x<010", want: "x<010" },
    { name: "the largest int64 is a valid threshold", input: "x>9223372036854775807", want: "x>9223372036854775807" },
    { name: "zero is a valid threshold", input: "x<0", want: "x<0" },
  ]);
});

describe("parse: missing values after exact-match operators are the empty value", () => {
  canonicalTable([
    { name: "equals at the end of the input means the empty value", input: "x=", want: "x=" },
    { name: "double equals at the end of the input means the empty value", input: "x==", want: "x==" },
    { name: "not-equals at the end of the input means the empty value", input: "x!=", want: "x!=" },
    { name: "a trailing space after equals is skipped", input: "x= ", want: "x=" },
    { name: "an empty value before a comma", input: "x=,z= ", want: "x=,z=" },
    { name: "spaces before commas do not become values", input: "x= ,z= ", want: "x=,z=" },
    { name: "an empty value followed by a key", input: "x=,y", want: "x=,y" },
  ]);

  it("greater-than with nothing after it is an error because the empty value is not an integer", () => {
    expect(() => core.labels.parse("x>")).toThrow(`unable to parse requirement: values[0]: Invalid value: "": ${GT_LT_NOT_INTEGER}`);
  });
});

describe("parse: whitespace is only space, tab, carriage return and newline, and it is allowed between any tokens", () => {
  canonicalTable([
    { name: "a leading carriage return is skipped", input: "\rx", want: "x" },
    { name: "a trailing space after a key is skipped", input: "a ", want: "a" },
    { name: "two spaces and a tab around in", input: "foo  in\t (abc)", want: "foo in (abc)" },
    { name: "a newline between notin and its list", input: "x notin\n (abc)", want: "x notin (abc)" },
    { name: "a run of spaces and tabs between notin and its list", input: "x  notin\t\t\t(abc,def)", want: "x notin (abc,def)" },
    { name: "spaces around an equals sign", input: "  a  =  b  ", want: "a=b" },
    { name: "spaces around a not-equals sign", input: "a != b", want: "a!=b" },
    { name: "spaces around a greater-than sign", input: "a > 5", want: "a>5" },
    { name: "spaces after commas between requirements", input: "a=1,  b=2", want: "a=1,b=2" },
    { name: "spaces before commas between requirements", input: "a=1 ,b=2", want: "a=1,b=2" },
    { name: "a space between the bang and the key", input: "! x", want: "!x" },
    { name: "spaces inside the parentheses", input: "x in ( a , b )", want: "x in (a,b)" },
    { name: "no space is needed between in and the open parenthesis", input: "x in(a)", want: "x in (a)" },
    { name: "no space is needed between notin and the open parenthesis", input: "x notin(a)", want: "x notin (a)" },
    { name: "newlines between requirements", input: "a\n,\nb", want: "a,b" },
  ]);
});

describe("parse: in and notin are keywords only in operator position", () => {
  canonicalTable([
    { name: "in alone is a key that must exist", input: "in", want: "in" },
    { name: "notin alone is a key that must exist", input: "notin", want: "notin" },
    { name: "notin as key and in as value of an equality", input: "notin=in", want: "notin=in" },
    { name: "in as key, operator and value", input: "in in (in)", want: "in in (in)" },
    { name: "notin as key, operator and value", input: "notin notin (notin)", want: "notin notin (notin)" },
    { name: "in as the value of an equality", input: "x=in", want: "x=in" },
    { name: "in behind a bang is a key", input: "!in", want: "!in" },
    { name: "keywords inside a value list are values", input: "a in (x,y,notin, z,in)", want: "a in (in,notin,x,y,z)" },
    { name: "keys in and notin sort byte-wise", input: "notin!=in,in=notin", want: "in=notin,notin!=in" },
    { name: "an upper-case IN is an ordinary key", input: "IN", want: "IN" },
    { name: "a longer word containing in is an ordinary key", input: "xin in (nin)", want: "xin in (nin)" },
  ]);
});

describe("parse: value lists with empty slots", () => {
  canonicalTable([
    { name: "empty parentheses are the set holding the empty value", input: "x in ()", want: "x in ()" },
    { name: "parentheses holding a space are the set holding the empty value", input: "x notin ( )", want: "x notin ()" },
    { name: "a trailing comma adds the empty value", input: "x in (abc,)", want: "x in (,abc)" },
    { name: "a leading comma adds the empty value", input: "x notin (, a)", want: "x notin (,a)" },
    { name: "a doubled comma adds the empty value", input: "x in (abc,,def)", want: "x in (,abc,def)" },
    { name: "a lone comma is the set holding only the empty value", input: "x in (,)", want: "x in ()" },
    { name: "two lone commas still hold only the empty value", input: "x in (,,)", want: "x in ()" },
    { name: "a value followed by two commas holds the value and the empty value", input: "x in (a,,)", want: "x in (,a)" },
    {
      name: "empty slots in several requirements sort with the other requirements",
      input: "x notin (abc,,def),bar,z in (),w",
      want: "bar,w,x notin (,abc,def),z in ()",
    },
  ]);
});

describe("parse: String() ordering and de-duplication", () => {
  canonicalTable([
    { name: "requirements are sorted by key so the order of input does not matter", input: "x=a,a=x", want: "a=x,x=a" },
    { name: "already sorted input keeps its order", input: "a=x,x=a", want: "a=x,x=a" },
    { name: "the bang is not part of the sort key", input: "z,a,!m", want: "a,!m,z" },
    { name: "a later key sorts after an earlier one regardless of operator", input: "x,y in (a)", want: "x,y in (a)" },
    { name: "a key sorts before its longer extensions", input: "y, x", want: "x,y" },
    { name: "requirements on the same key keep their input order (exists first)", input: "x,!x", want: "x,!x" },
    { name: "requirements on the same key keep their input order (does-not-exist first)", input: "!x,x", want: "!x,x" },
    { name: "three requirements on the same key keep their input order", input: "z!=a,z,z=b", want: "z!=a,z,z=b" },
    { name: "sorting is byte-wise so upper case sorts before lower case", input: "b,a,B,A", want: "A,B,a,b" },
    { name: "sorting is byte-wise so '-' < '.' < '_' after a shared prefix", input: "a_b,a.b,a-b,a", want: "a,a-b,a.b,a_b" },
    { name: "sorting is byte-wise so 10 sorts before 9", input: "k9,k10", want: "k10,k9" },
    { name: "a prefixed key sorts by its full text", input: "z,example.com/a,a", want: "a,example.com/a,z" },
    { name: "values of in are printed sorted", input: "x in (c,a,b)", want: "x in (a,b,c)" },
    { name: "values of notin are printed sorted byte-wise", input: "x notin (b,a,B)", want: "x notin (B,a,b)" },
    { name: "duplicate values are dropped by the parser", input: "x in (b,a,b,a)", want: "x in (a,b)" },
    { name: "duplicate empty slots collapse to one empty value", input: "x in (,a,,a,)", want: "x in (,a)" },
    { name: "duplicate requirements are both kept", input: "x=a,x=a", want: "x=a,x=a" },
    { name: "a conflicting pair on one key is kept as written", input: "x=a,x=b", want: "x=a,x=b" },
    {
      name: "a selector mixing every operator prints in key order",
      input: "z,y<8,x>2,w notin (b,a),v in (d,c),u!=e,t==f,s=g,!r",
      want: "!r,s=g,t==f,u!=e,v in (c,d),w notin (a,b),x>2,y<8,z",
    },
  ]);

  it("twenty requirements with distinct keys come out sorted by key", () => {
    const keys = Array.from({ length: 20 }, (_, i) => `k${String.fromCharCode(97 + ((i * 7) % 20))}`);
    const input = keys.map((k, i) => `${k}=v${i}`).join(",");
    const want = keys
      .map((k, i) => `${k}=v${i}`)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .join(",");
    expect(core.labels.parse(input)).toBe(want);
  });

  it("a long value list is de-duplicated and sorted", () => {
    const values = Array.from({ length: 300 }, (_, i) => `v${(i * 37) % 150}`);
    const want = "x in (" + [...new Set(values)].sort().join(",") + ")";
    expect(core.labels.parse(`x in (${values.join(", ")})`)).toBe(want);
  });

  it.each([
    "x=a,y=b,z=c",
    "x notin (abc,,def),bar,z in (),w",
    "in in (in),notin notin (notin)",
    "!a,b==c,d!=e,f>1,g<2,h in (i,j),k notin (,l)",
  ])("parsing the canonical form of %j gives the same canonical form", (input) => {
    const once = core.labels.parse(input);
    expect(core.labels.parse(once)).toBe(once);
  });
});

describe("parse: lexer corner cases", () => {
  canonicalTable([
    { name: "spaces inside parentheses around a single value are dropped", input: "key in ( value )", want: "key in (value)" },
    { name: "a run of special characters splits into the longest tokens", input: "x notin (a),y!=b", want: "x notin (a),y!=b" },
  ]);

  it.each([
    ["a tilde is an identifier, so it is validated as a key", "~"],
    ["two pipes are an identifier, so they are validated as a key", "||"],
  ])("%s", (_name, input) => {
    expect(() => core.labels.parse(input)).toThrow(
      `unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(input)}: ${NAME_PART_REGEX}`,
    );
  });
});

interface ErrorCase {
  name: string;
  input: string;
  message: string;
}

function errorTable(cases: ErrorCase[]) {
  it.each(cases)("$name", ({ input, message }) => {
    let caught: unknown;
    try {
      core.labels.parse(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorError);
    expect((caught as Error).message).toBe(message);
  });
}

describe("parse errors: the top-level requirement list", () => {
  errorTable([
    { name: "a leading comma", input: ",x,y", message: "found ',', expected: !, identifier, or 'end of string'" },
    { name: "a trailing comma", input: "x,", message: "found '', expected: identifier after ','" },
    { name: "a trailing comma after a set requirement", input: "a in (xyz),", message: "found '', expected: identifier after ','" },
    { name: "a doubled comma", input: "x,,y", message: "found ',', expected: identifier after ','" },
    { name: "a comma followed by an operator", input: "x,=a", message: "found '=', expected: identifier after ','" },
    { name: "an operator where a key should start", input: "=x", message: "found '=', expected: !, identifier, or 'end of string'" },
    { name: "not-equals where a key should start", input: "!=x", message: "found '!=', expected: !, identifier, or 'end of string'" },
    { name: "an open parenthesis where a key should start", input: "(", message: "found '(', expected: !, identifier, or 'end of string'" },
    { name: "a close parenthesis where a key should start", input: ")", message: "found ')', expected: !, identifier, or 'end of string'" },
    { name: "a second value after an equality", input: "x=a b", message: "found 'b', expected: ',' or 'end of string'" },
    { name: "an identifier glued to a closing parenthesis", input: "a in (xyz)b notin ()", message: "found 'b', expected: ',' or 'end of string'" },
    { name: "a chained double equals", input: "x==a==b", message: "found '==', expected: ',' or 'end of string'" },
    { name: "a does-not-exist requirement followed by an equals sign", input: "!x=a", message: "found '=', expected: ',' or 'end of string'" },
    { name: "a does-not-exist requirement followed by in", input: "!x in (a)", message: "found 'in', expected: ',' or 'end of string'" },
  ]);
});

describe("parse errors: keys and operators", () => {
  errorTable([
    { name: "a bang with nothing after it", input: "!", message: "unable to parse requirement: found '', expected: identifier" },
    { name: "a double bang", input: "!!x", message: "unable to parse requirement: found '!', expected: identifier" },
    { name: "a bang before an open parenthesis", input: "!(x)", message: "unable to parse requirement: found '(', expected: identifier" },
    { name: "an open parenthesis where an operator should be", input: "a (", message: `unable to parse requirement: found '(', ${EXPECTED_OPERATOR}` },
    { name: "a misspelled operator", input: "x nott in (y)", message: `unable to parse requirement: found 'nott', ${EXPECTED_OPERATOR}` },
    { name: "gt spelled as a word is not an operator", input: "x gt 1", message: `unable to parse requirement: found 'gt', ${EXPECTED_OPERATOR}` },
    { name: "upper-case IN is not an operator", input: "x IN (a)", message: `unable to parse requirement: found 'IN', ${EXPECTED_OPERATOR}` },
    { name: "a bang after the key is not an operator", input: "x!y", message: `unable to parse requirement: found '!', ${EXPECTED_OPERATOR}` },
    { name: "a close parenthesis after the key is not an operator", input: "x)", message: `unable to parse requirement: found ')', ${EXPECTED_OPERATOR}` },
    { name: "two keys in a row", input: "x y", message: `unable to parse requirement: found 'y', ${EXPECTED_OPERATOR}` },
    { name: "less-or-equal lexes as less-than then equals", input: "x<=1", message: "unable to parse requirement: found '=', expected: identifier" },
    { name: "greater-or-equal lexes as greater-than then equals", input: "x>=1", message: "unable to parse requirement: found '=', expected: identifier" },
    { name: "an equality followed by a parenthesised value", input: "x=(a)", message: "unable to parse requirement: found '(', expected: identifier" },
    { name: "an equality followed by a bang", input: "x=!a", message: "unable to parse requirement: found '!', expected: identifier" },
    { name: "not-equals followed by not-equals", input: "x!=!=a", message: "unable to parse requirement: found '!=', expected: identifier" },
  ]);
});

describe("parse errors: value lists", () => {
  errorTable([
    { name: "in at the end of the input", input: "x in", message: "unable to parse requirement: found '' expected: '('" },
    { name: "in followed by a bare value", input: "x in a", message: "unable to parse requirement: found 'a' expected: '('" },
    { name: "notin followed by a comma", input: "x notin ,a", message: "unable to parse requirement: found ',' expected: '('" },
    { name: "an unclosed empty list", input: "x in (", message: "unable to parse requirement: found '', expected: ',', ')' or identifier" },
    { name: "an unclosed list right after notin", input: "a notin(", message: "unable to parse requirement: found '', expected: ',', ')' or identifier" },
    { name: "an operator as the first list element", input: "x in (=)", message: "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
    { name: "a nested open parenthesis", input: "x in ((a))", message: "unable to parse requirement: found '(', expected: ',', ')' or identifier" },
    { name: "a list missing its close parenthesis", input: "x in (a", message: "unable to parse requirement: found '', expected: ',' or ')'" },
    { name: "two values without a comma", input: "a in (xyz abc)", message: "unable to parse requirement: found 'abc', expected: ',' or ')'" },
    { name: "an operator after a list value", input: "x in (a=b)", message: "unable to parse requirement: found '=', expected: ',' or ')'" },
    { name: "a list ending in a comma with no close parenthesis", input: "x in (a,", message: "unable to parse requirement: found '', expected: ',', or identifier" },
    { name: "an operator after a comma in a list", input: "x in (a,=)", message: "unable to parse requirement: found '=', expected: ',', or identifier" },
    { name: "an operator after a leading comma in a list", input: "x in (,!)", message: "unable to parse requirement: found '!', expected: ',', or identifier" },
  ]);
});

describe("parse errors: key validation (IsQualifiedName)", () => {
  const keyError = (key: string, ...msgs: string[]) =>
    `unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: ${msgs.join("; ")}`;
  errorTable([
    { name: "a key ending in a slash has an empty name part", input: "x/", message: keyError("x/", NAME_PART_EMPTY, NAME_PART_REGEX) },
    { name: "a key starting with a slash has an empty prefix", input: "/x", message: keyError("/x", PREFIX_PART_EMPTY) },
    { name: "a key with two slashes", input: "a/b/c", message: keyError("a/b/c", TOO_MANY_SLASHES) },
    { name: "a key starting with a dash", input: "-x", message: keyError("-x", NAME_PART_REGEX) },
    { name: "a key ending with a dot", input: "x.", message: keyError("x.", NAME_PART_REGEX) },
    { name: "a key with a name of 64 characters", input: "a".repeat(64), message: keyError("a".repeat(64), NAME_PART_TOO_LONG) },
    { name: "a key of 254 characters breaks the name limit", input: "a".repeat(254), message: keyError("a".repeat(254), NAME_PART_TOO_LONG) },
    { name: "a prefix with an upper-case letter", input: "Example.com/abc", message: keyError("Example.com/abc", PREFIX_PART_REGEX) },
    { name: "a prefix with an underscore", input: "example_com/abc=x", message: keyError("example_com/abc", PREFIX_PART_REGEX) },
    { name: "a prefix of 254 characters", input: "a".repeat(254) + "/abc", message: keyError("a".repeat(254) + "/abc", PREFIX_PART_TOO_LONG) },
    { name: "a key containing special symbols that are not selector syntax", input: "a|b", message: keyError("a|b", NAME_PART_REGEX) },
    { name: "a form feed is not whitespace, so it is part of the key", input: "x\f", message: keyError("x\f", NAME_PART_REGEX) },
    { name: "the key is validated before a malformed value list is noticed", input: "-x in (", message: keyError("-x", NAME_PART_REGEX) },
    { name: "the key of a does-not-exist requirement is validated too", input: "!x/", message: keyError("x/", NAME_PART_EMPTY, NAME_PART_REGEX) },
  ]);

  canonicalTable([
    { name: "a key of 63 characters is valid", input: "a".repeat(63), want: "a".repeat(63) },
    {
      name: "a key with a 253-character prefix and 63-character name is valid",
      input: "a".repeat(253) + "/" + "b".repeat(63),
      want: "a".repeat(253) + "/" + "b".repeat(63),
    },
    { name: "a key that is all digits is valid", input: "1234 in (bar)", want: "1234 in (bar)" },
    { name: "a key that starts with a digit is valid", input: "1foo in (bar)", want: "1foo in (bar)" },
  ]);
});

describe("parse errors: value validation (IsValidLabelValue, Gt/Lt integers)", () => {
  const valueError = (key: string, index: number, value: string, msg: string) =>
    `values[${index}][${key}]: Invalid value: ${JSON.stringify(value)}: ${msg}`;
  const intError = (value: string) => `values[0]: Invalid value: ${JSON.stringify(value)}: ${GT_LT_NOT_INTEGER}`;
  errorTable([
    { name: "a value ending in a dash", input: "x=a-", message: `unable to parse requirement: ${valueError("x", 0, "a-", LABEL_VALUE_REGEX)}` },
    { name: "a value of 64 characters", input: "x=" + "v".repeat(64), message: `unable to parse requirement: ${valueError("x", 0, "v".repeat(64), LABEL_VALUE_TOO_LONG)}` },
    { name: "pipes glue two equalities into one invalid value", input: "x=a||y=b", message: `unable to parse requirement: ${valueError("x", 0, "a||y", LABEL_VALUE_REGEX)}` },
    { name: "a non-integer less-than threshold", input: "x<a", message: `unable to parse requirement: ${intError("a")}` },
    { name: "a non-integer greater-than threshold", input: "foo>bar", message: `unable to parse requirement: ${intError("bar")}` },
    { name: "a decimal greater-than threshold", input: "x>1.5", message: `unable to parse requirement: ${intError("1.5")}` },
    { name: "a greater-than threshold just past int64", input: "x>9223372036854775808", message: `unable to parse requirement: ${intError("9223372036854775808")}` },
    { name: "a negative threshold parses as an integer but is not a valid label value", input: "x>-1", message: `unable to parse requirement: ${valueError("x", 0, "-1", LABEL_VALUE_REGEX)}` },
    { name: "a plus-signed threshold parses as an integer but is not a valid label value", input: "x<+1", message: `unable to parse requirement: ${valueError("x", 0, "+1", LABEL_VALUE_REGEX)}` },
    {
      name: "a threshold that is neither an integer nor a label value reports both problems",
      input: "x>a-",
      message: `unable to parse requirement: [${intError("a-")}, ${valueError("x", 0, "a-", LABEL_VALUE_REGEX)}]`,
    },
    {
      name: "an invalid value inside an in list names its sorted position",
      input: "k in (b-,a)",
      message: `unable to parse requirement: ${valueError("k", 1, "b-", LABEL_VALUE_REGEX)}`,
    },
    {
      name: "a value with a character outside the label alphabet",
      input: "x notin (a@b)",
      message: `unable to parse requirement: ${valueError("x", 0, "a@b", LABEL_VALUE_REGEX)}`,
    },
  ]);

  canonicalTable([
    { name: "a value of 63 characters is valid", input: "x=" + "v".repeat(63), want: "x=" + "v".repeat(63) },
    { name: "a value may contain dots, dashes and underscores inside", input: "x=a.b-c_d", want: "x=a.b-c_d" },
  ]);

  it("the first failing requirement stops the parse even if later ones are fine", () => {
    expect(() => core.labels.parse("a=1,b>x,c=3")).toThrow(`unable to parse requirement: ${intError("x")}`);
  });
});

describe("parse: NUL bytes end the token stream where a token starts and end identifiers elsewhere", () => {
  canonicalTable([
    { name: "a leading NUL ends the input, leaving the empty selector", input: "\0x=a", want: "" },
    { name: "a NUL after a complete requirement ends the input", input: "x=a,y\0", want: "x=a,y" },
    { name: "a NUL after whitespace ends the input", input: "x \0 garbage", want: "x" },
    { name: "a NUL inside a key ends the key and the next byte starts a new token", input: "x\0=a", want: "x=a" },
    { name: "a NUL right after a special symbol is swallowed with it", input: "x,\0y", want: "x,y" },
    { name: "a NUL right after an equals sign leaves the empty value", input: "x=\0", want: "x=" },
  ]);
  errorTable([
    { name: "a NUL between two identifiers separates them", input: "x=a\0b", message: "found 'b', expected: ',' or 'end of string'" },
  ]);
});

describe("parse errors quote bad values the way Go's %q does", () => {
  errorTable([
    { name: "a vertical tab in a value is escaped as \\v", input: "x=a\v", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\v": ${LABEL_VALUE_REGEX}` },
    { name: "a form feed in a key is escaped as \\f", input: "k\f=a", message: `unable to parse requirement: <nil>: Invalid value: "k\\f": ${NAME_PART_REGEX}` },
    { name: "a control byte is escaped as \\x01", input: "x=a\x01", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\x01": ${LABEL_VALUE_REGEX}` },
    { name: "DEL is escaped as \\x7f", input: "x=a\x7f", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\x7f": ${LABEL_VALUE_REGEX}` },
    { name: "a no-break space is escaped as \\u00a0", input: "x=a\u00a0", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\u00a0": ${LABEL_VALUE_REGEX}` },
    { name: "a soft hyphen is escaped as \\u00ad", input: "x=a\u00ad", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\u00ad": ${LABEL_VALUE_REGEX}` },
    { name: "a C1 control character is escaped as \\u0085", input: "x=a\u0085", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\u0085": ${LABEL_VALUE_REGEX}` },
    { name: "a printable non-ASCII letter is kept as is", input: "x=rā", message: `unable to parse requirement: values[0][x]: Invalid value: "rā": ${LABEL_VALUE_REGEX}` },
    { name: "a double quote is escaped with a backslash", input: 'x=a"b', message: `unable to parse requirement: values[0][x]: Invalid value: "a\\"b": ${LABEL_VALUE_REGEX}` },
    { name: "a backslash is escaped with a backslash", input: "x=a\\b", message: `unable to parse requirement: values[0][x]: Invalid value: "a\\\\b": ${LABEL_VALUE_REGEX}` },
  ]);
});

describe("parse errors are SelectorErrors", () => {
  it("carries Kubernetes' text as the message and is an Error", () => {
    let caught: unknown;
    try {
      core.labels.parse("x,");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as SelectorError).name).toBe("SelectorError");
    expect((caught as SelectorError).message).toBe("found '', expected: identifier after ','");
  });

  it("matches() on an invalid selector throws the same SelectorError", () => {
    expect(() => core.labels.matches("x in (", {})).toThrow(SelectorError);
    expect(() => core.labels.matches("x in (", {})).toThrow("unable to parse requirement: found '', expected: ',', ')' or identifier");
  });

  it("compile() of an invalid selector string throws a SelectorError", () => {
    expect(() => core.labels.compile("x==a==b")).toThrow(SelectorError);
  });
});
