// PodTopologySpread, filter and score, with expected values worked out from kube-scheduler
// v1.35 (pkg/scheduler/framework/plugins/podtopologyspread: filtering.go, scoring.go,
// common.go, plugin.go; helper/spread.go for the system default selector).
//
// Filter (DoNotSchedule): for every node that has all constraint keys and passes the
// inclusion policies, count[domain] += matching pods (same namespace, not terminating).
// globalMin = min over domains (0 when #domains < minDomains). A node fails when
// count[its domain] + (pod matches its own selector ? 1 : 0) - globalMin > maxSkew.
//
// Score (ScheduleAnyway): w = ln(#domains + 2) per constraint, raw = Round(Σ cnt·w + maxSkew-1),
// normalized 100·(max + min - raw) / max (integer), 100 for all when max = 0, 0 for ignored nodes.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { node, only } from "./builders.js";
import {
  HOST, ZONE, evaluate, ownedBy, pluginScores, podsOn, replicaSet, service, spread, spreadPod, verdicts, zoned,
  type EvalInput,
} from "./builders-spread.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const PTS = "PodTopologySpread";
const SKEW = "Unschedulable: node(s) didn't match pod topology spread constraints";
const MISSING = "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";
const web = { app: "web" };

const run = (input: Omit<EvalInput, "profile">, profile: object = only(PTS)) => evaluate(core, { ...input, profile });
const filter = (input: Omit<EvalInput, "profile">, profile?: object) => verdicts(run(input, profile));
const score = (input: Omit<EvalInput, "profile">, profile?: object) => pluginScores(run(input, profile), PTS);

/** Three zones with 2 / 1 / 0 matching pods: the layout most filter cases start from. */
const threeZones = () => [zoned("n1", "z1"), zoned("n2", "z2"), zoned("n3", "z3")];
const twoOneZero = () => [...podsOn("w1", "n1", 2, { labels: web }), ...podsOn("w2", "n2", 1, { labels: web })];

