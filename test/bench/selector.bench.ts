/**
 * npm run bench: label selector throughput and memory, Wasm core vs a plain-TypeScript
 * baseline, measured in one run on this machine. Every loop is bounded in count.
 */
import { loadCore } from "../../core/index.js";
import { baselineMatches, baselineParse } from "./baseline-selector.js";

const SETS = 100_000;
const SELECTOR = "app in (web,api),tier!=db,env";
const ROUNDS = 15;

function labelSets(count: number): Record<string, string>[] {
  const apps = ["web", "api", "worker", "cache", "db"];
  const tiers = ["frontend", "backend", "db"];
  const envs = ["prod", "staging"];
  const out: Record<string, string>[] = [];
  // A fixed-seed LCG (Numerical Recipes constants), so every run sees the same data.
  let seed = 42;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < count; i++) {
    const labels: Record<string, string> = { app: apps[next(5)], tier: tiers[next(3)] };
    if (next(4) > 0) labels.env = envs[next(2)];
    // As in a cluster, pods of one ReplicaSet share their hash: ~50 pods per value.
    labels["pod-template-hash"] = (0x5d8f3c + next(2000)).toString(16);
    labels.version = `v${next(20)}`;
    out.push(labels);
  }
  return out;
}

const median = (samples: number[]) => samples.sort((a, b) => a - b)[samples.length >> 1];

/** Median of `rounds` timings of fn(), in ms. */
function time(rounds: number, fn: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Medians of a and b timed in alternating rounds, so drift on a shared machine hits both. */
function timePair(rounds: number, a: () => void, b: () => void): [number, number] {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    as.push(time(1, a));
    bs.push(time(1, b));
  }
  return [median(as), median(bs)];
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function main() {
  const core = await loadCore();
  const heap0 = (gc(), process.memoryUsage().heapUsed);
  const sets = labelSets(SETS);
  const heapObjects = (gc(), process.memoryUsage().heapUsed) - heap0;

  // --- matching: one compiled 3-requirement selector against 100,000 pre-loaded sets ---
  const wasmMemory0 = (core as unknown as { labels: { core: { exports: { memory: WebAssembly.Memory } } } }).labels["core"]
    .exports.memory.buffer.byteLength;
  const batch = core.labels.loadLabelSets(sets);
  const compiled = core.labels.compile(SELECTOR);
  const wasmMemory1 = (core as unknown as { labels: { core: { exports: { memory: WebAssembly.Memory } } } }).labels["core"]
    .exports.memory.buffer.byteLength;
  const baseline = baselineParse(SELECTOR);

  let wasmCount = 0;
  let baseCount = 0;
  const [wasmMs, baseMs] = timePair(
    ROUNDS,
    () => {
      wasmCount = compiled.filter(batch).length;
    },
    () => {
      let n = 0;
      for (let i = 0; i < sets.length; i++) if (baselineMatches(baseline, sets[i])) n++;
      baseCount = n;
    },
  );
  if (wasmCount !== baseCount) throw new Error(`bench: wasm matched ${wasmCount}, baseline ${baseCount}`);

  // Per-call matching from JS objects (interning + boundary crossing each call).
  const perCallSets = sets.slice(0, 20_000);
  const perCallMs = time(5, () => {
    for (const s of perCallSets) compiled.matches(s);
  });

  // --- parsing: selectors of the kubectl -l kind, parsed and validated from scratch ---
  const selectors = [
    SELECTOR,
    "environment in (production,qa),tier notin (frontend,backend),partition",
    "app.kubernetes.io/name=nginx,app.kubernetes.io/instance!=canary",
    "!experimental,release=stable,track in (daily,weekly)",
    "kubernetes.io/hostname notin (node-1,node-2),topology.kubernetes.io/zone=us-east-1a",
  ];
  const PARSES = 20_000;
  const [wasmParseMs, baseParseMs] = timePair(
    ROUNDS,
    () => {
      for (let i = 0; i < PARSES; i++) core.labels.compile(selectors[i % selectors.length]).dispose();
    },
    () => {
      for (let i = 0; i < PARSES; i++) baselineParse(selectors[i % selectors.length]);
    },
  );
  const wasmCanonicalMs = time(7, () => {
    for (let i = 0; i < PARSES; i++) {
      const c = core.labels.compile(selectors[i % selectors.length]);
      c.toString();
      c.dispose();
    }
  });

  const rows = [
    ["selector matches / s (100k pre-loaded sets)", SETS / (wasmMs / 1000), SETS / (baseMs / 1000)],
    ["parses / s (compile, validate)", PARSES / (wasmParseMs / 1000), PARSES / (baseParseMs / 1000)],
  ] as const;
  console.log(`label selector benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, one core`);
  console.log(`selector: ${SELECTOR}; ${SETS} label sets of ~5 labels; ${wasmCount} match`);
  console.log("");
  console.log("| measure | Wasm core | TS baseline | ratio |");
  console.log("|---|---:|---:|---:|");
  for (const [name, wasm, base] of rows) {
    console.log(`| ${name} | ${fmt(wasm)} | ${fmt(base)} | ${(wasm / base).toFixed(2)}× |`);
  }
  console.log("");
  console.log(`filter over 100k sets: Wasm ${wasmMs.toFixed(2)} ms, baseline ${baseMs.toFixed(2)} ms (medians of ${ROUNDS} alternating rounds)`);
  console.log(`per-call matches(labels object) from JS: ${fmt(perCallSets.length / (perCallMs / 1000))}/s (interning + boundary per call)`);
  console.log(`parse + canonical String(): ${fmt(PARSES / (wasmCanonicalMs / 1000))}/s`);
  // The core's table is exactly (sets + 1) offsets and 2 i32s per label; Wasm memory grows
  // in larger steps (the allocator doubles it), so the growth is an upper bound.
  const pairCount = sets.reduce((n, s) => n + Object.keys(s).length, 0);
  const tableBytes = (SETS + 1) * 4 + pairCount * 8;
  console.log(
    `memory: 100k label sets as JS objects ≈ ${(heapObjects / 2 ** 20).toFixed(1)} MiB of heap; ` +
      `as a core table ${(tableBytes / 2 ** 20).toFixed(1)} MiB (${(heapObjects / tableBytes).toFixed(1)}× smaller; ` +
      `Wasm memory grew ${((wasmMemory1 - wasmMemory0) / 2 ** 20).toFixed(1)} MiB; ${core.internedStrings()} interned strings)`,
  );
  batch.dispose();
  compiled.dispose();
}

await main();
