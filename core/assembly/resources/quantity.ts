// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource):
// ParseQuantity, Quantity.MilliValue(), Quantity.Value() and Quantity.String().
//
//   <quantity> ::= <sign?><digits>[.<digits>]<suffix>
//   <suffix>   ::= "" | n | u | m | k | M | G | T | P | E      (decimalSI)
//               | Ki | Mi | Gi | Ti | Pi | Ei                  (binarySI)
//               | e<signed int> | E<signed int>                (decimalExponent)
//
// The number is never turned into a float. Its digits stay in the input string and
// MilliValue()/Value() are computed exactly as ceil(|q| * 10^k) with the sign put back
// (rounding away from zero, as Kubernetes' int64Amount.AsScaledInt64 and scaledValue do),
// saturating to the int64 rails when the true value does not fit (Kubernetes >= the
// saturating scaledValue). BinarySI magnitudes above 2^63-1 are capped to 2^63-1 first,
// as ParseQuantity does, so Value() of "-9Ei" is -(2^63-1) while its MilliValue() is
// the int64 minimum.
//
// Errors, in the order Kubernetes reports them:
//   ErrFormatWrong  the text is not <number><suffix letters><sign?><digits?>
//   ErrSuffix       the suffix is none of the above (also an exponent outside
//                   [-MaxInt32, MaxInt32], kubernetes/kubernetes#141203)
//   ErrNumeric      the inf.Dec slow path got a number without digits ("e-10", "Pi")
//
// The success path of parseQuantity allocates nothing: it reads the string with
// charCodeAt and does its arithmetic in a static 384-bit scratch number.

/** The message of the last failed parse (resource.ErrFormatWrong / ErrSuffix / ErrNumeric). */
export let quantityError: string = "";
/** MilliValue() of the last successful parse. */
export let parsedMilli: i64 = 0;
/** Value() of the last successful parse. */
export let parsedValue: i64 = 0;

export const ERR_FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_SUFFIX = "unable to parse quantity's suffix";
export const ERR_NUMERIC = "unable to parse numeric part of quantity";

const FORMAT_DECIMAL_SI: i32 = 0;
const FORMAT_BINARY_SI: i32 = 1;
const FORMAT_DECIMAL_EXPONENT: i32 = 2;

const MAX_INT32: i64 = 2147483647;

// ---- state of the last parse -------------------------------------------------------

let src: string = "";
let negative = false;
let intStart = 0; // integer digits are src[intStart, intEnd)
let intEnd = 0;
let fracStart = 0; // fraction digits are src[fracStart, fracEnd)
let fracEnd = 0;
let format: i32 = FORMAT_DECIMAL_SI;
let exp10: i64 = 0; // the suffix's power of ten
let shift: i32 = 0; // the suffix's power of two (binarySI)

@inline function isDigit(c: i32): bool {
  return <u32>(c - 48) < 10;
}

@inline function isSuffixLetter(c: i32): bool {
  // "eEinumkKMGTP"
  return c == 101 || c == 69 || c == 105 || c == 110 || c == 117 || c == 109 || c == 107 ||
    c == 75 || c == 77 || c == 71 || c == 84 || c == 80;
}

/** Total digit count (integer and fraction digits as one run). */
@inline function digitCount(): i32 {
  return (intEnd - intStart) + (fracEnd - fracStart);
}

/** The j-th digit of the integer and fraction digits read as one run. */
@inline function digitAt(j: i32): u32 {
  const nInt = intEnd - intStart;
  return <u32>(j < nInt ? src.charCodeAt(intStart + j) : src.charCodeAt(fracStart + j - nInt)) - 48;
}

function fail(message: string): bool {
  quantityError = message;
  return false;
}

// ---- a small unsigned big number in static memory ----------------------------------

const LIMBS: i32 = 12; // 384 bits, little-endian 32-bit limbs
const BIG: usize = memory.data(LIMBS * 4);

@inline function limb(i: i32): u64 {
  return <u64>load<u32>(BIG + (<usize>i << 2));
}

@inline function setLimb(i: i32, v: u64): void {
  store<u32>(BIG + (<usize>i << 2), <u32>v);
}

function bigClear(): void {
  memory.fill(BIG, 0, LIMBS * 4);
}

function bigIsZero(): bool {
  for (let i = 0; i < LIMBS; i++) if (limb(i) != 0) return false;
  return true;
}

/** big = big * m + a (m, a < 2^32). The callers bound the size, so it never overflows. */
function bigMulAdd(m: u64, a: u64): void {
  let carry = a;
  for (let i = 0; i < LIMBS; i++) {
    const t = limb(i) * m + carry;
    setLimb(i, t & 0xffffffff);
    carry = t >> 32;
  }
}

