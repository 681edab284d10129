// kube-proxy in iptables mode for the Node host: the Network binding over Iptables.
//
// `setup()` prepares the node once the cluster bridge exists (kernel settings and the
// service-range route, see service-route.ts); `syncServices` is the proxier's full sync;
// `teardown()` removes chains, jumps and the routes. After each sync, UDP flows the new rules
// left stale are deleted with the conntrack tool when it is installed (conntrack.ts).
import type { Network, ServicePortRule } from "../../../bindings/network.js";
import { Iptables, type Executor } from "./iptables.js";
import { clearStaleUdpFlows, staleUdpFlows } from "./conntrack.js";
import { DEFAULT_BRIDGE, ensureServiceRoute, hasServiceRoute, prepareKernel, removeServiceRoute, type Run } from "./service-route.js";

export { renderRules, type RulesInput } from "./rules.js";
export { Iptables, spawnExecutor, parseChains, type Executor, type ExecResult } from "./iptables.js";
export { servicePortRules, type ServiceObject, type EndpointSliceObject } from "./service-rules.js";
export { ensureServiceRoute, hasServiceRoute, removeServiceRoute, prepareKernel, DEFAULT_BRIDGE } from "./service-route.js";
export { KubeProxy, type KubeProxyOptions } from "./proxier.js";
export { staleUdpFlows, clearStaleUdpFlows } from "./conntrack.js";

export interface IptablesNetworkOptions {
  podCIDR: string;
  serviceCIDR: string;
  /** The cluster-wide pod range for the masquerade decision (default: podCIDR). */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  masqueradeBit?: number;
  /** Node ports on 127.0.0.1 (default true). */
  localhostNodePorts?: boolean;
  /** Set net.ipv4.conf.all.route_localnet=1 on the first sync (localhost node ports need it). */
  setRouteLocalnet?: boolean;
  /** The cluster bridge the service range is routed to (default kubeling0). */
  bridge?: string;
  /**
   * Load-balancer address pools (CIDRs), routed to the bridge like the service range: the
   * addresses the service load-balancer controller hands out answer here and never leave.
   */
  loadBalancerCIDRs?: string[];
  netns?: string;
  exec?: Executor;
  /** Notes that are not failures (the conntrack tool missing); default console.warn. */
  log?: (message: string) => void;
}

export class IptablesNetwork implements Network {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly iptables: Iptables;
  readonly bridge: string;
  readonly loadBalancerCIDRs: string[];
  /** The last restore input, for debugging. */
  lastRules = "";
  private routeLocalnetDone = false;
  /** The rules of the last sync, to tell which UDP flows went stale. */
  private previous: ServicePortRule[] = [];
  private conntrackMissing = false;

  constructor(private readonly options: IptablesNetworkOptions) {
    this.podCIDR = options.podCIDR;
    this.serviceCIDR = options.serviceCIDR;
    this.iptables = new Iptables({ exec: options.exec, netns: options.netns });
    this.bridge = options.bridge ?? DEFAULT_BRIDGE;
    this.loadBalancerCIDRs = options.loadBalancerCIDRs ?? [];
  }

  /** Runs a command in the network's namespace (if any). */
  private readonly run: Run = (cmd, args, stdin) => this.iptables.run(cmd, args, stdin);

  /**
   * Prepares the node (`kubeling up`, once the container runtime's bridge exists): ip_forward,
   * bridge-nf-call-iptables, route_localnet when localhost node ports are on, and the
   * service-range route to the bridge. Returns non-fatal notes (br_netfilter unavailable).
   */
  async setup(): Promise<string[]> {
    const notes = await prepareKernel(this.run, { routeLocalnet: this.options.localhostNodePorts ?? true });
    if (this.options.localhostNodePorts ?? true) this.routeLocalnetDone = true;
    await this.ensureServiceRoute();
    for (const cidr of this.loadBalancerCIDRs) await this.ensureServiceRoute(cidr);
    return notes;
  }

  /** Routes the service range to the cluster bridge, so service IPs never leave the machine. */
  ensureServiceRoute(serviceCIDR = this.serviceCIDR, bridge = this.bridge): Promise<void> {
    return ensureServiceRoute(this.run, serviceCIDR, bridge);
  }

  hasServiceRoute(serviceCIDR = this.serviceCIDR, bridge = this.bridge): Promise<boolean> {
    return hasServiceRoute(this.run, serviceCIDR, bridge);
  }

  async syncServices(rules: ServicePortRule[]): Promise<void> {
    const localhostNodePorts = this.options.localhostNodePorts ?? true;
    if (localhostNodePorts && this.options.setRouteLocalnet && !this.routeLocalnetDone) {
      const r = await this.iptables.run("sysctl", ["-q", "-w", "net.ipv4.conf.all.route_localnet=1"]);
      if (r.code !== 0) throw new Error(`sysctl route_localnet: ${r.stderr.trim()}`);
      this.routeLocalnetDone = true;
    }
    this.lastRules = await this.iptables.apply({
      services: rules,
      clusterCIDR: this.options.clusterCIDR ?? this.podCIDR,
      masqueradeAll: this.options.masqueradeAll,
      masqueradeBit: this.options.masqueradeBit,
      localhostNodePorts,
    });
    const stale = staleUdpFlows(this.previous, rules);
    this.previous = rules;
    if (stale.length > 0 && !this.conntrackMissing) {
      const r = await clearStaleUdpFlows(this.run, stale).catch((err: Error) => err);
      if (r === "missing") {
        this.conntrackMissing = true;
        (this.options.log ?? console.warn)("the conntrack tool is not installed: stale UDP flows to removed endpoints are not cleared (install conntrack)");
      } else if (r instanceof Error) (this.options.log ?? console.warn)(`conntrack: ${r.message}`);
    }
  }

  /** Removes chains, jumps and the service and load-balancer routes. Kernel settings stay (others may rely on them). */
  async teardown(): Promise<void> {
    await this.iptables.teardown();
    await removeServiceRoute(this.run, this.serviceCIDR, this.bridge);
    for (const cidr of this.loadBalancerCIDRs) await removeServiceRoute(this.run, cidr, this.bridge);
  }
}
