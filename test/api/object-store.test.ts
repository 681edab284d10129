// The generic registry behaviour (core/api/object-store.ts) over the in-memory store:
// metadata, optimistic concurrency, the status subresource, finalizers, list pages and
// selectors, and watch semantics — as kube-apiserver behaves.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { MemoryStorage } from "../../hosts/browser/memory-storage.js";
import { ObjectStore, type KubeObject, type WatchEventOut } from "../../core/api/object-store.js";
import { findResource } from "../../core/api/resources.js";
import { parseFieldSelector } from "../../core/api/field-selector.js";
import { ApiError } from "../../core/api/status.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const configmaps = findResource("", "v1", "configmaps")!;
const deployments = findResource("apps", "v1", "deployments")!;
const pods = findResource("", "v1", "pods")!;
const now = new Date("2026-11-23T10:00:00.123Z");

function store(): ObjectStore {
  return new ObjectStore(new MemoryStorage(), (selector, labels) => core.labels.matches(selector, labels ?? {}), () => now);
}

async function rejects(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("create", () => {
  it("fills uid, creationTimestamp (seconds), resourceVersion, apiVersion/kind; generation only with a spec", async () => {
    const s = store();
    const cm = await s.create(configmaps, "default", { metadata: { name: "a" }, data: { k: "v" } });
    expect(cm).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default", creationTimestamp: "2026-11-23T10:00:00Z" } });
    expect(cm.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.metadata!.resourceVersion).toMatch(/^\d+$/);
    expect(cm.metadata!.generation).toBeUndefined();
    const d = await s.create(deployments, "default", { metadata: { name: "web" }, spec: { replicas: 1 } });
    expect(d.metadata!.generation).toBe(1);
    expect(d.apiVersion).toBe("apps/v1");
  });

  it("generateName gets a 5-character suffix; a name is required; names are validated", async () => {
    const s = store();
    const cm = await s.create(configmaps, "default", { metadata: { generateName: "cfg-" } });
    expect(cm.metadata!.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const missing = await rejects(s.create(configmaps, "default", { metadata: {} }));
    expect(missing.code).toBe(422);
    expect(missing.message).toBe('ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
    const bad = await rejects(s.create(configmaps, "default", { metadata: { name: "UPPER" } }));
    expect(bad.status.details?.causes?.[0]).toMatchObject({ reason: "FieldValueInvalid", field: "metadata.name" });
  });

  it("a second create is AlreadyExists (409); a namespace mismatch is a 400", async () => {
    const s = store();
    await s.create(configmaps, "default", { metadata: { name: "a" } });
    const again = await rejects(s.create(configmaps, "default", { metadata: { name: "a" } }));
    expect([again.code, again.status.reason, again.message]).toEqual([409, "AlreadyExists", 'configmaps "a" already exists']);
    const mismatch = await rejects(s.create(configmaps, "default", { metadata: { name: "b", namespace: "other" } }));
    expect(mismatch.code).toBe(400);
  });
});

describe("update", () => {
  it("checks resourceVersion (409 Conflict), keeps identity, bumps generation only when the spec changes", async () => {
    const s = store();
    const d = await s.create(deployments, "default", { metadata: { name: "web" }, spec: { replicas: 1 } });
    const labelled = await s.update(deployments, "default", "web", { ...d, metadata: { ...d.metadata, labels: { a: "b" } } });
    expect(labelled.metadata!.generation).toBe(1);
    expect(labelled.metadata!.uid).toBe(d.metadata!.uid);
    const scaled = await s.update(deployments, "default", "web", { ...labelled, spec: { replicas: 3 } });
    expect(scaled.metadata!.generation).toBe(2);
    const stale = await rejects(s.update(deployments, "default", "web", { ...d, spec: { replicas: 5 } }));
    expect([stale.code, stale.status.reason]).toEqual([409, "Conflict"]);
    expect(stale.message).toBe('Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    // Without a resourceVersion the update is unconditional.
    const forced = await s.update(deployments, "default", "web", { metadata: { name: "web" }, spec: { replicas: 7 } });
    expect(forced.spec).toEqual({ replicas: 7, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 }); // with SetDefaults_Deployment
    expect(forced.metadata!.creationTimestamp).toBe(d.metadata!.creationTimestamp);
  });

  it("the main resource keeps the stored status; /status changes only the status", async () => {
    const s = store();
    await s.create(deployments, "default", { metadata: { name: "web" }, spec: { replicas: 1 }, status: { replicas: 0 } });
    const main = await s.update(deployments, "default", "web", { metadata: { name: "web" }, spec: { replicas: 2 }, status: { replicas: 99 } });
    expect(main.status).toEqual({ replicas: 0 });
    const status = await s.update(deployments, "default", "web", { metadata: { name: "web", labels: { x: "y" } }, spec: { replicas: 9 }, status: { replicas: 2 } }, { subresource: "status" });
    expect(status.status).toEqual({ replicas: 2 });
    expect(status.spec).toEqual({ replicas: 2, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    expect(status.metadata!.labels).toBeUndefined();
  });
});

describe("delete", () => {
  it("removes the object, or with finalizers only marks it until they are gone", async () => {
    const s = store();
    await s.create(configmaps, "default", { metadata: { name: "plain" } });
    expect((await s.delete(configmaps, "default", "plain")).deleted).toBe(true);
    expect((await rejects(s.get(configmaps, "default", "plain"))).code).toBe(404);
    await s.create(configmaps, "default", { metadata: { name: "held", finalizers: ["example.com/keep"] } });
    const marked = await s.delete(configmaps, "default", "held");
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata!.deletionTimestamp).toBe("2026-11-23T10:00:00Z");
    const released = await s.modify(configmaps, "default", "held", (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
    expect(released.metadata!.deletionTimestamp).toBe("2026-11-23T10:00:00Z");
    expect((await s.delete(configmaps, "default", "held")).deleted).toBe(true);
  });
});

describe("graceful pod deletion", () => {
  it("a bound pod is marked with deletionTimestamp = now + grace; grace 0 or an unbound pod goes at once", async () => {
    const s = store();
    await s.create(pods, "default", { metadata: { name: "bound" }, spec: { nodeName: "n1", terminationGracePeriodSeconds: 10 } });
    const marked = await s.delete(pods, "default", "bound");
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata).toMatchObject({ deletionTimestamp: "2026-11-23T10:00:10Z", deletionGracePeriodSeconds: 10 });
    // A longer grace period later does not push the deadline back; a shorter one brings it forward.
    expect((await s.delete(pods, "default", "bound", { gracePeriodSeconds: 60 })).object.metadata!.deletionTimestamp).toBe("2026-11-23T10:00:10Z");
    expect((await s.delete(pods, "default", "bound", { gracePeriodSeconds: 2 })).object.metadata!.deletionTimestamp).toBe("2026-11-23T10:00:02Z");
    expect((await s.delete(pods, "default", "bound", { gracePeriodSeconds: 0 })).deleted).toBe(true);
    await s.create(pods, "default", { metadata: { name: "pending" }, spec: {} });
    expect((await s.delete(pods, "default", "pending")).deleted).toBe(true);
  });
});

describe("list", () => {
  it("pages with limit/continue at one revision, filtered by label and field selectors", async () => {
    const s = store();
    for (let i = 0; i < 7; i++) await s.create(configmaps, "default", { metadata: { name: `c${i}`, labels: { parity: i % 2 ? "odd" : "even" } } });
    await s.create(configmaps, "kube-system", { metadata: { name: "other", labels: { parity: "even" } } });
    const page1 = await s.list(configmaps, "default", { labelSelector: "parity=even", limit: 2 });
    expect(page1.items.map((o) => o.metadata!.name)).toEqual(["c0", "c2"]);
    expect(page1.continueToken).toBeDefined();
    // A write between pages is not seen: the continuation reads at the first page's revision.
    await s.create(configmaps, "default", { metadata: { name: "c8", labels: { parity: "even" } } });
    const page2 = await s.list(configmaps, "default", { labelSelector: "parity=even", limit: 2, continueToken: page1.continueToken });
    expect(page2.items.map((o) => o.metadata!.name)).toEqual(["c4", "c6"]);
    expect(page2.resourceVersion).toBe(page1.resourceVersion);
    const all = await s.list(configmaps, undefined, { labelSelector: "parity in (even)" });
    expect(all.items.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`)).toEqual(["default/c0", "default/c2", "default/c4", "default/c6", "default/c8", "kube-system/other"]);
    const named = await s.list(configmaps, undefined, { fields: parseFieldSelector("configmaps", "metadata.name=c3,metadata.namespace!=kube-system") });
    expect(named.items.map((o) => o.metadata!.name)).toEqual(["c3"]);
  });

  it("field selectors: pods' spec.nodeName and status.phase; unsupported fields are a 400", async () => {
    const s = store();
    await s.create(pods, "default", { metadata: { name: "a" }, spec: { nodeName: "n1" }, status: { phase: "Running" } });
    await s.create(pods, "default", { metadata: { name: "b" }, spec: {}, status: { phase: "Pending" } });
    const onN1 = await s.list(pods, "default", { fields: parseFieldSelector("pods", "spec.nodeName=n1") });
    expect(onN1.items.map((o) => o.metadata!.name)).toEqual(["a"]);
    const unscheduled = await s.list(pods, "default", { fields: parseFieldSelector("pods", "spec.nodeName=,status.phase!=Running") });
    expect(unscheduled.items.map((o) => o.metadata!.name)).toEqual(["b"]);
    expect(() => parseFieldSelector("configmaps", "data.x=y")).toThrow("field label not supported: data.x");
  });
});

describe("watch", () => {
  it("from a resourceVersion: ADDED/MODIFIED/DELETED; a label selector turns leaving into DELETED", async () => {
    const s = store();
    const first = await s.create(configmaps, "default", { metadata: { name: "a", labels: { team: "x" } } });
    const events: WatchEventOut[] = [];
    const stop = await s.watch(configmaps, "default", { resourceVersion: first.metadata!.resourceVersion, labelSelector: "team=x" }, (e) => events.push(e), () => {});
    await s.create(configmaps, "default", { metadata: { name: "b", labels: { team: "x" } } });
    await s.modify(configmaps, "default", "a", (o) => ({ ...o, data: { k: "v" } }));
    await s.modify(configmaps, "default", "b", (o) => ({ ...o, metadata: { ...o.metadata, labels: { team: "y" } } }));
    await s.create(configmaps, "default", { metadata: { name: "c", labels: { team: "y" } } });
    await s.delete(configmaps, "default", "a");
    await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata!.name}`)).toEqual(["ADDED b", "MODIFIED a", "DELETED b", "DELETED a"]);
    const rvs = events.map((e) => Number(e.object.metadata!.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it("resourceVersion 0 or none: the current objects first, as ADDED", async () => {
    const s = store();
    await s.create(configmaps, "default", { metadata: { name: "x" } });
    const events: WatchEventOut[] = [];
    const stop = await s.watch(configmaps, "default", {}, (e) => events.push(e), () => {});
    await s.create(configmaps, "default", { metadata: { name: "y" } });
    await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata!.name}`)).toEqual(["ADDED x", "ADDED y"]);
  });

  it("a compacted resourceVersion ends the watch with an in-stream 410 Expired", async () => {
    const storage = new MemoryStorage();
    const s = new ObjectStore(storage, () => true, () => now);
    await s.create(configmaps, "default", { metadata: { name: "first" } });
    const a = await s.create(configmaps, "default", { metadata: { name: "a" } });
    await s.modify(configmaps, "default", "a", (o) => ({ ...o, data: { v: "2" } }));
    await storage.compact(await storage.currentRevision());
    const events: WatchEventOut[] = [];
    let ended = false;
    await s.watch(configmaps, "default", { resourceVersion: String(Number(a.metadata!.resourceVersion) - 1) }, (e) => events.push(e), () => (ended = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe("ERROR");
    expect(events[0].object as KubeObject).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(ended).toBe(true);
  });
});
