// `kubeling agent --server URL --token T [--name N]`: one more node for a cluster that
// `kubeling up` runs, here or on another machine. It trusts the server the token names
// (node-token.ts), takes a free /24 of the pod network for its pods, runs a kubelet on this
// machine's Docker (its own containers only: they carry its node name), serves its
// kubelet's logs, exec and port-forward to the API server (kubelet-server.ts), and runs kube-proxy and cluster DNS
// unless another kubeling process on this machine already does.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:https";
import { R, type ApiClient } from "../../core/controllers/client.js";
import { defaultNodeName, hostAddresses, startDockerNode, type DockerNode } from "./docker-node.js";
import { discoverCa } from "./node-token.js";
import { parseResourceFlag } from "./node-resources.js";
import { runInForeground } from "./foreground.js";
import { RemoteClient } from "./remote-client.js";
import { startKubeletServer } from "./kubelet-server.js";
import { kubeletConnection } from "./kubelet-connection.js";

export interface AgentOptions {
  server: string;
  token: string;
  nodeName: string;
  dataDir: string;
  kubeletPort: number;
  /** As `kubeling up`'s flags of the same names. */
  nodeCapacity?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  log?: (line: string) => void;
}

export function parseAgentArgs(args: string[]): AgentOptions | string {
  const options: Partial<AgentOptions> = { nodeName: defaultNodeName(), dataDir: join(homedir(), ".kubeling-agent"), kubeletPort: 10250 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--server") options.server = value();
    else if (flag === "--token") options.token = value().trim();
    else if (flag === "--token-file") {
      const file = value();
      try {
        options.token = readFileSync(file, "utf8").trim();
      } catch (err) {
        return `cannot read --token-file ${file}: ${(err as Error).message}`;
      }
    } else if (flag === "--name" || flag === "--node-name") options.nodeName = value();
    else if (flag === "--data-dir") options.dataDir = value();
    else if (flag === "--kubelet-port") options.kubeletPort = Number(value());
    else if (flag === "--node-capacity" || flag === "--kube-reserved") {
      const list = parseResourceFlag(flag, value());
      if (typeof list === "string") return list;
      if (flag === "--node-capacity") options.nodeCapacity = list;
      else options.kubeReserved = list;
    }
    else return `unknown flag: ${args[i]}`;
  }
  if (!options.server || !/^https:\/\//.test(options.server)) return "--server https://HOST:PORT is required";
  if (!options.token) return "--token (or --token-file) is required";
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(options.nodeName ?? "")) return `invalid --name: ${options.nodeName} (a lower-case DNS subdomain)`;
  if (!(Number.isInteger(options.kubeletPort) && options.kubeletPort! > 0 && options.kubeletPort! < 65536)) return "invalid --kubelet-port";
  return options as AgentOptions;
}

/**
 * A free /24 of the cluster's 10.244.0.0/16 for `nodeName`: the one it had (a restarted
 * agent keeps its pods' addresses), else the lowest no node holds. (kube-controller-manager's
 * node IPAM would assign it; here the joining node claims it, so two agents joining in the
 * same instant could pick the same range — left for a node-IPAM controller.)
 */
export async function claimPodCIDR(client: ApiClient, nodeName: string): Promise<string> {
  const nodes = (await client.list(R.nodes)).items as { metadata: { name: string }; spec?: { podCIDR?: string } }[];
  const mine = nodes.find((n) => n.metadata.name === nodeName)?.spec?.podCIDR;
  if (mine) return mine;
  const taken = new Set(nodes.map((n) => n.spec?.podCIDR).filter(Boolean));
  for (let third = 0; third < 255; third++) {
    const cidr = `10.244.${third}.0/24`;
    if (!taken.has(cidr)) return cidr;
  }
  throw new Error("the pod network 10.244.0.0/16 has no free /24 left");
}

export interface RunningAgent {
  node: DockerNode;
  kubeletServer: Server;
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? ((line: string) => console.log(line));
  const caCert = await discoverCa(options.server, options.token);
  log(`trusting ${options.server}: its CA matches the token`);
  const client = new RemoteClient({ server: options.server, token: options.token, caCert, manager: "kubelet" });
  // Fails here, with the server's own Status, when the token is not accepted.
  await client.get(R.namespaces, undefined, "default");
  const podCIDR = await claimPodCIDR(client, options.nodeName);
  const node = await startDockerNode({ client }, { nodeName: options.nodeName, dataDir: options.dataDir, podCIDR, kubeletPort: options.kubeletPort, capacity: options.nodeCapacity, kubeReserved: options.kubeReserved, log });
  if (!node) throw new Error("Docker is not available on this machine");
  const kubelet = node.kubelet;
  const kubeletServer = await startKubeletServer({
    nodeName: options.nodeName,
    connection: kubeletConnection(kubelet, node.runtime),
    token: options.token,
    addresses: [...hostAddresses(), "127.0.0.1"],
    port: options.kubeletPort,
  });
  log(`kubelet server listening on :${options.kubeletPort}`);
  return {
    node,
    kubeletServer,
    async stop() {
      await new Promise<void>((resolve) => {
        kubeletServer.close(() => resolve());
        kubeletServer.closeAllConnections();
      });
      // Like `kubeling up`: a clean stop leaves none of this node's containers behind.
      await node.stop({ removeContainers: true });
      client.close();
    },
  };
}

/** Runs until SIGINT/SIGTERM, then stops cleanly. */
export function agent(args: string[]): Promise<number> {
  return runInForeground("agent", "kubeling agent --server https://HOST:PORT (--token T | --token-file F) [--name NODE] [--data-dir DIR] [--kubelet-port N] [--node-capacity LIST] [--kube-reserved LIST]", parseAgentArgs(args), startAgent);
}
