// RFC 6902 JSON Patch as kube-apiserver applies `application/json-patch+json` (the body of
// `kubectl patch --type=json` and `kubectl rollout undo`).
import { describe, expect, it } from "vitest";
import { applyJsonPatch, parseJsonPointer, PatchError, type JsonValue } from "../../core/api/patch/index.js";

const doc = {
  metadata: { name: "web", labels: { app: "web" }, annotations: { "a/b": "slash", "m~n": "tilde" } },
  spec: { replicas: 1, list: ["a", "b", "c"] },
};

describe("parseJsonPointer", () => {
  it.each([
    ["", []],
    ["/", [""]],
    ["/a/b", ["a", "b"]],
    ["/metadata/annotations/a~1b", ["metadata", "annotations", "a/b"]],
    ["/m~0n", ["m~n"]],
    ["/~01", ["~1"]], // ~0 is decoded after ~1, so "~01" is the literal "~1"
    ["/list/-", ["list", "-"]],
  ])("%j → %j", (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toEqual(tokens);
  });

  it.each(["a/b", "/a~2", "/a~"])("rejects %j", (pointer) => {
    expect(() => parseJsonPointer(pointer)).toThrow(PatchError);
  });
});

describe("applyJsonPatch: operations that apply", () => {
  it.each<[string, JsonValue, JsonValue, JsonValue]>([
    ["add a new member", { a: 1 }, [{ op: "add", path: "/b", value: 2 }], { a: 1, b: 2 }],
    ["add replaces an existing member", { a: 1 }, [{ op: "add", path: "/a", value: [1] }], { a: [1] }],
    ["add inserts into an array", { l: [1, 3] }, [{ op: "add", path: "/l/1", value: 2 }], { l: [1, 2, 3] }],
    ["add at index length appends", { l: [1] }, [{ op: "add", path: "/l/1", value: 2 }], { l: [1, 2] }],
    ["add with - appends", { l: [1] }, [{ op: "add", path: "/l/-", value: 2 }], { l: [1, 2] }],
    ["add with a negative index counts from the end", { l: [1, 2] }, [{ op: "add", path: "/l/-1", value: 9 }], { l: [1, 2, 9] }],
    ["add at the root replaces the document", { a: 1 }, [{ op: "add", path: "", value: { b: 2 } }], { b: 2 }],
    ["add a key with escapes", {}, [{ op: "add", path: "/a~1b~0c", value: 1 }], { "a/b~c": 1 }],
    ["add an empty key", {}, [{ op: "add", path: "/", value: 1 }], { "": 1 }],
    ["remove a member", { a: 1, b: 2 }, [{ op: "remove", path: "/a" }], { b: 2 }],
    ["remove an array element", { l: [1, 2, 3] }, [{ op: "remove", path: "/l/1" }], { l: [1, 3] }],
    ["remove the last element with -1", { l: [1, 2, 3] }, [{ op: "remove", path: "/l/-1" }], { l: [1, 2] }],
    ["replace a member", { a: 1 }, [{ op: "replace", path: "/a", value: { x: null } }], { a: { x: null } }],
    ["replace an array element", { l: [1, 2] }, [{ op: "replace", path: "/l/0", value: 0 }], { l: [0, 2] }],
    ["replace the root", { a: 1 }, [{ op: "replace", path: "", value: [1] }], [1]],
    ["move a member", { a: { x: 1 }, b: {} }, [{ op: "move", from: "/a/x", path: "/b/y" }], { a: {}, b: { y: 1 } }],
    ["move within an array", { l: [1, 2, 3] }, [{ op: "move", from: "/l/0", path: "/l/-" }], { l: [2, 3, 1] }],
    ["move onto itself is a no-op", { a: 1 }, [{ op: "move", from: "/a", path: "/a" }], { a: 1 }],
    ["copy a member", { a: { x: [1] } }, [{ op: "copy", from: "/a", path: "/b" }], { a: { x: [1] }, b: { x: [1] } }],
    ["copy into an array", { l: [1, 2] }, [{ op: "copy", from: "/l/1", path: "/l/0" }], { l: [2, 1, 2] }],
    ["test an equal value", { a: { x: 1, y: [2] } }, [{ op: "test", path: "/a", value: { y: [2], x: 1 } }], { a: { x: 1, y: [2] } }],
    ["test a missing member against null", { a: 1 }, [{ op: "test", path: "/b", value: null }], { a: 1 }],
    [
      "operations run in order",
      { l: [] },
      [
        { op: "add", path: "/l/-", value: "x" },
        { op: "test", path: "/l/0", value: "x" },
        { op: "replace", path: "/l/0", value: "y" },
      ],
      { l: ["y"] },
    ],
  ])("%s", (_, document, patch, expected) => {
    expect(applyJsonPatch(document, patch)).toEqual(expected);
  });

  it("applies what kubectl rollout undo sends", () => {
    const deployment = {
      metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "2" } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: "app", image: "app:2" }] } } },
    };
    const patch = [
      { op: "replace", path: "/spec/template", value: { spec: { containers: [{ name: "app", image: "app:1" }] } } },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "1" } },
    ];
    expect(applyJsonPatch(deployment, patch)).toEqual({
      metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "1" } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: "app", image: "app:1" }] } } },
    });
  });

  it("edits annotation and label keys that contain / and ~", () => {
    const patch = [
      { op: "remove", path: "/metadata/annotations/a~1b" },
      { op: "replace", path: "/metadata/annotations/m~0n", value: "T" },
      { op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" },
    ];
    expect(applyJsonPatch(doc, patch)).toMatchObject({
      metadata: { labels: { app: "web", "app.kubernetes.io/name": "web" }, annotations: { "m~n": "T" } },
    });
  });
});

