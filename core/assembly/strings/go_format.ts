// Go's fmt verbs as Kubernetes' error messages use them, so our messages read the same.

const HEX = "0123456789abcdef";

/**
 * Characters Go's strconv.IsPrint rejects among those labels can plausibly carry: C1
 * controls, NBSP, soft hyphen, zero-width and line/paragraph separators, BOM. (Astral
 * characters arrive as surrogate pairs and are printable, as Go prints them.)
 */
function notPrintable(c: i32): bool {
  return (c >= 0x80 && c <= 0xa0) || c == 0xad || (c >= 0x200b && c <= 0x200f) ||
    c == 0x2028 || c == 0x2029 || c == 0xfeff;
}

/** Go's %q for a string (strconv.Quote) for the characters selectors can carry. */
export function goQuote(s: string): string {
  let out = "\"";
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) out += "\\\"";
    else if (c == 92) out += "\\\\";
    else if (c >= 32 && c != 127 && !notPrintable(c)) out += String.fromCharCode(c);
    else if (c == 7) out += "\\a";
    else if (c == 8) out += "\\b";
    else if (c == 12) out += "\\f";
    else if (c == 10) out += "\\n";
    else if (c == 13) out += "\\r";
    else if (c == 9) out += "\\t";
    else if (c == 11) out += "\\v";
    else if (c < 128) out += "\\x" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    else out += "\\u" + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
  }
  return out + "\"";
}

/** Go's %#v for a []string: `[]string(nil)`, `[]string{}`, `[]string{"a", "b"}`. */
export function goStringSlice(values: Array<string> | null): string {
  if (values === null) return "[]string(nil)";
  let out = "[]string{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ", ";
    out += goQuote(values[i]);
  }
  return out + "}";
}
