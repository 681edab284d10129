// Go's strconv.ParseInt(s, 10, 64), which Kubernetes uses for the Gt/Lt operators:
// optional sign, at least one decimal digit, nothing else, and no overflow.

/** The value of the last successful parse (a second result without allocating a tuple). */
export let parsedInt64: i64 = 0;

/** Parses the UTF-8 bytes at [at, at + length). */
export function parseInt64Bytes(at: usize, length: i32): bool {
  if (length == 0) return false;
  let i = 0;
  let negative = false;
  const first = load<u8>(at);
  if (first == 43 /* + */ || first == 45 /* - */) {
    negative = first == 45;
    i = 1;
    if (length == 1) return false;
  }
  const limit: u64 = negative ? 9223372036854775808 : 9223372036854775807;
  let magnitude: u64 = 0;
  for (; i < length; i++) {
    const digit = <u32>load<u8>(at + <usize>i) - 48;
    if (digit > 9) return false;
    if (magnitude > (limit - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  parsedInt64 = negative ? -(<i64>magnitude) : <i64>magnitude;
  return true;
}

export function parseInt64(s: string): bool {
  const bytes = String.UTF8.encode(s);
  return parseInt64Bytes(changetype<usize>(bytes), bytes.byteLength);
}