/** big = big / d (0 < d < 2^32); returns the remainder. */
function bigDiv(d: u64): u64 {
  let r: u64 = 0;
  for (let i = LIMBS - 1; i >= 0; i--) {
    const t = (r << 32) | limb(i);
    setLimb(i, t / d);
    r = t % d;
  }
  return r;
}

/** The number of limbs in use. */
function bigTop(): i32 {
  let top = LIMBS;
  while (top > 0 && limb(top - 1) == 0) top--;
  return top;
}

/** Whether big fits in a u64, and if so its value in `bigLow`. */
let bigLow: u64 = 0;
function bigFitsU64(): bool {
  if (bigTop() > 2) return false;
  bigLow = limb(0) | (limb(1) << 32);
  return true;
}

/**
 * big = ceil(|q| * 10^k), where |q| = digits * 10^(exp10 - fractionDigits) * 2^shift.
 * Returns false without finishing when |q| * 10^k has more than `maxIntegerDigits`
 * integer digits (before the power of two), so the caller can treat it as too large.
 *
 * Exactness: with x = digits * 10^(exp10 - fractionDigits + k), the result is
 * ceil(x * 2^s) = ceil((x * 10^s) / 5^s). N = floor(x * 10^s) is an integer read straight
 * off the digits; the dropped tail (if any) is below one unit of N, so
 * floor(x * 2^s) = floor(N / 5^s), and the value is exact only when nothing was dropped
 * and 5^s divides N.
 */
function scaledMagnitude(k: i32, maxIntegerDigits: i32): bool {
  bigClear();
  const n = digitCount();
  let z = 0;
  while (z < n && digitAt(z) == 0) z++;
  if (z == n) return true; // zero
  const T: i64 = exp10 - <i64>(fracEnd - fracStart) + <i64>k;
  const L: i64 = <i64>(n - z) + T; // integer digits of x
  if (L > <i64>maxIntegerDigits) return false;
  const keep: i64 = L + <i64>shift; // digits of N
  let inexact = false;
  if (keep <= 0) {
    inexact = true; // 0 < x * 10^s < 1
  } else {
    const kept = <i32>keep;
    for (let j = 0; j < kept; j++) {
      const at = z + j;
      bigMulAdd(10, at < n ? <u64>digitAt(at) : 0);
    }
    for (let at = z + kept; at < n; at++) {
      if (digitAt(at) != 0) {
        inexact = true;
        break;
      }
    }
    // divide by 5^shift, 5^13 (< 2^32) at a time
    let s = shift;
    while (s > 0) {
      const step = s > 13 ? 13 : s;
      let d: u64 = 1;
      for (let i = 0; i < step; i++) d *= 5;
      if (bigDiv(d) != 0) inexact = true;
      s -= step;
    }
  }
  if (inexact) bigMulAdd(1, 1);
  return true;
}

/** ceil(|q| * 10^k) with the sign put back, saturating to the int64 rails. */
function scaledValue(k: i32): i64 {
  // More than 19 integer digits is at least 10^19 > 2^63.
  const fits = scaledMagnitude(k, 19) && bigFitsU64();
  let magnitude: u64 = fits ? bigLow : u64.MAX_VALUE;
  if (format == FORMAT_BINARY_SI && k == 0 && magnitude > <u64>i64.MAX_VALUE) {
    // ParseQuantity caps BinarySI amounts at 2^63-1 before anything reads them.
    magnitude = <u64>i64.MAX_VALUE;
  }
  if (!negative) return magnitude > <u64>i64.MAX_VALUE ? i64.MAX_VALUE : <i64>magnitude;
  return magnitude >= <u64>i64.MIN_VALUE ? i64.MIN_VALUE : -(<i64>magnitude);
}

// ---- parsing -----------------------------------------------------------------------

/**
 * strconv.ParseInt of src[from, to) limited to [-MaxInt32, MaxInt32]; sets exp10 and
 * returns true, or returns false (ErrSuffix) for anything else.
 */
function parseExponent(from: i32, to: i32): bool {
  let i = from;
  let minus = false;
  if (i < to) {
    const c = src.charCodeAt(i);
    if (c == 43 || c == 45) {
      minus = c == 45;
      i++;
    }
  }
  if (i >= to) return false;
  let e: i64 = 0;
  for (; i < to; i++) {
    const c = src.charCodeAt(i);
    if (!isDigit(c)) return false;
    e = e * 10 + <i64>(c - 48);
    if (e > MAX_INT32) return false;
  }
  exp10 = minus ? -e : e;
  return true;
}

