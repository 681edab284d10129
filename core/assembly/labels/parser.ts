// labels.Parse: the string selector grammar, with Kubernetes' error messages.
//
//   selector    := "" | requirement ("," requirement)*
//   requirement := "!" KEY | KEY | KEY ("in"|"notin") "(" values ")" | KEY ("="|"=="|"!="|">"|"<") [VALUE]
//
// In key and value positions the keywords `in`/`notin` are ordinary identifiers.
// The parser works on the UTF-8 bytes the host wrote: keys and values are validated as
// byte ranges and interned without building Strings; Strings are only made for messages.

import { FieldErrors } from "../util/field_errors";
import { parseInt64Bytes } from "../util/int64";
import { goQuote } from "../strings/go_format";
import { internBytes } from "../strings/intern";
import { labelKeyErrors, isValidLabelKey, isValidLabelValue } from "./validation";
import { Op, reportRequirementErrors } from "./requirement";
import { Selector, SelectorBuilder } from "./selector";
import { Token, Tokens, scan } from "./lexer";

/** The message of the last failed parse (Go's error string). */
export let parseError: string = "";

// Parser state, reused by every parse (parsing is not re-entrant).
let input: usize = 0;
let tokens: Tokens = new Tokens();
let position = 0;
const builder = new SelectorBuilder();
/** The current requirement's values as (start, end) byte ranges of the input. */
const valueRanges = new Array<i32>();
const errors = new FieldErrors();

/** The kind at the cursor; in Values context `in`/`notin` read as identifiers. */
function kind(values: bool): Token {
  const k = tokens.kind(position);
  return values && (k == Token.In || k == Token.NotIn) ? Token.Identifier : k;
}

function text(start: i32, end: i32): string {
  return String.UTF8.decodeUnsafe(input + <usize>start, <usize>(end - start));
}

function literal(): string {
  return text(tokens.start(position), tokens.end(position));
}

function advance(): void {
  if (position < tokens.count - 1) position++;
}

/** Parses the `length` UTF-8 bytes at `at`; null on error (the message is in `parseError`). */
export function parse(at: usize, length: i32): Selector | null {
  input = at;
  tokens = scan(at, length);
  position = 0;
  builder.reset();
  while (true) {
    const k = kind(true);
    if (k == Token.EndOfString) break;
    if (k != Token.Identifier && k != Token.DoesNotExist) {
      return fail("found '" + literal() + "', expected: !, identifier, or 'end of string'");
    }
    if (!parseRequirement()) return fail("unable to parse requirement: " + parseError);
    const after = kind(true);
    if (after == Token.EndOfString) break;
    if (after != Token.Comma) return fail("found '" + literal() + "', expected: ',' or 'end of string'");
    advance();
    const next = kind(true);
    if (next != Token.Identifier && next != Token.DoesNotExist) {
      return fail("found '" + literal() + "', expected: identifier after ','");
    }
  }
  return builder.build();
}

function fail(message: string): Selector | null {
  parseError = message;
  return null;
}

function failRequirement(message: string): bool {
  parseError = message;
  return false;
}

/** Parses one requirement into the builder; false on error (message in `parseError`). */
function parseRequirement(): bool {
  // Key, with `!` in front for DoesNotExist, or followed by ","/end for Exists.
  let op: i32 = -1;
  if (kind(true) == Token.DoesNotExist) {
    op = Op.DoesNotExist;
    advance();
  }
  if (kind(true) != Token.Identifier) return failRequirement("found '" + literal() + "', expected: identifier");
  const keyStart = tokens.start(position);
  const keyEnd = tokens.end(position);
  advance();
  if (!isValidLabelKey(input + <usize>keyStart, keyEnd - keyStart)) {
    // Go validates here with the parser's nil field path, which prints as "<nil>".
    const key = text(keyStart, keyEnd);
    return failRequirement("<nil>: Invalid value: " + goQuote(key) + ": " + labelKeyErrors(key).join("; "));
  }
  const next = kind(true);
  if (next == Token.EndOfString || next == Token.Comma) {
    if (op != Op.DoesNotExist) op = Op.Exists;
  }
  valueRanges.length = 0;
  if (op == Op.Exists || op == Op.DoesNotExist) return requirement(keyStart, keyEnd, <Op>op);

  // Operator.
  const opKind = kind(false);
  switch (opKind) {
    case Token.In: op = Op.In; break;
    case Token.NotIn: op = Op.NotIn; break;
    case Token.Equals: op = Op.Equals; break;
    case Token.DoubleEquals: op = Op.DoubleEquals; break;
    case Token.NotEquals: op = Op.NotEquals; break;
    case Token.GreaterThan: op = Op.GreaterThan; break;
    case Token.LessThan: op = Op.LessThan; break;
    default:
      return failRequirement("found '" + literal() + "', expected: in, notin, =, ==, !=, gt, lt");
  }
  advance();

  // Values: a set, so deduplicated and sorted.
  if (op == Op.In || op == Op.NotIn) {
    if (!parseValueSet()) return false;
  } else {
    const k = kind(true);
    if (k == Token.EndOfString || k == Token.Comma) {
      addValue(0, 0);
    } else {
      if (k != Token.Identifier) return failRequirement("found '" + literal() + "', expected: identifier");
      addValue(tokens.start(position), tokens.end(position));
      advance();
    }
  }
  return requirement(keyStart, keyEnd, <Op>op);
}

