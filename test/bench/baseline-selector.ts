/**
 * A plain-TypeScript label selector, written only as the benchmark's baseline: the same
 * grammar and matching rules as the Wasm core (set-based and equality operators, Gt/Lt,
 * key/value validation by regular expression), matched against plain label objects.
 * It reports errors without Kubernetes' exact messages; correctness is the core's job.
 */
type Op = "in" | "notin" | "=" | "==" | "!=" | "exists" | "!" | "gt" | "lt";

interface Requirement {
  key: string;
  op: Op;
  values: string[];
  threshold: number;
}

const KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const TOKEN = /\s*(!=|==|=|!|\(|\)|,|>|<|[^\s=!(),<>]+)/y;

function validKey(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return key.length <= 63 && KEY_NAME.test(key);
  const prefix = key.slice(0, slash);
  const name = key.slice(slash + 1);
  return prefix.length > 0 && prefix.length <= 253 && KEY_PREFIX.test(prefix) && name.length <= 63 && KEY_NAME.test(name);
}

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(input)) !== null) tokens.push(m[1]);
  return tokens;
}

export function baselineParse(input: string): Requirement[] {
  const t = tokenize(input);
  const reqs: Requirement[] = [];
  let i = 0;
  while (i < t.length) {
    let op: Op | undefined;
    if (t[i] === "!") {
      op = "!";
      i++;
    }
    const key = t[i++];
    if (key === undefined || !validKey(key)) throw new Error(`invalid key ${key}`);
    let values: string[] = [];
    if (op !== "!" && i < t.length && t[i] !== ",") {
      const o = t[i++];
      if (o === "in" || o === "notin") {
        op = o;
        if (t[i++] !== "(") throw new Error("expected (");
        const set = new Set<string>();
        while (t[i] !== ")") {
          if (t[i] === ",") {
            i++;
            continue;
          }
          if (i >= t.length) throw new Error("expected )");
          set.add(t[i++]);
        }
        i++;
        values = [...set].sort();
      } else if (o === "=" || o === "==" || o === "!=" || o === ">" || o === "<") {
        op = o === ">" ? "gt" : o === "<" ? "lt" : o;
        values = [i < t.length && t[i] !== "," ? t[i++] : ""];
      } else {
        throw new Error(`unexpected ${o}`);
      }
    }
    op ??= "exists";
    for (const v of values) if (v.length > 63 || !VALUE.test(v)) throw new Error(`invalid value ${v}`);
    const threshold = op === "gt" || op === "lt" ? Number.parseInt(values[0], 10) : 0;
    reqs.push({ key, op, values, threshold });
    if (i < t.length && t[i++] !== ",") throw new Error("expected ,");
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function baselineMatches(reqs: Requirement[], labels: Record<string, string>): boolean {
  for (const r of reqs) {
    const value = labels[r.key];
    const has = value !== undefined;
    switch (r.op) {
      case "in":
      case "=":
      case "==":
        if (!has || !r.values.includes(value)) return false;
        break;
      case "notin":
      case "!=":
        if (has && r.values.includes(value)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
      case "gt":
      case "lt": {
        if (!has || !/^[-+]?\d+$/.test(value)) return false;
        const n = Number.parseInt(value, 10);
        if (r.op === "gt" ? !(n > r.threshold) : !(n < r.threshold)) return false;
      }
    }
  }
  return true;
}