/** quantitySuffixer.interpret of src[from, to). */
function interpretSuffix(from: i32, to: i32): bool {
  const len = to - from;
  format = FORMAT_DECIMAL_SI;
  exp10 = 0;
  shift = 0;
  if (len == 0) return true;
  const c = src.charCodeAt(from);
  if (len == 1) {
    switch (c) {
      case 110: exp10 = -9; return true; // n
      case 117: exp10 = -6; return true; // u
      case 109: exp10 = -3; return true; // m
      case 107: exp10 = 3; return true; // k
      case 77: exp10 = 6; return true; // M
      case 71: exp10 = 9; return true; // G
      case 84: exp10 = 12; return true; // T
      case 80: exp10 = 15; return true; // P
      case 69: exp10 = 18; return true; // E
    }
    return false;
  }
  if (len == 2 && src.charCodeAt(from + 1) == 105 /* i */) {
    let s = 0;
    switch (c) {
      case 75: s = 10; break; // Ki
      case 77: s = 20; break; // Mi
      case 71: s = 30; break; // Gi
      case 84: s = 40; break; // Ti
      case 80: s = 50; break; // Pi
      case 69: s = 60; break; // Ei
    }
    if (s != 0) {
      format = FORMAT_BINARY_SI;
      shift = s;
      return true;
    }
  }
  if (c == 101 || c == 69) {
    format = FORMAT_DECIMAL_EXPONENT;
    return parseExponent(from + 1, to);
  }
  return false;
}

/** Reads `s` into the parse state; false (with quantityError set) on error. */
function scan(s: string): bool {
  src = s;
  const n = s.length;
  if (n == 0) return fail(ERR_FORMAT_WRONG);
  let pos = 0;
  negative = false;
  const first = s.charCodeAt(0);
  if (first == 45 || first == 43) {
    negative = first == 45;
    pos = 1;
  }
  intStart = pos;
  while (pos < n && isDigit(s.charCodeAt(pos))) pos++;
  intEnd = pos;
  fracStart = fracEnd = pos;
  if (pos < n && s.charCodeAt(pos) == 46 /* . */) {
    pos++;
    fracStart = pos;
    while (pos < n && isDigit(s.charCodeAt(pos))) pos++;
    fracEnd = pos;
  }
  // The suffix: letters from "eEinumkKMGTP", then an optional sign and digits.
  const suffixStart = pos;
  while (pos < n && isSuffixLetter(s.charCodeAt(pos))) pos++;
  if (pos < n) {
    const c = s.charCodeAt(pos);
    if (c == 43 || c == 45) pos++;
    while (pos < n && isDigit(s.charCodeAt(pos))) pos++;
    if (pos < n) return fail(ERR_FORMAT_WRONG);
  }
  if (!interpretSuffix(suffixStart, n)) return fail(ERR_SUFFIX);
  // A number without digits ("", "+", ".", "-.") is zero on the int64 fast path, but
  // inf.Dec cannot parse it, and Kubernetes takes the inf.Dec path for exponents below
  // nano ("e-10") and for Pi/Ei (the fast path's precision estimate goes negative).
  if (digitCount() == 0) {
    if (format == FORMAT_BINARY_SI ? shift >= 50 : exp10 < -9) return fail(ERR_NUMERIC);
  }
  return true;
}

/**
 * resource.ParseQuantity(s): true on success, with MilliValue() in `parsedMilli` and
 * Value() in `parsedValue`; false with the error text in `quantityError`.
 */
export function parseQuantity(s: string): bool {
  if (!scan(s)) return false;
  parsedMilli = scaledValue(3);
  parsedValue = scaledValue(0);
  return true;
}

// ---- canonical form ----------------------------------------------------------------

const DECIMAL_SI_SUFFIXES: StaticArray<string> = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
const BINARY_SI_SUFFIXES: StaticArray<string> = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** The significant digits (no leading zeros) of the parsed number, "" for zero. */
function significantDigits(): string {
  const n = digitCount();
  let z = 0;
  while (z < n && digitAt(z) == 0) z++;
  let out = "";
  for (let j = z; j < n; j++) out += String.fromCharCode(<i32>digitAt(j) + 48);
  return out;
}

/** Adds one to a decimal digit string. */
function incrementDigits(d: string): string {
  let i = d.length - 1;
  while (i >= 0 && d.charCodeAt(i) == 57) i--;
  if (i < 0) return "1" + "0".repeat(d.length);
  return d.substring(0, i) + String.fromCharCode(d.charCodeAt(i) + 1) + "0".repeat(d.length - i - 1);
}

/**
 * AsCanonicalBytes + suffix: digits * 10^exponent (digits without leading zeros, not
 * "") written with the exponent moved to a multiple of three, as large as possible.
 */
