// Decodes Kubernetes protobuf request bodies ("k8s\0" + runtime.Unknown, what
// client-go sends as application/vnd.kubernetes.protobuf) into the plain JSON
// object Kubernetes would show for them: the JSON the Go types encode to.
//
// JSON conventions (those of encoding/json over the Go API types, see schema.ts):
// - a field with omitempty whose value is zero ("" / 0 / false / empty array or
//   map) is left out; a pointer field is there exactly when it was sent, zero or not;
// - a field without omitempty is always there (null when nothing was sent for an
//   array, map or pointer); a nested struct that is not a pointer is always there;
// - bytes are base64, meta/v1 Time an RFC 3339 string (null when zero), Quantity
//   its string, IntOrString a number or a string, inline structs merged in.

import { fieldsOf, messageForKind, type FieldSpec, type FieldType } from "./schema.js";
import {
  ProtobufDecodeError, WireReader, base64Encode, utf8Decode,
  WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT,
} from "./wire.js";

export { ProtobufDecodeError };

/** The content type client-go uses for protobuf bodies. */
export const KUBERNETES_PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

/** The 4 bytes every Kubernetes protobuf body starts with: "k8s\0". */
export const KUBERNETES_PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

const MAX_DEPTH = 100;

/** The envelope of a Kubernetes protobuf body. */
export interface KubernetesProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Whether a body starts with the Kubernetes protobuf magic. */
export function isKubernetesProtobuf(body: Uint8Array): boolean {
  return body.length >= 4 && KUBERNETES_PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

/** Checks the magic and reads the runtime.Unknown envelope (raw is not decoded). */
export function readKubernetesProtobufEnvelope(body: Uint8Array): KubernetesProtobufEnvelope {
  if (!isKubernetesProtobuf(body)) {
    throw new ProtobufDecodeError('protobuf body does not start with the Kubernetes magic "k8s\\x00"');
  }
  const env: KubernetesProtobufEnvelope = { apiVersion: "", kind: "", raw: new Uint8Array(0), contentEncoding: "", contentType: "" };
  const r = new WireReader(body, 4);
  while (!r.done) {
    const { field, wireType } = r.readTag();
    if (field >= 1 && field <= 4 && wireType !== WIRE_BYTES) {
      throw new ProtobufDecodeError(`wrong wire type ${wireType} for field ${field} of runtime.Unknown`);
    }
    switch (field) {
      case 1: {
        const t = new WireReader(r.readBytes());
        while (!t.done) {
          const tag = t.readTag();
          if ((tag.field === 1 || tag.field === 2) && tag.wireType === WIRE_BYTES) {
            if (tag.field === 1) env.apiVersion = t.readString();
            else env.kind = t.readString();
          } else {
            t.skip(tag.wireType, tag.field);
          }
        }
        break;
      }
      case 2: env.raw = r.readBytes(); break;
      case 3: env.contentEncoding = r.readString(); break;
      case 4: env.contentType = r.readString(); break;
      default: r.skip(wireType, field);
    }
  }
  return env;
}

/**
 * Decodes a Kubernetes protobuf body into its JSON object, apiVersion and kind
 * first. Throws ProtobufDecodeError for a bad magic, malformed or truncated data,
 * or a kind this decoder does not know.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const env = readKubernetesProtobufEnvelope(body);
  if (env.contentEncoding !== "") {
    throw new ProtobufDecodeError(`unsupported protobuf content encoding "${env.contentEncoding}"`);
  }
  if (env.kind === "") throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf body");
  const message = messageForKind(env.apiVersion, env.kind);
  if (!message) {
    throw new ProtobufDecodeError(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
  }
  const obj = decodeMessage(message, env.raw);
  return { apiVersion: env.apiVersion, kind: env.kind, ...(obj as Record<string, unknown>) };
}

/**
 * Decodes the bytes of one message (named as in schema.ts, e.g. "core.v1.ConfigMap")
 * into its JSON value: an object, or for Time / Quantity / IntOrString and the
 * like a string, number or null.
 */
export function decodeMessage(message: string, bytes: Uint8Array): unknown {
  return decode(message, bytes, 0);
}

// ---------------------------------------------------------------------------

type Collected = Map<number, unknown>;

function decode(message: string, bytes: Uint8Array, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError(`protobuf messages nested more than ${MAX_DEPTH} deep`);
  const special = SPECIAL[message];
  if (special) return special(bytes, depth);
  const fields = fieldsOf(message);
  if (!fields) throw new ProtobufDecodeError(`no protobuf description for message ${message}`);

  // Read the wire: scalars last-wins, repeated and maps accumulate, messages
  // collect their chunks (protobuf merges repeated occurrences of a message).
  const got: Collected = new Map();
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wireType } = r.readTag();
    const spec = fields.get(field);
    if (!spec) {
      r.skip(wireType, field);
      continue;
    }
    readField(r, spec, wireType, got, message, depth);
  }

  // Emit in the Go type's field order with encoding/json's rules.
  const out: Record<string, unknown> = {};
  for (const spec of fields.values()) {
    const has = got.has(spec.no);
    const v = got.get(spec.no);
    if (spec.inline) {
      const inner = decode(messageName(spec.type), has ? joinChunks(v as Uint8Array[]) : EMPTY, depth + 1);
      if (inner && typeof inner === "object") Object.assign(out, inner);
      continue;
    }
    if (spec.repeated || spec.type.startsWith("map<")) {
      const empty = !has || (Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0);
      if (!empty) out[spec.name] = v;
      else if (!spec.omitEmpty) out[spec.name] = null;
      continue;
    }
    if (spec.type.startsWith("message:")) {
      if (has) out[spec.name] = decode(messageName(spec.type), joinChunks(v as Uint8Array[]), depth + 1);
      else if (spec.pointer) { if (!spec.omitEmpty) out[spec.name] = null; }
      else out[spec.name] = decode(messageName(spec.type), EMPTY, depth + 1);
      continue;
    }
    if (spec.pointer) {
      if (has) out[spec.name] = v;
      else if (!spec.omitEmpty) out[spec.name] = null;
      continue;
    }
    if (spec.type === "bytes") {
      // A Go []byte: nil when not sent (null, or left out with omitempty).
      if (has ? !(spec.omitEmpty && v === "") : !spec.omitEmpty) out[spec.name] = has ? v : null;
      continue;
    }
    const value = has ? v : zeroOf(spec.type);
    if (!(spec.omitEmpty && isZero(value))) out[spec.name] = value;
  }
  return out;
}

