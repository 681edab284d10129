// fieldValidation=Strict|Warn: fields a kind does not have. The message layouts of the
// protobuf decoder (field names as Go's JSON tags give them) double as the schema: a body's
// key that no field of its message (or of a message inlined into it) names is unknown.
import { MESSAGES, SPECIAL_MESSAGES, fieldsOf, messageForKind, type FieldSpec } from "./protobuf/index.js";

const SPECIAL = new Set<string>(SPECIAL_MESSAGES);

const fieldsByMessage = new Map<string, Map<string, FieldSpec>>();

/** JSON name → field, with inlined messages' fields lifted into their parent (built once per message). */
function jsonFields(message: string): Map<string, FieldSpec> {
  let out = fieldsByMessage.get(message);
  if (out) return out;
  out = new Map<string, FieldSpec>();
  fieldsByMessage.set(message, out);
  for (const field of fieldsOf(message)?.values() ?? []) {
    if (field.inline && field.type.startsWith("message:")) {
      for (const [name, inner] of jsonFields(field.type.slice(8))) out.set(name, inner);
    } else {
      out.set(field.name, field);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function walk(value: unknown, message: string, path: string, out: string[]): void {
  if (SPECIAL.has(message) || !(message in MESSAGES) || !isObject(value)) return;
  const fields = jsonFields(message);
  for (const [key, child] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    const field = fields.get(key);
    if (!field) {
      out.push(here);
      continue;
    }
    const type = field.type;
    if (type.startsWith("message:")) {
      const inner = type.slice(8);
      if (field.repeated && Array.isArray(child)) child.forEach((item, i) => walk(item, inner, `${here}[${i}]`, out));
      else walk(child, inner, here, out);
    } else if (type.startsWith("map<") && isObject(child)) {
      const valueType = type.slice(type.indexOf(",") + 1, -1);
      if (valueType.startsWith("message:")) for (const [k, v] of Object.entries(child)) walk(v, valueType.slice(8), `${here}.${k}`, out);
    }
  }
}

/** Paths of the fields `obj` sets that its kind does not have (empty for kinds without a layout). */
export function unknownFields(apiVersion: string, kind: string, obj: Record<string, unknown>): string[] {
  const message = messageForKind(apiVersion, kind);
  if (!message) return [];
  const out: string[] = [];
  const { apiVersion: _v, kind: _k, ...rest } = obj;
  void _v;
  void _k;
  walk(rest, message, "", out);
  return out;
}
