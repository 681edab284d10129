import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "assembly" ? [] : sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe("core/ and bindings/ load in a browser", () => {
  it("import no Node built-in module", () => {
    const offenders: string[] = [];
    for (const file of [...sourceFiles("core"), ...sourceFiles("bindings")]) {
      for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        if (builtins.has(m[1])) offenders.push(`${file}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("bundle for the browser platform with esbuild", async () => {
    const result = await esbuild.build({
      entryPoints: ["core/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    // Our own code, plus the browser build of the one dependency the core uses (yaml).
    const inputs = Object.keys(result.metafile.inputs);
    const foreign = inputs.filter((p) => !p.startsWith("core/") && !p.startsWith("bindings/") && !p.startsWith("node_modules/yaml/browser/"));
    expect(foreign).toEqual([]);
  });
});
