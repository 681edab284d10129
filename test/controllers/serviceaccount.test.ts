// The service account controller: a "default" ServiceAccount in every active namespace,
// made again when deleted, never in a terminating namespace.
import { afterEach, describe, expect, it } from "vitest";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { ServiceAccountController } from "../../dist/core/controllers/serviceaccount.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function account(namespace: string, name = "default"): Promise<KubeObject | undefined> {
  try {
    return await h!.client.get(R.serviceAccounts, namespace, name);
  } catch {
    return undefined;
  }
}

describe("ServiceAccountController", () => {
  it("gives every namespace, old and new, a default ServiceAccount", async () => {
    h = await startControlPlane([new ServiceAccountController()]);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      await waitFor(async () => !!(await account(ns)), 3000, `default in ${ns}`);
    }
    await h.client.create(R.namespaces, undefined, { metadata: { name: "team-a" } });
    await waitFor(async () => !!(await account("team-a")), 3000, "default in team-a");
    const sa = (await account("team-a"))!;
    expect(sa).toMatchObject({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "team-a" } });
    // Nothing else: no labels, no secrets (token Secrets are not made since 1.24).
    expect(sa.metadata!.labels).toBeUndefined();
    expect(sa.secrets).toBeUndefined();
  });

  it("makes it again when deleted", async () => {
    h = await startControlPlane([new ServiceAccountController()]);
    await waitFor(async () => !!(await account("default")), 3000, "default in default");
    const before = (await account("default"))!;
    await h.client.delete(R.serviceAccounts, "default", "default");
    await waitFor(async () => {
      const now = await account("default");
      return !!now && now.metadata!.uid !== before.metadata!.uid;
    }, 3000, "a new default ServiceAccount");
  });

  it("leaves a terminating namespace alone", async () => {
    h = await startControlPlane([new ServiceAccountController()]);
    await h.client.create(R.namespaces, undefined, { metadata: { name: "going" } });
    await waitFor(async () => !!(await account("going")), 3000, "default in going");
    // No namespace controller runs: the namespace stays Terminating.
    await h.client.delete(R.namespaces, undefined, "going");
    await h.client.delete(R.serviceAccounts, "going", "default");
    await new Promise((r) => setTimeout(r, 200));
    expect(await account("going")).toBeUndefined();
    expect(h.manager.controllers[0].lastErrors.size).toBe(0);
  });
});
