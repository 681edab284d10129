// Label key (validation.IsQualifiedName) and label value (validation.IsValidLabelValue)
// syntax, with Kubernetes v1.32 messages. Facts from
// k8s.io/apimachinery/pkg/util/validation/validation.go and validation_test.go
// (TestIsQualifiedName, TestIsValidLabelValue, TestIsDNS1123Subdomain).
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../../dist/core/index.js";
import {
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

describe("validateKey: valid qualified names", () => {
  it.each([
    ["a simple lower-case word", "simple"],
    ["a name with dashes", "now-with-dashes"],
    ["a name starting with a digit", "1-starts-with-num"],
    ["a name of digits only", "1234"],
    ["a single character", "a"],
    ["a single digit", "7"],
    ["a name with a prefix", "simple/simple"],
    ["a dashed prefix and name", "now-with-dashes/now-with-dashes"],
    ["a dotted prefix", "now.with.dots/simple"],
    ["a prefix mixing dashes and dots", "now-with.dashes-and.dots/simple"],
    ["numbered prefix labels", "1-num.2-num/3-num"],
    ["an all-digit prefix and name", "1234/5678"],
    ["an IP-like prefix", "1.2.3.4/5678"],
    ["upper case and underscores in the name", "Uppercase_Is_OK_123"],
    ["upper case and underscores in the name after a prefix", "example.com/Uppercase_Is_OK_123"],
    ["a dot inside the name", "requests.storage-foo"],
    ["a 63-character name", "a".repeat(63)],
    ["a 253-character prefix with a 63-character name", "a".repeat(253) + "/" + "b".repeat(63)],
    ["a well-known Kubernetes label", "kubernetes.io/hostname"],
    ["keyword-like names", "notin"],
  ])("%s is valid", (_name, key) => {
    expect(core.labels.validateKey(key)).toEqual([]);
  });
});

describe("validateKey: invalid qualified names and their messages", () => {
  it.each([
    { name: "the empty key has an empty name part", key: "", want: [NAME_PART_EMPTY, NAME_PART_REGEX] },
    { name: "special characters in the name", key: "nospecialchars%^=@", want: [NAME_PART_REGEX] },
    { name: "a name ending with a dash", key: "cantendwithadash-", want: [NAME_PART_REGEX] },
    { name: "a name starting and ending with a dash", key: "-cantstartwithadash-", want: [NAME_PART_REGEX] },
    { name: "a name starting with a dot", key: ".dot", want: [NAME_PART_REGEX] },
    { name: "a name ending with an underscore", key: "under_", want: [NAME_PART_REGEX] },
    { name: "a space inside the name", key: "a b", want: [NAME_PART_REGEX] },
    { name: "two slashes", key: "only/one/slash", want: [TOO_MANY_SLASHES] },
    { name: "a lone slash is a prefix and a name that are both empty", key: "/", want: [PREFIX_PART_EMPTY, NAME_PART_EMPTY, NAME_PART_REGEX] },
    { name: "an upper-case prefix", key: "Example.com/abc", want: [PREFIX_PART_REGEX] },
    { name: "an underscore in the prefix", key: "example_com/abc", want: [PREFIX_PART_REGEX] },
    { name: "a prefix with an empty DNS label", key: "a..b/c", want: [PREFIX_PART_REGEX] },
    { name: "a prefix ending with a dot", key: "a./c", want: [PREFIX_PART_REGEX] },
    { name: "a prefix starting with a dash", key: "-a/c", want: [PREFIX_PART_REGEX] },
    { name: "a trailing slash leaves the name empty", key: "example.com/", want: [NAME_PART_EMPTY, NAME_PART_REGEX] },
    { name: "a leading slash leaves the prefix empty", key: "/simple", want: [PREFIX_PART_EMPTY] },
    { name: "a 64-character name", key: "a".repeat(64), want: [NAME_PART_TOO_LONG] },
    { name: "a 64-character name that also ends with a dash", key: "a".repeat(63) + "-", want: [NAME_PART_TOO_LONG, NAME_PART_REGEX] },
    { name: "a 254-character prefix", key: "a".repeat(254) + "/abc", want: [PREFIX_PART_TOO_LONG] },
    { name: "a 254-character upper-case prefix breaks both prefix rules", key: "A".repeat(254) + "/abc", want: [PREFIX_PART_TOO_LONG, PREFIX_PART_REGEX] },
    { name: "a bad prefix and a bad name are both reported, prefix first", key: "Bad/-bad", want: [PREFIX_PART_REGEX, NAME_PART_REGEX] },
    { name: "non-ASCII letters are not allowed", key: "café", want: [NAME_PART_REGEX] },
    {
      name: "length is counted in bytes, so 32 two-byte letters are too long",
      key: "é".repeat(32),
      want: [NAME_PART_TOO_LONG, NAME_PART_REGEX],
    },
  ])("$name", ({ key, want }) => {
    expect(core.labels.validateKey(key)).toEqual(want);
  });
});

describe("validateValue: valid label values", () => {
  it.each([
    ["the empty value", ""],
    ["a simple word", "simple"],
    ["a value with dashes", "now-with-dashes"],
    ["a value starting with a digit", "1-starts-with-num"],
    ["a value ending with a digit", "end-with-num-1"],
    ["a value of digits only", "1234"],
    ["a 63-character value", "a".repeat(63)],
    ["a single character", "x"],
    ["upper case, dots and underscores inside", "My.Value_1"],
    ["a value with leading zeros", "007"],
  ])("%s is valid", (_name, value) => {
    expect(core.labels.validateValue(value)).toEqual([]);
  });
});

describe("validateValue: invalid label values and their messages", () => {
  it.each([
    { name: "special characters", value: "nospecialchars%^=@", want: [LABEL_VALUE_REGEX] },
    { name: "non-ASCII letters", value: "Tama-nui-te-rā.is.Māori.sun", want: [LABEL_VALUE_REGEX] },
    { name: "backslashes", value: "\\backslashes\\are\\bad", want: [LABEL_VALUE_REGEX] },
    { name: "a leading dash", value: "-starts-with-dash", want: [LABEL_VALUE_REGEX] },
    { name: "a trailing dash", value: "ends-with-dash-", want: [LABEL_VALUE_REGEX] },
    { name: "a leading dot", value: ".starts.with.dot", want: [LABEL_VALUE_REGEX] },
    { name: "a trailing dot", value: "ends.with.dot.", want: [LABEL_VALUE_REGEX] },
    { name: "a leading underscore", value: "_x", want: [LABEL_VALUE_REGEX] },
    { name: "a slash", value: "a/b", want: [LABEL_VALUE_REGEX] },
    { name: "a space", value: "a b", want: [LABEL_VALUE_REGEX] },
    { name: "a lone dash", value: "-", want: [LABEL_VALUE_REGEX] },
    { name: "a negative number", value: "-1", want: [LABEL_VALUE_REGEX] },
    { name: "a 64-character value", value: "a".repeat(64), want: [LABEL_VALUE_TOO_LONG] },
    { name: "a 64-character value with a trailing dash breaks both rules", value: "a".repeat(63) + "-", want: [LABEL_VALUE_TOO_LONG, LABEL_VALUE_REGEX] },
    {
      name: "length is counted in bytes, so 32 two-byte letters are too long",
      value: "ā".repeat(32),
      want: [LABEL_VALUE_TOO_LONG, LABEL_VALUE_REGEX],
    },
  ])("$name", ({ value, want }) => {
    expect(core.labels.validateValue(value)).toEqual(want);
  });
});
