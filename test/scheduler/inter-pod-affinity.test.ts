// InterPodAffinity, filter and score, with expected values worked out from kube-scheduler
// v1.35 (pkg/scheduler/framework/plugins/interpodaffinity: filtering.go, scoring.go,
// plugin.go; framework/types.go for AffinityTerm).
//
// Filter, first failure wins:
//   1. incoming required affinity: the node has every term's key and, per term, its domain holds
//      a pod matching ALL terms — or no pod anywhere matches all terms and the pod matches its
//      own terms ("first pod of the group") → else UnschedulableAndUnresolvable
//      "node(s) didn't match pod affinity rules";
//   2. incoming required anti-affinity: no matching pod in the node's domain of any term
//      → else Unschedulable "node(s) didn't match pod anti-affinity rules";
//   3. existing pods' required anti-affinity terms matching the incoming pod, in their domain
//      → else Unschedulable "node(s) didn't satisfy existing pods anti-affinity rules".
// Term namespaces: `namespaces` ∪ namespaces matching `namespaceSelector`; the owner's own
// namespace when both are empty/nil; `namespaceSelector: {}` is every namespace.
//
// Score: topo[key][value] += weight for incoming preferred affinity (−weight anti) per matching
// existing pod, + hardPodAffinityWeight for existing pods' required affinity terms matching the
// incoming pod, ± weight for existing pods' preferred (anti-)affinity; node score = Σ topo[key][its
// value]; normalized int(100·(s − min)/(max − min)), 0 when max = min.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { node, only, pod } from "./builders.js";
import {
  HOST, ZONE, evaluate, namespace, pluginScores, podAffinity, podsOn, spreadPod, term, verdicts, weighted, zoned,
  type AffinityParts, type EvalInput,
} from "./builders-spread.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const IPA = "InterPodAffinity";
const AFFINITY = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING_ANTI = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";
const db = { app: "db" };
const web = { app: "web" };

const run = (input: Omit<EvalInput, "profile">, profile: object = only(IPA)) => evaluate(core, { ...input, profile });
const filter = (input: Omit<EvalInput, "profile">, profile?: object) => verdicts(run(input, profile));
const score = (input: Omit<EvalInput, "profile">, profile?: object) => pluginScores(run(input, profile), IPA);

/** The incoming pod: labels + affinity parts, in `ns`. */
const incoming = (parts: AffinityParts, labels?: Record<string, string>, ns = "default") =>
  pod("p", { labels, namespace: ns, affinity: podAffinity(parts) });

/** An existing pod bound to `nodeName`. */
const on = (name: string, nodeName: string, labels?: Record<string, string>, parts?: AffinityParts, ns = "default") =>
  pod(name, { nodeName, labels, namespace: ns, affinity: parts ? podAffinity(parts) : undefined });

