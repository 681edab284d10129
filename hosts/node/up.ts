// `kubeling up [--data-dir DIR] [--port N] [--etcd URL[,URL...]]`: the control plane in the
// foreground. Makes the PKI and kubeconfig at the first start, opens the store (embedded
// LMDB in DIR/store, or etcd), serves the API over HTTPS until Ctrl-C.
import { homedir } from "node:os";
import { join } from "node:path";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { EncryptingStorage } from "../../core/storage/encrypting-storage.js";
import type { Server } from "node:https";
import { loadCore } from "../../core/index.js";
import { createApiServer, ServiceAccountTokens } from "../../core/api/index.js";
import type { Storage } from "../../bindings/storage.js";
import { LmdbStorage } from "./lmdb-storage.js";
import { EtcdStorage } from "./etcd-storage.js";
import { adminKubeconfig, issueClientCertificate, kubeconfigFor, loadOrCreatePki, loadOrCreateServiceAccountKey } from "./pki.js";
import { readFileSync } from "node:fs";
import { createHttpsApi } from "./https-api.js";
import { hostname } from "node:os";
import { ControlLoops } from "../../core/control-plane/index.js";
import { realClock } from "../../core/controllers/clock.js";
import { startSimulatedNodes } from "./simulated-nodes.js";
import { defaultNodeName, hostAddresses, inProcessAccess, startDockerNode } from "./docker-node.js";
import { networkGateway } from "./docker-runtime.js";
import { CLUSTER_CIDR, SERVICE_CIDR } from "./node-network.js";
import { loadOrCreateNodeToken } from "./node-token.js";
import { parseResourceFlag } from "./node-resources.js";
import { runInForeground } from "./foreground.js";
import { remoteKubelet } from "./remote-kubelet.js";
import type { UserInfo } from "../../core/api/server.js";
import { loadBalancerPool } from "../../core/controllers/service-lb.js";
import { IPRange, DEFAULT_SERVICE_CIDR } from "../../core/api/service-allocator.js";

export interface UpOptions {
  dataDir: string;
  port: number;
  /** The node's capacity instead of the machine's figures (`--node-capacity cpu=4,memory=8Gi`). */
  nodeCapacity?: Record<string, string>;
  /** Held back from the node's allocatable (`--kube-reserved cpu=500m,memory=1Gi`). */
  kubeReserved?: Record<string, string>;
  /** Where the API server listens (kube-apiserver's --bind-address); default 127.0.0.1. */
  bindAddress?: string;
  etcd?: string[];
  /** This machine's node (a kubelet on Docker); default the host name. */
  nodeName?: string;
  /** Control plane only: no node on this machine (tests and simulations). */
  noNode?: boolean;
  /** Simulated nodes to register (KWOK-like kubelets on the simulated runtime). */
  simulateNodes?: number;
  /** How long a simulated container takes to start (ms; default 0, per pod: the kubeling.io/simulate-start-delay-ms annotation). */
  simulateStartDelayMs?: number;
  /** Annotate each scheduled pod with the scheduler's per-plugin results. */
  recordSchedulingDecisions?: boolean;
  /** node-monitor-grace-period in seconds (default 50). */
  nodeMonitorGracePeriodSeconds?: number;
  /** The addresses LoadBalancer Services get (an IPv4 CIDR; default 10.245.0.0/24). */
  loadBalancerPool?: string;
  /** kube-apiserver's --allow-privileged: admit privileged containers (default false). */
  allowPrivileged?: boolean;
  /** Where progress goes (stdout by default). */
  log?: (line: string) => void;
}

export interface RunningControlPlane {
  server: Server;
  storage: Storage;
  kubeconfig: string;
  stop(): Promise<void>;
}

