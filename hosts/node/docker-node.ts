// The node `kubeling up` runs on this machine: the host-agnostic kubelet (core/kubelet) on
// the Docker engine (docker-runtime.ts). Docker is made ready first — dockerd started and
// the default images built by scripts/docker-up.sh when they are missing — and a machine
// without Docker still gets its control plane, with a clear line saying why no node runs.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { availableParallelism, hostname, networkInterfaces, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import type { ApiServer, NodeConnection } from "../../core/api/server.js";
import { InProcessClient, type ApiClient } from "../../core/controllers/client.js";
import { realClock } from "../../core/controllers/clock.js";
import { Kubelet } from "../../core/kubelet/kubelet.js";
import { DockerRuntime, networkGateway } from "./docker-runtime.js";
import { CLUSTER_CIDR, CLUSTER_DOMAIN, DNS_SERVICE_IP, startNodeNetwork, type NodeNetwork } from "./node-network.js";
import { nodeProbeTransport } from "./probe-transport.js";
import { kubeletConnection } from "./kubelet-connection.js";
import { parseResolvConf, podDnsConfig } from "./dns/resolv-conf.js";
import { claimMachineRole } from "./machine-role.js";
import { allocatableOf } from "./node-resources.js";

/** The images a fresh machine gets from scripts/docker-up.sh (nothing can be pulled here). */
export const DEFAULT_IMAGES = ["busybox:latest", "kubeling/pause:3.10"];
const SOCKET = "/var/run/docker.sock";

/**
 * How a node reaches its cluster: `kubeling up` hands its kubelet the API server in the same
 * process; `kubeling agent` one over HTTPS (remote-client.ts), and serves logs and exec
 * itself (kubelet-server.ts) instead of registering with an API server it does not hold.
 */
export interface ClusterAccess {
  /** The API acting as `manager` (field manager and, in process, the identity it acts under). */
  client: { as(manager: string): ApiClient };
  /** In process only: makes the kubelet reachable for pods/log, exec and port-forward. */
  registerNode?: (nodeName: string, connection: NodeConnection) => () => void;
}

/** The access of a node in the API server's own process. */
export function inProcessAccess(api: ApiServer): ClusterAccess {
  return { client: new InProcessClient(api), registerNode: (name, connection) => api.registerNode(name, connection) };
}

export interface DockerNodeOptions {
  nodeName: string;
  /** Where hostPath-backed volumes and the node's files live. */
  dataDir: string;
  /** This node's pod range (a /24 of the cluster's 10.244.0.0/16). */
  podCIDR?: string;
  /** Replaces the machine's figures in node.status.capacity (`--node-capacity`). */
  capacity?: Record<string, string>;
  /** Held back from allocatable (`--kube-reserved`). */
  kubeReserved?: Record<string, string>;
  /** status.daemonEndpoints' kubelet port (where an agent's kubelet server listens). */
  kubeletPort?: number;
  /** The control plane's load-balancer pool, routed to the bridge (default 10.245.0.0/24). */
  loadBalancerPool?: string;
  log: (line: string) => void;
}

export interface DockerNode {
  kubelet: Kubelet;
  runtime: DockerRuntime;
  /** Stops the kubelet; with `removeContainers`, also every container of this node. */
  stop(options?: { removeContainers?: boolean }): Promise<void>;
}

/** A node name from the host name, as the kubelet does (lower case; it must be a DNS subdomain). */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

/** The machine's non-internal IPv4 addresses, outside the pod bridge. */
export function hostAddresses(): string[] {
  const found: string[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (name === "kubeling0" || name === "docker0" || name.startsWith("veth") || name.startsWith("br-")) continue;
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) found.push(a.address);
  }
  return found;
}

/** The machine's first non-internal IPv4 address (the kubelet's InternalIP), else loopback. */
export function hostAddress(): string {
  return hostAddresses()[0] ?? "127.0.0.1";
}

/** Capacity as the kubelet reports it: CPUs, memory in Ki, 110 pods, the data dir's file system. */
export function machineCapacity(dataDir: string): Record<string, string> {
  const capacity: Record<string, string> = {
    cpu: String(availableParallelism()),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: "110",
  };
  try {
    const fs = statfsSync(dataDir);
    capacity["ephemeral-storage"] = `${Math.floor((fs.blocks * fs.bsize) / 1024)}Ki`;
  } catch {
    // No file system figures: the capacity goes without ephemeral-storage.
  }
  return capacity;
}

/** This machine's resolv.conf (dnsPolicy Default, and what ClusterFirst falls back on for options). */
function hostResolvConf() {
  try {
    return parseResolvConf(readFileSync("/etc/resolv.conf", "utf8"));
  } catch {
    return null;
  }
}

/** The machine's architecture as Go (and so Kubernetes' arch labels) names it. */
export function goArch(): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[process.arch] ?? process.arch;
}