function decimalString(digits: string, exponent: i64, fmt: i32): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) == 48) end--;
  exponent += <i64>(digits.length - end);
  let mantissa = digits.substring(0, end);
  const r = <i32>(((exponent % 3) + 3) % 3);
  if (r != 0) {
    mantissa += "0".repeat(r);
    exponent -= r;
  }
  const sign = negative ? "-" : "";
  if (fmt == FORMAT_DECIMAL_SI && exponent >= -9 && exponent <= 18) {
    return sign + mantissa + DECIMAL_SI_SUFFIXES[<i32>(exponent / 3) + 3];
  }
  // DecimalExponent, and DecimalSI past "E" (kubernetes/kubernetes#140459).
  if (exponent == 0) return sign + mantissa;
  return sign + mantissa + "e" + exponent.toString();
}

/** Whether ParseQuantity keeps the input as the quantity's string (its fast path). */
function keepsInput(): bool {
  // len(num) counts the integer digits after leading zeros, at least one.
  let numStart = intStart;
  while (numStart < intEnd && src.charCodeAt(numStart) == 48) numStart++;
  const numLen = intEnd - numStart;
  const fracLen = fracEnd - fracStart;
  if (numLen == 0 && fracLen == 0) return false; // "0" alone is handled by the caller
  if (format == FORMAT_BINARY_SI) {
    if (fracLen != 0) return false;
    const numDigits = numLen == 0 ? 1 : numLen;
    if (15 - numDigits - (shift * 3) / 10 - 1 < 0) return false;
    // value & 0x07 != 0: the number before the suffix is not a multiple of 8
    let low: i32 = 0;
    for (let i = numStart; i < intEnd; i++) low = (low * 10 + (src.charCodeAt(i) - 48)) & 7;
    return low != 0;
  }
  const shiftedLen = (numLen == 0 ? 1 : numLen) + fracLen;
  if (18 - shiftedLen < 0) return false;
  const scale: i64 = exp10 - <i64>fracLen;
  if (scale < -9 || scale % 3 != 0) return false;
  if (numLen == 0) return false; // shifted starts with '0'
  // shifted = num + denom must not end in "000"
  if (shiftedLen >= 3) {
    let zeros = 0;
    for (let j = digitCount() - 1; j >= 0 && zeros < 3 && digitAt(j) == 0; j--) zeros++;
    if (zeros >= 3) return false;
  }
  return true;
}

/**
 * The string Kubernetes gives ParseQuantity(s).String(), or "" with `quantityError` set
 * when s does not parse. Allocates; not meant for hot paths.
 */
export function canonicalQuantity(s: string): string {
  if (!scan(s)) return "";
  if (s == "0" || keepsInput()) return s;
  if (format == FORMAT_BINARY_SI) {
    // Nano units, rounded up, capped at 2^63-1 units (binarySI's maxAllowed).
    let capped = !scaledMagnitude(9, 29);
    if (!capped) {
      const top = bigTop();
      if (top > 4) capped = true;
      else if (top > 2) {
        const hi = limb(2) | (limb(3) << 32);
        const lo = limb(0) | (limb(1) << 32);
        // (2^63-1) * 10^9 = 499999999 * 2^64 + (2^64 - 10^9)
        capped = hi > 499999999 || (hi == 499999999 && lo > 18446744072709551616 - 1000000000);
      }
    }
    if (capped) return (negative ? "-" : "") + "9223372036854775807";
    if (bigIsZero()) return "0";
    const fraction = <u32>bigDiv(1000000000);
    bigFitsU64();
    let whole = bigLow; // below 2^63 after the cap
    // Below 1024, or with a fraction, BinarySI is written as DecimalSI.
    if (whole < 1024 || fraction != 0) {
      let text = fraction.toString();
      text = "0".repeat(9 - text.length) + text;
      if (whole != 0) text = whole.toString() + text;
      else {
        let z = 0;
        while (text.charCodeAt(z) == 48) z++;
        text = text.substring(z);
      }
      return decimalString(text, -9, FORMAT_DECIMAL_SI);
    }
    // A whole number: remove factors of 1024.
    let e = 0;
    while (whole >= 1024 && (whole & 1023) == 0) {
      whole >>= 10;
      e++;
    }
    return (negative ? "-" : "") + whole.toString() + BINARY_SI_SUFFIXES[e];
  }
  let digits = significantDigits();
  if (digits.length == 0) return "0";
  let exponent: i64 = exp10 - <i64>(fracEnd - fracStart);
  if (exponent < -9) {
    // Round up (away from zero) to nano, as the inf.Dec path does.
    const keep: i64 = <i64>digits.length + exponent + 9;
    if (keep <= 0) {
      digits = "1";
    } else {
      let dropped = false;
      for (let i = <i32>keep; i < digits.length; i++) {
        if (digits.charCodeAt(i) != 48) {
          dropped = true;
          break;
        }
      }
      digits = digits.substring(0, <i32>keep);
      if (dropped) digits = incrementDigits(digits);
    }
    exponent = -9;
  }
  return decimalString(digits, exponent, format);
}
