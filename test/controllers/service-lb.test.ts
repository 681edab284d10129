// The service load-balancer controller: LoadBalancer Services get an address of the pool in
// status.loadBalancer.ingress (ipMode VIP), keep it, honour spec.loadBalancerIP, leave
// other classes alone, give it back when the type changes, and wait (pending) when the pool
// is empty until a deletion frees an address.
import { afterEach, describe, expect, it } from "vitest";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { ServiceLoadBalancerController } from "../../dist/core/controllers/service-lb.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Svc = KubeObject & { spec: Record<string, unknown>; status?: { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } } };

const lb = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});

const get = async (name: string) => (await h!.client.get(R.services, "default", name)) as Svc;
const ingressOf = async (name: string) => (await get(name)).status?.loadBalancer?.ingress ?? [];

async function ipOf(name: string): Promise<string> {
  await waitFor(async () => (await ingressOf(name)).length > 0, 3000, `an address for ${name}`);
  return (await ingressOf(name))[0].ip!;
}

describe("ServiceLoadBalancerController", () => {
  it("hands out distinct addresses of the pool as VIPs, and keeps them", async () => {
    h = await startControlPlane([new ServiceLoadBalancerController({ pool: "10.245.0.0/24" })]);
    for (const n of ["a", "b", "c"]) await h.client.create(R.services, "default", lb(n));
    const ips = [await ipOf("a"), await ipOf("b"), await ipOf("c")];
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^10\.245\.0\.([1-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-4])$/);
    expect(await ingressOf("a")).toEqual([{ ip: ips[0], ipMode: "VIP" }]);
    // LoadBalancer Services are NodePort Services too (allocateLoadBalancerNodePorts defaults true).
    expect(((await get("a")).spec.ports as { nodePort?: number }[])[0].nodePort).toBeGreaterThanOrEqual(30000);
    // A spec change does not move the address.
    const a = await get("a");
    await h.client.update(R.services, "default", { ...a, metadata: { ...a.metadata, labels: { x: "y" } } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await ingressOf("a"))[0].ip).toBe(ips[0]);
  });

  it("honours spec.loadBalancerIP, and refuses one outside the pool or taken", async () => {
    h = await startControlPlane([new ServiceLoadBalancerController({ pool: "10.245.0.0/24" })]);
    await h.client.create(R.services, "default", lb("fixed", { loadBalancerIP: "10.245.0.77" }));
    expect(await ipOf("fixed")).toBe("10.245.0.77");
    await h.client.create(R.services, "default", lb("outside", { loadBalancerIP: "192.168.9.9" }));
    await h.client.create(R.services, "default", lb("clash", { loadBalancerIP: "10.245.0.77" }));
    await waitFor(async () => {
      const events = (await h!.client.list(R.events, "default")).items as (KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } })[];
      const failed = (name: string) => events.some((e) => e.involvedObject?.name === name && e.reason === "SyncLoadBalancerFailed");
      return failed("outside") && failed("clash");
    }, 3000, "SyncLoadBalancerFailed events");
    expect(await ingressOf("outside")).toEqual([]);
    expect(await ingressOf("clash")).toEqual([]);
  });

  it("leaves Services of another loadBalancerClass alone, takes ours", async () => {
    h = await startControlPlane([new ServiceLoadBalancerController({ pool: "10.245.0.0/24" })]);
    await h.client.create(R.services, "default", lb("theirs", { loadBalancerClass: "example.com/other" }));
    await h.client.create(R.services, "default", lb("ours", { loadBalancerClass: "kubeling.io/service-lb" }));
    await ipOf("ours");
    await new Promise((r) => setTimeout(r, 100));
    expect(await ingressOf("theirs")).toEqual([]);
  });

  it("clears the status when the type changes, and a full pool waits for a freed address", async () => {
    h = await startControlPlane([new ServiceLoadBalancerController({ pool: "10.245.1.0/30" })]); // two usable addresses
    await h.client.create(R.services, "default", lb("one"));
    await h.client.create(R.services, "default", lb("two"));
    const one = await ipOf("one");
    await ipOf("two");
    await h.client.create(R.services, "default", lb("three"));
    await new Promise((r) => setTimeout(r, 200));
    expect(await ingressOf("three")).toEqual([]);
    // "one" becomes a ClusterIP Service: its address goes back to the pool, and to "three".
    const svc = await get("one");
    const spec = { ...svc.spec, type: "ClusterIP" } as Record<string, unknown>;
    delete spec.allocateLoadBalancerNodePorts;
    delete spec.externalTrafficPolicy;
    spec.ports = (spec.ports as Record<string, unknown>[]).map(({ nodePort: _, ...p }) => p);
    await h.client.update(R.services, "default", { ...svc, spec });
    await waitFor(async () => (await ingressOf("one")).length === 0, 3000, "one's status cleared");
    expect(await ipOf("three")).toBe(one);
    // Deleting "two" frees the other; a new Service gets it.
    const two = await ipOf("two");
    await h.client.delete(R.services, "default", "two");
    await h.client.create(R.services, "default", lb("four"));
    expect(await ipOf("four")).toBe(two);
  });

  it("refuses a pool that is not an IPv4 CIDR", () => {
    expect(() => new ServiceLoadBalancerController({ pool: "10.245.0.0/33" })).toThrow(/invalid load-balancer pool/);
    expect(() => new ServiceLoadBalancerController({ pool: "nonsense" })).toThrow(/invalid load-balancer pool/);
  });
});
