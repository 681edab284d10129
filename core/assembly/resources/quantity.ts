// resource.ParseQuantity and Quantity.MilliValue()/Value(), as Kubernetes computes them:
//   <sign?><digits>[.<digits>]<suffix>   suffix: "" n u m k M G T P E | Ki Mi Gi Ti Pi Ei | e<int> E<int>
// Scaled values round up (away from zero), exactly: the digits are kept in a 128-bit
// integer and scaled by 10s and 2s, so "1.0001" is 1001 millis and "0.1n" is 1 milli.
// Values beyond int64 saturate (Kubernetes leaves them undefined; no real request is that big).

/** The message of the last failed parse (resource.ErrFormatWrong / ErrSuffix wording). */
export let quantityError: string = "";
/** MilliValue() of the last successful parse. */
export let parsedMilli: i64 = 0;
/** Value() of the last successful parse. */
export let parsedValue: i64 = 0;

const ERR_FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_SUFFIX = "unable to parse quantity's suffix";

// A 128-bit unsigned magnitude as four 32-bit limbs (l0 lowest), in module globals so the
// arithmetic allocates nothing.
let l0: u64 = 0, l1: u64 = 0, l2: u64 = 0, l3: u64 = 0;
/** The magnitude no longer fits 128 bits. */
let saturated = false;

@inline function isDigit(c: i32): bool {
  return <u32>(c - 48) < 10;
}

function isSuffixChar(c: i32): bool {
  // "eEinumkKMGTP"
  return c == 101 || c == 69 || c == 105 || c == 110 || c == 117 || c == 109 || c == 107 ||
    c == 75 || c == 77 || c == 71 || c == 84 || c == 80;
}

function mulSmall(m: u64): void {
  let carry: u64 = 0;
  let t = l0 * m + carry; l0 = t & 0xffffffff; carry = t >> 32;
  t = l1 * m + carry; l1 = t & 0xffffffff; carry = t >> 32;
  t = l2 * m + carry; l2 = t & 0xffffffff; carry = t >> 32;
  t = l3 * m + carry; l3 = t & 0xffffffff; carry = t >> 32;
  if (carry != 0) saturated = true;
}

function addSmall(a: u64): void {
  let t = l0 + a; l0 = t & 0xffffffff;
  t = l1 + (t >> 32); l1 = t & 0xffffffff;
  t = l2 + (t >> 32); l2 = t & 0xffffffff;
  t = l3 + (t >> 32); l3 = t & 0xffffffff;
  if ((t >> 32) != 0) saturated = true;
}

/** Divides by `d` (< 2^32); returns the remainder. */
function divSmall(d: u64): u64 {
  let r: u64 = 0;
  let t = (r << 32) | l3; l3 = t / d; r = t % d;
  t = (r << 32) | l2; l2 = t / d; r = t % d;
  t = (r << 32) | l1; l1 = t / d; r = t % d;
  t = (r << 32) | l0; l0 = t / d; r = t % d;
  return r;
}

@inline function isZero(): bool {
  return (l0 | l1 | l2 | l3) == 0;
}

/**
 * ceil(|digits| × 10^exponent10 × 2^shift) as i64 (saturating), with `inexact` telling
 * that digits were dropped below the unit (so the true value is a little larger).
 */
function scaled(exponent10: i32, shift: i32, inexact: bool): i64 {
  for (let i = 0; i < shift && !saturated; i++) mulSmall(2);
  let remainder = inexact;
  if (exponent10 >= 0) {
    for (let i = 0; i < exponent10 && !saturated && !isZero(); i++) mulSmall(10);
  } else {
    for (let i = 0; i < -exponent10; i++) {
      if (isZero()) break;
      if (divSmall(10) != 0) remainder = true;
    }
  }
  if (saturated || l3 != 0 || l2 != 0 || l1 >= 0x80000000) return i64.MAX_VALUE;
  let v = <i64>((l1 << 32) | l0);
  if (remainder && v < i64.MAX_VALUE) v++;
  return v;
}