const EMPTY = new Uint8Array(0);

function messageName(type: FieldType): string {
  return type.slice("message:".length);
}

function joinChunks(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let len = 0;
  for (const c of chunks) len += c.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function zeroOf(type: FieldType): unknown {
  return type === "string" ? "" : type === "bool" ? false : 0;
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false || v === null;
}

function wireTypeOf(type: FieldType): number {
  switch (type) {
    case "int32": case "int64": case "uint32": case "uint64": case "bool": return WIRE_VARINT;
    case "float": return WIRE_FIXED32;
    case "double": return WIRE_FIXED64;
    default: return WIRE_BYTES;
  }
}

function readScalar(r: WireReader, type: FieldType): unknown {
  switch (type) {
    case "string": return r.readString();
    case "bytes": return base64Encode(r.readBytes());
    case "bool": return r.readBool();
    case "int32": return r.readInt32();
    case "int64": return r.readInt64();
    case "uint32": return r.readUint32();
    case "uint64": return r.readUint64();
    case "float": return r.readFloat();
    case "double": return r.readDouble();
    default: throw new ProtobufDecodeError(`unsupported protobuf type ${type}`);
  }
}

function readField(r: WireReader, spec: FieldSpec, wireType: number, got: Collected, message: string, depth: number): void {
  const wrong = (): never => {
    throw new ProtobufDecodeError(`wrong wire type ${wireType} for field ${spec.name} (${spec.no}) of ${message}`);
  };
  const type = spec.type;

  if (type.startsWith("map<")) {
    if (wireType !== WIRE_BYTES) wrong();
    const [keyType, valueType] = splitMap(type);
    const entry = new WireReader(r.readBytes());
    let key: unknown = zeroOf(keyType);
    let value: unknown;
    let valueChunks: Uint8Array[] | undefined;
    while (!entry.done) {
      const t = entry.readTag();
      if (t.field === 1 && t.wireType === wireTypeOf(keyType)) key = readScalar(entry, keyType);
      else if (t.field === 2 && t.wireType === wireTypeOf(valueType)) {
        if (valueType.startsWith("message:")) (valueChunks ??= []).push(entry.readBytes());
        else value = readScalar(entry, valueType);
      } else if (t.field === 1 || t.field === 2) {
        throw new ProtobufDecodeError(`wrong wire type ${t.wireType} in an entry of map ${spec.name} (${spec.no}) of ${message}`);
      } else entry.skip(t.wireType, t.field);
    }
    if (valueType.startsWith("message:")) {
      value = decode(messageName(valueType), valueChunks ? joinChunks(valueChunks) : EMPTY, depth + 1);
    } else if (value === undefined) {
      value = valueType === "bytes" ? "" : zeroOf(valueType);
    }
    let map = got.get(spec.no) as Record<string, unknown> | undefined;
    if (!map) got.set(spec.no, (map = {}));
    map[String(key)] = value;
    return;
  }

  if (type.startsWith("message:")) {
    if (wireType !== WIRE_BYTES) wrong();
    const chunk = r.readBytes();
    if (spec.repeated) {
      let list = got.get(spec.no) as unknown[] | undefined;
      if (!list) got.set(spec.no, (list = []));
      list.push(decode(messageName(type), chunk, depth + 1));
    } else {
      let chunks = got.get(spec.no) as Uint8Array[] | undefined;
      if (!chunks) got.set(spec.no, (chunks = []));
      chunks.push(chunk);
    }
    return;
  }

  const expected = wireTypeOf(type);
  if (spec.repeated) {
    let list = got.get(spec.no) as unknown[] | undefined;
    if (!list) got.set(spec.no, (list = []));
    if (wireType === expected) {
      list.push(readScalar(r, type));
    } else if (wireType === WIRE_BYTES && expected !== WIRE_BYTES) {
      // packed repeated numbers
      const packed = new WireReader(r.readBytes());
      while (!packed.done) list.push(readScalar(packed, type));
    } else wrong();
    return;
  }
  if (wireType !== expected) wrong();
  got.set(spec.no, readScalar(r, type));
}

function splitMap(type: FieldType): [FieldType, FieldType] {
  const inner = type.slice("map<".length, -1);
  const comma = inner.indexOf(",");
  return [inner.slice(0, comma) as FieldType, inner.slice(comma + 1) as FieldType];
}

// --- messages with their own JSON form --------------------------------------

/** Reads a small message's scalar fields by number with the given reader per field. */
function readSimple(bytes: Uint8Array, read: (r: WireReader, field: number, wireType: number) => boolean): void {
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wireType } = r.readTag();
    if (!read(r, field, wireType)) r.skip(wireType, field);
  }
}

