/**
 * The network contract (draft; the node agent issue completes it): what kube-proxy and the
 * pod network need. hosts/node implements it with a bridge and iptables; hosts/browser
 * simulates it (virtual IPs resolved in memory).
 */
export interface ServicePortRule {
  protocol: "TCP" | "UDP" | "SCTP";
  /** The virtual IP and port clients use. */
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** Ready endpoints: traffic is spread across them. */
  endpoints: { ip: string; port: number }[];
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
