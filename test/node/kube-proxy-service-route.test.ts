// The node preparation commands (service route, sysctls) against a fake executor: what runs,
// and what happens without a bridge or without br_netfilter. The real thing runs in
// kube-proxy-loop.test.ts inside network namespaces.
import { describe, expect, it } from "vitest";
import { ensureServiceRoute, prepareKernel, removeServiceRoute } from "../../dist/hosts/node/kube-proxy/service-route.js";
import type { ExecResult } from "../../dist/hosts/node/kube-proxy/iptables.js";

/** A fake `run`: answers from `respond`, records every command line. */
function fake(respond: (line: string) => Partial<ExecResult> | undefined) {
  const lines: string[] = [];
  const run = async (cmd: string, args: string[]): Promise<ExecResult> => {
    const line = [cmd, ...args].join(" ");
    lines.push(line);
    return { code: 0, stdout: "", stderr: "", ...respond(line) };
  };
  return { run, lines };
}

describe("service route and kernel settings", () => {
  it("routes the service range to the bridge, and refuses clearly without the bridge", async () => {
    const ok = fake(() => undefined);
    await ensureServiceRoute(ok.run, "10.96.0.0/12", "kubeling0");
    expect(ok.lines).toEqual(["ip -o link show dev kubeling0", "ip route replace 10.96.0.0/12 dev kubeling0"]);

    const missing = fake((l) => (l.startsWith("ip -o link") ? { code: 1, stderr: 'Device "kubeling0" does not exist.' } : undefined));
    await expect(ensureServiceRoute(missing.run, "10.96.0.0/12")).rejects.toThrow(/cluster bridge kubeling0, which does not exist yet.*Device "kubeling0" does not exist/);
    expect(missing.lines).toHaveLength(1);
  });

  it("removes only a route that is there", async () => {
    const none = fake(() => ({ stdout: "" }));
    expect(await removeServiceRoute(none.run, "10.96.0.0/12")).toBe(false);
    expect(none.lines).toEqual(["ip -o route show exact 10.96.0.0/12 dev kubeling0"]);
    const there = fake((l) => (l.includes("route show") ? { stdout: "10.96.0.0/12 dev kubeling0 scope link\n" } : undefined));
    expect(await removeServiceRoute(there.run, "10.96.0.0/12")).toBe(true);
    expect(there.lines.at(-1)).toBe("ip route del 10.96.0.0/12 dev kubeling0");
  });

  it("sets forwarding, bridge netfilter and route_localnet only when asked", async () => {
    const f = fake((l) => (l === "sysctl -n net.bridge.bridge-nf-call-iptables" ? { stdout: "0\n" } : undefined));
    expect(await prepareKernel(f.run, { routeLocalnet: false })).toEqual([]);
    expect(f.lines).toEqual([
      "sysctl -q -w net.ipv4.ip_forward=1",
      "sysctl -n net.bridge.bridge-nf-call-iptables",
      "sysctl -q -w net.bridge.bridge-nf-call-iptables=1",
    ]);
    const g = fake((l) => (l.endsWith("bridge-nf-call-iptables") ? { stdout: "1\n" } : undefined));
    await prepareKernel(g.run, { routeLocalnet: true });
    expect(g.lines).toEqual(["sysctl -q -w net.ipv4.ip_forward=1", "sysctl -q -w net.ipv4.conf.all.route_localnet=1", "sysctl -n net.bridge.bridge-nf-call-iptables"]);
  });

  it("tries modprobe br_netfilter when the sysctl is missing, and says what it means if that fails", async () => {
    let loaded = false;
    const works = fake((l) => {
      if (l === "modprobe br_netfilter") loaded = true;
      if (l === "sysctl -n net.bridge.bridge-nf-call-iptables") return loaded ? { stdout: "0\n" } : { code: 255, stderr: "sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables" };
      return undefined;
    });
    expect(await prepareKernel(works.run, { routeLocalnet: false })).toEqual(["loaded br_netfilter"]);
    expect(works.lines.at(-1)).toBe("sysctl -q -w net.bridge.bridge-nf-call-iptables=1");

    const fails = fake((l) => {
      if (l === "modprobe br_netfilter") return { code: 1, stderr: "modprobe: FATAL: Module br_netfilter not found" };
      if (l.startsWith("sysctl -n")) return { code: 255, stderr: "cannot stat" };
      return undefined;
    });
    const notes = await prepareKernel(fails.run, { routeLocalnet: false });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/modprobe br_netfilter.*Module br_netfilter not found.*same bridge will not get replies/);
    // A missing modprobe binary (the executor rejects) is the same case.
    const absent = async (cmd: string, args: string[]): Promise<ExecResult> => {
      if (cmd === "modprobe") throw new Error("spawn modprobe ENOENT");
      return fails.run(cmd, args);
    };
    expect((await prepareKernel(absent, { routeLocalnet: false }))[0]).toMatch(/ENOENT/);
  });

  it("throws when forwarding cannot be turned on", async () => {
    const f = fake((l) => (l.includes("ip_forward") ? { code: 255, stderr: "sysctl: permission denied on key net.ipv4.ip_forward" } : undefined));
    await expect(prepareKernel(f.run, { routeLocalnet: false })).rejects.toThrow(/ip_forward=1: sysctl: permission denied/);
  });
});
