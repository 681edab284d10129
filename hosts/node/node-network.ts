// The node's share of cluster networking, started once the pod bridge exists:
//  - kube-proxy (iptables mode) programs the Services, and the service range is routed to
//    the bridge so a service IP without a rule drops here instead of leaving the machine;
//  - cluster DNS answers on the bridge's gateway, behind the kube-system/kube-dns Service
//    (10.96.0.10, as kubeadm clusters have it), so pods' resolv.conf names a service IP
//    and kube-proxy carries their queries to it;
//  - the load-balancer pool is routed to the bridge like the service range: the addresses
//    the service load-balancer controller writes into LoadBalancer Services' status are
//    programmed by kube-proxy and answer from this machine, with no tunnel.
import { readFileSync } from "node:fs";
import type { ApiClient, KubeObject } from "../../core/controllers/client.js";
import { R, isAlreadyExists, isNotFound } from "../../core/controllers/client.js";
import { DEFAULT_SERVICE_CIDR } from "../../core/api/service-allocator.js";
import { DEFAULT_LOAD_BALANCER_POOL } from "../../core/controllers/service-lb.js";
import { ClusterDns } from "./dns/server.js";
import { upstreamsFromResolvConf } from "./dns/resolv-conf.js";
import { IptablesNetwork, KubeProxy } from "./kube-proxy/index.js";

/** The API server allocates cluster IPs from the same range (kube-apiserver's default). */
export const SERVICE_CIDR = DEFAULT_SERVICE_CIDR;
export const CLUSTER_CIDR = "10.244.0.0/16";
/** The cluster DNS Service's IP (the tenth of the service range, as kubeadm picks it). */
export const DNS_SERVICE_IP = "10.96.0.10";
export const CLUSTER_DOMAIN = "cluster.local";

export interface NodeNetworkOptions {
  /** A client for the network's components; `as(...)` names each one. */
  client: { as(manager: string): ApiClient };
  nodeName: string;
  podCIDR: string;
  /** The bridge's own address on the pod network (the pods' gateway), where DNS listens. */
  gateway: string;
  /** The control plane's load-balancer pool (default DEFAULT_LOAD_BALANCER_POOL). */
  loadBalancerPool?: string;
  log: (line: string) => void;
}

export interface NodeNetwork {
  /** Stops kube-proxy and DNS; with `teardown`, removes the chains and the route too. */
  stop(options?: { teardown?: boolean }): Promise<void>;
}

export async function startNodeNetwork(options: NodeNetworkOptions): Promise<NodeNetwork> {
  const { log } = options;
  const network = new IptablesNetwork({
    podCIDR: options.podCIDR,
    serviceCIDR: SERVICE_CIDR,
    clusterCIDR: CLUSTER_CIDR,
    loadBalancerCIDRs: [options.loadBalancerPool ?? DEFAULT_LOAD_BALANCER_POOL],
    log: (m) => log(`kube-proxy: ${m}`),
  });
  for (const note of await network.setup()) log(`kube-proxy: ${note}`);
  const proxy = new KubeProxy({ client: options.client.as("kube-proxy"), network, nodeName: options.nodeName, log: (m) => log(`kube-proxy: ${m}`) });
  await proxy.start();
  try {
    return await startDns(options, proxy, network);
  } catch (err) {
    // Half a network is worse than none: take the rules and the route away again.
    await proxy.stop();
    await network.teardown().catch(() => undefined);
    throw err;
  }
}

async function startDns(options: NodeNetworkOptions, proxy: KubeProxy, network: IptablesNetwork): Promise<NodeNetwork> {
  const { log } = options;
  const dns = new ClusterDns({
    client: options.client.as("coredns"),
    address: options.gateway,
    port: 53,
    clusterDomain: CLUSTER_DOMAIN,
    upstreams: hostUpstreams(),
    dnsIPs: [DNS_SERVICE_IP],
  });
  await dns.start();
  try {
    await ensureDnsService(options.client.as("kubeling-node"), options.nodeName, options.gateway);
  } catch (err) {
    await dns.stop();
    throw err;
  }
  log(`cluster DNS: ${DNS_SERVICE_IP} (kube-system/kube-dns) → ${options.gateway}:53; services routed through kube-proxy (iptables)`);
  log(`load balancers: addresses from ${network.loadBalancerCIDRs.join(", ")}, routed to ${network.bridge}`);

  return {
    async stop({ teardown = false } = {}) {
      await proxy.stop();
      await dns.stop();
      if (teardown) await network.teardown();
    },
  };
}

/** The host's resolvers, for names outside the cluster (none when it has no resolv.conf). */
function hostUpstreams(): string[] {
  try {
    return upstreamsFromResolvConf(readFileSync("/etc/resolv.conf", "utf8"));
  } catch {
    return [];
  }
}

/**
 * kube-system/kube-dns at DNS_SERVICE_IP, with an EndpointSlice naming this node's DNS
 * server (the Service has no selector: the server is not a pod). Idempotent.
 */
async function ensureDnsService(client: ApiClient, nodeName: string, gateway: string): Promise<void> {
  const ports = [
    { name: "dns", port: 53, protocol: "UDP" },
    { name: "dns-tcp", port: 53, protocol: "TCP" },
  ];
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" } },
    spec: { clusterIP: DNS_SERVICE_IP, ports: ports.map((p) => ({ ...p, targetPort: 53 })) },
  };
  const slice: KubeObject & Record<string, unknown> = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `kube-dns-${nodeName}`.slice(0, 63),
      namespace: "kube-system",
      labels: { "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "kubeling.io/node" },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [gateway], conditions: { ready: true, serving: true, terminating: false }, nodeName }],
    ports,
  };
  // Read first: creating it again would be refused for its IP (already allocated, to itself)
  // before the name is even compared, as kube-apiserver does.
  if (!(await exists(client, R.services, "kube-system", "kube-dns"))) await createUnlessExists(client, R.services, service);
  const current = await client.get(R.endpointSlices, "kube-system", slice.metadata!.name!).catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
  if (!current) await createUnlessExists(client, R.endpointSlices, slice);
  // This node's address may have changed since the slice was written.
  else await client.update(R.endpointSlices, "kube-system", { ...slice, metadata: { ...slice.metadata, resourceVersion: current.metadata?.resourceVersion } });
}

async function exists(client: ApiClient, r: (typeof R)[keyof typeof R], namespace: string, name: string): Promise<boolean> {
  try {
    await client.get(r, namespace, name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function createUnlessExists(client: ApiClient, r: (typeof R)[keyof typeof R], obj: KubeObject): Promise<void> {
  try {
    await client.create(r, obj.metadata!.namespace, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err; // another server made it meanwhile
  }
}