describe("InterPodAffinity filter: required affinity", () => {
  it("hostname: only the node holding a matching pod", () => {
    const p = incoming({ required: [term(HOST, db)] });
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [on("d", "n1", db)] })).toEqual({ n1: "fits", n2: AFFINITY });
  });

  it("zone: every node of the matching pod's zone", () => {
    // the db pod is on a1 (z1) → (zone, z1) = 1 → a1, a2 fit; b1 (z2) does not
    const p = incoming({ required: [term(ZONE, db)] });
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2")];
    expect(filter({ pod: p, nodes, pods: [on("d", "a1", db)] })).toEqual({ a1: "fits", a2: "fits", b1: AFFINITY });
  });

  it("a node without the topology key fails", () => {
    const p = incoming({ required: [term(ZONE, db)] });
    expect(filter({ pod: p, nodes: [zoned("a1", "z1"), zoned("bare", null)], pods: [on("d", "a1", db)] })).toEqual({ a1: "fits", bare: AFFINITY });
  });

  it("the first pod of a group that matches its own terms goes anywhere with the key", () => {
    // no db pod exists and the incoming pod is app=db → every node carrying the zone key passes;
    // the missing-key check comes first, so "bare" still fails
    const p = incoming({ required: [term(ZONE, db)] }, db);
    const nodes = [zoned("a1", "z1"), zoned("b1", "z2"), zoned("bare", null)];
    expect(filter({ pod: p, nodes, pods: [on("w", "a1", web)] })).toEqual({ a1: "fits", b1: "fits", bare: AFFINITY });
  });

  it("no first-pod exception when the pod does not match its own terms", () => {
    const p = incoming({ required: [term(HOST, db)] }, web);
    const r = run({ pod: p, nodes: [node("n1"), node("n2")] });
    expect(verdicts(r)).toEqual({ n1: AFFINITY, n2: AFFINITY });
    expect(r.message).toBe("0/2 nodes are available: 2 node(s) didn't match pod affinity rules.");
  });

  it("no first-pod exception once some pod matches the terms elsewhere", () => {
    // a db pod on n1 → counts non-empty → n2 fails although the incoming pod is app=db itself
    const p = incoming({ required: [term(HOST, db)] }, db);
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [on("d", "n1", db)] })).toEqual({ n1: "fits", n2: AFFINITY });
  });

  it("counts only pods matching ALL terms, each in its own term's domain", () => {
    // terms: zone ∋ app=db, hostname ∋ tier=cache. x on a1 is app=db only (matches one term: not counted);
    // y on b1 is app=db,tier=cache → (zone, z2) = 1 and (hostname, b1) = 1.
    // a1: (zone, z1) = 0 → fail; b1: both > 0 → fits; b2: (hostname, b2) = 0 → fail
    const p = incoming({ required: [term(ZONE, db), term(HOST, { tier: "cache" })] });
    const nodes = [zoned("a1", "z1"), zoned("b1", "z2"), zoned("b2", "z2")];
    const pods = [on("x", "a1", db), on("y", "b1", { app: "db", tier: "cache" })];
    expect(filter({ pod: p, nodes, pods })).toEqual({ a1: AFFINITY, b1: "fits", b2: AFFINITY });
  });

  it("first-pod exception needs the pod to match every term", () => {
    // no pod matches both terms; the incoming pod is app=db but not tier=cache → all fail
    const p = incoming({ required: [term(HOST, db), term(HOST, { tier: "cache" })] }, db);
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [on("x", "n1", db)] })).toEqual({ n1: AFFINITY, n2: AFFINITY });
  });

  it("a matching pod on a node without the key counts nowhere, so the first-pod exception still applies", () => {
    // the only db pod is on "bare" (no zone) → no (zone, value) pair is counted → counts empty;
    // the incoming pod is app=db → a1 and b1 pass
    const p = incoming({ required: [term(ZONE, db)] }, db);
    const nodes = [zoned("a1", "z1"), zoned("b1", "z2"), zoned("bare", null)];
    expect(filter({ pod: p, nodes, pods: [on("d", "bare", db)] })).toEqual({ a1: "fits", b1: "fits", bare: AFFINITY });
  });

  it("terminating pods still count (the plugin does not look at deletionTimestamp)", () => {
    const dying = spreadPod("d", { nodeName: "n1", labels: db, deletionTimestamp: "2025-01-01T00:00:00Z" });
    const p = incoming({ required: [term(HOST, db)] });
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [dying] })).toEqual({ n1: "fits", n2: AFFINITY });
  });

  it("pods without a node do not count", () => {
    const p = incoming({ required: [term(HOST, db)] });
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [pod("pending", { labels: db })] })).toEqual({ n1: AFFINITY, n2: AFFINITY });
  });
});

