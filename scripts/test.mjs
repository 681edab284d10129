// npm test: builds, makes Docker ready (scripts/docker-up.sh), then runs every suite — as-pect (AssemblyScript specs of the Wasm core)
// and vitest (the TypeScript API, hosts, browser bundle) — and ends with one plain line,
// "N passed, N failed", summing all suites. Exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const node = process.execPath;
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

const build = spawnSync(node, ["scripts/build.mjs"], { stdio: "inherit" });
if (build.status !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

// The Docker suites need dockerd and the local images: start and build them if missing
// (idempotent; without docker.io installed it says so and those suites fail with it).
const docker = spawnSync("bash", ["scripts/docker-up.sh"], { stdio: "inherit" });
if (docker.status !== 0) console.log("docker-up: Docker is not ready; the Docker suites will fail");

let passed = 0;
let failed = 0;

// as-pect prints "[Tests]: <passed> / <total>" in its summary.
const asp = spawnSync(node, ["node_modules/@as-pect/cli/bin/asp.js", "--config", "as-pect.config.js"], { encoding: "utf8" });
process.stdout.write(asp.stdout);
process.stderr.write(asp.stderr);
const m = /\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/.exec(stripAnsi(asp.stdout));
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]) - Number(m[1]);
}
if (!m || asp.status !== 0) failed += m ? 0 : 1;
console.log(`as-pect: ${m ? `${m[1]} of ${m[2]} passed` : "did not report"}`);

// vitest, with a JSON report next to the usual output.
const report = ".vitest-results.json";
rmSync(report, { force: true });
const extra = process.argv.slice(2);
const vitest = spawnSync(
  node,
  ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extra],
  { stdio: "inherit" },
);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.testResults.some((t) => t.status === "failed" && t.assertionResults.length === 0) ? 1 : 0);
  console.log(`vitest: ${r.numPassedTests} of ${r.numTotalTests} passed`);
} else {
  failed += 1;
  console.log("vitest: did not report");
}
if (vitest.status !== 0 && failed === 0) failed = 1;

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
