// RFC 7386 JSON merge patch as kube-apiserver applies `application/merge-patch+json`
// (`kubectl label`, `annotate`, `scale`, `patch --type=merge`, and `apply` for custom resources).
import { describe, expect, it } from "vitest";
import { applyMergePatch, type JsonValue } from "../../core/api/patch/index.js";

describe("applyMergePatch: RFC 7386 appendix A", () => {
  it.each<[JsonValue, JsonValue, JsonValue]>([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j + %j → %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });
});

const configMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cm", labels: { app: "web", tier: "fe" }, annotations: { note: "x" }, finalizers: ["a/x", "b/y"] },
  data: { "a.conf": "1", "b.conf": "2" },
};

describe("applyMergePatch: what kubectl sends", () => {
  it.each<[string, JsonValue, JsonValue]>([
    ["kubectl label x=1", { metadata: { labels: { x: "1" } } }, { ...configMap, metadata: { ...configMap.metadata, labels: { app: "web", tier: "fe", x: "1" } } }],
    ["kubectl label tier-", { metadata: { labels: { tier: null } } }, { ...configMap, metadata: { ...configMap.metadata, labels: { app: "web" } } }],
    ["kubectl annotate note-", { metadata: { annotations: { note: null } } }, { ...configMap, metadata: { ...configMap.metadata, annotations: {} } }],
    ["ConfigMap data: set one key, delete another", { data: { "a.conf": "10", "b.conf": null, "c.conf": "3" } }, { ...configMap, data: { "a.conf": "10", "c.conf": "3" } }],
    ["lists are replaced whole (finalizers)", { metadata: { finalizers: ["c/z"] } }, { ...configMap, metadata: { ...configMap.metadata, finalizers: ["c/z"] } }],
    ["null removes a whole map", { data: null }, { apiVersion: "v1", kind: "ConfigMap", metadata: configMap.metadata }],
    ["an empty patch changes nothing", {}, configMap],
  ])("%s", (_, patch, expected) => {
    expect(applyMergePatch(configMap, patch)).toEqual(expected);
  });

  it("kubectl scale sets spec.replicas", () => {
    const deployment = { spec: { replicas: 1, template: { spec: { containers: [{ name: "app" }] } } } };
    expect(applyMergePatch(deployment, { spec: { replicas: 3 } })).toEqual({
      spec: { replicas: 3, template: { spec: { containers: [{ name: "app" }] } } },
    });
  });

  it("replaces a list of containers whole, unlike a strategic merge patch", () => {
    const pod = { spec: { containers: [{ name: "app", image: "a:1" }, { name: "side", image: "s:1" }] } };
    expect(applyMergePatch(pod, { spec: { containers: [{ name: "app", image: "a:2" }] } })).toEqual({
      spec: { containers: [{ name: "app", image: "a:2" }] },
    });
  });
});

describe("applyMergePatch never changes its inputs", () => {
  it("returns new objects", () => {
    const original = structuredClone(configMap);
    const patch = { metadata: { labels: { x: "1", app: null } }, data: { list: [{ k: 1 }] } };
    const patchCopy = structuredClone(patch);
    const result = applyMergePatch(configMap, patch) as { metadata: { annotations: object }; data: { list: object[] } };
    expect(configMap).toEqual(original);
    expect(patch).toEqual(patchCopy);
    expect(result.metadata.annotations).not.toBe(configMap.metadata.annotations);
    expect(result.data.list).not.toBe(patch.data.list);
  });

  it("keeps members in their original order, new ones last", () => {
    const result = applyMergePatch({ a: 1, b: 2, c: 3 }, { d: 4, a: 0 }) as object;
    expect(Object.keys(result)).toEqual(["a", "b", "c", "d"]);
  });
});
