// managedFields and server-side apply (core/api/field-manager.ts): field sets in fieldsV1
// form, keyed list entries, ownership moving on Update, conflicts and removal on Apply.
import { describe, expect, it } from "vitest";
import { apply, fieldSet, recordUpdate, toFieldsV1 } from "../../core/api/field-manager.js";
import { ApiError } from "../../core/api/status.js";
import type { KubeObject } from "../../core/api/object-store.js";

const T = "2026-11-23T10:00:00Z";
const where = { group: "apps", plural: "deployments", name: "web" };
const deployment = (containers: object[], replicas?: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers } } },
});

describe("field sets", () => {
  it("keyed lists by their merge key, atomic lists whole, identity metadata left out", () => {
    const paths = fieldSet("Deployment", { ...deployment([{ name: "web", image: "busybox", args: ["a", "b"] }], 2), metadata: { name: "web", uid: "u", labels: { app: "web" } } });
    expect(toFieldsV1(paths)).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:args": {}, "f:image": {}, "f:name": {} } } } },
      },
    });
  });
});

describe("server-side apply", () => {
  it("conflicts with an Update manager's field unless forced; forcing moves ownership", () => {
    const live = apply("Deployment", "apps/v1", null, deployment([{ name: "web", image: "a" }], 1), "ci", false, T, where);
    recordUpdate("Deployment", "apps/v1", structuredClone(live), (() => {
      const scaled = structuredClone(live);
      (scaled.spec as { replicas: number }).replicas = 5;
      Object.assign(live, scaled);
      return live;
    })(), "kubectl-scale", T);
    let error: ApiError | undefined;
    try {
      apply("Deployment", "apps/v1", live, deployment([{ name: "web", image: "a" }], 1), "ci", false, T, where);
    } catch (err) {
      error = err as ApiError;
    }
    expect(error?.code).toBe(409);
    expect(error?.status.details?.causes).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-scale" using apps/v1', field: ".spec.replicas" }]);
    const forced = apply("Deployment", "apps/v1", live, deployment([{ name: "web", image: "a" }], 1), "ci", true, T, where);
    expect((forced.spec as { replicas: number }).replicas).toBe(1);
    expect((forced.metadata!.managedFields as { manager: string }[]).map((m) => m.manager)).toEqual(["ci"]);
  });

  it("an entry the manager stops applying is removed from the keyed list; others' entries stay", () => {
    const two = apply("Deployment", "apps/v1", null, deployment([{ name: "web", image: "a" }, { name: "sidecar", image: "b" }]), "ci", false, T, where);
    const one = apply("Deployment", "apps/v1", two, deployment([{ name: "web", image: "a" }]), "ci", false, T, where);
    expect((one.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers.map((c) => c.name)).toEqual(["web"]);
  });
});
