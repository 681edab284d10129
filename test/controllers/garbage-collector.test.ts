// The garbage collector and the API server's side of cascading deletion: DELETE with a
// propagationPolicy (kubectl's DeleteOptions body, the query parameter, the deprecated
// orphanDependents), the finalizers it becomes, and what the garbage collector then does —
// Background cascades down chains, Foreground deletes dependents before the owner (waiting
// for blockOwnerDeletion ones), Orphan unlinks them; an owner counts as gone only when a
// GET shows it missing or under another uid.
import { afterEach, describe, expect, it } from "vitest";
import { CONTROL_PLANE_USER, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { GarbageCollector } from "../../dist/core/controllers/garbage-collector.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const NS = "default";
const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } };

function ownerRef(owner: KubeObject, extra: { controller?: boolean; blockOwnerDeletion?: boolean } = {}) {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, ...extra };
}

/** Deployment web → ReplicaSet web-1 → pods web-1-a, web-1-b, linked as the controllers link them. */
async function chain(client: Harness["client"]) {
  const deployment = await client.create(R.deployments, NS, { metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template } });
  const rs = await client.create(R.replicaSets, NS, {
    metadata: { name: "web-1", ownerReferences: [ownerRef(deployment, { controller: true, blockOwnerDeletion: true })] },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template },
  });
  const pods: KubeObject[] = [];
  for (const name of ["web-1-a", "web-1-b"]) {
    pods.push(await client.create(R.pods, NS, { metadata: { name, labels: { app: "web" }, ownerReferences: [ownerRef(rs, { controller: true, blockOwnerDeletion: true })] }, spec: template.spec }));
  }
  return { deployment, rs, pods };
}

async function exists(client: Harness["client"], r: (typeof R)[keyof typeof R], name: string, namespace: string | undefined = NS): Promise<KubeObject | undefined> {
  try {
    return await client.get(r, namespace, name);
  } catch {
    return undefined;
  }
}

/** Records the order in which objects are deleted (DELETED watch events). */
async function deletionOrder(client: Harness["client"]) {
  const order: string[] = [];
  const stops: (() => void)[] = [];
  for (const r of [R.deployments, R.replicaSets, R.pods]) {
    const { resourceVersion } = await client.list(r, NS);
    stops.push(await client.watch(r, NS, { resourceVersion }, (e) => e.type === "DELETED" && order.push(`${e.object.kind}/${e.object.metadata!.name}`), () => undefined));
  }
  return { order, stop: () => stops.forEach((s) => s()) };
}

async function rawDelete(path: string, body?: unknown, query = "") {
  const response = await h!.api.handle({
    method: "DELETE",
    path,
    query: new URLSearchParams(query),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body)),
    user: CONTROL_PLANE_USER,
  });
  return response as { status: number; headers: Record<string, string>; body: KubeObject & { reason?: string; message?: string } };
}

