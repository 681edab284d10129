// The label selector lexer (labels.Lexer): whitespace is only ' ', '\t', '\r', '\n'; the
// special symbols = ! ( ) , > < form the longest token they can; every other character
// belongs to an identifier, which is the keyword `in`/`notin` when it is exactly that.
// It reads UTF-8 bytes, as Go's does; a NUL byte reads as "end" (and is consumed).
//
// Tokens are recorded as (kind, start, end) positions; the parser cuts literals out of the
// input only where they are needed (known keys and values are interned straight from the
// bytes, so a parse of familiar labels allocates only the selector it returns).

export const enum Token {
  Error = 0,
  EndOfString = 1,
  ClosedPar = 2,
  Comma = 3,
  DoesNotExist = 4,
  DoubleEquals = 5,
  Equals = 6,
  GreaterThan = 7,
  Identifier = 8,
  In = 9,
  LessThan = 10,
  NotEquals = 11,
  NotIn = 12,
  OpenPar = 13,
}

@inline function isWhitespace(c: i32): bool {
  return c == 32 || c == 9 || c == 13 || c == 10;
}

@inline function isSpecialSymbol(c: i32): bool {
  return c == 61 || c == 33 || c == 40 || c == 41 || c == 44 || c == 62 || c == 60;
}

/** The token that one special character spells (each one is a token). */
function singleToken(c: i32): Token {
  switch (c) {
    case 41: return Token.ClosedPar;
    case 44: return Token.Comma;
    case 33: return Token.DoesNotExist;
    case 61: return Token.Equals;
    case 62: return Token.GreaterThan;
    case 60: return Token.LessThan;
    case 40: return Token.OpenPar;
  }
  return Token.Error;
}

/** The token `first` then `second` spell together: only "==" and "!=". */
@inline function pairToken(first: i32, second: i32): Token {
  if (second != 61) return Token.Error;
  return first == 61 ? Token.DoubleEquals : first == 33 ? Token.NotEquals : Token.Error;
}

/**
 * The scanned stream: 3 i32s per token (kind, start, end), ending with EndOfString.
 * One instance is reused by every parse (parsing is not re-entrant), so scanning does not
 * allocate once the buffer has grown to the longest selector seen.
 */
export class Tokens {
  data: StaticArray<i32> = new StaticArray<i32>(96);
  count: i32 = 0;

  reset(): void {
    this.count = 0;
  }

  push(kind: Token, start: i32, end: i32): void {
    let at = this.count * 3;
    if (at + 3 > this.data.length) {
      const grown = new StaticArray<i32>(this.data.length << 1);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.data), <usize>at << 2);
      this.data = grown;
    }
    const data = this.data;
    unchecked((data[at++] = kind)); // at + 3 <= data.length, checked above
    unchecked((data[at++] = start));
    unchecked((data[at] = end));
    this.count++;
  }
  kind(i: i32): Token {
    return <Token>this.data[i * 3];
  }
  start(i: i32): i32 {
    return this.data[i * 3 + 1];
  }
  end(i: i32): i32 {
    return this.data[i * 3 + 2];
  }
}

const shared = new Tokens();

/** Is [start, end) exactly `in` (0x6e69 little-endian) or `notin`? */
@inline function keyword(at: usize, start: i32, end: i32): Token {
  const length = end - start;
  if (length == 2 && load<u16>(at + <usize>start) == 0x6e69) return Token.In;
  if (length == 5 && load<u32>(at + <usize>start) == 0x69746f6e && load<u8>(at + <usize>start, 4) == 0x6e) {
    return Token.NotIn;
  }
  return Token.Identifier;
}

/** Go's Lexer.read: the byte at `pos`, or 0 past the end. */
@inline function read(at: usize, pos: i32, n: i32): i32 {
  return pos < n ? <i32>load<u8>(at + <usize>pos) : 0;
}

/** Scans the n UTF-8 bytes at `at`. */
export function scan(at: usize, n: i32): Tokens {
  const out = shared;
  out.reset();
  let pos = 0;
  while (true) {
    // read() past the end yields 0 without advancing; a NUL inside is consumed.
    let c = read(at, pos, n);
    if (pos < n) pos++;
    while (isWhitespace(c)) {
      c = read(at, pos, n);
      if (pos < n) pos++;
    }
    if (c == 0) {
      out.push(Token.EndOfString, pos, pos);
      return out;
    }
    const start = pos - 1;
    if (isSpecialSymbol(c)) {
      // The longest run of special symbols that spells a token: one or two characters.
      let kind = singleToken(c);
      let end = start + 1;
      if (end < n) {
        const two = pairToken(c, load<u8>(at + <usize>end));
        if (two != Token.Error) {
          kind = two;
          end++;
        }
      }
      // Go's reader consumes a NUL that directly follows a run it was still extending.
      pos = end < n && load<u8>(at + <usize>end) == 0 ? end + 1 : end;
      out.push(kind, start, end);
      continue;
    }
    let end = start + 1;
    while (end < n) {
      const d: i32 = load<u8>(at + <usize>end);
      if (d == 0 || isSpecialSymbol(d) || isWhitespace(d)) break;
      end++;
    }
    pos = end < n && load<u8>(at + <usize>end) == 0 ? end + 1 : end;
    out.push(keyword(at, start, end), start, end);
  }
  return out;
}
