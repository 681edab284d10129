// The node flags shared by `kubeling up` and `kubeling agent`, the agent's own flags, the
// node token's shape, and the pod range a joining node claims.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseUpArgs } from "../../hosts/node/up.js";
import { claimPodCIDR, parseAgentArgs } from "../../hosts/node/agent.js";
import { allocatableOf, parseResourceFlag } from "../../hosts/node/node-resources.js";
import { loadOrCreateNodeToken, parseNodeToken, certificateHash } from "../../hosts/node/node-token.js";
import { loadOrCreatePki } from "../../hosts/node/pki.js";
import type { ApiClient } from "../../core/controllers/client.js";

describe("node resource flags", () => {
  it("--node-capacity replaces figures and --kube-reserved holds some back from allocatable", () => {
    expect(parseUpArgs(["--node-capacity", "cpu=4,memory=8Gi,pods=50", "--kube-reserved=cpu=500m,memory=1Gi"])).toMatchObject({
      nodeCapacity: { cpu: "4", memory: "8Gi", pods: "50" },
      kubeReserved: { cpu: "500m", memory: "1Gi" },
    });
    expect(allocatableOf({ cpu: "4", memory: "8Gi", pods: "50" }, { cpu: "500m", memory: "1Gi", pods: "60" })).toEqual({ cpu: "3500m", memory: `${7 * 1024 * 1024}Ki`, pods: "0" });
  });

  it("refuses what is not name=quantity", () => {
    expect(parseResourceFlag("--node-capacity", "cpu")).toContain("invalid --node-capacity");
    expect(parseResourceFlag("--node-capacity", "cpu=lots")).toContain("cpu=lots is not a quantity");
    expect(parseUpArgs(["--kube-reserved", "memory=-1Gi"])).toContain("is not a quantity");
  });
});

describe("kubeling agent flags", () => {
  it("needs a server and a token, from the command line or a file", () => {
    expect(parseAgentArgs([])).toContain("--server https://HOST:PORT is required");
    expect(parseAgentArgs(["--server", "https://10.0.0.1:6443"])).toContain("--token (or --token-file) is required");
    const dir = mkdtempSync(join(tmpdir(), "kubeling-agent-args-"));
    try {
      writeFileSync(join(dir, "t"), "K10abc::node:def\n");
      expect(parseAgentArgs(["--server", "https://10.0.0.1:6443", "--token-file", join(dir, "t"), "--name", "worker-2", "--kubelet-port", "10251"])).toMatchObject({
        server: "https://10.0.0.1:6443",
        token: "K10abc::node:def",
        nodeName: "worker-2",
        kubeletPort: 10251,
      });
      expect(parseAgentArgs(["--server", "https://x:1", "--token", "t", "--name", "Bad_Name"])).toContain("invalid --name");
      expect(parseAgentArgs(["--server", "http://x:1", "--token", "t"])).toContain("https://");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the node token", () => {
  it("names the CA's hash, and is made once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubeling-token-"));
    try {
      const { pki } = await loadOrCreatePki(join(dir, "pki"));
      const token = loadOrCreateNodeToken(join(dir, "node-token"), pki.caCert);
      expect(token).toMatch(/^K10[0-9a-f]{64}::node:[0-9a-f]{32}$/);
      expect(parseNodeToken(token)).toEqual({ caHash: certificateHash(pki.caCert) });
      expect(loadOrCreateNodeToken(join(dir, "node-token"), pki.caCert)).toBe(token);
      expect(parseNodeToken("not-a-token")).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the pod range a joining node claims", () => {
  const clientWith = (nodes: { name: string; podCIDR?: string }[]) =>
    ({ list: async () => ({ items: nodes.map((n) => ({ metadata: { name: n.name }, spec: n.podCIDR ? { podCIDR: n.podCIDR } : {} })), resourceVersion: "1" }) }) as unknown as ApiClient;

  it("is the lowest /24 no node holds, or the one it had", async () => {
    expect(await claimPodCIDR(clientWith([{ name: "a", podCIDR: "10.244.0.0/24" }, { name: "b", podCIDR: "10.244.2.0/24" }]), "c")).toBe("10.244.1.0/24");
    expect(await claimPodCIDR(clientWith([{ name: "a", podCIDR: "10.244.0.0/24" }, { name: "c", podCIDR: "10.244.7.0/24" }]), "c")).toBe("10.244.7.0/24");
  });
});
