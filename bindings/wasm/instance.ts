import type { CoreExports } from "./abi.js";

/**
 * One instantiated core and the host half of its ABI: the string interner (each distinct
 * string crosses the boundary once), UTF-8 in and out, and i32 arrays through scratch.
 *
 * Memory views are re-taken whenever the module's memory has grown, because growth
 * detaches the old ArrayBuffer.
 */
export class WasmCore {
  readonly exports: CoreExports;
  private bytes: Uint8Array;
  private ints: Int32Array;
  // The scratch region as the core last reported it; it only moves when it has to grow.
  private scratchAt = 0;
  private scratchCapacity = 0;
  private scratchBytes: Uint8Array = new Uint8Array(0);
  private readonly ids = new Map<string, number>();
  private readonly texts = new Map<number, string>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as CoreExports;
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.ints = new Int32Array(this.exports.memory.buffer);
  }

  static async instantiate(source: BufferSource | WebAssembly.Module): Promise<WasmCore> {
    let memory: WebAssembly.Memory | undefined;
    const imports = {
      env: {
        // AssemblyScript's abort(message, file, line, column): surface it as a JS error.
        abort(message: number, file: number, line: number, column: number): never {
          const text = memory ? `${liftAsString(memory, message)} in ${liftAsString(memory, file)}:${line}:${column}` : "abort";
          throw new Error(`kubeling core: ${text}`);
        },
      },
    };
    const instance =
      source instanceof WebAssembly.Module
        ? await WebAssembly.instantiate(source, imports)
        : (await WebAssembly.instantiate(source, imports)).instance;
    memory = (instance.exports as unknown as CoreExports).memory;
    return new WasmCore(instance);
  }

  private views(): void {
    // Growing the memory detaches its old buffer, and views of a detached buffer are empty:
    // a cheaper test than reading memory.buffer on every call.
    if (this.bytes.byteLength === 0) {
      const buffer = this.exports.memory.buffer;
      this.bytes = new Uint8Array(buffer);
      this.ints = new Int32Array(buffer);
      this.scratchBytes = this.bytes.subarray(this.scratchAt, this.scratchAt + this.scratchCapacity);
    }
  }

  /** Makes scratch hold at least `bytes` bytes; returns its address. */
  private reserve(bytes: number): number {
    if (bytes > this.scratchCapacity) {
      const capacity = Math.max(bytes, 1 << 16);
      this.scratchAt = this.exports.reserveScratch(capacity);
      this.scratchCapacity = capacity;
      this.bytes = new Uint8Array(0); // force views() to rebuild
    }
    this.views();
    return this.scratchAt;
  }

  /** The interned id of `s` (0 is ""). */
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.exports.intern(this.writeString(s));
      this.ids.set(s, id);
    }
    return id;
  }

  /** Writes `s` as UTF-8 at the start of scratch; returns the byte length. */
  writeString(s: string): number {
    this.reserve(s.length * 3); // UTF-8 needs at most 3 bytes per UTF-16 unit
    // Labels are ASCII: copying them in a loop beats a call into TextEncoder for short strings.
    const out = this.scratchBytes;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.encoder.encodeInto(s, out).written;
      out[i] = c;
    }
    return n;
  }

  /** A view of `count` i32s of scratch, to fill before a call (valid until the next allocation). */
  scratchInts(count: number): Int32Array {
    const at = this.reserve(count * 4);
    return this.ints.subarray(at >>> 2, (at >>> 2) + count);
  }

  /** The UTF-8 string a call just published in the output region. */
  readOutput(byteLength: number): string {
    const at = this.exports.outputAddress();
    this.views();
    return this.decoder.decode(this.bytes.subarray(at, at + byteLength));
  }

  /** A copy of `count` i32s a call just published in the output region. */
  readOutputInts(count: number): Int32Array {
    const at = this.exports.outputAddress();
    this.views();
    return this.ints.slice(at >>> 2, (at >>> 2) + count);
  }

  /** The string behind an id (from this host's interning, or asked of the core once). */
  text(id: number): string {
    let s = this.texts.get(id);
    if (s === undefined) {
      s = this.readOutput(this.exports.stringById(id));
      this.texts.set(id, s);
    }
    return s;
  }

  /** A copy of `count` f64s a call just published in the output region. */
  readOutputFloats(count: number): Float64Array {
    const at = this.exports.outputAddress();
    this.views();
    return new Float64Array(this.bytes.buffer.slice(at, at + count * 8));
  }

  lastError(): string {
    return this.readOutput(this.exports.lastErrorMessage());
  }

  /**
   * Interns a label map into (key id, value id) pairs. Interning may reuse scratch, so
   * callers collect ids first and write them to scratch afterwards.
   */
  labelPairs(labels: Readonly<Record<string, string>> | undefined | null, into: number[] = []): number[] {
    if (labels) {
      for (const key in labels) {
        const value = labels[key];
        into.push(this.id(key), this.id(typeof value === "string" ? value : String(value)));
      }
    }
    return into;
  }

  /** Writes interned ids to the start of scratch. */
  writeInts(values: ArrayLike<number>): void {
    this.scratchInts(values.length).set(values);
  }
}

/** Reads an AssemblyScript string (UTF-16, byte length stored just before it). */
function liftAsString(memory: WebAssembly.Memory, at: number): string {
  if (!at) return "";
  const byteLength = new Uint32Array(memory.buffer)[(at - 4) >>> 2];
  return String.fromCharCode(...new Uint16Array(memory.buffer, at, byteLength >>> 1));
}