export function parseUpArgs(args: string[]): UpOptions | string {
  const options: UpOptions = { dataDir: join(homedir(), ".kubeling"), port: 6443 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => inline ?? args[++i];
    if (flag === "--data-dir") options.dataDir = value();
    else if (flag === "--port") options.port = Number(value());
    else if (flag === "--bind-address") {
      options.bindAddress = value();
      if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i.test(options.bindAddress ?? "")) return `invalid --bind-address: ${args[i]} (an IP address)`;
    }
    else if (flag === "--etcd") options.etcd = value().split(",").filter(Boolean);
    else if (flag === "--node-name") {
      options.nodeName = value();
      if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(options.nodeName ?? "")) return `invalid --node-name: ${args[i]} (a lower-case DNS subdomain)`;
    } else if (flag === "--no-node") options.noNode = true;
    else if (flag === "--node-capacity" || flag === "--kube-reserved") {
      const list = parseResourceFlag(flag, value());
      if (typeof list === "string") return list;
      if (flag === "--node-capacity") options.nodeCapacity = list;
      else options.kubeReserved = list;
    }
    else if (flag === "--simulate-nodes") {
      options.simulateNodes = Number(value());
      if (!Number.isInteger(options.simulateNodes) || options.simulateNodes < 0 || options.simulateNodes > 10_000) return `invalid --simulate-nodes: ${args[i]} (0 to 10000)`;
    } else if (flag === "--simulate-start-delay") {
      options.simulateStartDelayMs = Number(value());
      if (!(options.simulateStartDelayMs >= 0)) return `invalid --simulate-start-delay: ${args[i]} (milliseconds)`;
    } else if (flag === "--record-scheduling-decisions") options.recordSchedulingDecisions = true;
    else if (flag === "--allow-privileged") options.allowPrivileged = inline === undefined || inline === "true";
    else if (flag === "--node-monitor-grace-period") {
      options.nodeMonitorGracePeriodSeconds = Number(value());
      if (!(options.nodeMonitorGracePeriodSeconds > 0)) return `invalid --node-monitor-grace-period: ${args[i]} (seconds)`;
    } else if (flag === "--load-balancer-pool") {
      options.loadBalancerPool = value();
      const problem = poolProblem(options.loadBalancerPool ?? "");
      if (problem) return `invalid --load-balancer-pool: ${args[i]} (${problem})`;
    } else return `unknown flag: ${args[i]}`;
    if (flag === "--port" && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) return `invalid --port: ${args[i]}`;
  }
  return options;
}

/** Why `cidr` cannot be the load-balancer pool: not a CIDR, or overlapping the service range or the pod network. */
function poolProblem(cidr: string): string | undefined {
  let pool: IPRange;
  try {
    pool = loadBalancerPool(cidr);
  } catch {
    return "an IPv4 CIDR such as 10.245.0.0/24";
  }
  const span = (r: IPRange) => [r.first - 1, r.first + r.size] as const; // network … broadcast
  const [a0, a1] = span(pool);
  for (const [what, other] of [["the service range", DEFAULT_SERVICE_CIDR], ["the pod network", CLUSTER_CIDR]]) {
    const [b0, b1] = span(new IPRange(other));
    if (a0 <= b1 && b0 <= a1) return `overlaps ${what} ${other}`;
  }
  return undefined;
}

