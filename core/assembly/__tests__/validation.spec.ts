import { labelKeyErrors, labelValueErrors } from "../labels/validation";
import { parseInt64, parsedInt64 } from "../util/int64";
import { goQuote, goStringSlice } from "../strings/go_format";

describe("label keys (IsQualifiedName)", () => {
  it("accepts names and DNS-subdomain prefixes", () => {
    expect(labelKeyErrors("app").length).toBe(0);
    expect(labelKeyErrors("A_b.c-D").length).toBe(0);
    expect(labelKeyErrors("example.com/Name").length).toBe(0);
    expect(labelKeyErrors("a".repeat(253) + "/" + "b".repeat(63)).length).toBe(0);
  });
  it("rejects empty parts, bad characters, upper-case prefixes and long names", () => {
    expect(labelKeyErrors("")).toStrictEqual(["name part must be non-empty", labelKeyErrors("-")[0]]);
    expect(labelKeyErrors("/x")[0]).toBe("prefix part must be non-empty");
    expect(labelKeyErrors("Example.com/x")[0].startsWith("prefix part a lowercase RFC 1123 subdomain")).toBe(true);
    expect(labelKeyErrors("a".repeat(64))).toStrictEqual(["name part must be no more than 63 characters"]);
    expect(labelKeyErrors("a".repeat(254) + "/b")[0]).toBe("prefix part must be no more than 253 characters");
    expect(labelKeyErrors("a/b/c").length).toBe(1);
    expect(labelKeyErrors("example_com/abc").length).toBe(1);
  });
});

describe("label values (IsValidLabelValue)", () => {
  it("accepts the empty value and 63 characters", () => {
    expect(labelValueErrors("").length).toBe(0);
    expect(labelValueErrors("a".repeat(63)).length).toBe(0);
  });
  it("rejects 64 characters, edges that are not alphanumeric, and non-ASCII", () => {
    expect(labelValueErrors("a".repeat(64))).toStrictEqual(["must be no more than 63 characters"]);
    expect(labelValueErrors("-a").length).toBe(1);
    expect(labelValueErrors("a.").length).toBe(1);
    expect(labelValueErrors("é").length).toBe(1);
  });
});

describe("strconv.ParseInt(s, 10, 64)", () => {
  it("parses signs, leading zeros and the int64 range", () => {
    expect(parseInt64("+5")).toBe(true);
    expect(parsedInt64).toBe(5);
    expect(parseInt64("007")).toBe(true);
    expect(parsedInt64).toBe(7);
    expect(parseInt64("-9223372036854775808")).toBe(true);
    expect(parsedInt64).toBe(i64.MIN_VALUE);
  });
  it("rejects empty, bare signs, non-digits and overflow", () => {
    expect(parseInt64("")).toBe(false);
    expect(parseInt64("-")).toBe(false);
    expect(parseInt64("1.5")).toBe(false);
    expect(parseInt64(" 1")).toBe(false);
    expect(parseInt64("9223372036854775808")).toBe(false);
  });
});

describe("Go formatting", () => {
  it("quotes like %q and prints []string like %#v", () => {
    expect(goQuote("a\"b\\\t")).toBe("\"a\\\"b\\\\\\t\"");
    expect(goStringSlice(null)).toBe("[]string(nil)");
    expect(goStringSlice([])).toBe("[]string{}");
    expect(goStringSlice(["a", "b"])).toBe("[]string{\"a\", \"b\"}");
  });
});
