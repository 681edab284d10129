import { WasmCore } from "./instance.js";
import { CORE_WASM_BASE64 } from "./generated/core-wasm.js";
import { decodeBase64 } from "../base64.js";

let embeddedModule: Promise<WebAssembly.Module> | undefined;

/**
 * The core's release build ships inside the package as base64, so loading needs neither a
 * file system nor fetch: the same code runs in Node, a browser bundle and a worker. The
 * compiled module is cached; each call gets a fresh instance with its own memory.
 */
export async function instantiateCore(source?: BufferSource | WebAssembly.Module): Promise<WasmCore> {
  if (source) return WasmCore.instantiate(source);
  embeddedModule ??= WebAssembly.compile(decodeBase64(CORE_WASM_BASE64));
  return WasmCore.instantiate(await embeddedModule);
}

