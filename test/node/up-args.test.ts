// `kubeling up` flags: the control loops' and simulated nodes' settings, and refusals.
import { describe, expect, it } from "vitest";
import { parseUpArgs } from "../../hosts/node/up.js";

describe("kubeling up flags", () => {
  it("reads the simulated-node and control-loop flags", () => {
    const o = parseUpArgs(["--simulate-nodes", "3", "--simulate-start-delay=250", "--node-monitor-grace-period", "4", "--record-scheduling-decisions", "--port", "7443"]);
    expect(o).toMatchObject({ simulateNodes: 3, simulateStartDelayMs: 250, nodeMonitorGracePeriodSeconds: 4, recordSchedulingDecisions: true, port: 7443 });
  });

  it("names this machine's node, or runs none", () => {
    expect(parseUpArgs(["--node-name", "worker-1.example"])).toMatchObject({ nodeName: "worker-1.example" });
    expect(parseUpArgs(["--no-node"])).toMatchObject({ noNode: true });
  });

  it("takes a load-balancer pool clear of the service range and the pod network", () => {
    expect(parseUpArgs(["--load-balancer-pool", "172.30.5.0/28"])).toMatchObject({ loadBalancerPool: "172.30.5.0/28" });
    expect(parseUpArgs(["--load-balancer-pool=10.96.200.0/24"])).toContain("overlaps the service range 10.96.0.0/12");
    expect(parseUpArgs(["--load-balancer-pool", "10.0.0.0/8"])).toContain("overlaps the service range 10.96.0.0/12");
    expect(parseUpArgs(["--load-balancer-pool", "10.244.9.0/24"])).toContain("overlaps the pod network 10.244.0.0/16");
    expect(parseUpArgs(["--load-balancer-pool", "10.245.0.0/33"])).toContain("invalid --load-balancer-pool");
  });

  it("admits privileged containers only with --allow-privileged", () => {
    expect((parseUpArgs([]) as { allowPrivileged?: boolean }).allowPrivileged).toBeUndefined();
    expect(parseUpArgs(["--allow-privileged"])).toMatchObject({ allowPrivileged: true });
    expect(parseUpArgs(["--allow-privileged=false"])).toMatchObject({ allowPrivileged: false });
  });

  it.each([
    [["--simulate-nodes", "-1"], "invalid --simulate-nodes"],
    [["--simulate-nodes", "2.5"], "invalid --simulate-nodes"],
    [["--simulate-nodes", "10001"], "invalid --simulate-nodes"],
    [["--simulate-start-delay", "soon"], "invalid --simulate-start-delay"],
    [["--node-monitor-grace-period", "0"], "invalid --node-monitor-grace-period"],
    [["--port", "70000"], "invalid --port"],
    [["--nodes", "3"], "unknown flag: --nodes"],
    [["--node-name", "Not_A_Name"], "invalid --node-name"],
  ])("refuses %j", (args, message) => {
    expect(parseUpArgs(args)).toContain(message);
  });
});
