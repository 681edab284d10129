import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";

const cli = (...args: string[]) => spawnSync(process.execPath, ["dist/hosts/node/cli.js", ...args], { encoding: "utf8" });

describe("kubeling CLI", () => {
  it("prints a selector's canonical form", () => {
    const r = cli("selector", "parse", "z in (b,a), x");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("x,z in (a,b)");
  });

  it("exits 0 on a match and 1 otherwise", () => {
    expect(cli("selector", "match", "app=web,tier!=db", "app=web", "tier=fe").status).toBe(0);
    expect(cli("selector", "match", "app=web,tier!=db", "app=web", "tier=db").status).toBe(1);
  });

  it("prints Kubernetes' message for an invalid selector", () => {
    const r = cli("selector", "parse", "x,");
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("error: found '', expected: identifier after ','");
  });
});
