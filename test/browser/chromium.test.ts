// The browser bundle (dist/browser/kubeling.js) in real Chromium: the same core, the same
// answers as in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { loadCore } from "../../dist/core/index.js";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const PAGE = `<!doctype html><script type="module">
import { loadCore } from "./kubeling.js";
const core = await loadCore();
window.results = {
  parse: core.labels.parse("x notin (abc,,def),bar,z in (),w"),
  match: core.labels.matches("app in (web,api),tier!=db", { app: "web", tier: "fe" }),
  labelSelector: core.labels.matchesLabelSelector({ matchExpressions: [{ key: "env", operator: "Exists" }] }, { env: "" }),
  error: (() => { try { core.labels.parse("x,"); } catch (e) { return e.name + ": " + e.message; } })(),
  node: core.nodeAffinity.matches({ nodeSelectorTerms: [{ matchExpressions: [{ key: "cpus", operator: "Gt", values: ["8"] }] }] },
                                  { metadata: { name: "n1", labels: { cpus: "16" } } }),
  taint: core.taints.tolerates({ operator: "Exists", effect: "NoSchedule" }, { key: "k", effect: "NoSchedule" }),
  filter: Array.from(core.labels.compile("app=web").filter(core.labels.loadLabelSets([{ app: "web" }, { app: "db" }, { app: "web" }]))),
};
</script>`;

let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const bundle = readFileSync("dist/browser/kubeling.js");
  server = createServer((req, res) => {
    if (req.url === "/kubeling.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the browser bundle in Chromium", () => {
  it("answers as the Node build does", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { results?: unknown }).results !== undefined, null, { timeout: 15_000 });
    const results = await page.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
    const core = await loadCore();
    expect(errors).toEqual([]);
    expect(results).toEqual({
      parse: core.labels.parse("x notin (abc,,def),bar,z in (),w"),
      match: true,
      labelSelector: true,
      error: "SelectorError: found '', expected: identifier after ','",
      node: true,
      taint: true,
      filter: [0, 2],
    });
    expect(results.parse).toBe("bar,w,x notin (,abc,def),z in ()");
  });
});
