// A minimal protobuf wire-format reader: varints (64-bit safe), length-delimited
// fields, fixed32/fixed64, skipping of unknown fields. No dependencies and no Node
// APIs, so it runs in a browser bundle too.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Malformed or unsupported protobuf input. */
export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtobufDecodeError";
  }
}

const TWO_32 = 4294967296;

export interface Tag {
  field: number;
  wireType: number;
}

/** Reads one protobuf message (a byte range) front to back. */
export class WireReader {
  pos: number;
  readonly end: number;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private truncated(what: string): never {
    throw new ProtobufDecodeError(`truncated protobuf data: unexpected end of input reading ${what} at byte ${this.pos}`);
  }

  /** A varint as its low and high 32 bits (both unsigned). */
  readVarint64(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.truncated("a varint");
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (i < 4) {
        lo |= bits << (7 * i);
      } else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else {
        hi |= bits << (7 * i - 32);
      }
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new ProtobufDecodeError(`malformed varint at byte ${this.pos}`);
  }

  /** An unsigned varint that must fit a safe integer (lengths, tags). */
  readUint(): number {
    const { lo, hi } = this.readVarint64();
    const n = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(n)) throw new ProtobufDecodeError(`varint ${n} out of range at byte ${this.pos}`);
    return n;
  }

  /** int32: the low 32 bits, signed (negative values come as 10-byte varints). */
  readInt32(): number {
    return this.readVarint64().lo | 0;
  }

  /** uint32: the low 32 bits, unsigned. */
  readUint32(): number {
    return this.readVarint64().lo;
  }

  /** int64 as a number (exact up to 2^53; beyond that, the nearest double). */
  readInt64(): number {
    const { lo, hi } = this.readVarint64();
    return (hi | 0) * TWO_32 + lo;
  }

  /** uint64 as a number (exact up to 2^53). */
  readUint64(): number {
    const { lo, hi } = this.readVarint64();
    return hi * TWO_32 + lo;
  }

  /** int64 exactly, as a BigInt. */
  readInt64BigInt(): bigint {
    const { lo, hi } = this.readVarint64();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  readBool(): boolean {
    const { lo, hi } = this.readVarint64();
    return lo !== 0 || hi !== 0;
  }

  readFixed32(): number {
    if (this.end - this.pos < 4) this.truncated("a fixed32");
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  readFixed64(): { lo: number; hi: number } {
    const lo = this.readFixed32();
    const hi = this.readFixed32();
    return { lo, hi };
  }

  readFloat(): number {
    if (this.end - this.pos < 4) this.truncated("a float");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  readDouble(): number {
    if (this.end - this.pos < 8) this.truncated("a double");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** The bytes of a length-delimited field, as a view (no copy). */
  readBytes(): Uint8Array {
    const len = this.readUint();
    if (len > this.end - this.pos) this.truncated(`${len} bytes of a length-delimited field`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  readString(): string {
    return utf8Decode(this.readBytes());
  }

  readTag(): Tag {
    const key = this.readUint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) throw new ProtobufDecodeError(`invalid field number 0 at byte ${this.pos}`);
    return { field, wireType };
  }

  /** Skips the value of a field whose tag was just read. */
  skip(wireType: number, field = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.readVarint64();
        return;
      case WIRE_FIXED64:
        if (this.end - this.pos < 8) this.truncated("a fixed64");
        this.pos += 8;
        return;
      case WIRE_BYTES:
        this.readBytes();
        return;
      case WIRE_FIXED32:
        if (this.end - this.pos < 4) this.truncated("a fixed32");
        this.pos += 4;
        return;
      case WIRE_START_GROUP:
        for (;;) {
          if (this.done) this.truncated("a group");
          const t = this.readTag();
          if (t.wireType === WIRE_END_GROUP) {
            if (t.field !== field) throw new ProtobufDecodeError(`mismatched end of group ${t.field} (expected ${field})`);
            return;
          }
          this.skip(t.wireType, t.field);
        }
      default:
        throw new ProtobufDecodeError(`illegal wire type ${wireType} at byte ${this.pos}`);
    }
  }
}

let decoder: TextDecoder | undefined;

/** UTF-8 bytes to a string (invalid sequences become U+FFFD). */
export function utf8Decode(bytes: Uint8Array): string {
  decoder ??= new TextDecoder("utf-8");
  return decoder.decode(bytes);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding (what Go's encoding/json writes for []byte). */
export function base64Encode(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + "=";
  }
  return out;
}