describe("InterPodAffinity filter: label selectors and namespaces", () => {
  const nodes = () => [node("n1"), node("n2"), node("n3")];

  it("a term without labelSelector matches no pod (not even the incoming one)", () => {
    // nil selector → labels.Nothing(): no count, no first-pod exception
    const p = incoming({ required: [term(HOST, null)] }, db);
    expect(filter({ pod: p, nodes: nodes(), pods: [on("d", "n1", db)] })).toEqual({ n1: AFFINITY, n2: AFFINITY, n3: AFFINITY });
  });

  it("an empty labelSelector matches every pod of the namespace", () => {
    // {} → labels.Everything(): any pod in "default" on n1 satisfies the term; n3's pod is in "other"
    const p = incoming({ required: [term(HOST, "all")] });
    const pods = [on("x", "n1", { any: "thing" }), on("y", "n3", db, undefined, "other")];
    expect(filter({ pod: p, nodes: nodes(), pods })).toEqual({ n1: "fits", n2: AFFINITY, n3: AFFINITY });
  });

  it("without namespaces / namespaceSelector only the pod's own namespace counts", () => {
    const p = incoming({ required: [term(HOST, db)] });
    expect(filter({ pod: p, nodes: nodes(), pods: [on("d", "n1", db, undefined, "other")] })).toEqual({ n1: AFFINITY, n2: AFFINITY, n3: AFFINITY });
  });

  it("namespaces lists the namespaces to look in (and drops the pod's own)", () => {
    // db pods in "other" (n1) and "default" (n2): namespaces ["other"] → only n1
    const p = incoming({ required: [term(HOST, db, { namespaces: ["other"] })] });
    const pods = [on("d1", "n1", db, undefined, "other"), on("d2", "n2", db)];
    expect(filter({ pod: p, nodes: nodes(), pods })).toEqual({ n1: "fits", n2: AFFINITY, n3: AFFINITY });
  });

  describe("namespaceSelector", () => {
    // "blue" is team=blue, "red" team=red; db pods: n1 in blue, n2 in red, n3 in default.
    const namespaces = [namespace("blue", { team: "blue" }), namespace("red", { team: "red" }), namespace("default")];
    const pods = () => [on("d1", "n1", db, undefined, "blue"), on("d2", "n2", db, undefined, "red"), on("d3", "n3", db)];

    it("matches the namespaces whose labels it selects", () => {
      const p = incoming({ required: [term(HOST, db, { namespaceSelector: { matchLabels: { team: "blue" } } })] });
      expect(filter({ pod: p, nodes: nodes(), pods: pods(), namespaces })).toEqual({ n1: "fits", n2: AFFINITY, n3: AFFINITY });
    });

    it("{} matches every namespace", () => {
      const p = incoming({ required: [term(HOST, db, { namespaceSelector: {} })] });
      expect(filter({ pod: p, nodes: nodes(), pods: pods(), namespaces })).toEqual({ n1: "fits", n2: "fits", n3: "fits" });
    });

    it("is ORed with namespaces", () => {
      // namespaces ["red"] ∪ selector team=blue → n1, n2; "default" is not included
      const p = incoming({ required: [term(HOST, db, { namespaces: ["red"], namespaceSelector: { matchLabels: { team: "blue" } } })] });
      expect(filter({ pod: p, nodes: nodes(), pods: pods(), namespaces })).toEqual({ n1: "fits", n2: "fits", n3: AFFINITY });
    });

    it("on an existing pod's anti-affinity term, is matched against the incoming pod's namespace labels", () => {
      // guard on n1 (namespace red) repels app=web pods from namespaces labelled team=blue
      const guard = on("g", "n1", undefined, { antiRequired: [term(HOST, web, { namespaceSelector: { matchLabels: { team: "blue" } } })] }, "red");
      const fromBlue = pod("p", { labels: web, namespace: "blue" });
      const fromDefault = pod("p", { labels: web });
      expect(filter({ pod: fromBlue, nodes: nodes(), pods: [guard], namespaces })).toEqual({ n1: EXISTING_ANTI, n2: "fits", n3: "fits" });
      expect(filter({ pod: fromDefault, nodes: nodes(), pods: [guard], namespaces })).toEqual({ n1: "fits", n2: "fits", n3: "fits" });
    });
  });

  it("an existing pod's term without namespaces applies to its own namespace only", () => {
    // guard in "other" repels app=web of "other"; the incoming app=web pod is in "default"
    const guard = on("g", "n1", undefined, { antiRequired: [term(HOST, web)] }, "other");
    expect(filter({ pod: pod("p", { labels: web }), nodes: nodes(), pods: [guard] })).toEqual({ n1: "fits", n2: "fits", n3: "fits" });
  });
});