describe("garbage collector: the three propagation policies on Deployment → ReplicaSet → Pods", () => {
  const cases: {
    policy: "Background" | "Foreground" | "Orphan";
    /** What DELETE leaves of the deployment at once. */
    marked: { finalizers: string[] } | "gone";
    /** What is left once the garbage collector is done. */
    left: string[];
  }[] = [
    { policy: "Background", marked: "gone", left: [] },
    { policy: "Foreground", marked: { finalizers: ["foregroundDeletion"] }, left: [] },
    { policy: "Orphan", marked: { finalizers: ["orphan"] }, left: ["ReplicaSet/web-1", "Pod/web-1-a", "Pod/web-1-b"] },
  ];

  for (const c of cases) {
    it(`${c.policy}`, async () => {
      h = await startControlPlane([]);
      await chain(h.client);
      // The API server's part alone first: no garbage collector yet.
      await h.client.delete(R.deployments, NS, "web", { propagationPolicy: c.policy });
      const marked = await exists(h.client, R.deployments, "web");
      if (c.marked === "gone") expect(marked).toBeUndefined();
      else expect(marked?.metadata).toMatchObject({ finalizers: c.marked.finalizers, deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 0 });
      await h.stop();

      // Then with the garbage collector running, on a chain of its own.
      h = await startControlPlane([new GarbageCollector()]);
      const fresh = await chain(h.client);
      const watch = await deletionOrder(h.client);
      await h.client.delete(R.deployments, NS, "web", { propagationPolicy: c.policy });
      const all = async () => {
        const out: string[] = [];
        for (const [r, kind] of [[R.deployments, "Deployment"], [R.replicaSets, "ReplicaSet"], [R.pods, "Pod"]] as const) {
          for (const o of (await h!.client.list(r, NS)).items) out.push(`${kind}/${o.metadata!.name}`);
        }
        return out;
      };
      await waitFor(async () => JSON.stringify(await all()) === JSON.stringify(c.left), 4000, `${c.policy} to settle`);
      watch.stop();
      if (c.policy === "Foreground") {
        // Dependents first, the owner last.
        expect(watch.order.indexOf("Deployment/web")).toBe(watch.order.length - 1);
        expect(watch.order.indexOf("ReplicaSet/web-1")).toBeGreaterThan(watch.order.indexOf("Pod/web-1-a"));
        expect(watch.order.indexOf("ReplicaSet/web-1")).toBeGreaterThan(watch.order.indexOf("Pod/web-1-b"));
      }
      if (c.policy === "Orphan") {
        const orphaned = await h.client.get(R.replicaSets, NS, "web-1");
        expect(orphaned.metadata!.ownerReferences).toBeUndefined();
        // Only the deleted owner's references go: the pods still belong to the ReplicaSet.
        const pod = await h.client.get(R.pods, NS, "web-1-a");
        expect(pod.metadata!.ownerReferences).toEqual([ownerRef(fresh.rs, { controller: true, blockOwnerDeletion: true })]);
      }
    });
  }
});

