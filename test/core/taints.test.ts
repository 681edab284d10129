// Taints and tolerations. Facts from k8s.io/api/core/v1 toleration.go / toleration_test.go
// (TestTolerationToleratesTaint), k8s.io/component-helpers/scheduling/corev1 helpers.go
// (TolerationsTolerateTaint, FindMatchingUntoleratedTaint) and the scheduler's TaintToleration
// filter (only NoSchedule and NoExecute taints are considered).
import { beforeAll, describe, expect, it } from "vitest";
import type { Core, V1Taint, V1Toleration } from "../../dist/core/index.js";
import { getCore } from "./helpers.js";

let core: Core;
beforeAll(async () => {
  core = await getCore();
});

const taint = (key: string, value: string | undefined, effect: string): V1Taint =>
  value === undefined ? { key, effect } : { key, value, effect };

interface TolerationCase {
  name: string;
  toleration: V1Toleration;
  taint: V1Taint;
  want: boolean;
}

function tolerationTable(cases: TolerationCase[], options?: { comparisonOperators?: boolean }) {
  it.each(cases)("$name", ({ toleration, taint: t, want }) => {
    expect(core.taints.tolerates(toleration, t, options)).toBe(want);
    expect(core.taints.tolerationsTolerateTaint([toleration], t, options)).toBe(want);
  });
}