function expectWire(actual: number, expected: number, what: string): boolean {
  if (actual !== expected) throw new ProtobufDecodeError(`wrong wire type ${actual} for ${what}`);
  return true;
}

function readTimestamp(bytes: Uint8Array, what: string): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  readSimple(bytes, (r, field, wt) => {
    if (field === 1 && expectWire(wt, WIRE_VARINT, `${what}.seconds`)) seconds = r.readInt64();
    else if (field === 2 && expectWire(wt, WIRE_VARINT, `${what}.nanos`)) nanos = r.readInt32();
    else return false;
    return true;
  });
  return { seconds, nanos };
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds. */
const GO_ZERO_TIME_SECONDS = -62135596800;

function formatTime(bytes: Uint8Array, micro: boolean, what: string): string | null {
  if (bytes.length === 0) return null; // metav1.Time's zero value marshals to no bytes
  let { seconds, nanos } = readTimestamp(bytes, what);
  seconds += Math.floor(nanos / 1e9);
  nanos = ((nanos % 1e9) + 1e9) % 1e9;
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return null;
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) {
    throw new ProtobufDecodeError(`${what} out of range: ${seconds} seconds`);
  }
  const p2 = (n: number) => String(n).padStart(2, "0");
  const frac = micro ? "." + String(Math.floor(nanos / 1000)).padStart(6, "0") : "";
  return `${String(year).padStart(4, "0")}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${frac}Z`;
}