describe("applyJsonPatch: errors", () => {
  it.each<[string, JsonValue, unknown, number, string | RegExp]>([
    ["a body that is not a list", {}, { op: "add" }, 400, "cannot unmarshal object into Go value of type jsonpatch.Patch"],
    ["an operation that is not an object", {}, ["add"], 400, "cannot unmarshal string"],
    ["an unknown op", {}, [{ op: "merge", path: "/a" }], 422, "Unexpected kind: merge"],
    ["a missing op", {}, [{ path: "/a" }], 422, "Unexpected kind: unknown"],
    ["a missing path", {}, [{ op: "add", value: 1 }], 422, "missing path"],
    ["add without value", {}, [{ op: "add", path: "/a" }], 422, "missing value"],
    ["add under a missing parent", { a: 1 }, [{ op: "add", path: "/x/y", value: 1 }], 422, 'add operation does not apply: doc is missing path: "/x/y"'],
    ["add past the end of an array", { l: [1] }, [{ op: "add", path: "/l/3", value: 1 }], 422, "invalid index referenced"],
    ["add with a non-numeric array index", { l: [1] }, [{ op: "add", path: "/l/x", value: 1 }], 422, 'parsing "x": invalid syntax'],
    ["add with a leading zero index", { l: [1, 2] }, [{ op: "add", path: "/l/01", value: 1 }], 422, "/l/01"],
    ["remove a missing member", { a: 1 }, [{ op: "remove", path: "/b" }], 422, "Unable to remove nonexistent key: b"],
    ["remove out of bounds", { l: [1] }, [{ op: "remove", path: "/l/1" }], 422, "invalid index referenced"],
    ["remove with -", { l: [1] }, [{ op: "remove", path: "/l/-" }], 422, "/l/-"],
    ["remove the root", { a: 1 }, [{ op: "remove", path: "" }], 422, "remove operation does not apply"],
    ["replace a missing member", { a: 1 }, [{ op: "replace", path: "/b", value: 1 }], 422, "replace operation does not apply: doc is missing key: /b"],
    ["replace under a missing parent", {}, [{ op: "replace", path: "/a/b", value: 1 }], 422, "doc is missing path: /a/b"],
    ["move from a missing member", { a: 1 }, [{ op: "move", from: "/b", path: "/c" }], 422, "move operation does not apply: doc is missing from path: /b"],
    ["move into its own child", { a: { b: 1 } }, [{ op: "move", from: "/a", path: "/a/b/c" }], 422, "is a prefix of"],
    ["move without from", { a: 1 }, [{ op: "move", path: "/c" }], 422, "missing from"],
    ["copy from a missing member", { a: 1 }, [{ op: "copy", from: "/b", path: "/c" }], 422, "copy operation does not apply: doc is missing from path: /b"],
    ["test a different value", { a: 1 }, [{ op: "test", path: "/a", value: "1" }], 422, "testing value /a failed: test failed"],
    ["test array order", { l: [1, 2] }, [{ op: "test", path: "/l", value: [2, 1] }], 422, "test failed"],
    ["test under a missing parent", { a: 1 }, [{ op: "test", path: "/x/y", value: 1 }], 422, "test operation does not apply: is missing path: /x/y"],
    ["a bad pointer", { a: 1 }, [{ op: "add", path: "a", value: 1 }], 422, "JSON pointer"],
  ])("rejects %s", (_, document, patch, code, message) => {
    let error: unknown;
    try {
      applyJsonPatch(document, patch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect((error as PatchError).code).toBe(code);
    expect((error as PatchError).reason).toBe(code === 400 ? "BadRequest" : "Invalid");
    expect((error as PatchError).message).toMatch(message);
  });

  it("refuses more than 10000 operations with 413", () => {
    const patch = Array.from({ length: 10_001 }, () => ({ op: "test", path: "", value: {} }));
    expect(() => applyJsonPatch({}, patch)).toThrow(expect.objectContaining({ code: 413, reason: "RequestEntityTooLarge" }));
  });

  it("applies nothing when a later operation fails", () => {
    const original = { a: 1 };
    expect(() =>
      applyJsonPatch(original, [
        { op: "replace", path: "/a", value: 2 },
        { op: "test", path: "/a", value: 1 },
      ]),
    ).toThrow("test failed");
    expect(original).toEqual({ a: 1 });
  });
});

describe("applyJsonPatch never changes its inputs", () => {
  it("returns new objects and copies inserted values", () => {
    const original = structuredClone(doc);
    const value = { nested: [1] };
    const patch = [
      { op: "add", path: "/spec/extra", value },
      { op: "remove", path: "/spec/list/0" },
      { op: "move", from: "/metadata/labels", path: "/spec/labels" },
      { op: "copy", from: "/spec/extra", path: "/spec/copy" },
    ];
    const patchCopy = structuredClone(patch);
    const result = applyJsonPatch(doc, patch) as typeof doc & { spec: { extra: typeof value; copy: typeof value } };
    expect(doc).toEqual(original);
    expect(patch).toEqual(patchCopy);
    expect(result.spec.extra).not.toBe(value);
    expect(result.spec.copy).not.toBe(result.spec.extra);
    result.spec.extra.nested.push(2);
    expect(value.nested).toEqual([1]);
  });

  it("keeps a __proto__ key as data", () => {
    const result = applyJsonPatch({}, [{ op: "add", path: "/__proto__", value: { polluted: true } }]) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});