describe("InterPodAffinity filter: anti-affinity", () => {
  it("incoming required anti-affinity, hostname", () => {
    const p = incoming({ antiRequired: [term(HOST, web)] }, web);
    expect(filter({ pod: p, nodes: [node("n1"), node("n2")], pods: [on("w", "n1", web)] })).toEqual({ n1: ANTI, n2: "fits" });
  });

  it("incoming required anti-affinity, zone; a node without the key is no conflict", () => {
    // web on a1 (z1) → a1, a2 rejected; b1 (z2) and bare (no zone) fit
    const p = incoming({ antiRequired: [term(ZONE, web)] }, web);
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2"), zoned("bare", null)];
    expect(filter({ pod: p, nodes, pods: [on("w", "a1", web)] })).toEqual({ a1: ANTI, a2: ANTI, b1: "fits", bare: "fits" });
  });

  it("an empty labelSelector repels every pod of the namespace; a missing one repels none", () => {
    const pods = [on("x", "n1", { any: "thing" })];
    expect(filter({ pod: incoming({ antiRequired: [term(HOST, "all")] }), nodes: [node("n1"), node("n2")], pods })).toEqual({ n1: ANTI, n2: "fits" });
    expect(filter({ pod: incoming({ antiRequired: [term(HOST, null)] }), nodes: [node("n1"), node("n2")], pods })).toEqual({ n1: "fits", n2: "fits" });
  });

  it("existing pods' required anti-affinity matching the incoming pod", () => {
    // guard on a1 (z1) repels app=web from z1
    const guard = on("g", "a1", db, { antiRequired: [term(ZONE, web)] });
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2")];
    expect(filter({ pod: pod("p", { labels: web }), nodes, pods: [guard] })).toEqual({ a1: EXISTING_ANTI, a2: EXISTING_ANTI, b1: "fits" });
    // a pod the term does not select is not concerned
    expect(filter({ pod: pod("p", { labels: db }), nodes, pods: [guard] })).toEqual({ a1: "fits", a2: "fits", b1: "fits" });
  });

  it("an existing pod on a node without the term's key repels nothing", () => {
    const guard = on("g", "bare", undefined, { antiRequired: [term(ZONE, web)] });
    const nodes = [zoned("a1", "z1"), zoned("bare", null)];
    expect(filter({ pod: pod("p", { labels: web }), nodes, pods: [guard] })).toEqual({ a1: "fits", bare: "fits" });
  });

  it("checks affinity, then anti-affinity, then existing pods' anti-affinity", () => {
    // incoming: requires app=db on the node, repels app=web from it; guard repels app=x (the incoming pod).
    // n1: web only → affinity fails first; n2: db + web → anti-affinity; n3: db + guard → existing; n4: db → fits
    const p = incoming({ required: [term(HOST, db)], antiRequired: [term(HOST, web)] }, { app: "x" });
    const guard = (n: string) => on(`g-${n}`, n, undefined, { antiRequired: [term(HOST, { app: "x" })] });
    const pods = [on("w1", "n1", web), on("d2", "n2", db), on("w2", "n2", web), on("d3", "n3", db), guard("n3"), on("d4", "n4", db)];
    const r = run({ pod: p, nodes: [node("n1"), node("n2"), node("n3"), node("n4")], pods });
    expect(verdicts(r)).toEqual({ n1: AFFINITY, n2: ANTI, n3: EXISTING_ANTI, n4: "fits" });
    expect(r.nodes.n2.plugin).toBe(IPA);
    expect(r.node).toBe("n4");
  });

  it("writes the 0/N message with counts sorted as strings", () => {
    // n1, n3 hold app=web (incoming anti-affinity); n2 holds a pod repelling the incoming app=web pod
    const p = incoming({ antiRequired: [term(HOST, web)] }, web);
    const pods = [on("w1", "n1", web), on("g", "n2", undefined, { antiRequired: [term(HOST, web)] }), on("w3", "n3", web)];
    const r = run({ pod: p, nodes: [node("n1"), node("n2"), node("n3")], pods });
    expect(r.node).toBeNull();
    expect(r.message).toBe(
      "0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 2 node(s) didn't match pod anti-affinity rules.",
    );
  });
});