describe("garbage collector: owners", () => {
  it("keeps a dependent while any owner remains, dropping the reference to the one gone", async () => {
    h = await startControlPlane([new GarbageCollector()]);
    const a = await h.client.create(R.configMaps, NS, { metadata: { name: "owner-a" } });
    const b = await h.client.create(R.configMaps, NS, { metadata: { name: "owner-b" } });
    await h.client.create(R.configMaps, NS, { metadata: { name: "shared", ownerReferences: [ownerRef(a), ownerRef(b)] } });
    await h.client.delete(R.configMaps, NS, "owner-a");
    await waitFor(async () => (await exists(h!.client, R.configMaps, "shared"))?.metadata?.ownerReferences?.length === 1, 3000, "the dangling reference to go");
    expect((await h.client.get(R.configMaps, NS, "shared")).metadata!.ownerReferences).toEqual([ownerRef(b)]);
    await h.client.delete(R.configMaps, NS, "owner-b");
    await waitFor(async () => !(await exists(h!.client, R.configMaps, "shared")), 3000, "the last owner's dependent to go");
  });

  it("a name reused under a new uid is not the owner: the old owner's dependents go, the new one's stay", async () => {
    h = await startControlPlane([new GarbageCollector()]);
    const first = await h.client.create(R.configMaps, NS, { metadata: { name: "owner" } });
    await h.client.delete(R.configMaps, NS, "owner");
    const second = await h.client.create(R.configMaps, NS, { metadata: { name: "owner" } });
    expect(second.metadata!.uid).not.toBe(first.metadata!.uid);
    await h.client.create(R.configMaps, NS, { metadata: { name: "of-first", ownerReferences: [ownerRef(first)] } });
    await h.client.create(R.configMaps, NS, { metadata: { name: "of-second", ownerReferences: [ownerRef(second)] } });
    await waitFor(async () => !(await exists(h!.client, R.configMaps, "of-first")), 3000, "the dependent of the old uid to go");
    // The same GC pass has long seen the other one; it stays owned.
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.client.get(R.configMaps, NS, "of-second")).metadata!.ownerReferences).toEqual([ownerRef(second)]);
  });

  it("an owner that never existed: the dependent goes; a cluster-scoped dependent of a namespaced kind stays, with a Warning", async () => {
    h = await startControlPlane([new GarbageCollector()]);
    const ghost = { apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: "00000000-0000-0000-0000-000000000001" };
    await h.client.create(R.configMaps, NS, { metadata: { name: "haunted", ownerReferences: [ghost] } });
    await h.client.create(R.priorityClasses, undefined, { metadata: { name: "odd", ownerReferences: [ghost] }, value: 5 });
    await waitFor(async () => !(await exists(h!.client, R.configMaps, "haunted")), 3000, "the dependent of a missing owner to go");
    await waitFor(async () => (await h!.client.list(R.events, NS)).items.some((e) => e.reason === "OwnerRefInvalidNamespace"), 3000, "the Warning");
    const event = (await h.client.list(R.events, NS)).items.find((e) => e.reason === "OwnerRefInvalidNamespace")!;
    expect(event).toMatchObject({ type: "Warning", involvedObject: { kind: "PriorityClass", name: "odd" } });
    expect(event.message).toBe(`ownerRef [v1/ConfigMap, namespace: , name: ghost, uid: ${ghost.uid}] does not exist in namespace ""`);
    expect(await exists(h.client, R.priorityClasses, "odd", undefined)).toBeDefined();
  });

  it("Foreground waits for a blockOwnerDeletion dependent (held by its own finalizer), not for the others", async () => {
    h = await startControlPlane([new GarbageCollector()]);
    const owner = await h.client.create(R.configMaps, NS, { metadata: { name: "owner" } });
    await h.client.create(R.configMaps, NS, { metadata: { name: "blocking", finalizers: ["example.com/hold"], ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })] } });
    await h.client.create(R.configMaps, NS, { metadata: { name: "loose", ownerReferences: [ownerRef(owner)] } });
    await h.client.delete(R.configMaps, NS, "owner", { propagationPolicy: "Foreground" });
    await waitFor(async () => !(await exists(h!.client, R.configMaps, "loose")), 3000, "the non-blocking dependent to go");
    await waitFor(async () => !!(await exists(h!.client, R.configMaps, "blocking"))?.metadata?.deletionTimestamp, 3000, "the blocking one to be deleted");
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.client.get(R.configMaps, NS, "owner")).metadata).toMatchObject({ finalizers: ["foregroundDeletion"], deletionTimestamp: expect.any(String) });
    // Its finalizer done, the dependent goes, then the owner.
    await h.client.patch(R.configMaps, NS, "blocking", "application/merge-patch+json", { metadata: { finalizers: null } });
    await waitFor(async () => !(await exists(h!.client, R.configMaps, "owner")), 3000, "the owner to go");
    expect(await exists(h.client, R.configMaps, "blocking")).toBeUndefined();
  });

  it("a batch/v1 Job deleted without a policy keeps its pods (orphaned), with kube-apiserver's warning", async () => {
    h = await startControlPlane([new GarbageCollector()]);
    const job = await h.client.create(R.jobs, NS, { metadata: { name: "once" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } });
    await h.client.create(R.pods, NS, { metadata: { name: "once-x", ownerReferences: [ownerRef(job, { controller: true, blockOwnerDeletion: true })] }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    const response = await rawDelete(`/apis/batch/v1/namespaces/${NS}/jobs/once`);
    expect(response.status).toBe(200);
    expect(response.headers.warning).toContain("child pods are preserved by default when jobs are deleted");
    expect(response.body.metadata!.finalizers).toEqual(["orphan"]);
    await waitFor(async () => !(await exists(h!.client, R.jobs, "once")), 3000, "the job to go");
    expect((await h.client.get(R.pods, NS, "once-x")).metadata!.ownerReferences).toBeUndefined();
  });
});

