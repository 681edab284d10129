/** The contracts between the core and its hosts. Types only, except the Wasm loader. */
export type * from "./clock.js";
export type * from "./storage.js";
export type * from "./runtime.js";
export type * from "./network.js";
export type { CoreExports } from "./wasm/abi.js";
export { instantiateCore } from "./wasm/load.js";
export { WasmCore } from "./wasm/instance.js";
