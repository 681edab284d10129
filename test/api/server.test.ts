// The API server's request handling without HTTP (what the browser sandbox will call):
// routing, discovery, bad input answered with Kubernetes Statuses, nothing half-written.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { MemoryStorage } from "../../hosts/browser/memory-storage.js";
import { createApiServer } from "../../core/api/index.js";
import type { ApiServer } from "../../core/api/server.js";
import { apiCaller } from "./api-caller.js";

let core: Core;
let api: ApiServer;
beforeAll(async () => {
  core = await loadCore();
  api = createApiServer({ storage: new MemoryStorage(), core: core as never, now: () => new Date("2026-11-23T10:00:00Z") });
  await api.bootstrap();
});

const encode = (s: string) => new TextEncoder().encode(s);

const call = apiCaller(() => api);

describe("discovery", () => {
  it("aggregated discovery needs the exact Content-Type; legacy lists follow", async () => {
    const agg = await call("GET", "/apis", undefined, { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" });
    expect(agg.headers["content-type"]).toBe("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    const names = (agg.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(names).toEqual(["apps", "batch", "discovery.k8s.io", "events.k8s.io", "networking.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io", "scheduling.k8s.io"]);
    const legacy = await call("GET", "/apis/apps/v1");
    const resources = (legacy.body.resources as { name: string; kind: string; group?: string }[]).map((r) => `${r.name}:${r.kind}${r.group ? `@${r.group}` : ""}`);
    expect(resources).toContain("deployments/scale:Scale@autoscaling");
    expect((await call("GET", "/version")).body).toMatchObject({ major: "1", minor: "32" });
  });
});

describe("bad input gets a 4xx Status and stores nothing", () => {
  it("malformed JSON, YAML, a wrong media type, a body over 3 MiB, a mismatched kind, an unknown path", async () => {
    const before = await call("GET", "/api/v1/namespaces/default/configmaps");
    const cases: [string, string, string | Uint8Array, Record<string, string>, number, string][] = [
      ["POST", "/api/v1/namespaces/default/configmaps", '{"metadata": {"name": "x"', {}, 400, "BadRequest"],
      ["POST", "/api/v1/namespaces/default/configmaps", "metadata: [unclosed", { "content-type": "application/yaml" }, 400, "BadRequest"],
      ["POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"x"}}', { "content-type": "text/plain" }, 415, "UnsupportedMediaType"],
      ["POST", "/api/v1/namespaces/default/configmaps", encode(`{"metadata":{"name":"big"},"data":{"a":"${"x".repeat(3 * 1024 * 1024)}"}}`), {}, 413, "RequestEntityTooLarge"],
      ["POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}', {}, 400, "BadRequest"],
      ["POST", "/api/v1/namespaces/default/configmaps", '["not", "an", "object"]', {}, 400, "BadRequest"],
      ["POST", "/api/v1/namespaces/default/widgets", '{"metadata":{"name":"x"}}', {}, 404, "NotFound"],
      ["PATCH", "/api/v1/namespaces/default/configmaps/absent", '{"data":{}}', { "content-type": "application/merge-patch+json" }, 404, "NotFound"],
    ];
    for (const [method, url, body, headers, code, reason] of cases) {
      const res = await call(method, url, body, headers);
      expect([res.status, res.body.kind, res.body.reason], `${method} ${url} ${JSON.stringify(headers)}`).toEqual([code, "Status", reason]);
    }
    const after = await call("GET", "/api/v1/namespaces/default/configmaps");
    expect(after.body.items).toEqual(before.body.items);
  });

  it("a patch that does not apply is a 422, and the object is unchanged", async () => {
    const created = await call("POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"p"},"data":{"a":"1"}}');
    expect(created.status).toBe(201);
    const res = await call("PATCH", "/api/v1/namespaces/default/configmaps/p", '[{"op":"test","path":"/data/a","value":"2"}]', { "content-type": "application/json-patch+json" });
    expect(res.status).toBe(422);
    const now = await call("GET", "/api/v1/namespaces/default/configmaps/p");
    expect(now.body.data).toEqual({ a: "1" });
    expect((now.body.metadata as { resourceVersion: string }).resourceVersion).toBe((created.body.metadata as { resourceVersion: string }).resourceVersion);
  });
});

describe("pod admission", () => {
  it("defaults the service account and resolves priority from the PriorityClass", async () => {
    const plain = await call("POST", "/api/v1/namespaces/default/pods", '{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}');
    expect(plain.status).toBe(201);
    expect(plain.body.spec).toMatchObject({ serviceAccountName: "default", serviceAccount: "default", priority: 0, preemptionPolicy: "PreemptLowerPriority" });
    const critical = await call("POST", "/api/v1/namespaces/default/pods", '{"metadata":{"name":"b"},"spec":{"priorityClassName":"system-node-critical","containers":[{"name":"c","image":"busybox"}]}}');
    expect((critical.body.spec as { priority: number }).priority).toBe(2000001000);
    const missing = await call("POST", "/api/v1/namespaces/default/pods", '{"metadata":{"name":"c"},"spec":{"priorityClassName":"nope","containers":[{"name":"c","image":"busybox"}]}}');
    expect([missing.status, missing.body.reason, missing.body.message]).toEqual([403, "Forbidden", 'pods "c" is forbidden: no PriorityClass with name nope was found']);
  });
});

describe("pods/binding", () => {
  it("assigns the node once and marks the pod scheduled; a second binding is a Conflict", async () => {
    await call("POST", "/api/v1/namespaces/default/pods", '{"metadata":{"name":"bind-me"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}');
    const bound = await call("POST", "/api/v1/namespaces/default/pods/bind-me/binding", '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bind-me"},"target":{"kind":"Node","name":"node-1"}}');
    expect([bound.status, bound.body.status]).toEqual([201, "Success"]);
    const pod = await call("GET", "/api/v1/namespaces/default/pods/bind-me");
    expect((pod.body.spec as { nodeName: string }).nodeName).toBe("node-1");
    expect((pod.body.status as { conditions: { type: string; status: string }[] }).conditions).toEqual([expect.objectContaining({ type: "PodScheduled", status: "True" })]);
    const again = await call("POST", "/api/v1/namespaces/default/pods/bind-me/binding", '{"target":{"name":"node-2"}}');
    expect([again.status, again.body.reason, again.body.message]).toEqual([409, "Conflict", 'Operation cannot be fulfilled on pods/binding "bind-me": pod bind-me is already assigned to node "node-1"']);
  });
});
