// Namespace deletion: the API server marks the namespace Terminating (and refuses new
// content), the namespace controller deletes everything in it, reports what remains in the
// status conditions, waits (finalizers, pods' grace periods), then removes the "kubernetes"
// finalizer through /finalize — and that update removes the namespace.
import { afterEach, describe, expect, it } from "vitest";
import { CONTROL_PLANE_USER, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { NamespaceController } from "../../dist/core/controllers/namespace.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime: string };

async function call(method: string, path: string, body?: unknown) {
  const response = await h!.api.handle({
    method,
    path,
    query: new URLSearchParams(),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)),
    user: CONTROL_PLANE_USER,
  });
  return response as { status: number; body: KubeObject & { message?: string; reason?: string } };
}

async function namespace(name: string): Promise<KubeObject | undefined> {
  try {
    return await h!.client.get(R.namespaces, undefined, name);
  } catch {
    return undefined;
  }
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...extra } });

describe("namespace deletion in the API server", () => {
  it("DELETE marks it Terminating and returns it; new content is refused; /finalize with no finalizers removes it", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.namespaces, undefined, { metadata: { name: "shop" } });
    await h.client.create(R.configMaps, "shop", { metadata: { name: "settings" } });
    const deleted = await call("DELETE", "/api/v1/namespaces/shop", { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ kind: "Namespace", metadata: { name: "shop", deletionTimestamp: expect.any(String) }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Terminating" } });
    // Nothing is removed by the API server itself.
    expect((await h.client.list(R.configMaps, "shop")).items).toHaveLength(1);
    const refused = await call("POST", "/api/v1/namespaces/shop/configmaps", { metadata: { name: "late" } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace shop because it is being terminated');
    // A second DELETE answers with the namespace as it is.
    expect((await call("DELETE", "/api/v1/namespaces/shop")).body).toMatchObject({ kind: "Namespace", status: { phase: "Terminating" } });
    // spec.finalizers changes only through /finalize.
    const ns = (await namespace("shop"))!;
    await h.client.update(R.namespaces, undefined, { ...ns, spec: { finalizers: [] } });
    expect((await namespace("shop"))!.spec).toEqual({ finalizers: ["kubernetes"] });
    const finalized = await call("PUT", "/api/v1/namespaces/shop/finalize", { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" }, spec: { finalizers: [] } });
    expect(finalized.status).toBe(200);
    expect(await namespace("shop")).toBeUndefined();
  });

  it("the namespaces every cluster has may not be deleted", async () => {
    h = await startControlPlane([]);
    for (const name of ["default", "kube-system", "kube-public"]) {
      const refused = await call("DELETE", `/api/v1/namespaces/${name}`);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
  });
});

describe("NamespaceController", () => {
  it("deletes all content of a terminating namespace, then the namespace", async () => {
    h = await startControlPlane([new NamespaceController()]);
    await h.client.create(R.namespaces, undefined, { metadata: { name: "shop" } });
    await h.client.create(R.configMaps, "shop", { metadata: { name: "settings" } });
    await h.client.create(R.secrets, "shop", { metadata: { name: "db" }, stringData: { password: "x" } });
    await h.client.create(R.pods, "shop", pod("unscheduled"));
    await h.client.create(R.deployments, "shop", {
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    await h.client.create(R.configMaps, "default", { metadata: { name: "elsewhere" } });
    await h.client.delete(R.namespaces, undefined, "shop");
    await waitFor(async () => !(await namespace("shop")), 4000, "the namespace to go");
    for (const r of [R.configMaps, R.secrets, R.pods, R.deployments]) expect((await h.client.list(r, "shop")).items).toEqual([]);
    // Other namespaces are untouched.
    expect((await h.client.list(R.configMaps, "default")).items.map((c) => c.metadata!.name)).toContain("elsewhere");
  });

  it("reports what remains in status conditions and waits for finalizers", async () => {
    h = await startControlPlane([new NamespaceController()]);
    await h.client.create(R.namespaces, undefined, { metadata: { name: "held" } });
    await h.client.create(R.configMaps, "held", { metadata: { name: "keep", finalizers: ["example.com/hold"] } });
    await h.client.create(R.configMaps, "held", { metadata: { name: "plain" } });
    await h.client.delete(R.namespaces, undefined, "held");
    const conditions = async () => (((await namespace("held"))?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
    await waitFor(async () => (await conditions()).some((c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True"), 4000, "the conditions");
    const byType = Object.fromEntries((await conditions()).map((c) => [c.type, c]));
    expect(Object.keys(byType)).toEqual([
      "NamespaceDeletionDiscoveryFailure",
      "NamespaceDeletionGroupVersionParsingFailure",
      "NamespaceDeletionContentFailure",
      "NamespaceContentRemaining",
      "NamespaceFinalizersRemaining",
    ]);
    expect(byType.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" });
    expect(byType.NamespaceDeletionContentFailure).toMatchObject({ status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" });
    expect(byType.NamespaceContentRemaining).toMatchObject({ status: "True", reason: "SomeResourcesRemain", message: "Some resources are remaining: configmaps. has 1 resource instances" });
    expect(byType.NamespaceFinalizersRemaining).toMatchObject({
      status: "True",
      reason: "SomeFinalizersRemain",
      message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
    });
    expect((await h.client.list(R.configMaps, "held")).items.map((c) => c.metadata!.name)).toEqual(["keep"]);
    expect((await namespace("held"))!.spec).toEqual({ finalizers: ["kubernetes"] });
    // The finalizer's owner finishes: the object goes, then the namespace.
    await h.client.patch(R.configMaps, "held", "keep", "application/merge-patch+json", { metadata: { finalizers: null } });
    await waitFor(async () => !(await namespace("held")), 4000, "the namespace to go");
  });

  it("waits for pods to finish their grace period", async () => {
    h = await startControlPlane([new NamespaceController()]);
    await h.client.create(R.namespaces, undefined, { metadata: { name: "apps" } });
    await h.client.create(R.pods, "apps", pod("running", { nodeName: "node-1", terminationGracePeriodSeconds: 30 }));
    await h.client.delete(R.namespaces, undefined, "apps");
    await waitFor(async () => !!(await h!.client.get(R.pods, "apps", "running")).metadata?.deletionTimestamp, 3000, "the pod to be terminating");
    await new Promise((r) => setTimeout(r, 200));
    const ns = (await namespace("apps"))!;
    expect(ns.spec).toEqual({ finalizers: ["kubernetes"] });
    const remaining = ((ns.status as { conditions?: Condition[] }).conditions ?? []).find((c) => c.type === "NamespaceContentRemaining");
    expect(remaining).toMatchObject({ status: "True", message: "Some resources are remaining: pods. has 1 resource instances" });
    // The kubelet has stopped it and deletes it for good.
    await h.client.delete(R.pods, "apps", "running", { gracePeriodSeconds: 0 });
    await waitFor(async () => !(await namespace("apps")), 3000, "the namespace to go");
  });
});
