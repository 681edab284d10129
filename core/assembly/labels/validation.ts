// Label key and value syntax, with the messages Kubernetes v1.32 returns
// (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName, IsValidLabelValue,
// IsDNS1123Subdomain). Checks run on UTF-8 bytes, as Go's do (lengths are byte counts);
// the boolean forms allocate nothing, messages are only built for invalid input.

const NAME_MAX = 63;
const VALUE_MAX = 63;
const DNS_SUBDOMAIN_MAX = 253;

const NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS_SUBDOMAIN_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

@inline function isAlnum(c: u32): bool {
  return c - 48 < 10 || (c | 32) - 97 < 26;
}

@inline function isLowerAlnum(c: u32): bool {
  return c - 48 < 10 || c - 97 < 26;
}

/** ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ over [at, at + n). */
function isQualifiedNamePart(at: usize, n: i32): bool {
  if (n <= 0 || !isAlnum(load<u8>(at)) || !isAlnum(load<u8>(at + <usize>(n - 1)))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = <u32>load<u8>(at + <usize>i);
    if (!isAlnum(c) && c != 45 && c != 95 && c != 46) return false;
  }
  return true;
}

/** ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ over [at, at + n). */
function isDNS1123Subdomain(at: usize, n: i32): bool {
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i < n && load<u8>(at + <usize>i) != 46) continue;
    // [start, i) is one dot-separated label.
    if (i == start) return false;
    if (!isLowerAlnum(load<u8>(at + <usize>start)) || !isLowerAlnum(load<u8>(at + <usize>(i - 1)))) return false;
    for (let j = start + 1; j < i - 1; j++) {
      const c = <u32>load<u8>(at + <usize>j);
      if (!isLowerAlnum(c) && c != 45) return false;
    }
    start = i + 1;
  }
  return true;
}

/** Index of the first '/' in [at, at + n), or -1. */
function slashAt(at: usize, n: i32, from: i32): i32 {
  for (let i = from; i < n; i++) if (load<u8>(at + <usize>i) == 47) return i;
  return -1;
}

/** IsQualifiedName(key) has no errors. */
export function isValidLabelKey(at: usize, n: i32): bool {
  const slash = slashAt(at, n, 0);
  if (slash < 0) return n <= NAME_MAX && isQualifiedNamePart(at, n);
  const nameLength = n - slash - 1;
  return (
    slash > 0 && slash <= DNS_SUBDOMAIN_MAX && nameLength <= NAME_MAX && slashAt(at, n, slash + 1) < 0 &&
    isDNS1123Subdomain(at, slash) && isQualifiedNamePart(at + <usize>(slash + 1), nameLength)
  );
}

/** IsValidLabelValue(value) has no errors. */
export function isValidLabelValue(at: usize, n: i32): bool {
  return n == 0 || (n <= VALUE_MAX && isQualifiedNamePart(at, n));
}

/** validation.RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<re>')". */
function regexError(msg: string, re: string, examples: Array<string>): string {
  let out = msg + " (e.g. ";
  for (let i = 0; i < examples.length; i++) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  return out + "regex used for validation is '" + re + "')";
}

function maxLenError(n: i32): string {
  return "must be no more than " + n.toString() + " characters";
}

/** IsQualifiedName: the messages for a label key, `[prefix/]name`. Empty when valid. */
export function labelKeyErrors(key: string): Array<string> {
  const bytes = String.UTF8.encode(key);
  const at = changetype<usize>(bytes);
  const n = bytes.byteLength;
  const errs = new Array<string>();
  const slash = slashAt(at, n, 0);
  let nameAt = at;
  let nameLength = n;
  if (slash >= 0) {
    if (slashAt(at, n, slash + 1) >= 0) {
      errs.push(
        "a qualified name " +
          regexError(NAME_ERR, NAME_FMT, ["MyName", "my.name", "123-abc"]) +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      );
      return errs;
    }
    if (slash == 0) {
      errs.push("prefix part must be non-empty");
    } else {
      if (slash > DNS_SUBDOMAIN_MAX) errs.push("prefix part " + maxLenError(DNS_SUBDOMAIN_MAX));
      if (!isDNS1123Subdomain(at, slash)) {
        errs.push("prefix part " + regexError(DNS_SUBDOMAIN_ERR, DNS_SUBDOMAIN_FMT, ["example.com"]));
      }
    }
    nameAt = at + <usize>(slash + 1);
    nameLength = n - slash - 1;
  }
  if (nameLength == 0) errs.push("name part must be non-empty");
  else if (nameLength > NAME_MAX) errs.push("name part " + maxLenError(NAME_MAX));
  if (!isQualifiedNamePart(nameAt, nameLength)) {
    errs.push("name part " + regexError(NAME_ERR, NAME_FMT, ["MyName", "my.name", "123-abc"]));
  }
  return errs;
}

/** IsValidLabelValue: the messages for a label value. Empty when valid; "" is valid. */
export function labelValueErrors(value: string): Array<string> {
  const bytes = String.UTF8.encode(value);
  const n = bytes.byteLength;
  const errs = new Array<string>();
  if (n > VALUE_MAX) errs.push(maxLenError(VALUE_MAX));
  if (n > 0 && !isQualifiedNamePart(changetype<usize>(bytes), n)) {
    errs.push(regexError(VALUE_ERR, "(" + NAME_FMT + ")?", ["MyValue", "my_value", "12345"]));
  }
  return errs;
}