describe("PodTopologySpread filter (DoNotSchedule)", () => {
  it("rejects domains whose count + 1 - globalMin exceeds maxSkew", () => {
    // counts z1=2, z2=1, z3=0 → globalMin 0; pod matches its selector (+1)
    // n1: 2+1-0 = 3 > 1, n2: 1+1-0 = 2 > 1, n3: 0+1-0 = 1 ≤ 1
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: threeZones(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: SKEW, n3: "fits" });
  });

  it("maxSkew 2 admits the middle domain", () => {
    // n1: 3 > 2, n2: 2 ≤ 2, n3: 1 ≤ 2
    const p = spreadPod("p", { labels: web, constraints: [spread(2, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: threeZones(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: "fits", n3: "fits" });
  });

  it("adds nothing for the pod itself when it does not match its own selector", () => {
    // selfMatch 0: n1: 2-0 = 2 > 1, n2: 1 ≤ 1, n3: 0 ≤ 1
    const p = spreadPod("p", { labels: { app: "other" }, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: threeZones(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: "fits", n3: "fits" });
  });

  it("sums the pods of every node in a domain", () => {
    // a1, a2 in z1 with 1 pod each → z1 = 2; b1 in z2 with 1 → z2 = 1; globalMin 1
    // a1/a2: 2+1-1 = 2 > 1; b1: 1+1-1 = 1
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2")];
    const pods = [...podsOn("a1p", "a1", 1, { labels: web }), ...podsOn("a2p", "a2", 1, { labels: web }), ...podsOn("b1p", "b1", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes, pods })).toEqual({ a1: SKEW, a2: SKEW, b1: "fits" });
  });

  it("spreads over hostnames with the kubernetes.io/hostname key", () => {
    // n1 = 1, n2 = 0 → globalMin 0; n1: 1+1 = 2 > 1; n2: 1
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: podsOn("w", "n1", 1, { labels: web }) })).toEqual({ n1: SKEW, n2: "fits" });
  });

  it("rejects a node missing the topology key as UnschedulableAndUnresolvable", () => {
    // bare has no zone label; its pods are in no domain. z1 = 1, z2 = 0 → n1: 2 > 1, n2: 1
    const nodes = [zoned("n1", "z1"), zoned("n2", "z2"), zoned("bare", null)];
    const pods = [...podsOn("w", "n1", 1, { labels: web }), ...podsOn("b", "bare", 4, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    const r = run({ pod: p, nodes, pods });
    expect(verdicts(r)).toEqual({ n1: SKEW, n2: "fits", bare: MISSING });
    expect(r.nodes.bare.plugin).toBe(PTS);
  });

  it("ignores pods of other namespaces", () => {
    // n1's 3 pods are in "other": z1 = 0, z2 = 1 → globalMin 0; n1: 1, n2: 2 > 1
    const pods = [...podsOn("o", "n1", 3, { labels: web, namespace: "other" }), ...podsOn("w", "n2", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2")], pods })).toEqual({ n1: "fits", n2: SKEW });
  });

  it("ignores terminating pods (deletionTimestamp set)", () => {
    // n1's 2 pods are terminating: z1 = 0, z2 = 1 → n1: 1, n2: 2 > 1
    const pods = [
      ...podsOn("t", "n1", 2, { labels: web, deletionTimestamp: "2025-01-01T00:00:00Z" }),
      ...podsOn("w", "n2", 1, { labels: web }),
    ];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2")], pods })).toEqual({ n1: "fits", n2: SKEW });
  });

  it("ignores pods that are not bound to a node", () => {
    // pending pods (no nodeName) count nowhere: z1 = 0, z2 = 1 → n1: 1, n2: 2 > 1
    const pending = [spreadPod("pending-0", { labels: web }), spreadPod("pending-1", { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
    const r = filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2")], pods: [...pending, ...podsOn("w", "n2", 1, { labels: web })] });
    expect(r).toEqual({ n1: "fits", n2: SKEW });
  });

  describe("minDomains", () => {
    // z1 = 1, z2 = 1, pod matches: skew = 1 + 1 - globalMin
    const nodes = [zoned("n1", "z1"), zoned("n2", "z2")];
    const pods = [...podsOn("a", "n1", 1, { labels: web }), ...podsOn("b", "n2", 1, { labels: web })];
    it.each([
      // unset (1) and 2: 2 domains ≥ minDomains → globalMin 1 → skew 1
      ["unset", undefined, "fits"],
      ["2 (= #domains)", 2, "fits"],
      // 3 > 2 domains → globalMin 0 → skew 2 > 1
      ["3 (> #domains) makes globalMin 0", 3, SKEW],
    ] as const)("minDomains %s", (_, minDomains, expected) => {
      const c = spread(1, ZONE, "DoNotSchedule", web, minDomains === undefined ? {} : { minDomains });
      expect(filter({ pod: spreadPod("p", { labels: web, constraints: [c] }), nodes, pods })).toEqual({ n1: expected, n2: expected });
    });
  });

  describe("nodeAffinityPolicy", () => {
    // The pod requires zone in [z1, z2]; counts z1=2, z2=1, z3=0.
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: "In", values: ["z1", "z2"] }] }],
        },
      },
    };
    const withPolicy = (policy?: "Honor" | "Ignore") =>
      spreadPod("p", { labels: web, affinity, constraints: [spread(1, ZONE, "DoNotSchedule", web, policy ? { nodeAffinityPolicy: policy } : {})] });

    it("Honor (default) leaves z3 out of the domains: globalMin 1", () => {
      // domains z1=2, z2=1 → min 1. n1: 2+1-1 = 2 > 1; n2: 1+1-1 = 1; n3 (z3 not a domain, count 0): 0+1-1 = 0
      const expected = { n1: SKEW, n2: "fits", n3: "fits" };
      expect(filter({ pod: withPolicy(), nodes: threeZones(), pods: twoOneZero() })).toEqual(expected);
      expect(filter({ pod: withPolicy("Honor"), nodes: threeZones(), pods: twoOneZero() })).toEqual(expected);
    });

    it("Ignore counts z3 as well: globalMin 0", () => {
      // n1: 3 > 1, n2: 2 > 1, n3: 1
      expect(filter({ pod: withPolicy("Ignore"), nodes: threeZones(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: SKEW, n3: "fits" });
    });

    it("Honor applies to spec.nodeSelector too", () => {
      // nodeSelector tier=a on n1, n2 only → z3 left out → globalMin 1 → n2 fits
      const nodes = [zoned("n1", "z1", { labels: { tier: "a" } }), zoned("n2", "z2", { labels: { tier: "a" } }), zoned("n3", "z3")];
      const p = spreadPod("p", { labels: web, nodeSelector: { tier: "a" }, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
      expect(filter({ pod: p, nodes, pods: twoOneZero() })).toEqual({ n1: SKEW, n2: "fits", n3: "fits" });
    });
  });

  describe("nodeTaintsPolicy", () => {
    // n3 (z3, empty) has an untolerated NoSchedule taint; counts z1=2, z2=1, z3=0.
    const nodes = (effect = "NoSchedule") => [zoned("n1", "z1"), zoned("n2", "z2"), zoned("n3", "z3", { taints: [{ key: "dedicated", value: "x", effect }] })];
    const withPolicy = (policy?: "Honor" | "Ignore", tolerate = false) =>
      spreadPod("p", {
        labels: web,
        tolerations: tolerate ? [{ key: "dedicated", operator: "Exists" }] : undefined,
        constraints: [spread(1, ZONE, "DoNotSchedule", web, policy ? { nodeTaintsPolicy: policy } : {})],
      });

    it("Ignore (default) counts the tainted domain: globalMin 0", () => {
      // n1: 3 > 1, n2: 2 > 1, n3: 1
      expect(filter({ pod: withPolicy(), nodes: nodes(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: SKEW, n3: "fits" });
    });

    it("Honor leaves the tainted node out: globalMin 1", () => {
      // domains z1=2, z2=1 → n1: 2 > 1, n2: 1, n3: 0+1-1 = 0
      expect(filter({ pod: withPolicy("Honor"), nodes: nodes(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: "fits", n3: "fits" });
    });

    it("Honor keeps a tainted node the pod tolerates", () => {
      // tolerated → z3 counted → globalMin 0 → n2: 2 > 1
      expect(filter({ pod: withPolicy("Honor", true), nodes: nodes(), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: SKEW, n3: "fits" });
    });

    it("Honor only looks at NoSchedule / NoExecute taints", () => {
      // a PreferNoSchedule taint does not exclude z3 → globalMin 0 → n2: 2 > 1
      expect(filter({ pod: withPolicy("Honor"), nodes: nodes("PreferNoSchedule"), pods: twoOneZero() })).toEqual({ n1: SKEW, n2: SKEW, n3: "fits" });
    });
  });

  describe("matchLabelKeys", () => {
    // n1 (z1): 3 pods app=web,rev=1; n2 (z2): 1 pod app=web,rev=2; the incoming pod is rev=2.
    const nodes = [zoned("n1", "z1"), zoned("n2", "z2")];
    const pods = [...podsOn("old", "n1", 3, { labels: { app: "web", rev: "1" } }), ...podsOn("new", "n2", 1, { labels: { app: "web", rev: "2" } })];

    it("without matchLabelKeys every revision counts", () => {
      // z1 = 3, z2 = 1 → globalMin 1; n1: 3+1-1 = 3 > 1; n2: 1+1-1 = 1
      const p = spreadPod("p", { labels: { app: "web", rev: "2" }, constraints: [spread(1, ZONE, "DoNotSchedule", web)] });
      expect(filter({ pod: p, nodes, pods })).toEqual({ n1: SKEW, n2: "fits" });
    });

    it("adds rev=<the pod's value> to the selector", () => {
      // selector app=web,rev=2: z1 = 0, z2 = 1 → globalMin 0; n1: 0+1 = 1; n2: 1+1 = 2 > 1
      const p = spreadPod("p", { labels: { app: "web", rev: "2" }, constraints: [spread(1, ZONE, "DoNotSchedule", web, { matchLabelKeys: ["rev"] })] });
      expect(filter({ pod: p, nodes, pods })).toEqual({ n1: "fits", n2: SKEW });
    });

    it("skips keys the pod does not carry", () => {
      // the pod has no "track" label → selector stays app=web → as without matchLabelKeys
      const p = spreadPod("p", { labels: { app: "web", rev: "2" }, constraints: [spread(1, ZONE, "DoNotSchedule", web, { matchLabelKeys: ["track"] })] });
      expect(filter({ pod: p, nodes, pods })).toEqual({ n1: SKEW, n2: "fits" });
    });
  });

  it("checks every DoNotSchedule constraint (zone and hostname)", () => {
    // a1, a2 in z1, b1 in z2; one pod on a1, one on b1.
    // zone: z1=1, z2=1 → min 1 → skew 1 everywhere (passes)
    // hostname: a1=1, a2=0, b1=1 → min 0 → a1: 2 > 1, a2: 1, b1: 2 > 1
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2")];
    const pods = [...podsOn("x", "a1", 1, { labels: web }), ...podsOn("y", "b1", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web), spread(1, HOST, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes, pods })).toEqual({ a1: SKEW, a2: "fits", b1: SKEW });
  });

  it("a node needs every constraint's key", () => {
    // the hostname constraint is fine, but "bare" has no zone label → missing required label
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "DoNotSchedule", web), spread(1, ZONE, "DoNotSchedule", web)] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("bare", null)] })).toEqual({ n1: "fits", bare: MISSING });
  });

  it("a constraint without labelSelector matches no pod, not even the incoming one", () => {
    // nil selector → labels.Nothing(): counts 0 and selfMatch 0 → skew 0 everywhere
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", null)] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2")], pods: podsOn("w", "n1", 5, { labels: web }) })).toEqual({ n1: "fits", n2: "fits" });
  });

  it("an empty labelSelector counts no existing pod (countPodsMatchSelector returns 0 for Empty())", () => {
    // {} → labels.Everything(): counts are all 0 but the pod matches itself → skew 0+1-0 = 1 ≤ 1
    const p = spreadPod("p", { labels: web, constraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule", labelSelector: {} }] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2")], pods: podsOn("w", "n1", 5, { labels: web }) })).toEqual({ n1: "fits", n2: "fits" });
  });

  it("ScheduleAnyway constraints never filter", () => {
    // PreFilter finds no DoNotSchedule constraint → Skip: a missing label and a big skew both pass
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "ScheduleAnyway", web)] });
    expect(filter({ pod: p, nodes: [zoned("n1", "z1"), zoned("n2", "z2"), zoned("bare", null)], pods: podsOn("w", "n1", 5, { labels: web }) })).toEqual({
      n1: "fits",
      n2: "fits",
      bare: "fits",
    });
  });

  it("writes the 0/N message with counts sorted as strings", () => {
    // minDomains 3 with only z1, z2 → globalMin 0; z1 = 1, z2 = 1 → skew 2 > 1 on both; bare lacks the key.
    const nodes = [zoned("n1", "z1"), zoned("n2", "z2"), zoned("bare", null)];
    const pods = [...podsOn("a", "n1", 1, { labels: web }), ...podsOn("b", "n2", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "DoNotSchedule", web, { minDomains: 3 })] });
    const r = run({ pod: p, nodes, pods });
    expect(r.node).toBeNull();
    expect(r.message).toBe(
      "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), " +
        "2 node(s) didn't match pod topology spread constraints.",
    );
  });
});

