// `kubeling up --simulate-nodes N`: N KWOK-like nodes in this process, on the browser
// sandbox's simulated runtime (see core/kubelet/simulated-nodes.ts).
//
// Stopping a node "on command" is an annotation, so kubectl is the remote control:
//   kubectl annotate node kubeling-sim-1 kubeling.io/simulate-stopped=true     # heartbeats stop
//   kubectl annotate node kubeling-sim-1 kubeling.io/simulate-stopped-         # it comes back
// The node lifecycle controller then sees missed heartbeats exactly as with a dead machine.
import type { ApiServer } from "../../core/api/server.js";
import { InProcessClient, type KubeObject } from "../../core/controllers/client.js";
import { realClock } from "../../core/controllers/clock.js";
import { SimulatedNodes } from "../../core/kubelet/simulated-nodes.js";
import { SimulatedRuntime } from "../browser/simulated-runtime.js";
import { kubeletConnection } from "./kubelet-connection.js";

export const SIMULATE_STOPPED_ANNOTATION = "kubeling.io/simulate-stopped";

export async function startSimulatedNodes(
  api: ApiServer,
  count: number,
  log: (line: string) => void,
  options: { startDelayMs?: number } = {},
): Promise<{ nodes: SimulatedNodes; stop(): Promise<void> }> {
  const nodes = new SimulatedNodes({
    client: new InProcessClient(api).as("kubelet"),
    clock: realClock,
    count,
    runtimeFor: (node, clock) => new SimulatedRuntime({ clock, podCIDR: node.podCIDR, startDelayMs: options.startDelayMs }),
  });
  const stopped = new Set<string>();
  const follow = (obj: KubeObject): void => {
    const name = obj.metadata?.name ?? "";
    if (!nodes.kubelet(name)) return;
    const wantStopped = obj.metadata?.annotations?.[SIMULATE_STOPPED_ANNOTATION] === "true";
    if (wantStopped && !stopped.has(name)) {
      stopped.add(name);
      nodes.stopNode(name);
      log(`simulated node ${name}: stopped (no heartbeats until the ${SIMULATE_STOPPED_ANNOTATION} annotation is removed)`);
    } else if (!wantStopped && stopped.has(name)) {
      stopped.delete(name);
      log(`simulated node ${name}: started again`);
      nodes.startNode(name).catch((e) => log(`simulated node ${name}: start failed: ${(e as Error).message}`));
    }
  };
  nodes.nodes.addEventHandler({ add: follow, update: (_, o) => follow(o) });
  const started = Date.now();
  await nodes.start();
  log(`simulated nodes: ${count} registered (${nodes.names[0]}…${nodes.names[count - 1]}) in ${Date.now() - started} ms`);
  // logs and exec reach the simulated containers; port-forward has no pod network to reach.
  const forget = nodes.names.map((name) => api.registerNode(name, kubeletConnection(nodes.kubelet(name)!, nodes.runtime(name)!, { podNetwork: false })));
  return {
    nodes,
    stop: async () => {
      for (const f of forget) f();
      await nodes.stop();
    },
  };
}
