// The pod network as the CNI bridge plugin builds it, for sandboxes Docker starts with no
// network of their own (NetworkMode "none"): one Linux bridge (kubeling0) carrying the whole
// cluster CIDR with the gateway address on it, and per sandbox a veth pair — the host end
// on the bridge (hairpin on, so a pod reaches itself through its Service), `eth0` in the
// sandbox's network namespace with the pod IP and a default route via the gateway.
//
// Why not a Docker network: a user-defined Docker network also wires its embedded DNS into
// every sandbox, which made a sandbox start ~300 ms slower than a plain container here; the
// kubelet never used that DNS (pods resolve through cluster DNS). Three small `ip` calls
// cost ~40 ms.
//
// Host rules, in chains of our own (not kube-proxy's, which come and go with it): forward
// to and from the bridge (dockerd's FORWARD policy is DROP) and masquerade pod traffic that
// leaves the cluster range. Everything goes when the last sandbox of the machine has gone.
import { spawnExecutor, type Executor } from "./kube-proxy/iptables.js";

export const CNI_FORWARD_CHAIN = "KUBELING-CNI-FORWARD";
export const CNI_POSTROUTING_CHAIN = "KUBELING-CNI-POSTROUTING";

export interface BridgeCniOptions {
  bridge: string;
  /** The range every node's pods share (one L2 segment); its first address is the gateway. */
  clusterCIDR: string;
  gateway: string;
  exec?: Executor;
}

export class BridgeCni {
  private readonly exec: Executor;
  private readonly prefix: number;

  constructor(private readonly options: BridgeCniOptions) {
    this.exec = options.exec ?? spawnExecutor;
    this.prefix = Number(options.clusterCIDR.split("/")[1]);
  }

  private async must(cmd: string, args: string[], stdin?: string): Promise<string> {
    const r = await this.exec(cmd, args, stdin);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  /** The bridge with the gateway address, forwarding on, and the host rules. Idempotent. */
  async ensure(): Promise<void> {
    const { bridge, gateway } = this.options;
    const exists = await this.exec("ip", ["-o", "link", "show", "dev", bridge]);
    if (exists.code !== 0) {
      const added = await this.exec("ip", ["link", "add", bridge, "type", "bridge"]);
      // Another node's runtime on this machine made it first.
      if (added.code !== 0 && !/exists/i.test(added.stderr)) throw new Error(`ip link add ${bridge}: ${added.stderr.trim()}`);
    }
    const addresses = await this.must("ip", ["-o", "-4", "addr", "show", "dev", bridge]);
    if (!addresses.includes(` ${gateway}/`)) {
      const r = await this.exec("ip", ["addr", "add", `${gateway}/${this.prefix}`, "dev", bridge]);
      if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new Error(`ip addr add ${gateway} dev ${bridge}: ${r.stderr.trim()}`);
    }
    await this.must("ip", ["link", "set", bridge, "up"]);
    await this.must("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
    await this.ensureRules();
  }

  private async ensureRules(): Promise<void> {
    const { bridge, clusterCIDR } = this.options;
    const rules: [table: string, chain: string, from: string, rules: string[][]][] = [
      ["filter", CNI_FORWARD_CHAIN, "FORWARD", [["-i", bridge, "-j", "ACCEPT"], ["-o", bridge, "-j", "ACCEPT"]]],
      ["nat", CNI_POSTROUTING_CHAIN, "POSTROUTING", [["-s", clusterCIDR, "!", "-o", bridge, "-j", "MASQUERADE"]]],
    ];
    for (const [table, chain, from, body] of rules) {
      await this.exec("iptables", ["-w", "5", "-t", table, "-N", chain]); // exists already: fine
      for (const rule of body) {
        if ((await this.exec("iptables", ["-w", "5", "-t", table, "-C", chain, ...rule])).code !== 0) {
          await this.must("iptables", ["-w", "5", "-t", table, "-A", chain, ...rule]);
        }
      }
      const jump = ["-m", "comment", "--comment", "kubeling pod network", "-j", chain];
      if ((await this.exec("iptables", ["-w", "5", "-t", table, "-C", from, ...jump])).code !== 0) {
        await this.must("iptables", ["-w", "5", "-t", table, "-I", from, "1", ...jump]);
      }
    }
  }

  /** The host end of a sandbox's veth: named after the sandbox (interface names hold 15 bytes). */
  static hostInterface(sandboxId: string): string {
    return `kl${sandboxId.slice(0, 12)}`;
  }

  /** CNI ADD: `ip` as eth0 of the network namespace of process `pid` (the sandbox's pause). */
  async add(sandboxId: string, pid: number, ip: string): Promise<void> {
    const { bridge, gateway } = this.options;
    const host = BridgeCni.hostInterface(sandboxId);
    // A leftover of an earlier attempt for the same sandbox.
    await this.exec("ip", ["link", "del", host]);
    await this.must("ip", ["link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", String(pid)]);
    const attach = `link set ${host} master ${bridge}\nlink set dev ${host} type bridge_slave hairpin on\nlink set ${host} up\n`;
    if ((await this.exec("ip", ["-batch", "-"], attach)).code !== 0) {
      // The bridge went with the last sandbox of the machine (a clean stop elsewhere): make it again, once.
      await this.ensure();
      await this.must("ip", ["-batch", "-"], attach);
    }
    await this.must("nsenter", ["-t", String(pid), "-n", "ip", "-batch", "-"], `link set lo up\naddr add ${ip}/${this.prefix} dev eth0\nlink set eth0 up\nroute add default via ${gateway}\n`);
  }

  /** Removes the bridge and the host rules (call when no sandbox of any node uses them). */
  async teardown(): Promise<void> {
    const { bridge } = this.options;
    await this.exec("ip", ["link", "del", bridge]);
    for (const [table, chain, from] of [
      ["filter", CNI_FORWARD_CHAIN, "FORWARD"],
      ["nat", CNI_POSTROUTING_CHAIN, "POSTROUTING"],
    ]) {
      for (let i = 0; i < 10; i++) {
        const r = await this.exec("iptables", ["-w", "5", "-t", table, "-D", from, "-m", "comment", "--comment", "kubeling pod network", "-j", chain]);
        if (r.code !== 0) break;
      }
      await this.exec("iptables", ["-w", "5", "-t", table, "-F", chain]);
      await this.exec("iptables", ["-w", "5", "-t", table, "-X", chain]);
    }
  }
}