describe("PodTopologySpread score (ScheduleAnyway)", () => {
  it("hostname: w = ln(#nodes + 2), Round, then 100·(max + min - raw)/max", () => {
    // 3 candidates → w = ln 5 = 1.609; pods 3/1/0 → raw round(4.83) = 5, round(1.61) = 2, 0
    // max 5, min 0: n1 100·0/5 = 0, n2 100·3/5 = 60, n3 100
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "ScheduleAnyway", web)] });
    const pods = [...podsOn("a", "n1", 3, { labels: web }), ...podsOn("b", "n2", 1, { labels: web })];
    expect(score({ pod: p, nodes: [node("n1"), node("n2"), node("n3")], pods })).toEqual({ n1: 0, n2: 60, n3: 100 });
  });

  it("zone: every node of a domain gets the domain's count", () => {
    // 3 zones → w = ln 5; z1 = 3+1 = 4, z2 = 2, z3 = 1
    // raw z1 round(6.44) = 6, z2 round(3.22) = 3, z3 round(1.61) = 2; max 6, min 2
    // z1: 100·(8-6)/6 = 33, z2: 100·(8-3)/6 = 83, z3: 100·(8-2)/6 = 100
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2"), zoned("c1", "z3")];
    const pods = [
      ...podsOn("a1p", "a1", 3, { labels: web }),
      ...podsOn("a2p", "a2", 1, { labels: web }),
      ...podsOn("b1p", "b1", 2, { labels: web }),
      ...podsOn("c1p", "c1", 1, { labels: web }),
    ];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "ScheduleAnyway", web)] });
    expect(score({ pod: p, nodes, pods })).toEqual({ a1: 33, a2: 33, b1: 83, c1: 100 });
  });

  it("maxSkew - 1 is added to every raw score", () => {
    // 2 nodes → w = ln 4 = 1.386; pods 2/0
    // maxSkew 1: raw round(2.77) = 3, 0 → 0, 100
    // maxSkew 3: raw round(2.77 + 2) = 5, 2 → 100·(7-5)/5 = 40, 100·(7-2)/5 = 100
    const pods = podsOn("a", "n1", 2, { labels: web });
    const nodes = [node("n1"), node("n2")];
    const withSkew = (maxSkew: number) => spreadPod("p", { labels: web, constraints: [spread(maxSkew, HOST, "ScheduleAnyway", web)] });
    expect(score({ pod: withSkew(1), nodes, pods })).toEqual({ n1: 0, n2: 100 });
    expect(score({ pod: withSkew(3), nodes, pods })).toEqual({ n1: 40, n2: 100 });
  });

  it("all 100 when no pod matches (max = 0)", () => {
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "ScheduleAnyway", web)] });
    expect(score({ pod: p, nodes: [node("n1"), node("n2")], pods: podsOn("o", "n1", 3, { labels: { app: "db" } }) })).toEqual({ n1: 100, n2: 100 });
  });

  it("nodes missing a key are ignored (score 0) and form no domain", () => {
    // x lacks the zone → ignored, its pods uncounted. Domains z1, z2 → w = ln 4
    // a: round(1·1.386) = 1, b: round(2·1.386) = round(2.77) = 3; max 3, min 1
    // a: 100·(4-1)/3 = 100, b: 100·(4-3)/3 = 33, x: 0
    const nodes = [zoned("a", "z1"), zoned("b", "z2"), zoned("x", null)];
    const pods = [...podsOn("pa", "a", 1, { labels: web }), ...podsOn("pb", "b", 2, { labels: web }), ...podsOn("px", "x", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "ScheduleAnyway", web)] });
    expect(score({ pod: p, nodes, pods })).toEqual({ a: 100, b: 33, x: 0 });
  });

  it("two constraints add up; hostname's domain count excludes ignored nodes", () => {
    // x lacks the zone → ignored. zone: domains z1, z2 → w_z = ln 4 = 1.386; counts z1 = 1, z2 = 1
    // hostname: 4 candidates - 1 ignored = 3 → w_h = ln 5 = 1.609
    // a: round(1.386 + 1.609) = round(2.996) = 3; b: same = 3; c: round(1.386 + 0) = 1
    // max 3, min 1: a, b 100·(4-3)/3 = 33; c 100·(4-1)/3 = 100; x 0
    const nodes = [zoned("a", "z1"), zoned("b", "z2"), zoned("c", "z2"), zoned("x", null)];
    const pods = [...podsOn("pa", "a", 1, { labels: web }), ...podsOn("pb", "b", 1, { labels: web }), ...podsOn("px", "x", 2, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "ScheduleAnyway", web), spread(1, HOST, "ScheduleAnyway", web)] });
    expect(score({ pod: p, nodes, pods })).toEqual({ a: 33, b: 33, c: 100, x: 0 });
  });

  it("pods on infeasible nodes still count for their zone", () => {
    // TaintToleration filters a2 (z1); its 2 pods still count: z1 = 2, z2 = 1.
    // Domains among candidates a1, b1: z1, z2 → w = ln 4; a1 round(2.77) = 3, b1 round(1.39) = 1
    // max 3, min 1: a1 100·(4-3)/3 = 33, b1 100·(4-1)/3 = 100
    const profile = {
      plugins: { multiPoint: { enabled: [{ name: "TaintToleration" }, { name: PTS }], disabled: [{ name: "*" }] } },
      percentageOfNodesToScore: 100,
    };
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1", { taints: [{ key: "k", effect: "NoSchedule" }] }), zoned("b1", "z2")];
    const pods = [...podsOn("x", "a2", 2, { labels: web }), ...podsOn("y", "b1", 1, { labels: web })];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, ZONE, "ScheduleAnyway", web)] });
    const r = run({ pod: p, nodes, pods }, profile);
    expect(r.nodes.a2.feasible).toBe(false);
    expect(r.nodes.a1.scores[PTS]).toBe(33);
    expect(r.nodes.b1.scores[PTS]).toBe(100);
  });

  describe("nodeAffinityPolicy in scoring", () => {
    // NodeAffinity filters c (no tier=a); candidates a (z1), b (z2). Pods: a 1, c (z2) 3.
    // Domains from the candidates: z1, z2 → w = ln 4 = 1.386
    const profile = {
      plugins: { multiPoint: { enabled: [{ name: "NodeAffinity" }, { name: PTS }], disabled: [{ name: "*" }] } },
      percentageOfNodesToScore: 100,
    };
    const nodes = [zoned("a", "z1", { labels: { tier: "a" } }), zoned("b", "z2", { labels: { tier: "a" } }), zoned("c", "z2")];
    const pods = [...podsOn("pa", "a", 1, { labels: web }), ...podsOn("pc", "c", 3, { labels: web })];
    const withPolicy = (policy?: "Honor" | "Ignore") =>
      spreadPod("p", { labels: web, nodeSelector: { tier: "a" }, constraints: [spread(1, ZONE, "ScheduleAnyway", web, policy ? { nodeAffinityPolicy: policy } : {})] });

    it("Honor (default): c's pods are not counted", () => {
      // z1 = 1, z2 = 0: a round(1.386) = 1, b 0 → a 100·(1+0-1)/1 = 0, b 100
      const r = run({ pod: withPolicy(), nodes, pods }, profile);
      expect(r.nodes.c.feasible).toBe(false);
      expect({ a: r.nodes.a.scores[PTS], b: r.nodes.b.scores[PTS] }).toEqual({ a: 0, b: 100 });
    });

    it("Ignore: c's pods count for z2", () => {
      // z1 = 1, z2 = 3: a 1, b round(4.159) = 4 → a 100·(5-1)/4 = 100, b 100·(5-4)/4 = 25
      const r = run({ pod: withPolicy("Ignore"), nodes, pods }, profile);
      expect({ a: r.nodes.a.scores[PTS], b: r.nodes.b.scores[PTS] }).toEqual({ a: 100, b: 25 });
    });
  });

  it("does not count terminating pods or pods of other namespaces", () => {
    // n1: 2 terminating + 2 in "other" → 0; n2: 1 → w = ln 4: raw 0, round(1.39) = 1 → n1 100, n2 0
    const pods = [
      ...podsOn("t", "n1", 2, { labels: web, deletionTimestamp: "2025-01-01T00:00:00Z" }),
      ...podsOn("o", "n1", 2, { labels: web, namespace: "other" }),
      ...podsOn("w", "n2", 1, { labels: web }),
    ];
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "ScheduleAnyway", web)] });
    expect(score({ pod: p, nodes: [node("n1"), node("n2")], pods })).toEqual({ n1: 100, n2: 0 });
  });

  it("DoNotSchedule constraints do not score", () => {
    // no ScheduleAnyway constraint (and the pod has its own, so no defaults) → PreScore Skip
    const p = spreadPod("p", { labels: web, constraints: [spread(3, HOST, "DoNotSchedule", web)] });
    const r = run({ pod: p, nodes: [node("n1"), node("n2")], pods: podsOn("w", "n1", 1, { labels: web }), services: [service("svc", web)] });
    expect(pluginScores(r, PTS)).toEqual({ n1: undefined, n2: undefined });
  });
});

