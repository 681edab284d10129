/**
 * The benchmarks' HTTPS client for a `kubeling up` data dir: keep-alive requests on
 * loopback with the admin's client certificate, JSON in, text out, with each call's time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "node:https";

export interface CallResult {
  status: number;
  text: string;
  ms: number;
}

export interface AdminClient {
  call(method: string, path: string, body?: unknown): Promise<CallResult>;
  /** A keep-alive agent with the admin's credentials (for streams such as watches). */
  agent(options?: { maxSockets?: number }): Agent;
  close(): void;
}

export function adminClient(dataDir: string, port: number, options: { maxSockets?: number } = {}): AdminClient {
  const pki = join(dataDir, "pki");
  const credentials = { ca: readFileSync(join(pki, "ca.crt")), cert: readFileSync(join(pki, "admin.crt")), key: readFileSync(join(pki, "admin.key")) };
  const agents: Agent[] = [];
  const makeAgent = (o: { maxSockets?: number } = {}) => {
    const a = new Agent({ keepAlive: true, maxSockets: o.maxSockets ?? Infinity, ...credentials });
    agents.push(a);
    return a;
  };
  const agent = makeAgent({ maxSockets: options.maxSockets ?? 64 });
  return {
    call(method, path, body) {
      const started = performance.now();
      const data = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const headers = data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {};
        const req = request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
        });
        req.on("error", reject);
        if (data) req.write(data);
        req.end();
      });
    },
    agent: makeAgent,
    close() {
      for (const a of agents) a.destroy();
    },
  };
}
