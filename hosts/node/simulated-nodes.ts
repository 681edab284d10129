// `kubeling up --simulate-nodes N`: N KWOK-like nodes in this process, on the browser
// sandbox's simulated runtime (see core/kubelet/simulated-nodes.ts).
import type { ApiServer } from "../../core/api/server.js";

export async function startSimulatedNodes(_api: ApiServer, count: number, log: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  log(`simulated nodes: ${count} (not available yet)`);
  return { async stop() {} };
}
