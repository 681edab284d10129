import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCore, SelectorError } from "../../dist/core/index.js";

describe("loadCore", () => {
  it("gives each core its own memory and string table", async () => {
    const a = await loadCore();
    const b = await loadCore();
    a.labels.matches("only-in-a=1", { "only-in-a": "1" });
    expect(a.internedStrings()).toBeGreaterThan(b.internedStrings());
  });

  it("runs the debug build with the same answers (bounds re-checked)", async () => {
    const debug = await loadCore({ wasm: readFileSync("build/core.debug.wasm") });
    const release = await loadCore();
    for (const s of ["x notin (abc,,def),bar,z in (),w", "a in (x,y,notin, z,in)", "x>1,y<02"]) {
      expect(debug.labels.parse(s)).toBe(release.labels.parse(s));
    }
    expect(() => debug.labels.parse("x,")).toThrow(SelectorError);
  });

  it("frees compiled selectors and label sets on dispose()", async () => {
    const core = await loadCore();
    const before = core.liveHandles();
    const compiled = core.labels.compile("app=web");
    const batch = core.labels.loadLabelSets([{ app: "web" }, { app: "db" }]);
    expect(core.liveHandles()).toBe(before + 2);
    expect(Array.from(compiled.filter(batch))).toEqual([0]);
    compiled.dispose();
    batch.dispose();
    expect(core.liveHandles()).toBe(before);
    expect(() => compiled.matches({})).toThrow(/after dispose/);
  });

  it("loads large batches in bounded chunks and filters them exactly", async () => {
    const core = await loadCore();
    const sets = Array.from({ length: 50_000 }, (_, i) => ({ app: i % 3 === 0 ? "web" : "api", shard: String(i % 7), [`k${i % 11}`]: "x" }));
    const batch = core.labels.loadLabelSets(sets);
    const compiled = core.labels.compile("app=web,shard notin (0,1),k3");
    const expected = sets.flatMap((s, i) => (s.app === "web" && s.shard !== "0" && s.shard !== "1" && "k3" in s ? [i] : []));
    expect(Array.from(compiled.filter(batch))).toEqual(expected);
    expect(Array.from(compiled.filter(sets))).toEqual(expected);
  });

  it("collects garbage: memory stays bounded over many compile/dispose cycles", async () => {
    const core = await loadCore();
    const selectors = ["app in (web,api),tier!=db,env", "x notin (a,b,c),y>5,!z", "k8s.io/zone=us-east-1a"];
    const round = () => {
      for (let i = 0; i < 20_000; i++) {
        const c = core.labels.compile(selectors[i % 3]);
        c.toString();
        c.dispose();
        try {
          core.labels.compile(`bad key ${i % 3}`); // errors allocate messages too
        } catch {}
      }
    };
    round();
    const after = core.memoryBytes();
    for (let i = 0; i < 5; i++) round();
    // 100,000 more cycles (each allocating several objects) without growing the memory.
    expect(core.memoryBytes()).toBe(after);
    expect(core.memoryBytes()).toBeLessThan(8 * 2 ** 20);
  });

  it("survives memory growth between calls (views are re-taken)", async () => {
    const core = await loadCore();
    const compiled = core.labels.compile("tier in (a,b)");
    // Intern enough distinct strings to grow the Wasm memory several times.
    for (let i = 0; i < 30_000; i++) core.labels.matches("tier in (a,b)", { [`key-${i}`]: `value-${i}`, tier: "a" });
    expect(compiled.matches({ tier: "b" })).toBe(true);
    expect(compiled.toString()).toBe("tier in (a,b)");
  });
});