describe("PodTopologySpread system default constraints", () => {
  // hostname maxSkew 3 + zone maxSkew 5, ScheduleAnyway, selector = the Service's (and
  // owning RS / RC / StatefulSet's) selectors; nodes missing a key are not ignored.
  const nodes = () => [zoned("a", "z1"), zoned("b", "z1"), zoned("c", "z2")];
  const pods = () => podsOn("w", "a", 2, { labels: web });

  it("apply when a Service in the pod's namespace selects it", () => {
    // 3 candidates → w_h = ln 5 = 1.609; zones z1, z2 → w_z = ln 4 = 1.386; counts z1 = 2, z2 = 0
    // a: (2·1.609 + 2) + (2·1.386 + 4) = 5.219 + 6.773 = 11.99 → 12
    // b: (0 + 2) + 6.773 = 8.77 → 9;  c: 2 + 4 = 6
    // max 12, min 6: a 100·(18-12)/12 = 50, b 100·(18-9)/12 = 75, c 100
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: nodes(), pods: pods(), services: [service("svc", web)] });
    expect(pluginScores(r, PTS)).toEqual({ a: 50, b: 75, c: 100 });
  });

  it("nothing when no Service selects the pod", () => {
    // PreScore Skip (no constraints): no PodTopologySpread score at all
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: nodes(), pods: pods() });
    expect(pluginScores(r, PTS)).toEqual({ a: undefined, b: undefined, c: undefined });
  });

  it.each([
    ["a Service in another namespace", [service("svc", web, "other")]],
    ["a Service whose selector does not match the pod", [service("svc", { app: "db" })]],
    ["a Service without selector", [service("svc", undefined)]],
  ])("nothing for %s", (_, services) => {
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: nodes(), pods: pods(), services });
    expect(pluginScores(r, PTS)).toEqual({ a: undefined, b: undefined, c: undefined });
  });

  it("does not ignore nodes missing the zone label (they form the \"\" zone)", () => {
    // a(z1): 1 pod, b(z1): 0, c(no zone): 2. w_h = ln 5 (no ignored node); zone domains z1 and "" → w_z = ln 4
    // a: (1.609 + 2) + (1·1.386 + 4) = 9.00 → 9;  b: 2 + 5.386 = 7.39 → 7
    // c: hostname only (no zone key): 2·1.609 + 2 = 5.22 → 5
    // max 9, min 5: a 100·(14-9)/9 = 55, b 100·(14-7)/9 = 77, c 100·(14-5)/9 = 100
    const nodes2 = [zoned("a", "z1"), zoned("b", "z1"), zoned("c", null)];
    const pods2 = [...podsOn("pa", "a", 1, { labels: web }), ...podsOn("pc", "c", 2, { labels: web })];
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: nodes2, pods: pods2, services: [service("svc", web)] });
    expect(pluginScores(r, PTS)).toEqual({ a: 55, b: 77, c: 100 });
  });

  it("use the selector of the ReplicaSet that controls the pod", () => {
    // same numbers as the Service case: a 50, b 75, c 100
    const p = spreadPod("p", { labels: web, ownerReferences: ownedBy("ReplicaSet", "rs") });
    const r = run({ pod: p, nodes: nodes(), pods: pods(), replicaSets: [replicaSet("rs", web)] });
    expect(pluginScores(r, PTS)).toEqual({ a: 50, b: 75, c: 100 });
  });

  it.each([
    ["StatefulSet", "apps/v1", { statefulSets: [{ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "ctl", namespace: "default" }, spec: { selector: { matchLabels: web } } }] }],
    ["ReplicationController", "v1", { replicationControllers: [{ apiVersion: "v1", kind: "ReplicationController", metadata: { name: "ctl", namespace: "default" }, spec: { selector: web } }] }],
  ])("use the selector of the %s that controls the pod", (kind, apiVersion, objects) => {
    // same numbers as the Service case: a 50, b 75, c 100
    const p = spreadPod("p", { labels: web, ownerReferences: ownedBy(kind, "ctl", apiVersion) });
    const r = run({ pod: p, nodes: nodes(), pods: pods(), ...objects });
    expect(pluginScores(r, PTS)).toEqual({ a: 50, b: 75, c: 100 });
  });

  it("ignore a ReplicaSet that selects the pod but does not control it", () => {
    // helper.DefaultSelector only follows the controller ownerReference for RC / RS / StatefulSet
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: nodes(), pods: pods(), replicaSets: [replicaSet("rs", web)] });
    expect(pluginScores(r, PTS)).toEqual({ a: undefined, b: undefined, c: undefined });
  });

  it("AND the Service's and the owner's selectors together", () => {
    // selector app=web,tier=fe. a(z1): 3 app=web only (not counted) + 1 app=web,tier=fe; b(z2): none
    // w_h = ln 4, w_z = ln 4 (2 nodes, 2 zones). a: (1.386 + 2) + (1.386 + 4) = 8.77 → 9; b: 2 + 4 = 6
    // max 9, min 6: a 100·(15-9)/9 = 66, b 100
    const both = { app: "web", tier: "fe" };
    const p = spreadPod("p", { labels: both, ownerReferences: ownedBy("ReplicaSet", "rs") });
    const ps = [...podsOn("w", "a", 3, { labels: web }), ...podsOn("f", "a", 1, { labels: both })];
    const r = run({ pod: p, nodes: [zoned("a", "z1"), zoned("b", "z2")], pods: ps, services: [service("svc", web)], replicaSets: [replicaSet("rs", { tier: "fe" })] });
    expect(pluginScores(r, PTS)).toEqual({ a: 66, b: 100 });
  });

  it("are replaced by the pod's own constraints", () => {
    // own hostname maxSkew 1 only: w = ln 4; a: round(1.386) = 1, b: 0 → a 0, b 100
    // (had the defaults been added, both nodes would lack the zone and be ignored → 0, 0)
    const p = spreadPod("p", { labels: web, constraints: [spread(1, HOST, "ScheduleAnyway", web)] });
    const r = run({ pod: p, nodes: [node("a"), node("b")], pods: podsOn("w", "a", 1, { labels: web }), services: [service("svc", web)] });
    expect(pluginScores(r, PTS)).toEqual({ a: 0, b: 100 });
  });
});