describe("tolerates: Exists", () => {
  tolerationTable([
    { name: "same key and effect, taint without a value", toleration: { key: "foo", operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", undefined, "NoSchedule"), want: true },
    { name: "same key and effect, taint with a value", toleration: { key: "foo", operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoSchedule"), want: true },
    { name: "a value on an Exists toleration is ignored", toleration: { key: "foo", operator: "Exists", value: "other", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoSchedule"), want: true },
    { name: "a different key is not tolerated", toleration: { key: "foo", operator: "Exists", effect: "NoSchedule" }, taint: taint("bar", "x", "NoSchedule"), want: false },
    { name: "keys are case-sensitive", toleration: { key: "Foo", operator: "Exists" }, taint: taint("foo", "x", "NoSchedule"), want: false },
    { name: "an empty key with Exists tolerates any key of the same effect", toleration: { key: "", operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoSchedule"), want: true },
    { name: "an omitted key with Exists tolerates any key of the same effect", toleration: { operator: "Exists", effect: "NoExecute" }, taint: taint("anything", undefined, "NoExecute"), want: true },
    { name: "an empty key with Exists still respects the effect", toleration: { operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoExecute"), want: false },
    { name: "an empty key and empty effect with Exists tolerates everything", toleration: { operator: "Exists" }, taint: taint("foo", "bar", "PreferNoSchedule"), want: true },
    { name: "an empty effect tolerates NoExecute", toleration: { key: "foo", operator: "Exists" }, taint: taint("foo", undefined, "NoExecute"), want: true },
    { name: "an empty effect tolerates PreferNoSchedule", toleration: { key: "foo", operator: "Exists", effect: "" }, taint: taint("foo", undefined, "PreferNoSchedule"), want: true },
    { name: "a taint with an empty effect is only tolerated by an empty toleration effect", toleration: { key: "foo", operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", undefined, ""), want: false },
    { name: "a different effect is not tolerated", toleration: { key: "foo", operator: "Exists", effect: "NoSchedule" }, taint: taint("foo", undefined, "PreferNoSchedule"), want: false },
  ]);
});

describe("tolerates: Equal and the empty operator", () => {
  tolerationTable([
    { name: "same key, effect and value", toleration: { key: "foo", operator: "Equal", value: "bar", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoSchedule"), want: true },
    { name: "same key and effect but a different value", toleration: { key: "foo", operator: "Equal", value: "value1", effect: "NoSchedule" }, taint: taint("foo", "value2", "NoSchedule"), want: false },
    { name: "same key and value but a different effect", toleration: { key: "foo", operator: "Equal", value: "bar", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoExecute"), want: false },
    { name: "values are case-sensitive", toleration: { key: "foo", operator: "Equal", value: "Bar" }, taint: taint("foo", "bar", "NoSchedule"), want: false },
    { name: "an omitted operator means Equal and matches the same value", toleration: { key: "foo", value: "bar", effect: "NoSchedule" }, taint: taint("foo", "bar", "NoSchedule"), want: true },
    { name: "an omitted operator means Equal and rejects a different value", toleration: { key: "foo", value: "bar" }, taint: taint("foo", "baz", "NoSchedule"), want: false },
    { name: "an empty operator string means Equal", toleration: { key: "foo", operator: "", value: "bar" }, taint: taint("foo", "bar", "NoExecute"), want: true },
    { name: "Equal with no value tolerates a taint with no value", toleration: { key: "foo", operator: "Equal" }, taint: taint("foo", undefined, "NoSchedule"), want: true },
    { name: "Equal with no value tolerates a taint with an empty value", toleration: { key: "foo", operator: "Equal", value: "" }, taint: taint("foo", "", "NoSchedule"), want: true },
    { name: "Equal with no value does not tolerate a taint with a value", toleration: { key: "foo", operator: "Equal" }, taint: taint("foo", "bar", "NoSchedule"), want: false },
    { name: "Equal with a value does not tolerate a taint without one", toleration: { key: "foo", operator: "Equal", value: "bar" }, taint: taint("foo", undefined, "NoSchedule"), want: false },
    { name: "an empty key with Equal and no value tolerates any key whose taint has no value", toleration: { operator: "Equal" }, taint: taint("anything", undefined, "NoSchedule"), want: true },
    { name: "an empty key with Equal and no value does not tolerate a taint with a value", toleration: { operator: "Equal" }, taint: taint("anything", "v", "NoSchedule"), want: false },
    { name: "an empty key with Equal and a value tolerates any key with that value", toleration: { value: "v", effect: "NoSchedule" }, taint: taint("anything", "v", "NoSchedule"), want: true },
    { name: "an empty toleration tolerates any taint without a value", toleration: {}, taint: taint("k", undefined, "NoExecute"), want: true },
  ]);
});

describe("tolerates: unknown operators", () => {
  tolerationTable([
    { name: "a lower-case exists is not an operator", toleration: { key: "foo", operator: "exists" }, taint: taint("foo", "bar", "NoSchedule"), want: false },
    { name: "a lower-case equal is not an operator even when the values agree", toleration: { key: "foo", operator: "equal", value: "bar" }, taint: taint("foo", "bar", "NoSchedule"), want: false },
    { name: "In is not a toleration operator", toleration: { key: "foo", operator: "In", value: "bar" }, taint: taint("foo", "bar", "NoSchedule"), want: false },
    { name: "an unknown operator with an empty key tolerates nothing", toleration: { operator: "NotEqual" }, taint: taint("foo", undefined, "NoSchedule"), want: false },
  ]);
});

describe("tolerates: Gt and Lt are ignored unless the comparison-operators gate is on", () => {
  const sla = (op: string, value: string): V1Toleration => ({ key: "node.kubernetes.io/sla", operator: op, value, effect: "NoSchedule" });
  const slaTaint = (value: string) => taint("node.kubernetes.io/sla", value, "NoSchedule");

  describe("with the gate off (the default)", () => {
    tolerationTable([
      { name: "Gt that would hold does not tolerate", toleration: sla("Gt", "750"), taint: slaTaint("950"), want: false },
      { name: "Lt that would hold does not tolerate", toleration: sla("Lt", "950"), taint: slaTaint("800"), want: false },
    ]);
    tolerationTable(
      [
        { name: "Gt does not tolerate when the gate is explicitly off", toleration: sla("Gt", "750"), taint: slaTaint("950"), want: false },
        { name: "Exists still tolerates when the gate is explicitly off", toleration: { key: "node.kubernetes.io/sla", operator: "Exists" }, taint: slaTaint("950"), want: true },
      ],
      { comparisonOperators: false },
    );
  });

  describe("with the gate on", () => {
    tolerationTable(
      [
        { name: "Gt: a taint value below the toleration value is not tolerated", toleration: sla("Gt", "950"), taint: slaTaint("800"), want: false },
        { name: "Gt: a taint value above the toleration value is tolerated", toleration: sla("Gt", "750"), taint: slaTaint("950"), want: true },
        { name: "Lt: a taint value above the toleration value is not tolerated", toleration: sla("Lt", "800"), taint: slaTaint("950"), want: false },
        { name: "Lt: a taint value below the toleration value is tolerated", toleration: sla("Lt", "950"), taint: slaTaint("800"), want: true },
        { name: "Gt: an equal value is not tolerated", toleration: sla("Gt", "950"), taint: slaTaint("950"), want: false },
        { name: "Lt: an equal value is not tolerated", toleration: sla("Lt", "950"), taint: slaTaint("950"), want: false },
        { name: "Gt: a non-numeric taint value is not tolerated", toleration: sla("Gt", "950"), taint: slaTaint("high"), want: false },
        { name: "Lt: a non-numeric toleration value tolerates nothing", toleration: sla("Lt", "high"), taint: slaTaint("1"), want: false },
        { name: "Gt: an empty taint value is not tolerated", toleration: sla("Gt", "1"), taint: taint("node.kubernetes.io/sla", undefined, "NoSchedule"), want: false },
        { name: "Gt: negative values compare as negative (taint -200 is not above -100)", toleration: { key: "test-key", operator: "Gt", value: "-100", effect: "NoSchedule" }, taint: taint("test-key", "-200", "NoSchedule"), want: false },
        { name: "Lt: negative values compare as negative (taint -200 is below -100)", toleration: { key: "test-key", operator: "Lt", value: "-100", effect: "NoSchedule" }, taint: taint("test-key", "-200", "NoSchedule"), want: true },
        { name: "Gt: a large int64 threshold is compared exactly", toleration: { key: "test-key", operator: "Gt", value: "9223372036854775806", effect: "NoSchedule" }, taint: taint("test-key", "100", "NoSchedule"), want: false },
        { name: "Gt: the largest int64 exceeds the value just below it", toleration: { key: "k", operator: "Gt", value: "9223372036854775806" }, taint: taint("k", "9223372036854775807", "NoSchedule"), want: true },
        { name: "Gt: a taint value past int64 is not tolerated", toleration: { key: "k", operator: "Gt", value: "1" }, taint: taint("k", "9223372036854775808", "NoSchedule"), want: false },
        { name: "Lt: a toleration value past int64 tolerates nothing", toleration: { key: "k", operator: "Lt", value: "9223372036854775808" }, taint: taint("k", "5", "NoSchedule"), want: false },
        { name: "Gt: a decimal taint value is not tolerated", toleration: { key: "k", operator: "Gt", value: "1" }, taint: taint("k", "2.5", "NoSchedule"), want: false },
        { name: "Gt: the key must still match", toleration: { key: "k", operator: "Gt", value: "1" }, taint: taint("other", "5", "NoSchedule"), want: false },
        { name: "Gt: the effect must still match", toleration: { key: "k", operator: "Gt", value: "1", effect: "NoExecute" }, taint: taint("k", "5", "NoSchedule"), want: false },
        { name: "Gt with an empty key compares against any key", toleration: { operator: "Gt", value: "5" }, taint: taint("any", "10", "NoExecute"), want: true },
        { name: "Equal is unaffected by the gate", toleration: { key: "k", operator: "Equal", value: "5" }, taint: taint("k", "5", "NoSchedule"), want: true },
      ],
      { comparisonOperators: true },
    );
  });
});

describe("tolerationsTolerateTaint: any toleration suffices", () => {
  const t = taint("dedicated", "gpu", "NoSchedule");
  it.each([
    { name: "no tolerations (null) tolerate nothing", tolerations: null, want: false },
    { name: "no tolerations (undefined) tolerate nothing", tolerations: undefined, want: false },
    { name: "an empty list tolerates nothing", tolerations: [], want: false },
    { name: "one non-matching toleration", tolerations: [{ key: "dedicated", value: "cpu" }], want: false },
    { name: "a matching toleration after a non-matching one", tolerations: [{ key: "dedicated", value: "cpu" }, { key: "dedicated", operator: "Exists", effect: "NoSchedule" }], want: true },
    { name: "a matching toleration before a non-matching one", tolerations: [{ key: "dedicated", value: "gpu" }, { key: "other", operator: "Exists" }], want: true },
    { name: "a wildcard toleration among others", tolerations: [{ key: "x", operator: "Exists" }, { operator: "Exists" }], want: true },
    { name: "a Gt toleration without the gate and an unknown operator", tolerations: [{ key: "dedicated", operator: "Gt", value: "1" }, { key: "dedicated", operator: "Bogus" }], want: false },
  ])("$name", ({ tolerations, want }) => {
    expect(core.taints.tolerationsTolerateTaint(tolerations as V1Toleration[] | null | undefined, t)).toBe(want);
  });
});

describe("findUntoleratedTaint", () => {
  const noSchedule = taint("a", "1", "NoSchedule");
  const noExecute = taint("b", "2", "NoExecute");
  const prefer = taint("c", "3", "PreferNoSchedule");
  const filterEffects = ["NoSchedule", "NoExecute"];

  it.each([
    { name: "no taints means nothing is untolerated", taints: [], tolerations: [], effects: filterEffects, want: undefined },
    { name: "null taints mean nothing is untolerated", taints: null, tolerations: null, effects: filterEffects, want: undefined },
    { name: "the first untolerated taint is returned", taints: [noSchedule, noExecute], tolerations: [], effects: filterEffects, want: noSchedule },
    { name: "a tolerated first taint is skipped", taints: [noSchedule, noExecute], tolerations: [{ key: "a", operator: "Exists" }], effects: filterEffects, want: noExecute },
    { name: "all taints tolerated means nothing is untolerated", taints: [noSchedule, noExecute], tolerations: [{ operator: "Exists" }], effects: filterEffects, want: undefined },
    { name: "the scheduler's filter ignores PreferNoSchedule taints", taints: [prefer], tolerations: [], effects: filterEffects, want: undefined },
    { name: "a PreferNoSchedule taint before an untolerated NoExecute taint is skipped", taints: [prefer, noExecute], tolerations: [], effects: filterEffects, want: noExecute },
    { name: "without an effects filter every taint counts", taints: [prefer, noExecute], tolerations: [], effects: undefined, want: prefer },
    { name: "an effect-specific toleration does not cover another effect", taints: [taint("a", "1", "NoExecute")], tolerations: [{ key: "a", operator: "Equal", value: "1", effect: "NoSchedule" }], effects: filterEffects, want: taint("a", "1", "NoExecute") },
    { name: "an effects filter of NoExecute alone ignores NoSchedule", taints: [noSchedule, noExecute], tolerations: [{ key: "b", operator: "Exists" }], effects: ["NoExecute"], want: undefined },
  ])("$name", ({ taints, tolerations, effects, want }) => {
    const got = core.taints.findUntoleratedTaint(
      taints as V1Taint[] | null,
      tolerations as V1Toleration[] | null,
      effects === undefined ? undefined : { effects },
    );
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual(want);
  });

  it("Gt/Lt tolerations count only with the gate on", () => {
    const taints = [taint("sla", "950", "NoSchedule")];
    const tolerations = [{ key: "sla", operator: "Gt", value: "900" }];
    expect(core.taints.findUntoleratedTaint(taints, tolerations, { effects: filterEffects })).toEqual(taints[0]);
    expect(core.taints.findUntoleratedTaint(taints, tolerations, { effects: filterEffects, comparisonOperators: true })).toBeUndefined();
  });
});
