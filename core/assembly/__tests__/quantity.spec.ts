import { parseQuantity, parsedMilli, parsedValue, quantityError } from "../resources/quantity";

class Case {
  constructor(
    public input: string,
    public milli: i64,
    public value: i64,
  ) {}
}

// MilliValue() and Value() as Kubernetes computes them (both round up).
const VALID: Array<Case> = [
  new Case("0", 0, 0),
  new Case("1", 1000, 1),
  new Case("100m", 100, 1),
  new Case("0.1", 100, 1),
  new Case(".5", 500, 1),
  new Case("5.", 5000, 5),
  new Case("1.0001", 1001, 2),
  new Case("1n", 1, 1),
  new Case("1u", 1, 1),
  new Case("1000000n", 1, 1),
  new Case("1500u", 2, 1),
  new Case("250m", 250, 1),
  new Case("4", 4000, 4),
  new Case("1k", 1000000, 1000),
  new Case("1M", 1000000000, 1000000),
  new Case("1G", 1000000000000, 1000000000),
  new Case("1Ki", 1024000, 1024),
  new Case("1Mi", 1048576000, 1048576),
  new Case("500Mi", 524288000000, 524288000),
  new Case("1.5Gi", 1610612736000, 1610612736),
  new Case("32Gi", 34359738368000, 34359738368),
  new Case("0.5Ki", 512000, 512),
  new Case("1e3", 1000000, 1000),
  new Case("1E3", 1000000, 1000),
  new Case("1e-3", 1, 1),
  new Case("1.5e+2", 150000, 150),
  new Case("+2", 2000, 2),
  new Case("-2", -2000, -2),
  new Case("-1.5", -1500, -2),
  new Case("007", 7000, 7),
  new Case("1E", i64.MAX_VALUE, 1000000000000000000), // 10^21 millis saturate
  new Case("8Ei", i64.MAX_VALUE, i64.MAX_VALUE),
  new Case("0.000000000000000000001", 1, 1),
  new Case("123456789012345678901234567890", i64.MAX_VALUE, i64.MAX_VALUE),
];

const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX = "unable to parse quantity's suffix";

class Bad {
  constructor(
    public input: string,
    public message: string,
  ) {}
}

const INVALID: Array<Bad> = [
  new Bad("", FORMAT_WRONG),
  new Bad("1.5.5", FORMAT_WRONG),
  new Bad("1 Gi", FORMAT_WRONG),
  new Bad("1Gb", FORMAT_WRONG),
  new Bad("1K", SUFFIX),
  new Bad("1e", SUFFIX),
  new Bad("1Mm", SUFFIX),
  new Bad("1iK", SUFFIX),
  new Bad("abc", FORMAT_WRONG), // "a" is not a suffix letter
  new Bad("ki", SUFFIX), // no digits: the number is 0, the suffix "ki" unknown
];

describe("resource.ParseQuantity", () => {
  it("computes MilliValue and Value, rounding up", () => {
    for (let i = 0; i < VALID.length; i++) {
      const c = VALID[i];
      expect(parseQuantity(c.input)).toBe(true, c.input);
      expect(parsedMilli).toBe(c.milli, c.input + " milli");
      expect(parsedValue).toBe(c.value, c.input + " value");
    }
  });
  it("rejects malformed quantities with Kubernetes' messages", () => {
    for (let i = 0; i < INVALID.length; i++) {
      const c = INVALID[i];
      expect(parseQuantity(c.input)).toBe(false, c.input);
      expect(quantityError).toBe(c.message, c.input);
    }
  });
});
