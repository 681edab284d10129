import {
  parseQuantity,
  parsedMilli,
  parsedValue,
  quantityError,
  canonicalQuantity,
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  ERR_NUMERIC,
} from "../resources/quantity";

// Expected values follow k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go,
// amount.go, math.go, scale_int.go): MilliValue() = ceil(q * 1000) and Value() = ceil(q),
// rounding away from zero and saturating to the int64 rails.

const MAX = i64.MAX_VALUE;
const MIN = i64.MIN_VALUE;

class Valid {
  constructor(
    public input: string,
    public milli: i64,
    public value: i64,
  ) {}
}

const VALID: Array<Valid> = [
  // plain numbers
  new Valid("0", 0, 0),
  new Valid("1", 1000, 1),
  new Valid("4", 4000, 4),
  new Valid("007", 7000, 7),
  new Valid("0.1", 100, 1),
  new Valid(".5", 500, 1),
  new Valid("5.", 5000, 5),
  new Valid("00.500", 500, 1),
  new Valid("1.0001", 1001, 2),
  new Valid("1.000000000000000000001", 1001, 2),
  new Valid("0.000000000000000000001", 1, 1),
  new Valid("9223372036854775.807", 9223372036854775807, 9223372036854776),
  // signs: rounding is away from zero
  new Valid("+2", 2000, 2),
  new Valid("-2", -2000, -2),
  new Valid("-1.5", -1500, -2),
  new Valid("-100m", -100, -1),
  new Valid("-0", 0, 0),
  new Valid("-0.0001", -1, -1),
  // decimal SI suffixes
  new Valid("1n", 1, 1),
  new Valid("3.001n", 1, 1),
  new Valid("999999n", 1, 1),
  new Valid("1000000n", 1, 1),
  new Valid("1000000001n", 1001, 2),
  new Valid("1u", 1, 1),
  new Valid("1500u", 2, 1),
  new Valid("100m", 100, 1),
  new Valid("250m", 250, 1),
  new Valid("1000m", 1000, 1),
  new Valid("1001m", 1001, 2),
  new Valid("0.1m", 1, 1),
  new Valid("1k", 1000000, 1000),
  new Valid("100.035k", 100035000, 100035),
  new Valid("1M", 1000000000, 1000000),
  new Valid("7.123456M", 7123456000, 7123456),
  new Valid("1G", 1000000000000, 1000000000),
  new Valid("1.G", 1000000000000, 1000000000),
  new Valid("6.987654321G", 6987654321000, 6987654321),
  new Valid("1T", 1000000000000000, 1000000000000),
  new Valid("1P", 1000000000000000000, 1000000000000000),
  new Valid("1E", MAX, 1000000000000000000),
  new Valid("1.01E", MAX, 1010000000000000000),
  new Valid("9.223372036854775807E", MAX, MAX),
  new Valid("12E", MAX, MAX),
  // binary SI suffixes
  new Valid("1Ki", 1024000, 1024),
  new Valid("0.5Ki", 512000, 512),
  new Valid("100.035Ki", 102435840, 102436),
  new Valid(".000000000001Ki", 1, 1),
  new Valid("1Mi", 1048576000, 1048576),
  new Valid("500Mi", 524288000000, 524288000),
  new Valid("0.5Mi", 524288000, 524288),
  new Valid("1Gi", 1073741824000, 1073741824),
  new Valid("1.5Gi", 1610612736000, 1610612736),
  new Valid("0.05Gi", 53687091200, 53687092),
  new Valid("32Gi", 34359738368000, 34359738368),
  new Valid("1Ti", 1099511627776000, 1099511627776),
  new Valid("0.025Ti", 27487790694400, 27487790695),
  new Valid("1Pi", 1125899906842624000, 1125899906842624),
  new Valid("4Pi", 4503599627370496000, 4503599627370496),
  new Valid("8Pi", 9007199254740992000, 9007199254740992),
  new Valid("9Pi", MAX, 10133099161583616),
  new Valid("1Ei", MAX, 1152921504606846976),
  new Valid("7Ei", MAX, 8070450532247928832),
  // BinarySI amounts are capped at 2^63-1 (maxAllowed)
  new Valid("8Ei", MAX, MAX),
  new Valid("9Ei", MAX, MAX),
  new Valid("9223372036854775807Ki", MAX, MAX),
  new Valid("-8Ei", MIN, -MAX),
  // decimal exponents
  new Valid("1e3", 1000000, 1000),
  new Valid("1E3", 1000000, 1000),
  new Valid("1e+3", 1000000, 1000),
  new Valid("1e007", 10000000000, 10000000),
  new Valid("1e-0", 1000, 1),
  new Valid("1e-3", 1, 1),
  new Valid("1E-3", 1, 1),
  new Valid("1.5e+2", 150000, 150),
  new Valid("1.2e3", 1200000, 1200),
  new Valid("0.5e-9", 1, 1),
  new Valid("1e18", MAX, 1000000000000000000),
  new Valid("1e19", MAX, MAX),
  new Valid("1e2147483647", MAX, MAX),
  new Valid("-1e2147483647", MIN, MIN),
  new Valid("1e-2147483647", 1, 1),
  // beyond int64: saturation
  new Valid("9223372036854775807", MAX, MAX),
  new Valid("9223372036854775808", MAX, MAX),
  new Valid("-9223372036854775807", MIN, -MAX),
  new Valid("-9223372036854775808", MIN, MIN),
  new Valid("9223372036854775.8071", MAX, 9223372036854776),
  new Valid("100000000000000000000", MAX, MAX),
  new Valid("-100000000000000000000", MIN, MIN),
  new Valid("123456789012345678901234567890", MAX, MAX),
  // numbers without digits are zero where Kubernetes' int64 fast path reads them
  new Valid(".", 0, 0),
  new Valid("+", 0, 0),
  new Valid("-", 0, 0),
  new Valid("-.", 0, 0),
  new Valid("m", 0, 0),
  new Valid("k", 0, 0),
  new Valid("Ki", 0, 0),
  new Valid("Ti", 0, 0),
  new Valid("e5", 0, 0),
  new Valid("e-9", 0, 0),
];

