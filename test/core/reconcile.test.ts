// Reconcile diffing in the Wasm core: ReplicaSet victim ranking (ActivePodsWithRanks) and a
// Deployment's rollout step (rolling.go / recreate.go / sync.go), table-driven.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, resolveFenceposts, type Core } from "../../dist/core/index.js";

let core: Core;
beforeAll(async () => {
  core = await loadCore();
});

const NOW = Date.parse("2026-01-01T12:00:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readyAgo?: number; cost?: number; restarts?: number; createdAgo?: number; uid?: string } = {}) {
  return {
    metadata: {
      name,
      uid: o.uid ?? `${name.padEnd(8, "0")}-0000-0000-0000-000000000000`.replace(/[^0-9a-f-]/g, "a"),
      creationTimestamp: ago(o.createdAgo ?? 100),
      annotations: o.cost !== undefined ? { "controller.kubernetes.io/pod-deletion-cost": String(o.cost) } : undefined,
    },
    spec: { nodeName: o.node, containers: [] },
    status: {
      phase: o.phase ?? "Running",
      conditions: o.ready === false ? [] : [{ type: "Ready", status: "True", lastTransitionTime: ago(o.readyAgo ?? 50) }],
      containerStatuses: [{ name: "c", image: "i", imageID: "", ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

describe("podsToDelete (ActivePodsWithRanks)", () => {
  const cases: { name: string; pods: ReturnType<typeof pod>[]; first: string }[] = [
    { name: "unassigned before assigned", pods: [pod("a", { node: "n1" }), pod("b")], first: "b" },
    { name: "Pending before Running", pods: [pod("a", { node: "n1" }), pod("b", { node: "n1", phase: "Pending", ready: false })], first: "b" },
    { name: "Pending before Unknown", pods: [pod("a", { node: "n1", phase: "Unknown", ready: false }), pod("b", { node: "n2", phase: "Pending", ready: false })], first: "b" },
    { name: "not ready before ready", pods: [pod("a", { node: "n1" }), pod("b", { node: "n2", ready: false })], first: "b" },
    { name: "lower deletion cost first", pods: [pod("a", { node: "n1", cost: 10 }), pod("b", { node: "n2", cost: -5 })], first: "b" },
    { name: "doubled up first", pods: [pod("a", { node: "n1" }), pod("b", { node: "n2" }), pod("c", { node: "n2" })], first: "b" },
    { name: "ready for a shorter time first (log buckets)", pods: [pod("a", { node: "n1", readyAgo: 5000 }), pod("b", { node: "n2", readyAgo: 10 })], first: "b" },
    { name: "same log bucket: uid order", pods: [pod("b", { node: "n1", readyAgo: 40, uid: "bbbbbbbb-0000-0000-0000-000000000000" }), pod("a", { node: "n2", readyAgo: 50, uid: "aaaaaaaa-0000-0000-0000-000000000000" })], first: "a" },
    { name: "more restarts first", pods: [pod("a", { node: "n1", readyAgo: 60 }), pod("b", { node: "n2", readyAgo: 60, restarts: 3 })], first: "b" },
    { name: "newer first", pods: [pod("a", { node: "n1", readyAgo: 60, createdAgo: 100000 }), pod("b", { node: "n2", readyAgo: 60, createdAgo: 100 })], first: "b" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const victims = core.reconcile.podsToDelete(c.pods as never, 1, c.pods as never, NOW);
      expect(victims.map((p) => p.metadata!.name)).toEqual([c.first]);
    });
  }

  it("returns `diff` pods in deletion order and keeps input order among equals", () => {
    const pods = [pod("r1", { node: "n1" }), pod("p1", { phase: "Pending", ready: false }), pod("r2", { node: "n2" }), pod("nr", { node: "n3", ready: false })];
    expect(core.reconcile.podsToDelete(pods as never, 3, pods as never, NOW).map((p) => p.metadata!.name)).toEqual(["p1", "nr", "r1"]);
  });
});

describe("resolveFenceposts (maxSurge rounds up, maxUnavailable down)", () => {
  const cases: [string | number, string | number, number, number, number][] = [
    ["25%", "25%", 10, 3, 2],
    ["25%", "25%", 1, 1, 0],
    [0, 0, 3, 0, 1],
    ["50%", 1, 3, 2, 1],
    [2, "0%", 5, 2, 0],
  ];
  for (const [surge, unavailable, replicas, s, u] of cases) {
    it(`${surge}/${unavailable} of ${replicas} → surge ${s}, unavailable ${u}`, () => {
      expect(resolveFenceposts(surge, unavailable, replicas)).toEqual({ maxSurge: s, maxUnavailable: u });
    });
  }
});

describe("rolloutStep", () => {
  const rs = (isNew: boolean, replicas: number, availableReplicas: number, ageOrder: number, annotations: { max?: number; desired?: number } = {}) => ({
    isNew,
    replicas,
    availableReplicas,
    ageOrder,
    maxReplicasAnnotation: annotations.max,
    desiredReplicasAnnotation: annotations.desired,
  });
  const base = { strategy: "RollingUpdate" as const, scaleOnly: false, statusReplicas: 0 };

  it("scales a new ReplicaSet up to replicas + maxSurge minus what exists", () => {
    const step = core.reconcile.rolloutStep({ ...base, replicas: 10, maxSurge: 3, maxUnavailable: 2, replicaSets: [rs(false, 10, 10, 0), rs(true, 0, 0, 1)] });
    expect(step).toEqual({ sizes: [null, 3], step: "scaledNewReplicaSet" });
  });

  it("then scales old ones down as far as availability allows (minAvailable = replicas - maxUnavailable)", () => {
    const step = core.reconcile.rolloutStep({ ...base, replicas: 10, maxSurge: 3, maxUnavailable: 2, replicaSets: [rs(false, 10, 10, 0), rs(true, 3, 0, 1)] });
    // 13 pods, minAvailable 8, new unavailable 3: maxScaledDown 2; available 10 → 2 may go.
    expect(step).toEqual({ sizes: [8, null], step: "scaledDownOldReplicaSets" });
  });

  it("cleans up unhealthy old pods first, oldest ReplicaSet first", () => {
    const step = core.reconcile.rolloutStep({ ...base, replicas: 4, maxSurge: 1, maxUnavailable: 1, replicaSets: [rs(false, 2, 0, 0), rs(false, 2, 2, 1), rs(true, 1, 1, 2)] });
    // allPods 5, minAvailable 3, new unavailable 0 → maxScaledDown 2: both unavailable pods of the oldest go.
    expect(step.sizes).toEqual([0, null, null]);
    expect(step.step).toBe("scaledDownOldReplicaSets");
  });

  it("waits when nothing may move", () => {
    const step = core.reconcile.rolloutStep({ ...base, replicas: 3, maxSurge: 1, maxUnavailable: 0, replicaSets: [rs(false, 3, 3, 0), rs(true, 1, 0, 1)] });
    expect(step).toEqual({ sizes: [null, null], step: "none" });
  });

  it("asks for a new ReplicaSet when there is none", () => {
    expect(core.reconcile.rolloutStep({ ...base, replicas: 3, maxSurge: 1, maxUnavailable: 0, replicaSets: [rs(false, 3, 3, 0)] }).step).toBe("createNewReplicaSet");
  });

  it("Recreate: old ones to zero first, then wait for their pods, then the new one to full size", () => {
    const recreate = { ...base, strategy: "Recreate" as const, maxSurge: 0, maxUnavailable: 0, replicas: 3 };
    expect(core.reconcile.rolloutStep({ ...recreate, replicaSets: [rs(false, 3, 3, 0), rs(true, 0, 0, 1)] })).toEqual({ sizes: [0, null], step: "scaledDownOldReplicaSets" });
    expect(core.reconcile.rolloutStep({ ...recreate, oldPodsRunning: true, replicaSets: [rs(false, 0, 0, 0), rs(true, 0, 0, 1)] }).step).toBe("none");
    expect(core.reconcile.rolloutStep({ ...recreate, replicaSets: [rs(false, 0, 0, 0), rs(true, 0, 0, 1)] })).toEqual({ sizes: [null, 3], step: "scaledNewReplicaSet" });
  });

  it("proportional scaling during a rollout: 10 → 15 with 5+5 (maxSurge 3) splits by size and leftovers go to the largest", () => {
    // Before: replicas 10, maxSurge 3 → annotated max-replicas 13; two active sets of 8 and 5.
    const step = core.reconcile.rolloutStep({
      ...base,
      scaleOnly: true,
      replicas: 15,
      maxSurge: 4, // 25% of 15, rounded up
      maxUnavailable: 3,
      statusReplicas: 13,
      replicaSets: [rs(false, 8, 8, 0, { max: 13, desired: 10 }), rs(true, 5, 0, 1, { max: 13, desired: 10 })],
    });
    // allowed 19, to add 6: old 8*19/13 = 11.69 → 12 (+4), new 5*19/13 = 7.3 → 7 (+2).
    expect(step).toEqual({ sizes: [12, 7], step: "scaledProportionally" });
  });

  it("one active ReplicaSet takes the whole new count", () => {
    const step = core.reconcile.rolloutStep({ ...base, scaleOnly: true, replicas: 7, maxSurge: 2, maxUnavailable: 1, replicaSets: [rs(false, 0, 0, 0), rs(true, 3, 3, 1, { desired: 3 })] });
    expect(step).toEqual({ sizes: [null, 7], step: "scaledProportionally" });
  });
});