describe("DELETE with propagation (API server)", () => {
  it("reads kubectl's DeleteOptions body, ?propagationPolicy= and the deprecated orphanDependents", async () => {
    h = await startControlPlane([]);
    const mk = (name: string) => h!.client.create(R.configMaps, NS, { metadata: { name } });
    for (const n of ["a", "b", "c", "d"]) await mk(n);
    const base = `/api/v1/namespaces/${NS}/configmaps`;
    const a = await rawDelete(`${base}/a`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" });
    expect(a.status).toBe(200);
    expect(a.body.metadata!.finalizers).toEqual(["foregroundDeletion"]);
    const b = await rawDelete(`${base}/b`, undefined, "propagationPolicy=Orphan");
    expect(b.body.metadata!.finalizers).toEqual(["orphan"]);
    const c = await rawDelete(`${base}/c`, { orphanDependents: true });
    expect(c.body.metadata!.finalizers).toEqual(["orphan"]);
    // Background with nothing holding it: gone at once, answered with a Status.
    const d = await rawDelete(`${base}/d`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "d", kind: "configmaps" } });
    // orphanDependents=false adds no finalizer; held by another one, the answer is 202 (kube-apiserver's quirk).
    await h.client.create(R.configMaps, NS, { metadata: { name: "f", finalizers: ["example.com/keep"] } });
    const f = await rawDelete(`${base}/f`, { orphanDependents: false });
    expect(f.status).toBe(202);
    expect(f.body.metadata).toMatchObject({ finalizers: ["example.com/keep"], deletionTimestamp: expect.any(String) });
    // A second DELETE with an explicit policy replaces the earlier choice.
    const again = await rawDelete(`${base}/b`, { propagationPolicy: "Foreground" });
    expect(again.body.metadata!.finalizers).toEqual(["foregroundDeletion"]);
    const background = await rawDelete(`${base}/a`, { propagationPolicy: "Background" });
    expect(background.body).toMatchObject({ kind: "Status", status: "Success" });
    expect(await exists(h.client, R.configMaps, "a")).toBeUndefined();
  });

  it("refuses both orphanDependents and a policy, and an unknown policy (422)", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.configMaps, NS, { metadata: { name: "x" } });
    const both = await rawDelete(`/api/v1/namespaces/${NS}/configmaps/x`, { orphanDependents: true, propagationPolicy: "Orphan" });
    expect(both.status).toBe(422);
    expect(both.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set');
    const unknown = await rawDelete(`/api/v1/namespaces/${NS}/configmaps/x`, undefined, "propagationPolicy=Sometimes");
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"');
    expect(await exists(h.client, R.configMaps, "x")).toBeDefined();
  });

  it("an update removing the last finalizer of an object being deleted deletes it; a terminating pod waits for its grace period", async () => {
    h = await startControlPlane([]);
    await h.client.create(R.configMaps, NS, { metadata: { name: "held", finalizers: ["example.com/a", "example.com/b"] } });
    await h.client.delete(R.configMaps, NS, "held");
    await h.client.patch(R.configMaps, NS, "held", "application/json-patch+json", [{ op: "remove", path: "/metadata/finalizers/0" }]);
    expect((await h.client.get(R.configMaps, NS, "held")).metadata!.finalizers).toEqual(["example.com/b"]);
    const last = await h.client.get(R.configMaps, NS, "held");
    await h.client.update(R.configMaps, NS, { ...last, metadata: { ...last.metadata, finalizers: [] } });
    expect(await exists(h.client, R.configMaps, "held")).toBeUndefined();

    // A pod on a node, being deleted gracefully, keeps running its grace period even without finalizers.
    await h.client.create(R.pods, NS, { metadata: { name: "p", finalizers: ["example.com/a"] }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } });
    await h.client.delete(R.pods, NS, "p");
    await h.client.patch(R.pods, NS, "p", "application/merge-patch+json", { metadata: { finalizers: null } });
    expect((await h.client.get(R.pods, NS, "p")).metadata).toMatchObject({ deletionGracePeriodSeconds: 30 });
    // The kubelet's final delete (grace 0) then removes it.
    await h.client.delete(R.pods, NS, "p", { gracePeriodSeconds: 0 });
    expect(await exists(h.client, R.pods, "p")).toBeUndefined();
  });
});