class Invalid {
  constructor(
    public input: string,
    public message: string,
  ) {}
}

const FORMAT = ERR_FORMAT_WRONG;
const SUFFIX = ERR_SUFFIX;
const NUMERIC = ERR_NUMERIC;

const INVALID: Array<Invalid> = [
  new Invalid("", FORMAT),
  new Invalid(" 1", FORMAT),
  new Invalid("1 ", FORMAT),
  new Invalid("1 Gi", FORMAT),
  new Invalid("1.1.M", FORMAT),
  new Invalid("1.5.5", FORMAT),
  new Invalid("1+1.0M", FORMAT),
  new Invalid("0.1am", FORMAT),
  new Invalid("aoeu", FORMAT),
  new Invalid("abc", FORMAT),
  new Invalid("1Gb", FORMAT),
  new Invalid("1KI", FORMAT),
  new Invalid("1e3e", FORMAT),
  new Invalid("１", FORMAT), // full-width digit
  new Invalid("0.1mi", SUFFIX),
  new Invalid(".5i", SUFFIX),
  new Invalid("1i", SUFFIX),
  new Invalid("-3.01i", SUFFIX),
  new Invalid("-3.01e-", SUFFIX),
  new Invalid("1e", SUFFIX),
  new Invalid("1E+", SUFFIX),
  new Invalid("1ee3", SUFFIX),
  new Invalid("1K", SUFFIX),
  new Invalid("1ki", SUFFIX),
  new Invalid("1Mm", SUFFIX),
  new Invalid("1iK", SUFFIX),
  new Invalid("1Ki3", SUFFIX),
  new Invalid("1-", SUFFIX),
  new Invalid("1+5", SUFFIX),
  new Invalid("--1", SUFFIX),
  new Invalid("ki", SUFFIX),
  // exponents outside [-MaxInt32, MaxInt32] (kubernetes/kubernetes#141203)
  new Invalid("1e2147483648", SUFFIX),
  new Invalid("1e-2147483648", SUFFIX),
  new Invalid("1e4294967297", SUFFIX),
  new Invalid("1e99999999999999999999", SUFFIX),
  // no digits on Kubernetes' inf.Dec path
  new Invalid("e-10", NUMERIC),
  new Invalid(".e-10", NUMERIC),
  new Invalid("Pi", NUMERIC),
  new Invalid("-Ei", NUMERIC),
  new Invalid("+.Pi", NUMERIC),
];

class Canonical {
  constructor(
    public input: string,
    public expect: string,
  ) {}
}

