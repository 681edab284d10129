// README.md's embedding example must stay true: run it, and compare every console.log line
// with the `// expected output` comment at its end.
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

describe("README embedding example", () => {
  it("prints what its comments say", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Embedding the core"));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeDefined();
    const expected = code!
      .split("\n")
      .filter((line) => line.startsWith("console.log(") || line.startsWith("  console.log("))
      .map((line) => line.slice(line.lastIndexOf("// ") + 3));
    // Inside the package directory, `import "kubeling"` resolves to this package itself.
    mkdirSync("build", { recursive: true });
    writeFileSync("build/readme-example.mjs", code!);
    const run = spawnSync(process.execPath, ["build/readme-example.mjs"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trimEnd().split("\n")).toEqual(expected);
  });
});
