import { NodeAffinity, NodeSelectorTerm, FieldRequirement } from "../nodeaffinity/node_selector";
import { Op, newRequirement } from "../labels/requirement";
import { FieldErrors } from "../util/field_errors";
import { intern } from "../strings/intern";
import { labels } from "./label_sets";

function term(key: string, op: Op, values: Array<string>): NodeSelectorTerm {
  const t = new NodeSelectorTerm();
  t.hasExpressions = true;
  const ids = new StaticArray<i32>(values.length);
  for (let i = 0; i < values.length; i++) ids[i] = intern(values[i]);
  if (!newRequirement(intern(key), op, ids, "", new FieldErrors(), t.expressions)) t.invalid = true;
  t.seal();
  return t;
}

function nameTerm(name: string, notIn: bool): NodeSelectorTerm {
  const t = new NodeSelectorTerm();
  t.hasFields = true;
  t.fields.push(new FieldRequirement(intern("metadata.name"), notIn, intern(name)));
  t.seal();
  return t;
}

function required(terms: Array<NodeSelectorTerm>): NodeAffinity {
  const a = new NodeAffinity();
  a.required = terms;
  return a;
}

const zoneA = labels(["zone", "a", "cpus", "0016"]);

describe("NodeSelector terms", () => {
  it("ORs terms", () => {
    const a = required([term("zone", Op.In, ["b"]), term("zone", Op.In, ["a"])]);
    expect(a.matches(intern("n1"), zoneA.ptr, zoneA.count)).toBe(true);
  });
  it("compares Gt/Lt as integers", () => {
    expect(required([term("cpus", Op.GreaterThan, ["15"])]).matches(0, zoneA.ptr, zoneA.count)).toBe(true);
    expect(required([term("cpus", Op.LessThan, ["16"])]).matches(0, zoneA.ptr, zoneA.count)).toBe(false);
  });
  it("never matches an invalid term but still tries the others", () => {
    const bad = term("zone", Op.GreaterThan, ["a"]);
    expect(bad.invalid).toBe(true);
    expect(required([bad, term("zone", Op.Exists, [])]).matches(0, zoneA.ptr, zoneA.count)).toBe(true);
    expect(required([bad]).matches(0, zoneA.ptr, zoneA.count)).toBe(false);
  });
  it("matches no node with an empty term or an empty term list", () => {
    const empty = new NodeSelectorTerm();
    expect(required([empty]).matches(0, zoneA.ptr, zoneA.count)).toBe(false);
    expect(required([]).matches(0, zoneA.ptr, zoneA.count)).toBe(false);
  });
  it("matches metadata.name fields, and ignores fields for an unnamed node", () => {
    expect(required([nameTerm("n1", false)]).matches(intern("n1"), zoneA.ptr, zoneA.count)).toBe(true);
    expect(required([nameTerm("n1", false)]).matches(intern("n2"), zoneA.ptr, zoneA.count)).toBe(false);
    expect(required([nameTerm("n1", true)]).matches(intern("n2"), zoneA.ptr, zoneA.count)).toBe(true);
    expect(required([nameTerm("n1", false)]).matches(0, zoneA.ptr, zoneA.count)).toBe(true);
  });
  it("lets every node pass when no affinity is required", () => {
    expect(new NodeAffinity().matches(0, zoneA.ptr, zoneA.count)).toBe(true);
  });
});