describe("PodTopologySpread defaultingType: List", () => {
  const zoneAnyway = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "ScheduleAnyway" }];
  const zoneHard = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule" }];

  it("custom ScheduleAnyway defaults require every key (ignored nodes score 0)", () => {
    // not system-defaulted → requireAll: x (no zone) ignored. Domains z1, z2 → w = ln 4
    // a: round(2·1.386) = 3, b: 0 → a 100·(3-3)/3 = 0, b 100, x 0
    const profile = only(PTS, { defaultingType: "List", defaultConstraints: zoneAnyway });
    const nodes = [zoned("a", "z1"), zoned("b", "z2"), zoned("x", null)];
    const pods = [...podsOn("pa", "a", 2, { labels: web }), ...podsOn("px", "x", 1, { labels: web })];
    const r = run({ pod: spreadPod("p", { labels: web }), nodes, pods, services: [service("svc", web)] }, profile);
    expect(pluginScores(r, PTS)).toEqual({ a: 0, b: 100, x: 0 });
  });

  it("custom DoNotSchedule defaults filter with the Service's selector", () => {
    // z1 = 1, z2 = 0 → globalMin 0: a 1+1 = 2 > 1, b 1
    const profile = only(PTS, { defaultingType: "List", defaultConstraints: zoneHard });
    const input = { pod: spreadPod("p", { labels: web }), nodes: [zoned("a", "z1"), zoned("b", "z2")], pods: podsOn("w", "a", 1, { labels: web }) };
    expect(filter({ ...input, services: [service("svc", web)] }, profile)).toEqual({ a: SKEW, b: "fits" });
    // no Service selecting the pod → no default constraint → both fit
    expect(filter(input, profile)).toEqual({ a: "fits", b: "fits" });
  });

  it("an empty List means no defaults at all", () => {
    const profile = only(PTS, { defaultingType: "List", defaultConstraints: [] });
    const r = run({ pod: spreadPod("p", { labels: web }), nodes: [zoned("a", "z1"), zoned("b", "z2")], pods: podsOn("w", "a", 2, { labels: web }), services: [service("svc", web)] }, profile);
    expect(pluginScores(r, PTS)).toEqual({ a: undefined, b: undefined });
  });
});