export async function startControlPlane(options: UpOptions): Promise<RunningControlPlane> {
  const log = options.log ?? ((line: string) => console.log(line));
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // The serving certificate also names the machine's addresses, the pods' gateway and the
  // kubernetes Service IP: agents and pods dial those.
  const gateway = networkGateway(CLUSTER_CIDR);
  const { pki, created } = await loadOrCreatePki(join(options.dataDir, "pki"), [...hostAddresses(), gateway, new IPRange(SERVICE_CIDR).firstAddress]);
  log(created ? `generated a CA and certificates in ${join(options.dataDir, "pki")}` : `using certificates in ${join(options.dataDir, "pki")}`);
  const inner: Storage = options.etcd?.length ? new EtcdStorage(options.etcd) : new LmdbStorage(join(options.dataDir, "store"));
  // Secrets are encrypted at rest with a key made at the first start (servers sharing one
  // etcd must share this file).
  const keyFile = join(options.dataDir, "pki", "encryption.key");
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const storage: Storage = await EncryptingStorage.create(inner, new Uint8Array(readFileSync(keyFile)));
  log(options.etcd?.length ? `storage: etcd at ${options.etcd.join(", ")}` : `storage: embedded, in ${join(options.dataDir, "store")}`);
  const core = await loadCore();
  // Service account tokens: signed with a key kept beside the CA; pods get them mounted.
  const serviceAccountTokens = await ServiceAccountTokens.create(await loadOrCreateServiceAccountKey(join(options.dataDir, "pki")));
  const api = createApiServer({ storage, core, serverAddress: `127.0.0.1:${options.port}`, allowPrivileged: options.allowPrivileged, serviceAccountTokens });
  await api.bootstrap();
  // Agents authenticate with the node token (a shared secret, as k3s's) and the API server
  // reaches their kubelets with it.
  const nodeTokenFile = join(options.dataDir, "pki", "node-token");
  const nodeToken = loadOrCreateNodeToken(nodeTokenFile, pki.caCert);
  const agentUser: UserInfo = { name: "system:node-agent", groups: ["system:nodes", "system:masters"] };
  const tokens = new Map([[nodeToken, agentUser]]);
  api.setNodeDialer((node) => remoteKubelet(node, nodeToken));
  const bindAddress = options.bindAddress ?? "127.0.0.1";
  const server = createHttpsApi({ api, pki, tokens });
  await listen(server, options.port, bindAddress);
  const url = `https://127.0.0.1:${options.port}`;
  const kubeconfig = join(options.dataDir, "kubeconfig");
  writeFileSync(kubeconfig, adminKubeconfig(url, pki), { mode: 0o600 });
  log(`API server listening on ${url}`);
  log(`kubeconfig: ${kubeconfig}`);
  log(`  export KUBECONFIG=${kubeconfig}`);
  log("  kubectl get namespaces");
  // The control loops: controllers and the scheduler, each under its Lease.
  const loops = new ControlLoops({
    api,
    core,
    clock: realClock,
    identity: `${hostname()}_${randomBytes(8).toString("hex")}`,
    controllers: {
      nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodSeconds ? options.nodeMonitorGracePeriodSeconds * 1000 : undefined,
      volumeBasePath: join(options.dataDir, "volumes"),
      rootCACert: pki.caCert,
      loadBalancerPool: options.loadBalancerPool,
    },
    scheduler: { recordDecisions: options.recordSchedulingDecisions },
  });
  loops.start();
  const simulated = options.simulateNodes ? await startSimulatedNodes(api, options.simulateNodes, log, { startDelayMs: options.simulateStartDelayMs }) : null;
  const node = options.noNode ? null : await startDockerNode(inProcessAccess(api), { nodeName: options.nodeName ?? defaultNodeName(), dataDir: options.dataDir, loadBalancerPool: options.loadBalancerPool, capacity: options.nodeCapacity, kubeReserved: options.kubeReserved, log });
  // Pods reach the API server through default/kubernetes (10.96.0.1:443): its endpoint moves
  // from loopback to the bridge's gateway, where the server also listens once the bridge exists.
  let podListener: Server | null = null;
  if (node) {
    if (bindAddress === "127.0.0.1") {
      podListener = createHttpsApi({ api, pki, tokens });
      await listen(podListener, options.port, gateway).catch((err: Error) => {
        log(`API server: not reachable from pods (${err.message})`);
        podListener = null;
      });
    }
    if (podListener || bindAddress === "0.0.0.0" || bindAddress === gateway) await api.advertise(`${gateway}:${options.port}`);
  }
  const joinAddress = bindAddress === "127.0.0.1" ? "127.0.0.1" : bindAddress === "0.0.0.0" ? hostAddresses()[0] ?? "127.0.0.1" : bindAddress;
  log(`agents join with: kubeling agent --server https://${joinAddress}:${options.port} --token-file ${nodeTokenFile}${bindAddress === "127.0.0.1" ? "   (this machine only; --bind-address 0.0.0.0 for others)" : ""}`);
  return {
    server,
    storage,
    kubeconfig,
    async stop() {
      // A clean stop leaves no containers behind; after a crash the next start adopts them.
      await node?.stop({ removeContainers: true });
      await simulated?.stop();
      await loops.stop();
      for (const s of [server, podListener]) {
        if (!s) continue;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      api.close();
      await storage.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Runs until SIGINT/SIGTERM, then stops cleanly. */
export function up(args: string[]): Promise<number> {
  return runInForeground("up", "kubeling up [--data-dir DIR] [--port N] [--bind-address IP] [--etcd URL[,URL...]] [--node-name NAME] [--node-capacity LIST] [--kube-reserved LIST] [--no-node] [--simulate-nodes N] [--simulate-start-delay MS] [--node-monitor-grace-period S] [--record-scheduling-decisions] [--load-balancer-pool CIDR] [--allow-privileged]", parseUpArgs(args), startControlPlane);
}

/** `kubeling kubeconfig --user NAME [--group G]... [--data-dir DIR] [--port N]`: prints a kubeconfig. */
export async function kubeconfigCommand(args: string[]): Promise<number> {
  let user = "";
  const groups: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === "--user") user = inline ?? args[++i];
    else if (flag === "--group") groups.push(inline ?? args[++i]);
    else rest.push(args[i]);
  }
  const options = parseUpArgs(rest);
  if (typeof options === "string" || !user) {
    console.error("usage: kubeling kubeconfig --user NAME [--group G]... [--data-dir DIR] [--port N]");
    return 2;
  }
  const pkiDir = join(options.dataDir, "pki");
  const { cert, key } = await issueClientCertificate(pkiDir, user, groups);
  process.stdout.write(kubeconfigFor(`https://127.0.0.1:${options.port}`, readFileSync(join(pkiDir, "ca.crt"), "utf8"), user, cert, key));
  return 0;
}