/** "(" [VALUE] ("," [VALUE])* ")"; empty slots are "". */
function parseValueSet(): bool {
  if (kind(true) != Token.OpenPar) {
    parseError = "found '" + literal() + "' expected: '('";
    return false;
  }
  advance();
  const first = kind(true);
  if (first == Token.ClosedPar) {
    advance();
    addValue(0, 0);
    return true;
  }
  if (first != Token.Identifier && first != Token.Comma) {
    parseError = "found '" + literal() + "', expected: ',', ')' or identifier";
    return false;
  }
  while (true) {
    const k = kind(true);
    if (k == Token.Identifier) {
      addValue(tokens.start(position), tokens.end(position));
      advance();
      const next = kind(true);
      if (next == Token.Comma) continue;
      if (next == Token.ClosedPar) break;
      parseError = "found '" + literal() + "', expected: ',' or ')'";
      return false;
    } else if (k == Token.Comma) {
      advance();
      if (valueRanges.length == 0) addValue(0, 0); // "(,"
      const next = kind(true);
      if (next == Token.ClosedPar) {
        addValue(0, 0); // ",)"
        break;
      }
      if (next == Token.Comma) addValue(0, 0); // ",,"
    } else {
      parseError = "found '" + literal() + "', expected: ',', or identifier";
      return false;
    }
  }
  advance(); // the ")"
  return true;
}

/** Adds a value range to the set, keeping it sorted by bytes and free of duplicates. */
function addValue(start: i32, end: i32): void {
  const n = valueRanges.length >> 1;
  let i = n;
  while (i > 0) {
    const c = compareRanges(valueRanges[(i - 1) << 1], valueRanges[((i - 1) << 1) + 1], start, end);
    if (c == 0) return;
    if (c < 0) break;
    i--;
  }
  valueRanges.push(0);
  valueRanges.push(0);
  for (let j = n; j > i; j--) {
    valueRanges[j << 1] = valueRanges[(j - 1) << 1];
    valueRanges[(j << 1) + 1] = valueRanges[((j - 1) << 1) + 1];
  }
  valueRanges[i << 1] = start;
  valueRanges[(i << 1) + 1] = end;
}

function compareRanges(aStart: i32, aEnd: i32, bStart: i32, bEnd: i32): i32 {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const c = memory.compare(input + <usize>aStart, input + <usize>bStart, <usize>min(aLength, bLength));
  return c != 0 ? c : aLength - bLength;
}

/**
 * NewRequirement for the parsed key and value ranges. Valid input is interned straight
 * from the bytes into the builder; invalid input is reported without being interned.
 */
function requirement(keyStart: i32, keyEnd: i32, op: Op): bool {
  const n = valueRanges.length >> 1;
  const ordered = op == Op.GreaterThan || op == Op.LessThan;
  let valid = true;
  for (let i = 0; valid && i < n; i++) {
    const at = input + <usize>valueRanges[i << 1];
    const length = valueRanges[(i << 1) + 1] - valueRanges[i << 1];
    valid = isValidLabelValue(at, length) && (!ordered || parseInt64Bytes(at, length));
  }
  errors.clear();
  if (!valid) {
    const values = new Array<string>(n);
    for (let i = 0; i < n; i++) values[i] = text(valueRanges[i << 1], valueRanges[(i << 1) + 1]);
    reportRequirementErrors(text(keyStart, keyEnd), op, values, "", errors);
    parseError = errors.aggregate();
    return false;
  }
  // Valid as checked above (the key was checked by the caller): intern into the builder.
  builder.begin(internBytes(input + <usize>keyStart, keyEnd - keyStart), op);
  for (let i = 0; i < n; i++) {
    builder.value(internBytes(input + <usize>valueRanges[i << 1], valueRanges[(i << 1) + 1] - valueRanges[i << 1]));
  }
  return true;
}