describe("InterPodAffinity score", () => {
  it("incoming preferred affinity: +weight for every node of a matching pod's domain", () => {
    // weight 5, zone ∋ app=db; db pods: a1 (z1) ×1, b1 (z2) ×2 → z1 = 5, z2 = 10, z3 = 0
    // min 0, max 10: a1, a2 50; b1 100; c1 0
    const p = incoming({ preferred: [weighted(5, term(ZONE, db))] });
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2"), zoned("c1", "z3")];
    const pods = [on("d1", "a1", db), on("d2", "b1", db), on("d3", "b1", db)];
    expect(score({ pod: p, nodes, pods })).toEqual({ a1: 50, a2: 50, b1: 100, c1: 0 });
  });

  it("incoming preferred anti-affinity: −weight (negative sums before normalizing)", () => {
    // weight 4, hostname ∋ app=web; web pods 2/1/0 → −8, −4, 0; min −8, max 0
    // n1 0, n2 100·4/8 = 50, n3 100
    const p = incoming({ antiPreferred: [weighted(4, term(HOST, web))] });
    const pods = [on("w1", "n1", web), on("w2", "n1", web), on("w3", "n2", web)];
    expect(score({ pod: p, nodes: [node("n1"), node("n2"), node("n3")], pods })).toEqual({ n1: 0, n2: 50, n3: 100 });
  });

  it("affinity and anti-affinity together; normalization truncates", () => {
    // +5 per db pod, −2 per web pod (hostname): n1 db → 5; n2 web → −2; n3 db + web → 3
    // min −2, max 5, diff 7: n1 100, n2 0, n3 int(100·5/7 = 71.4) = 71
    const p = incoming({ preferred: [weighted(5, term(HOST, db))], antiPreferred: [weighted(2, term(HOST, web))] });
    const pods = [on("d1", "n1", db), on("w2", "n2", web), on("d3", "n3", db), on("w3", "n3", web)];
    expect(score({ pod: p, nodes: [node("n1"), node("n2"), node("n3")], pods })).toEqual({ n1: 100, n2: 0, n3: 71 });
  });

  it("terms with different keys add up", () => {
    // weight 2 zone ∋ db, weight 3 hostname ∋ db; one db pod on a1 (z1)
    // a1: 2 + 3 = 5, a2: 2, b1: 0 → 100, 40, 0
    const p = incoming({ preferred: [weighted(2, term(ZONE, db)), weighted(3, term(HOST, db))] });
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1"), zoned("b1", "z2")];
    expect(score({ pod: p, nodes, pods: [on("d", "a1", db)] })).toEqual({ a1: 100, a2: 40, b1: 0 });
  });

  it("nodes without the term's key score raw 0", () => {
    // anti weight 4 zone ∋ web; web pod on a1 (z1): a1 −4, bare 0 → min −4, max 0: a1 0, bare 100
    const p = incoming({ antiPreferred: [weighted(4, term(ZONE, web))] });
    expect(score({ pod: p, nodes: [zoned("a1", "z1"), zoned("bare", null)], pods: [on("w", "a1", web)] })).toEqual({ a1: 0, bare: 100 });
  });

  it("all equal → 0 everywhere", () => {
    // one db pod on each node → 5, 5 → max = min → 0
    const p = incoming({ preferred: [weighted(5, term(HOST, db))] });
    expect(score({ pod: p, nodes: [node("n1"), node("n2")], pods: [on("d1", "n1", db), on("d2", "n2", db)] })).toEqual({ n1: 0, n2: 0 });
  });

  it("preferred terms resolve namespaceSelector too", () => {
    // only the db pod in "blue" (team=blue) counts: n1 7, n2 0 → 100, 0
    const p = incoming({ preferred: [weighted(7, term(HOST, db, { namespaceSelector: { matchLabels: { team: "blue" } } }))] });
    const pods = [on("d1", "n1", db, undefined, "blue"), on("d2", "n2", db)];
    expect(score({ pod: p, nodes: [node("n1"), node("n2")], pods, namespaces: [namespace("blue", { team: "blue" }), namespace("default")] })).toEqual({
      n1: 100,
      n2: 0,
    });
  });

  describe("existing pods' terms", () => {
    // e1 on n1 requires app=web next to it (hostname); e2 on n2 prefers app=web with weight 3;
    // the incoming pod is app=web and has no affinity of its own.
    const pods = () => [
      on("e1", "n1", { app: "cache" }, { required: [term(HOST, web)] }),
      on("e2", "n2", { app: "cache" }, { preferred: [weighted(3, term(HOST, web))] }),
    ];
    const nodes = () => [node("n1"), node("n2"), node("n3")];

    it("required affinity counts hardPodAffinityWeight (default 1), preferred its weight", () => {
      // n1 1, n2 3, n3 0 → n1 int(33.3) = 33, n2 100, n3 0
      expect(score({ pod: pod("p", { labels: web }), nodes: nodes(), pods: pods() })).toEqual({ n1: 33, n2: 100, n3: 0 });
    });

    it("hardPodAffinityWeight 2", () => {
      // n1 2, n2 3 → n1 int(66.7) = 66, n2 100, n3 0
      expect(score({ pod: pod("p", { labels: web }), nodes: nodes(), pods: pods() }, only(IPA, { hardPodAffinityWeight: 2 }))).toEqual({ n1: 66, n2: 100, n3: 0 });
    });

    it("hardPodAffinityWeight 0 drops required terms", () => {
      // n1 0, n2 3, n3 0 → 0, 100, 0
      expect(score({ pod: pod("p", { labels: web }), nodes: nodes(), pods: pods() }, only(IPA, { hardPodAffinityWeight: 0 }))).toEqual({ n1: 0, n2: 100, n3: 0 });
    });

    it("preferred anti-affinity subtracts its weight", () => {
      // e on n1 prefers app=web away (weight 7): n1 −7, n2 0 → 0, 100
      const e = on("e", "n1", undefined, { antiPreferred: [weighted(7, term(HOST, web))] });
      expect(score({ pod: pod("p", { labels: web }), nodes: [node("n1"), node("n2")], pods: [e] })).toEqual({ n1: 0, n2: 100 });
    });

    it("a term the incoming pod does not match adds nothing (PreScore Skip)", () => {
      expect(score({ pod: pod("p", { labels: db }), nodes: nodes(), pods: pods() })).toEqual({ n1: undefined, n2: undefined, n3: undefined });
    });

    it("an existing pod's term without namespaces only selects pods of its own namespace", () => {
      // e in "other" requires app=web of "other" nearby; the incoming app=web pod is in "default" → Skip
      const e = on("e", "n1", undefined, { required: [term(HOST, web)] }, "other");
      expect(score({ pod: pod("p", { labels: web }), nodes: nodes(), pods: [e] })).toEqual({ n1: undefined, n2: undefined, n3: undefined });
    });

    it("ignorePreferredTermsOfExistingPods skips them when the incoming pod has no preferred terms", () => {
      const profile = only(IPA, { ignorePreferredTermsOfExistingPods: true });
      expect(score({ pod: pod("p", { labels: web }), nodes: nodes(), pods: pods() }, profile)).toEqual({ n1: undefined, n2: undefined, n3: undefined });
    });
  });

  it("the incoming pod's required terms do not score", () => {
    // required affinity zone ∋ db: a1, a2 both feasible; nothing contributes → PreScore Skip
    const p = incoming({ required: [term(ZONE, db)] });
    const nodes = [zoned("a1", "z1"), zoned("a2", "z1")];
    expect(score({ pod: p, nodes, pods: [on("d", "a1", db)] })).toEqual({ a1: undefined, a2: undefined });
  });
});

