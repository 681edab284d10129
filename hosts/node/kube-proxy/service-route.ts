// The node's kernel settings for kube-proxy, and the service-range safety route.
//
// Service virtual IPs must never leave the machine. A connection to a cluster IP is DNATed
// by the nat OUTPUT / PREROUTING rules, but the kernel routes it first: without a route of
// its own the service range would follow the default route, and a missing rule (a service
// just deleted, kube-proxy not synced yet, an unallocated IP) would send the packet to the
// upstream router. `ip route replace <serviceCIDR> dev <bridge>` keeps it on the cluster's
// own bridge, where nobody answers for an unallocated IP, so it fails locally. A blackhole
// or unreachable route would not do: locally originated connections fail at that first
// route lookup, before the nat OUTPUT chain could rewrite them.
//
// Every command goes through `run`, which the caller binds to a network namespace or not
// (Iptables.run), so all of this works in throwaway namespaces in tests.
import type { ExecResult } from "./iptables.js";

export type Run = (cmd: string, args: string[], stdin?: string) => Promise<ExecResult>;

/** The bridge of the Docker network DockerRuntime creates ("kubeling"). */
export const DEFAULT_BRIDGE = "kubeling0";

const errorText = (r: ExecResult) => r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`;

/** Routes `serviceCIDR` to `bridge` (idempotent). Fails clearly when the bridge is missing. */
export async function ensureServiceRoute(run: Run, serviceCIDR: string, bridge: string = DEFAULT_BRIDGE): Promise<void> {
  const link = await run("ip", ["-o", "link", "show", "dev", bridge]);
  if (link.code !== 0) {
    throw new Error(
      `the service range ${serviceCIDR} must be routed to the cluster bridge ${bridge}, which does not exist yet ` +
        `(it is created with the container runtime's network; start that first): ${errorText(link)}`,
    );
  }
  const r = await run("ip", ["route", "replace", serviceCIDR, "dev", bridge]);
  if (r.code !== 0) throw new Error(`ip route replace ${serviceCIDR} dev ${bridge}: ${errorText(r)}`);
}

/** Whether the route is in place. */
export async function hasServiceRoute(run: Run, serviceCIDR: string, bridge: string = DEFAULT_BRIDGE): Promise<boolean> {
  const r = await run("ip", ["-o", "route", "show", "exact", serviceCIDR, "dev", bridge]);
  return r.code === 0 && r.stdout.trim() !== "";
}

/**
 * Removes the route, if it is there. A route of the service range through the cluster's
 * bridge can only be ours, so this needs no memory of having added it (`kubeling down`
 * after a restart). Returns whether a route was removed.
 */
export async function removeServiceRoute(run: Run, serviceCIDR: string, bridge: string = DEFAULT_BRIDGE): Promise<boolean> {
  if (!(await hasServiceRoute(run, serviceCIDR, bridge))) return false;
  const r = await run("ip", ["route", "del", serviceCIDR, "dev", bridge]);
  if (r.code !== 0) throw new Error(`ip route del ${serviceCIDR} dev ${bridge}: ${errorText(r)}`);
  return true;
}

export interface KernelOptions {
  /**
   * Localhost node ports are on: set net.ipv4.conf.all.route_localnet=1. The DNAT of
   * 127.0.0.1:<nodePort> to a pod sends a packet with a loopback source off the loopback
   * interface, which the kernel drops as martian unless route_localnet is set. Only then:
   * the setting also lets other hosts reach 127.0.0.0/8 (KUBELING-FIREWALL drops that).
   */
  routeLocalnet: boolean;
}

const sysctlGet = async (run: Run, key: string): Promise<string | null> => {
  const r = await run("sysctl", ["-n", key]);
  return r.code === 0 ? r.stdout.trim() : null;
};

const sysctlSet = async (run: Run, key: string, value: string): Promise<void> => {
  const r = await run("sysctl", ["-q", "-w", `${key}=${value}`]);
  if (r.code !== 0) throw new Error(`sysctl ${key}=${value}: ${errorText(r)}`);
};

/**
 * The kernel settings the proxier needs. Returns notes on what could not be done but is not
 * fatal (br_netfilter missing); throws when a needed setting cannot be written.
 */
export async function prepareKernel(run: Run, options: KernelOptions): Promise<string[]> {
  const notes: string[] = [];
  // Pods reach services (and each other through DNAT) by forwarding on the node.
  await sysctlSet(run, "net.ipv4.ip_forward", "1");
  if (options.routeLocalnet) await sysctlSet(run, "net.ipv4.conf.all.route_localnet", "1");

  // Pod → service → pod on the same bridge: the request is routed (DNAT in PREROUTING), but
  // the reply goes pod to pod over the bridge at layer 2; without bridge-nf-call-iptables
  // conntrack never sees it, the DNAT is not undone, and the client drops the reply.
  const key = "net.bridge.bridge-nf-call-iptables";
  let value = await sysctlGet(run, key);
  if (value === null) {
    // The sysctl appears with the br_netfilter module. modprobe may be missing (containers,
    // minimal images) or not permitted; then the note says what will not work.
    const m = await run("modprobe", ["br_netfilter"]).catch((err: Error): ExecResult => ({ code: 127, stdout: "", stderr: err.message }));
    value = await sysctlGet(run, key);
    if (value === null) {
      notes.push(
        `${key} is missing and \`modprobe br_netfilter\` did not provide it (${errorText(m)}): ` +
          `a pod calling a service whose endpoint is on the same bridge will not get replies`,
      );
      return notes;
    }
    notes.push("loaded br_netfilter");
  }
  if (value !== "1") await sysctlSet(run, key, "1");
  return notes;
}
