import { parse, parseError } from "../labels/parser";
import { labels, LabelSet } from "./label_sets";
import { Selector } from "../labels/selector";


function parseString(input: string): Selector | null {
  const bytes = String.UTF8.encode(input);
  return parse(changetype<usize>(bytes), bytes.byteLength);
}

function canonical(input: string): string {
  const s = parseString(input);
  return s === null ? "ERROR: " + parseError : s.toString();
}

function matches(selector: string, set: LabelSet): bool {
  const s = parseString(selector);
  if (s === null) return false;
  return s.matches(set.ptr, set.count);
}

describe("labels.Parse canonical form", () => {
  it("sorts requirements by key and values within in/notin", () => {
    expect(canonical("x notin (abc,,def),bar,z in (),w")).toBe("bar,w,x notin (,abc,def),z in ()");
    expect(canonical("x=a,a=x")).toBe("a=x,x=a");
    expect(canonical("z,a,!m")).toBe("a,!m,z");
  });
  it("keeps ties in input order", () => {
    expect(canonical("x,!x")).toBe("x,!x");
    expect(canonical("!x,x")).toBe("!x,x");
    expect(canonical("x=abc,y==jkl,z!=a,z")).toBe("x=abc,y==jkl,z!=a,z");
  });
  it("skips only space, tab, CR and LF between tokens", () => {
    expect(canonical("foo  in\t (abc)")).toBe("foo in (abc)");
    expect(canonical("x notin\n (abc)")).toBe("x notin (abc)");
    expect(canonical("\rx")).toBe("x");
    expect(canonical("   ")).toBe("");
  });
  it("treats in/notin as identifiers in key and value positions", () => {
    expect(canonical("notin=in")).toBe("notin=in");
    expect(canonical("in")).toBe("in");
    expect(canonical("a in (x,y,notin, z,in)")).toBe("a in (in,notin,x,y,z)");
  });
  it("deduplicates set values and reads empty slots as the empty value", () => {
    expect(canonical("x in (a,a)")).toBe("x in (a)");
    expect(canonical("x in (,a)")).toBe("x in (,a)");
    expect(canonical("x in (a,)")).toBe("x in (,a)");
    expect(canonical("x in (a,,b)")).toBe("x in (,a,b)");
    expect(canonical("x= ,z= ")).toBe("x=,z=");
  });
  it("keeps == distinct from =", () => {
    expect(canonical("x==a")).toBe("x==a");
    expect(canonical("x>1,y<02")).toBe("x>1,y<02");
  });
});

describe("labels.Parse errors", () => {
  it("reports misplaced commas", () => {
    expect(canonical(",x")).toBe("ERROR: found ',', expected: !, identifier, or 'end of string'");
    expect(canonical("x,")).toBe("ERROR: found '', expected: identifier after ','");
    expect(canonical("x,,y")).toBe("ERROR: found ',', expected: identifier after ','");
  });
  it("reports operators that are not operators", () => {
    expect(canonical("x gt 1")).toBe("ERROR: unable to parse requirement: found 'gt', expected: in, notin, =, ==, !=, gt, lt");
    expect(canonical("x<=1")).toBe("ERROR: unable to parse requirement: found '=', expected: identifier");
    expect(canonical("!!x")).toBe("ERROR: unable to parse requirement: found '!', expected: identifier");
  });
  it("reports malformed value lists", () => {
    expect(canonical("x in a")).toBe("ERROR: unable to parse requirement: found 'a' expected: '('");
    expect(canonical("x in (xyz abc)")).toBe("ERROR: unable to parse requirement: found 'abc', expected: ',' or ')'");
    expect(canonical("x in (a")).toBe("ERROR: unable to parse requirement: found '', expected: ',' or ')'");
    expect(canonical("x in (=)")).toBe("ERROR: unable to parse requirement: found '=', expected: ',', ')' or identifier");
  });
  it("reports trailing input after a requirement", () => {
    expect(canonical("x=a b")).toBe("ERROR: found 'b', expected: ',' or 'end of string'");
    expect(canonical("!x=a")).toBe("ERROR: found '=', expected: ',' or 'end of string'");
  });
  it("validates Gt/Lt operands as int64 and as label values", () => {
    expect(canonical("x>9223372036854775807")).toBe("x>9223372036854775807");
    expect(canonical("x>9223372036854775808")).toBe(
      "ERROR: unable to parse requirement: values[0]: Invalid value: \"9223372036854775808\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
  });
  it("reads bytes: a NUL reads as the end of the input where a token starts", () => {
    const nul = String.fromCharCode(0);
    expect(canonical("x=a, " + nul + "y")).toBe("ERROR: found '', expected: identifier after ','");
    // A NUL that directly follows a symbol is consumed with it, as Go's scanSpecialSymbol does.
    expect(canonical("x=a," + nul + "y")).toBe("x=a,y");
    expect(canonical("x" + nul)).toBe("x");
    expect(canonical("x" + nul + ",y")).toBe("x,y");
  });
  it("reports every invalid value, Gt/Lt integer errors first", () => {
    expect(canonical("x>a-")).toBe(
      "ERROR: unable to parse requirement: [values[0]: Invalid value: \"a-\": for 'Gt', 'Lt' operators, the value must be an integer, " +
        "values[0][x]: Invalid value: \"a-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
    );
  });
  it("validates keys with a nil field path", () => {
    expect(canonical("a/b/c").startsWith("ERROR: unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name")).toBe(true);
  });
});

describe("Selector.Matches", () => {
  it("treats != and notin as matching absent keys", () => {
    expect(matches("x!=y", labels([]))).toBe(true);
    expect(matches("x notin (a)", labels(["y", "a"]))).toBe(true);
    expect(matches("x notin ()", labels(["x", ""]))).toBe(false);
  });
  it("requires the key for =, in, exists, gt and lt", () => {
    expect(matches("x=a", labels([]))).toBe(false);
    expect(matches("x in ()", labels(["x", ""]))).toBe(true);
    expect(matches("x", labels(["x", ""]))).toBe(true);
    expect(matches("x>1", labels([]))).toBe(false);
  });
  it("compares Gt/Lt strictly as integers", () => {
    expect(matches("x>1", labels(["x", "02"]))).toBe(true);
    expect(matches("x>2", labels(["x", "2"]))).toBe(false);
    expect(matches("x<2", labels(["x", "-5"]))).toBe(true);
    expect(matches("x<2", labels(["x", "one"]))).toBe(false);
  });
  it("ANDs requirements and matches everything when empty", () => {
    expect(matches("a=1,b=2", labels(["a", "1", "b", "2"]))).toBe(true);
    expect(matches("a=1,b=2", labels(["a", "1", "b", "3"]))).toBe(false);
    expect(matches("", labels(["a", "1"]))).toBe(true);
    expect(matches("x,!x", labels(["x", "1"]))).toBe(false);
  });
  it("matches nothing for labels.Nothing()", () => {
    const set = labels([]);
    expect(Selector.nothingSelector().matches(set.ptr, set.count)).toBe(false);
    expect(Selector.nothingSelector().toString()).toBe("");
    expect(Selector.everything().matches(set.ptr, set.count)).toBe(true);
  });
});
