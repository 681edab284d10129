// npm run bench: bundles test/bench/*.bench.ts with esbuild and runs each under Node with
// --expose-gc (for the memory figures). Needs `npm run build` first (the embedded core).
import { spawnSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
if (!existsSync("bindings/wasm/generated/core-wasm.ts")) {
  const b = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
let failed = 0;
for (const file of readdirSync("test/bench").filter((f) => f.endsWith(".bench.ts"))) {
  const out = join("build/bench", file.replace(/\.ts$/, ".mjs"));
  await esbuild.build({
    entryPoints: [join("test/bench", file)],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external", // dependencies load from node_modules as they are
    outfile: out,
    logLevel: "warning",
  });
  const r = spawnSync(process.execPath, ["--expose-gc", out], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