/** Go's time.Duration.String(), e.g. "1h2m3.5s", "1.5ms", "0s". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const frac = (v: bigint, digits: number): string => {
    const scale = 10n ** BigInt(digits);
    const whole = v / scale;
    const rest = (v % scale).toString().padStart(digits, "0").replace(/0+$/, "");
    return rest ? `${whole}.${rest}` : `${whole}`;
  };
  let s: string;
  if (u < 1_000_000_000n) {
    s = u < 1000n ? `${u}ns` : u < 1_000_000n ? `${frac(u, 3)}µs` : `${frac(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    s = `${frac(u, 9)}s`;
    if (h > 0n) s = `${h}h${m}m${s}`;
    else if (m > 0n) s = `${m}m${s}`;
  }
  return neg ? `-${s}` : s;
}

function readRawBytes(bytes: Uint8Array, what: string): Uint8Array | undefined {
  let raw: Uint8Array | undefined;
  readSimple(bytes, (r, field, wt) => {
    if (field !== 1) return false;
    expectWire(wt, WIRE_BYTES, what);
    raw = r.readBytes();
    return true;
  });
  return raw;
}

function parseEmbeddedJson(raw: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8Decode(raw));
  } catch {
    throw new ProtobufDecodeError(`${what} does not hold JSON`);
  }
}

const SPECIAL: Record<string, (bytes: Uint8Array, depth: number) => unknown> = {
  "meta.v1.Time": (b) => formatTime(b, false, "meta.v1.Time"),
  "meta.v1.MicroTime": (b) => formatTime(b, true, "meta.v1.MicroTime"),
  "meta.v1.Duration": (b) => {
    let ns = 0n;
    readSimple(b, (r, field, wt) => {
      if (field !== 1) return false;
      expectWire(wt, WIRE_VARINT, "meta.v1.Duration.duration");
      ns = r.readInt64BigInt();
      return true;
    });
    return formatGoDuration(ns);
  },
  "resource.Quantity": (b) => {
    let s = "";
    readSimple(b, (r, field, wt) => {
      if (field !== 1) return false;
      expectWire(wt, WIRE_BYTES, "resource.Quantity.string");
      s = r.readString();
      return true;
    });
    return s === "" ? "0" : s;
  },
  "intstr.IntOrString": (b) => {
    let type = 0;
    let intVal = 0;
    let strVal = "";
    readSimple(b, (r, field, wt) => {
      if (field === 1 && expectWire(wt, WIRE_VARINT, "intstr.IntOrString.type")) type = r.readInt64();
      else if (field === 2 && expectWire(wt, WIRE_VARINT, "intstr.IntOrString.intVal")) intVal = r.readInt32();
      else if (field === 3 && expectWire(wt, WIRE_BYTES, "intstr.IntOrString.strVal")) strVal = r.readString();
      else return false;
      return true;
    });
    if (type === 0) return intVal;
    if (type === 1) return strVal;
    throw new ProtobufDecodeError(`impossible IntOrString.Type ${type}`);
  },
  "meta.v1.FieldsV1": (b) => {
    const raw = readRawBytes(b, "meta.v1.FieldsV1.Raw");
    return raw === undefined ? null : parseEmbeddedJson(raw, "meta.v1.FieldsV1");
  },
  "runtime.RawExtension": (b) => {
    const raw = readRawBytes(b, "runtime.RawExtension.raw");
    if (raw === undefined || raw.length === 0) return null;
    if (isKubernetesProtobuf(raw)) return decodeKubernetesProtobuf(raw);
    return parseEmbeddedJson(raw, "runtime.RawExtension");
  },
};
