// kube-proxy in iptables mode for the Node host: the Network binding over Iptables.
//
// `setup()` prepares the node once the cluster bridge exists (kernel settings and the
// service-range route, see service-route.ts); `syncServices` is the proxier's full sync;
// `teardown()` removes chains, jumps and the route. Not done yet: UDP services need stale
// conntrack entries deleted when endpoints go (kube-proxy runs `conntrack -D`).
import type { Network, ServicePortRule } from "../../../bindings/network.js";
import { Iptables, type Executor } from "./iptables.js";
import { DEFAULT_BRIDGE, ensureServiceRoute, hasServiceRoute, prepareKernel, removeServiceRoute, type Run } from "./service-route.js";

export { renderRules, type RulesInput } from "./rules.js";
export { Iptables, spawnExecutor, parseChains, type Executor, type ExecResult } from "./iptables.js";
export { servicePortRules, type ServiceObject, type EndpointSliceObject } from "./service-rules.js";
export { ensureServiceRoute, hasServiceRoute, removeServiceRoute, prepareKernel, DEFAULT_BRIDGE } from "./service-route.js";
export { KubeProxy, type KubeProxyOptions } from "./proxier.js";

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
  netns?: string;
  exec?: Executor;
}

export class IptablesNetwork implements Network {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly iptables: Iptables;
  readonly bridge: string;
  /** The last restore input, for debugging. */
  lastRules = "";
  private routeLocalnetDone = false;

  constructor(private readonly options: IptablesNetworkOptions) {
    this.podCIDR = options.podCIDR;
    this.serviceCIDR = options.serviceCIDR;
    this.iptables = new Iptables({ exec: options.exec, netns: options.netns });
    this.bridge = options.bridge ?? DEFAULT_BRIDGE;
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
  }

  /** Removes chains, jumps and the service route. Kernel settings stay (others may rely on them). */
  async teardown(): Promise<void> {
    await this.iptables.teardown();
    await removeServiceRoute(this.run, this.serviceCIDR, this.bridge);
  }
}