const CANONICAL: Array<Canonical> = [
  // TestQuantityParseEmit
  new Canonical("1Ki", "1Ki"),
  new Canonical("1Mi", "1Mi"),
  new Canonical("1Gi", "1Gi"),
  new Canonical("1024Mi", "1Gi"),
  new Canonical("1000M", "1G"),
  new Canonical(".001Ki", "1024m"),
  new Canonical(".000001Ki", "1024u"),
  new Canonical(".000000001Ki", "1024n"),
  new Canonical(".000000000001Ki", "2n"),
  new Canonical("-1Gi", "-1Gi"),
  new Canonical("-1024Mi", "-1Gi"),
  new Canonical("-.001Ki", "-1024m"),
  new Canonical("-.000000000001Ki", "-2n"),
  // alternate spellings of canonical values
  new Canonical("307200Ki", "300Mi"),
  new Canonical("1025024Mi", "1001Gi"),
  new Canonical("1024Gi", "1Ti"),
  new Canonical("2048Ki", "2Mi"),
  new Canonical("8Ki", "8Ki"),
  new Canonical("1000Ki", "1000Ki"),
  new Canonical("1536Ki", "1536Ki"),
  new Canonical("1.5Gi", "1536Mi"),
  new Canonical("0.5Ki", "512"),
  new Canonical("1.1Ki", "1126400m"),
  new Canonical("100.035Ki", "102435840m"),
  new Canonical("9Ei", "9223372036854775807"),
  new Canonical("-9Ei", "-9223372036854775807"),
  new Canonical("5000m", "5"),
  new Canonical("1000m", "1"),
  new Canonical("0.5", "500m"),
  new Canonical("1.5", "1500m"),
  new Canonical("-1.5", "-1500m"),
  new Canonical("1.08", "1080m"),
  new Canonical("1080000000n", "1080m"),
  new Canonical("1.0001", "1000100u"),
  new Canonical("0.001T", "1G"),
  new Canonical("1000u", "1m"),
  new Canonical("50000", "50k"),
  new Canonical("1.01E", "1010P"),
  new Canonical("12E", "12E"),
  new Canonical("100000000000000000000", "100E"),
  new Canonical("123456789012345678901234567890", "123456789012345678901234567890"),
  new Canonical(".001e12", "1e9"),
  new Canonical("0.001e0", "1e-3"),
  new Canonical("1000e-12", "1e-9"),
  new Canonical("1e100", "10e99"),
  new Canonical("0.5e-9", "1e-9"),
  // rounding up to nano
  new Canonical("0.0000000001", "1n"),
  new Canonical("3.001n", "4n"),
  new Canonical("0.00000012345", "124n"),
  new Canonical("0.999999999999", "1"),
  // DecimalSI past "E" falls back to an exponent (kubernetes/kubernetes#140459)
  new Canonical("1000E", "1e21"),
  new Canonical("5000E", "5e21"),
  new Canonical("1000000E", "1e24"),
  // zero
  new Canonical("0", "0"),
  new Canonical("00", "0"),
  new Canonical("-0", "0"),
  new Canonical("0.0", "0"),
  new Canonical("0Ki", "0"),
  new Canonical("m", "0"),
  // ParseQuantity keeps the input as the string when its fast path finds it canonical,
  // even with a sign or leading zeros
  new Canonical("100m", "100m"),
  new Canonical("50k", "50k"),
  new Canonical("1e3", "1e3"),
  new Canonical("1E3", "1E3"),
  new Canonical("+100m", "+100m"),
  new Canonical("01", "01"),
  new Canonical("+1Ki", "+1Ki"),
  new Canonical("1025Ki", "1025Ki"),
];

describe("resource.ParseQuantity", () => {
  it("computes MilliValue and Value, rounding up and saturating", () => {
    for (let i = 0; i < VALID.length; i++) {
      const c = VALID[i];
      expect(parseQuantity(c.input)).toBe(true, c.input);
      expect(parsedMilli).toBe(c.milli, c.input + " MilliValue");
      expect(parsedValue).toBe(c.value, c.input + " Value");
    }
  });
  it("rejects malformed quantities with Kubernetes' errors", () => {
    for (let i = 0; i < INVALID.length; i++) {
      const c = INVALID[i];
      expect(parseQuantity(c.input)).toBe(false, c.input);
      expect(quantityError).toBe(c.message, c.input);
    }
  });
  it("keeps the last successful values after a failed parse", () => {
    expect(parseQuantity("1.5Gi")).toBe(true);
    expect(parseQuantity("1.5Gb")).toBe(false);
    expect(parsedValue).toBe(1610612736);
    expect(parsedMilli).toBe(1610612736000);
  });
});

describe("Quantity.String()", () => {
  it("writes the canonical form", () => {
    for (let i = 0; i < CANONICAL.length; i++) {
      const c = CANONICAL[i];
      expect(canonicalQuantity(c.input)).toBe(c.expect, c.input);
    }
  });
  it("returns the empty string and the error for malformed input", () => {
    expect(canonicalQuantity("1K")).toBe("");
    expect(quantityError).toBe(ERR_SUFFIX);
  });
  it("round-trips: the canonical string parses to the same values", () => {
    for (let i = 0; i < VALID.length; i++) {
      const input = VALID[i].input;
      const text = canonicalQuantity(input);
      expect(parseQuantity(text)).toBe(true, input + " -> " + text);
      expect(parsedMilli).toBe(VALID[i].milli, input + " -> " + text);
      expect(parsedValue).toBe(VALID[i].value, input + " -> " + text);
    }
  });
});
