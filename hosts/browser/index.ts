/**
 * The browser host's entry. For now it is the embedding API as a browser module (the
 * sandbox with simulated storage, network and runtime comes with its own issue); esbuild
 * bundles it to dist/browser/kubeling.js.
 */
export * from "../../core/index.js";
export { MemoryStorage } from "./memory-storage.js";
