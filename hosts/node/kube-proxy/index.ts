// kube-proxy in iptables mode for the Node host: the Network binding over Iptables.
//
// Left to the host (not done here): a route for the service CIDR towards the pod bridge is
// not needed on the node itself (DNAT happens in OUTPUT/PREROUTING) but is for clients
// elsewhere; localhost node ports need net.ipv4.conf.all.route_localnet=1 (see
// `setRouteLocalnet`); UDP services need stale conntrack entries deleted when endpoints go
// (kube-proxy runs `conntrack -D`), which is not done yet.
import type { Network, ServicePortRule } from "../../../bindings/network.js";
import { Iptables, type Executor } from "./iptables.js";

export { renderRules, type RulesInput } from "./rules.js";
export { Iptables, spawnExecutor, parseChains, type Executor, type ExecResult } from "./iptables.js";
export { servicePortRules, type ServiceObject, type EndpointSliceObject } from "./service-rules.js";

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
  netns?: string;
  exec?: Executor;
}

export class IptablesNetwork implements Network {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly iptables: Iptables;
  /** The last restore input, for debugging. */
  lastRules = "";
  private routeLocalnetDone = false;

  constructor(private readonly options: IptablesNetworkOptions) {
    this.podCIDR = options.podCIDR;
    this.serviceCIDR = options.serviceCIDR;
    this.iptables = new Iptables({ exec: options.exec, netns: options.netns });
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

  async teardown(): Promise<void> {
    await this.iptables.teardown();
  }
}
