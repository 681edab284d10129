// The ReplicaSet and Deployment controllers against the in-process API: replica counts,
// rolling updates checked at every step (never more than replicas + maxSurge pods, never
// fewer than replicas − maxUnavailable available), Recreate, rollback to an old template,
// scaling, pause, and the status kubectl rollout status reads.
import { afterEach, describe, expect, it } from "vitest";
import { ReplicaSetController } from "../../dist/core/controllers/replicaset.js";
import { DeploymentController } from "../../dist/core/controllers/deployment.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { startControlPlane, waitFor, markPodsRunning, type Harness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function deployment(name: string, replicas: number, image: string, strategy?: Record<string, unknown>) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
      ...(strategy ? { strategy } : {}),
    },
  };
}

async function pods(app: string): Promise<KubeObject[]> {
  return (await h.client.list(R.pods, "default", { labelSelector: `app=${app}` })).items.filter((p: KubeObject) => !p.metadata?.deletionTimestamp);
}

const image = (p: KubeObject) => (p.spec as { containers: { image: string }[] }).containers[0].image;
const isReady = (p: KubeObject) => !!(p.status as { conditions?: { type: string; status: string }[] })?.conditions?.some((c) => c.type === "Ready" && c.status === "True");

/** kubectl rollout status's rule for a Deployment (polymorphichelpers/rollout_status.go). */
function rolledOut(d: KubeObject): boolean {
  const s = (d.status ?? {}) as Record<string, number>;
  const replicas = (d.spec as { replicas: number }).replicas;
  return (d.metadata!.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= replicas && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

/** Plays kubelet until the rollout finishes, checking the invariants at every step. */
async function rollOut(name: string, replicas: number, maxSurge: number, maxUnavailable: number, wantImage: string): Promise<number> {
  let steps = 0;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const all = await pods(name);
    expect(all.length, "pods ≤ replicas + maxSurge").toBeLessThanOrEqual(replicas + maxSurge);
    expect(all.filter(isReady).length, "available ≥ replicas − maxUnavailable").toBeGreaterThanOrEqual(replicas - maxUnavailable);
    const d = await h.client.get(R.deployments, "default", name);
    if (rolledOut(d) && all.length === replicas && all.every((p) => image(p) === wantImage)) return steps;
    if (Date.now() > deadline) throw new Error(`rollout of ${name} did not finish: ${JSON.stringify(d.status)}`);
    // One "kubelet" step: only one new pod at a time becomes ready, so the controllers move in small steps.
    const notReady = all.filter((p) => !isReady(p));
    if (notReady.length) {
      const p = notReady[0];
      await h.client.update(R.pods, "default", { ...p, status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") }] } } as KubeObject, "status").catch(() => undefined);
      steps++;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe("ReplicaSet controller", () => {
  it("creates and deletes pods to keep spec.replicas, and reports status", async () => {
    h = await startControlPlane([new ReplicaSetController()]);
    await h.client.create(R.replicaSets, "default", {
      metadata: { name: "rs" },
      spec: { replicas: 3, selector: { matchLabels: { app: "rs" } }, template: { metadata: { labels: { app: "rs" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    await waitFor(async () => (await pods("rs")).length === 3, 5000, "3 pods");
    const [first] = await pods("rs");
    expect(first.metadata!.generateName).toBe("rs-");
    expect(first.metadata!.ownerReferences).toMatchObject([{ kind: "ReplicaSet", name: "rs", controller: true, blockOwnerDeletion: true }]);
    await markPodsRunning(h.client, "default", "app=rs");
    await waitFor(async () => ((await h.client.get(R.replicaSets, "default", "rs")).status as { readyReplicas?: number }).readyReplicas === 3, 5000, "ready 3");
    // A pod deleted by hand is replaced.
    await h.client.delete(R.pods, "default", first.metadata!.name!);
    await waitFor(async () => (await pods("rs")).length === 3 && !(await pods("rs")).some((p) => p.metadata!.name === first.metadata!.name), 5000, "replacement");
    // Scale down: the not-ready replacement goes first.
    await h.client.patch(R.replicaSets, "default", "rs", "application/merge-patch+json", { spec: { replicas: 2 } });
    await waitFor(async () => (await pods("rs")).length === 2, 5000, "2 pods");
    expect((await pods("rs")).every(isReady)).toBe(true);
    const events = (await h.client.list(R.events, "default")).items.map((e: KubeObject & { reason?: string }) => e.reason);
    expect(events).toContain("SuccessfulCreate");
    expect(events).toContain("SuccessfulDelete");
  });
});

describe("Deployment controller", () => {
  it("rolls out, rolls a new template within maxSurge/maxUnavailable, and undoes", async () => {
    h = await startControlPlane([new ReplicaSetController(), new DeploymentController()]);
    await h.client.create(R.deployments, "default", deployment("web", 4, "busybox:1", { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }));
    await waitFor(async () => (await pods("web")).length === 4, 5000, "4 pods");
    await markPodsRunning(h.client, "default", "app=web");
    await waitFor(async () => rolledOut(await h.client.get(R.deployments, "default", "web")), 5000, "first rollout");
    const d1 = await h.client.get(R.deployments, "default", "web");
    expect(d1.metadata!.annotations!["deployment.kubernetes.io/revision"]).toBe("1");
    expect((d1.status as { conditions: { type: string; reason: string }[] }).conditions.map((c) => `${c.type}/${c.reason}`).sort()).toEqual(["Available/MinimumReplicasAvailable", "Progressing/NewReplicaSetAvailable"]);

    // set image: a second ReplicaSet, rolled step by step.
    await h.client.patch(R.deployments, "default", "web", "application/strategic-merge-patch+json", { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:2" }] } } } });
    const steps = await rollOut("web", 4, 1, 1, "busybox:2");
    expect(steps).toBeGreaterThanOrEqual(3);
    const rsList = (await h.client.list(R.replicaSets, "default")).items;
    expect(rsList).toHaveLength(2);
    const byRevision = Object.fromEntries(rsList.map((rs: KubeObject) => [rs.metadata!.annotations!["deployment.kubernetes.io/revision"], rs]));
    expect((byRevision["1"].spec as { replicas: number }).replicas).toBe(0);
    expect((byRevision["2"].spec as { replicas: number }).replicas).toBe(4);
    expect(byRevision["2"].metadata!.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect((byRevision["2"].spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels["pod-template-hash"]).toBeTruthy();

    // rollout undo: kubectl puts revision 1's template back; that ReplicaSet returns as revision 3.
    const template = structuredClone((byRevision["1"].spec as { template: { metadata: { labels: Record<string, string> } } }).template);
    delete template.metadata.labels["pod-template-hash"];
    await h.client.patch(R.deployments, "default", "web", "application/json-patch+json", [{ op: "replace", path: "/spec/template", value: template }]);
    await rollOut("web", 4, 1, 1, "busybox:1");
    const back = await h.client.get(R.replicaSets, "default", byRevision["1"].metadata!.name);
    expect(back.metadata!.annotations!["deployment.kubernetes.io/revision"]).toBe("3");
    expect((await h.client.get(R.deployments, "default", "web")).metadata!.annotations!["deployment.kubernetes.io/revision"]).toBe("3");
    expect((await h.client.list(R.replicaSets, "default")).items).toHaveLength(2);
  });

  it("Recreate: all old pods go before any new one is created", async () => {
    h = await startControlPlane([new ReplicaSetController(), new DeploymentController()]);
    await h.client.create(R.deployments, "default", deployment("re", 3, "busybox:1", { type: "Recreate" }));
    await waitFor(async () => (await pods("re")).length === 3, 5000, "3 pods");
    await markPodsRunning(h.client, "default", "app=re");
    await h.client.patch(R.deployments, "default", "re", "application/strategic-merge-patch+json", { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:2" }] } } } });
    let mixed = false;
    await waitFor(
      async () => {
        const all = await pods("re");
        if (new Set(all.map(image)).size > 1) mixed = true;
        return all.length === 3 && all.every((p) => image(p) === "busybox:2");
      },
      5000,
      "recreated pods",
    );
    expect(mixed).toBe(false);
  });

  it("scales proportionally and reports Progressing/Available; paused stops rolling", async () => {
    h = await startControlPlane([new ReplicaSetController(), new DeploymentController()]);
    await h.client.create(R.deployments, "default", deployment("sc", 2, "busybox:1"));
    await waitFor(async () => (await pods("sc")).length === 2, 5000, "2 pods");
    await markPodsRunning(h.client, "default", "app=sc");
    await h.client.patch(R.deployments, "default", "sc", "application/merge-patch+json", { spec: { replicas: 5 } });
    await waitFor(async () => (await pods("sc")).length === 5, 5000, "5 pods");
    await h.client.patch(R.deployments, "default", "sc", "application/merge-patch+json", { spec: { paused: true } });
    await waitFor(async () => ((await h.client.get(R.deployments, "default", "sc")).status as { conditions: { type: string; reason: string }[] }).conditions.some((c) => c.reason === "DeploymentPaused"), 5000, "paused condition");
    await h.client.patch(R.deployments, "default", "sc", "application/strategic-merge-patch+json", { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:2" }] } } } });
    await new Promise((r) => setTimeout(r, 200));
    expect((await pods("sc")).every((p) => image(p) === "busybox:1")).toBe(true);
    expect((await h.client.list(R.replicaSets, "default")).items).toHaveLength(1);
  });
});