/** Parses `s`; on success MilliValue/Value are in parsedMilli/parsedValue. */
export function parseQuantity(s: string): bool {
  const n = s.length;
  if (n == 0) return fail(ERR_FORMAT_WRONG);
  let pos = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first == 45 || first == 43) {
    negative = first == 45;
    pos = 1;
  }

  // Digits before and after the point, accumulated into the 128-bit magnitude; digits
  // beyond its precision only matter for rounding up, so they are remembered as `inexact`.
  l0 = l1 = l2 = l3 = 0;
  saturated = false;
  let fractionDigits = 0;
  let droppedIntegerDigits = 0;
  let inexact = false;
  for (; pos < n && isDigit(s.charCodeAt(pos)); pos++) {
    if (l3 >= 0x0fffffff) {
      droppedIntegerDigits++;
      if (s.charCodeAt(pos) != 48) inexact = true;
    } else {
      mulSmall(10);
      addSmall(<u64>(s.charCodeAt(pos) - 48));
    }
  }
  if (pos < n && s.charCodeAt(pos) == 46) {
    pos++;
    for (; pos < n && isDigit(s.charCodeAt(pos)); pos++) {
      if (l3 >= 0x0fffffff || droppedIntegerDigits > 0) {
        if (s.charCodeAt(pos) != 48) inexact = true;
      } else {
        mulSmall(10);
        addSmall(<u64>(s.charCodeAt(pos) - 48));
        fractionDigits++;
      }
    }
  }

  // The suffix: letters from "eEinumkKMGTP", then an optionally signed integer.
  const suffixStart = pos;
  while (pos < n && isSuffixChar(s.charCodeAt(pos))) pos++;
  if (pos < n) {
    const c = s.charCodeAt(pos);
    if (c == 43 || c == 45) pos++;
    while (pos < n && isDigit(s.charCodeAt(pos))) pos++;
    if (pos < n) return fail(ERR_FORMAT_WRONG);
  }
  const suffix = s.substring(suffixStart);

  let exponent10 = 0;
  let shift = 0;
  if (suffix.length == 0) exponent10 = 0;
  else if (suffix == "n") exponent10 = -9;
  else if (suffix == "u") exponent10 = -6;
  else if (suffix == "m") exponent10 = -3;
  else if (suffix == "k") exponent10 = 3;
  else if (suffix == "M") exponent10 = 6;
  else if (suffix == "G") exponent10 = 9;
  else if (suffix == "T") exponent10 = 12;
  else if (suffix == "P") exponent10 = 15;
  else if (suffix == "E") exponent10 = 18;
  else if (suffix == "Ki") shift = 10;
  else if (suffix == "Mi") shift = 20;
  else if (suffix == "Gi") shift = 30;
  else if (suffix == "Ti") shift = 40;
  else if (suffix == "Pi") shift = 50;
  else if (suffix == "Ei") shift = 60;
  else if (suffix.length > 1 && (suffix.charCodeAt(0) == 101 || suffix.charCodeAt(0) == 69)) {
    const e = parseExponent(suffix);
    if (!exponentOk) return fail(ERR_SUFFIX);
    exponent10 = e;
  } else {
    return fail(ERR_SUFFIX);
  }

  const a0 = l0, a1 = l1, a2 = l2, a3 = l3, aSaturated = saturated;
  const base = exponent10 - fractionDigits + droppedIntegerDigits;
  const milli = scaled(base + 3, shift, inexact);
  l0 = a0; l1 = a1; l2 = a2; l3 = a3; saturated = aSaturated;
  const value = scaled(base, shift, inexact);
  parsedMilli = negative ? -milli : milli;
  parsedValue = negative ? -value : value;
  return true;
}

let exponentOk = false;

/** strconv.ParseInt of the suffix after 'e'/'E', clamped to a range that saturates anyway. */
function parseExponent(suffix: string): i32 {
  exponentOk = false;
  let i = 1;
  let negative = false;
  const c = suffix.charCodeAt(1);
  if (c == 43 || c == 45) {
    negative = c == 45;
    i = 2;
  }
  if (i >= suffix.length) return 0;
  let e: i64 = 0;
  for (; i < suffix.length; i++) {
    const d = suffix.charCodeAt(i);
    if (!isDigit(d)) return 0;
    if (e < 100000) e = e * 10 + (d - 48);
  }
  exponentOk = true;
  return <i32>(negative ? -e : e);
}

function fail(message: string): bool {
  quantityError = message;
  return false;
}