/** PRETTY_NAME from /etc/os-release, as the kubelet reports OS-IMAGE. */
function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

/** Runs scripts/docker-up.sh (start dockerd, build the default images); its output goes to `log`. */
function dockerUp(log: (line: string) => void): boolean {
  const script = join(dirname(fileURLToPath(import.meta.url)), "../../../scripts/docker-up.sh");
  if (!existsSync(script)) {
    log(`docker: ${script} is missing`);
    return false;
  }
  const r = spawnSync("bash", [script], { encoding: "utf8" });
  for (const line of `${r.stdout}${r.stderr}`.split("\n")) if (line.trim()) log(`  ${line}`);
  return r.status === 0;
}

async function imagesPresent(docker: Dockerode): Promise<boolean> {
  for (const image of DEFAULT_IMAGES) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      return false;
    }
  }
  return true;
}

async function answers(docker: Dockerode): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Makes Docker ready and starts the node's kubelet; null (with the reason logged) when Docker cannot be had. */
export async function startDockerNode(access: ClusterAccess, options: DockerNodeOptions): Promise<DockerNode | null> {
  const { log } = options;
  const docker = new Dockerode({ socketPath: SOCKET });
  if (!(await answers(docker)) || !(await imagesPresent(docker))) {
    log("docker: starting dockerd and building the default images (scripts/docker-up.sh)…");
    if (!dockerUp(log) || !(await answers(docker))) {
      log("docker: not available — no node runs on this machine (install docker.io, or use --simulate-nodes N)");
      return null;
    }
  }
  const podCIDR = options.podCIDR ?? "10.244.0.0/24";
  const runtime = new DockerRuntime({ docker, nodeName: options.nodeName, podCIDR, clusterCIDR: CLUSTER_CIDR, podsDir: join(options.dataDir, "pods") });
  await runtime.ensureNetwork();
  const capacity = { ...machineCapacity(options.dataDir), ...(options.capacity ?? {}) };
  const kubelet = new Kubelet({
    nodeName: options.nodeName,
    client: access.client.as("kubelet"),
    runtime,
    clock: realClock,
    address: hostAddress(),
    capacity,
    allocatable: options.kubeReserved ? allocatableOf(capacity, options.kubeReserved) : undefined,
    labels: { "kubernetes.io/arch": goArch(), "beta.kubernetes.io/arch": goArch() },
    nodeInfo: { kernelVersion: release(), osImage: osImage(), architecture: goArch() },
    podCIDR,
    kubeletPort: options.kubeletPort,
    probeTransport: nodeProbeTransport(),
    // dnsPolicy ClusterFirst and friends, against the cluster DNS Service and this machine's resolv.conf.
    dnsConfigFor: (pod) => podDnsConfig(pod as never, { clusterDomain: CLUSTER_DOMAIN, clusterDNS: [DNS_SERVICE_IP], host: hostResolvConf() }).config,
  });
  await kubelet.start();
  const forgetNode = access.registerNode?.(options.nodeName, kubeletConnection(kubelet, runtime)) ?? (() => undefined);
  const version = await runtime.version();
  log(`node ${options.nodeName}: kubelet on Docker ${version.runtimeVersion}, pods on ${podCIDR}`);
  // kube-proxy and cluster DNS once per machine: a second node here shares the first one's.
  let network: NodeNetwork | null = null;
  const role = claimMachineRole("node-network");
  if ("heldBy" in role) log(`node ${options.nodeName}: kube-proxy and cluster DNS are served on this machine by pid ${role.heldBy}`);
  else {
    try {
      network = await startNodeNetwork({ client: access.client, nodeName: options.nodeName, podCIDR, gateway: networkGateway(CLUSTER_CIDR), loadBalancerPool: options.loadBalancerPool, log });
    } catch (err) {
      role.release();
      log(`node ${options.nodeName}: no service networking (${(err as Error).message})`);
    }
  }
  return {
    kubelet,
    runtime,
    async stop({ removeContainers = false } = {}) {
      forgetNode();
      kubelet.stop();
      // A clean stop removes the chains and the route; after a crash the next start reconciles them.
      await network?.stop({ teardown: removeContainers });
      if (network && !("heldBy" in role)) role.release();
      if (!removeContainers) return;
      for (const s of await runtime.listSandboxes()) {
        await runtime.stopSandbox(s.id).catch(() => undefined);
        await runtime.removeSandbox(s.id).catch(() => undefined);
      }
      // Every pod's directories (and tmpfs mounts) go with them, those of pods without a sandbox too.
      for (const uid of await runtime.volumes.pods()) await runtime.tearDownPodVolumes(uid).catch((err) => log(`node ${options.nodeName}: ${(err as Error).message}`));
      // The bridge and its rules go with the last node of this machine using them.
      await runtime.removeNetworkIfUnused().catch((err) => log(`node ${options.nodeName}: ${(err as Error).message}`));
    },
  };
}
