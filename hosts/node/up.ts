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
import { createApiServer } from "../../core/api/index.js";
import type { Storage } from "../../bindings/storage.js";
import { LmdbStorage } from "./lmdb-storage.js";
import { EtcdStorage } from "./etcd-storage.js";
import { adminKubeconfig, issueClientCertificate, kubeconfigFor, loadOrCreatePki } from "./pki.js";
import { readFileSync } from "node:fs";
import { createHttpsApi } from "./https-api.js";
import { hostname } from "node:os";
import { ControlLoops } from "../../core/control-plane/index.js";
import { realClock } from "../../core/controllers/clock.js";
import { startSimulatedNodes } from "./simulated-nodes.js";
import { defaultNodeName, startDockerNode } from "./docker-node.js";

export interface UpOptions {
  dataDir: string;
  port: number;
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
    else if (flag === "--etcd") options.etcd = value().split(",").filter(Boolean);
    else if (flag === "--node-name") {
      options.nodeName = value();
      if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(options.nodeName ?? "")) return `invalid --node-name: ${args[i]} (a lower-case DNS subdomain)`;
    } else if (flag === "--no-node") options.noNode = true;
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
    } else return `unknown flag: ${args[i]}`;
    if (flag === "--port" && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) return `invalid --port: ${args[i]}`;
  }
  return options;
}

export async function startControlPlane(options: UpOptions): Promise<RunningControlPlane> {
  const log = options.log ?? ((line: string) => console.log(line));
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const { pki, created } = await loadOrCreatePki(join(options.dataDir, "pki"));
  log(created ? `generated a CA and certificates in ${join(options.dataDir, "pki")}` : `using certificates in ${join(options.dataDir, "pki")}`);
  const inner: Storage = options.etcd?.length ? new EtcdStorage(options.etcd) : new LmdbStorage(join(options.dataDir, "store"));
  // Secrets are encrypted at rest with a key made at the first start (servers sharing one
  // etcd must share this file).
  const keyFile = join(options.dataDir, "pki", "encryption.key");
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const storage: Storage = await EncryptingStorage.create(inner, new Uint8Array(readFileSync(keyFile)));
  log(options.etcd?.length ? `storage: etcd at ${options.etcd.join(", ")}` : `storage: embedded, in ${join(options.dataDir, "store")}`);
  const core = await loadCore();
  const api = createApiServer({ storage, core, serverAddress: `127.0.0.1:${options.port}`, allowPrivileged: options.allowPrivileged });
  await api.bootstrap();
  const server = createHttpsApi({ api, pki });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
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
    },
    scheduler: { recordDecisions: options.recordSchedulingDecisions },
  });
  loops.start();
  const simulated = options.simulateNodes ? await startSimulatedNodes(api, options.simulateNodes, log, { startDelayMs: options.simulateStartDelayMs }) : null;
  const node = options.noNode ? null : await startDockerNode(api, { nodeName: options.nodeName ?? defaultNodeName(), dataDir: options.dataDir, log });
  return {
    server,
    storage,
    kubeconfig,
    async stop() {
      // A clean stop leaves no containers behind; after a crash the next start adopts them.
      await node?.stop({ removeContainers: true });
      await simulated?.stop();
      await loops.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      api.close();
      await storage.close();
    },
  };
}

/** Runs until SIGINT/SIGTERM, then stops cleanly. */
export async function up(args: string[]): Promise<number> {
  const options = parseUpArgs(args);
  if (typeof options === "string") {
    console.error(`kubeling up: ${options}\nusage: kubeling up [--data-dir DIR] [--port N] [--etcd URL[,URL...]] [--node-name NAME] [--no-node] [--simulate-nodes N] [--simulate-start-delay MS] [--node-monitor-grace-period S] [--record-scheduling-decisions]`);
    return 2;
  }
  let running: RunningControlPlane;
  try {
    running = await startControlPlane(options);
  } catch (err) {
    console.error(`kubeling up: ${(err as Error).message}`);
    return 1;
  }
  console.log("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log("stopping…");
  await running.stop();
  console.log("stopped.");
  return 0;
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
