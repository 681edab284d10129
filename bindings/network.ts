/**
 * The network contract (draft; the node agent issue completes it): what kube-proxy and the
 * pod network need. hosts/node implements it with a bridge and iptables; hosts/browser
 * simulates it (virtual IPs resolved in memory). Data only: everything here is plain JSON.
 */

/** One endpoint (pod address and target port) behind a service port. */
export interface ServiceEndpoint {
  ip: string;
  port: number;
  /** EndpointSlice condition `ready`; absent means ready (the API's nil = ready). */
  ready?: boolean;
  /** EndpointSlice condition `serving`; absent means the same as `ready`. */
  serving?: boolean;
  /** EndpointSlice condition `terminating`; absent means false. */
  terminating?: boolean;
  /** The endpoint runs on this node (for the `Local` traffic policies). */
  local?: boolean;
}

/**
 * One port of one Service, as kube-proxy sees it. Only `protocol`, `clusterIP`, `port` and
 * `endpoints` are required; the rest default to a plain ClusterIP service (affinity None,
 * traffic policies Cluster, no node port, no external or load-balancer addresses).
 */
export interface ServicePortRule {
  /** The Service's namespace and name, and the port's name ("" for an unnamed port). */
  namespace?: string;
  name?: string;
  portName?: string;
  protocol: "TCP" | "UDP" | "SCTP";
  /** The virtual IP and port clients use. "None" or "" means headless (no rules). */
  clusterIP: string;
  port: number;
  /** Headless service (clusterIP None): nothing is proxied. */
  headless?: boolean;
  nodePort?: number;
  /** spec.externalIPs: handled like load-balancer addresses. */
  externalIPs?: string[];
  /** status.loadBalancer.ingress[].ip. */
  loadBalancerIPs?: string[];
  /** spec.sessionAffinity; ClientIP pins a client address to one endpoint. */
  sessionAffinity?: "None" | "ClientIP";
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds (default 10800). */
  sessionAffinityTimeoutSeconds?: number;
  /** Local: traffic from outside the cluster only goes to endpoints on this node. */
  externalTrafficPolicy?: "Cluster" | "Local";
  /** Local: traffic to the cluster IP only goes to endpoints on this node. */
  internalTrafficPolicy?: "Cluster" | "Local";
  /**
   * Endpoints: traffic is spread across the ready ones (or, when none is ready, the serving
   * terminating ones, as kube-proxy does). Endpoints without flags count as ready.
   */
  endpoints: ServiceEndpoint[];
}

export interface Network {
  /** The pod and service address ranges (CIDR) this network serves. */
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  /** Makes the data plane match `rules` exactly (kube-proxy's full sync). */
  syncServices(rules: ServicePortRule[]): Promise<void>;
  /** Removes everything this network created (chains, bridges, routes). */
  teardown(): Promise<void>;
}