// Pods of one template share their label set and term objects inside the core (hash-consed
// records), and matches are remembered per shared object: these cases would go wrong if a
// remembered match outlived its pod being scheduled or ignored the namespace.
describe("InterPodAffinity with shared labels and terms", () => {
  it("equal terms of existing pods are matched again for each pod being scheduled", () => {
    const guard = { antiRequired: [term(HOST, web, { namespaces: ["a", "b"] })] };
    const s = core.scheduler.create(only(IPA));
    s.addNode(node("n1"));
    s.addNode(node("n2"));
    s.addPod(on("g1", "n1", db, guard, "a"));
    s.addPod(on("g2", "n2", db, guard, "b"));
    const first = verdicts(s.schedule(incoming({}, web, "a")) as never);
    expect(first).toEqual({ n1: EXISTING_ANTI, n2: EXISTING_ANTI });
    const second = verdicts(s.schedule(incoming({}, db, "a")) as never);
    expect(second).toEqual({ n1: "fits", n2: "fits" });
    const third = verdicts(s.schedule(incoming({}, web, "c")) as never);
    expect(third).toEqual({ n1: "fits", n2: "fits" });
    s.dispose();
  });

  it("an incoming pod with more than 64 anti-affinity terms: every term counts", () => {
    // Terms 0..64 select labels nobody has; term 65 selects app=web.
    const terms = [...Array.from({ length: 65 }, (_, i) => term(HOST, { app: `none-${i}` })), term(HOST, web)];
    const p = incoming({ antiRequired: terms }, db);
    const pods = [on("w1", "n1", web), on("w2", "n3", web)];
    expect(filter({ pod: p, nodes: [node("n1"), node("n2"), node("n3")], pods })).toEqual({ n1: ANTI, n2: "fits", n3: ANTI });
  });

  it("equal labels in different namespaces are told apart", () => {
    const p = incoming({ antiRequired: [term(HOST, web)] }, db, "a");
    const nodes = [node("n1"), node("n2")];
    expect(filter({ pod: p, nodes, pods: [on("x1", "n1", web, undefined, "a"), on("x2", "n2", web, undefined, "b")] }))
      .toEqual({ n1: ANTI, n2: "fits" });
    expect(filter({ pod: p, nodes, pods: [on("x1", "n1", web, undefined, "b"), on("x2", "n2", web, undefined, "a")] }))
      .toEqual({ n1: "fits", n2: ANTI });
  });
});
