// as-pect: AssemblyScript unit tests for the Wasm core (core/assembly/__tests__/*.spec.ts).
export default {
  entries: ["core/assembly/__tests__/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
