// The StatefulSet controller against the in-process API, from Kubernetes' documented
// behaviour (concepts/workloads/controllers/statefulset, tutorials/stateful-application):
// ordinal identities, OrderedReady vs Parallel, claims from volumeClaimTemplates, the claim
// retention policy, replacement of failed pods, RollingUpdate (with partition) and OnDelete,
// minReadySeconds, and the status `kubectl rollout status statefulset` reads.
import { afterEach, describe, expect, it } from "vitest";
import { StatefulSetController } from "../../dist/core/controllers/statefulset.js";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { VirtualClock } from "../../dist/core/controllers/clock.js";
import { computeHash, safeEncodeString } from "../../dist/core/controllers/revision-hash.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

type Obj = Record<string, any>;

function statefulSet(name: string, spec: Obj = {}, image = "nginx:1.25"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
      ...spec,
    },
  };
}

async function pods(app: string): Promise<Obj[]> {
  const items = (await h!.client.list(R.pods, "default", { labelSelector: `app=${app}` })).items as Obj[];
  return items.sort((a, b) => ordinal(a) - ordinal(b));
}
const ordinal = (p: Obj) => Number(/-(\d+)$/.exec(p.metadata.name)![1]);
const names = (ps: Obj[]) => ps.map((p) => p.metadata.name);
const isReady = (p: Obj) => p.status?.phase === "Running" && !!p.status?.conditions?.some((c: Obj) => c.type === "Ready" && c.status === "True");
const image = (p: Obj) => p.spec.containers[0].image;
const getSet = async (name: string) => (await h!.client.get(R.statefulSets, "default", name)) as Obj;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** What a kubelet would report for one pod. */
async function setPod(name: string, phase: string, ready: boolean, at = Date.now()): Promise<void> {
  for (;;) {
    const pod = (await h!.client.get(R.pods, "default", name)) as Obj;
    const conditions = [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: stamp(at) }];
    try {
      await h!.client.update(R.pods, "default", { ...pod, status: { ...pod.status, phase, conditions } }, "status");
      return;
    } catch {
      // Changed meanwhile (the controller relabelled it): read again.
    }
  }
}

async function events(reason?: string): Promise<Obj[]> {
  const items = (await h!.client.list(R.events, "default")).items as Obj[];
  return items.filter((e) => !reason || e.reason === reason);
}

/** kubectl rollout status's rule for a StatefulSet (polymorphichelpers/rollout_status.go): [done, message]. */
function rolloutStatus(sts: Obj): [boolean, string] {
  const s = sts.status ?? {};
  const replicas = sts.spec.replicas;
  if (sts.spec.updateStrategy?.type !== "RollingUpdate") throw new Error("rollout status is only available for RollingUpdate strategy type");
  if (!s.observedGeneration || sts.metadata.generation > s.observedGeneration) return [false, "Waiting for statefulset spec update to be observed..."];
  if ((s.readyReplicas ?? 0) < replicas) return [false, `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...`];
  const ru = sts.spec.updateStrategy.rollingUpdate;
  if (ru) {
    if (ru.partition !== undefined && (s.updatedReplicas ?? 0) < replicas - ru.partition) {
      return [false, `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${replicas - ru.partition} new pods have been updated...`];
    }
    return [true, `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...`];
  }
  if (s.updateRevision !== s.currentRevision) return [false, `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}...`];
  return [true, `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...`];
}

/** Watches pods of `app` and records their deletions, in order. */
async function recordPods(app: string): Promise<{ log: string[]; stop: () => void }> {
  const log: string[] = [];
  const stop = await h!.client.watch(R.pods, "default", { labelSelector: `app=${app}` }, (e) => {
    if (e.type === "DELETED") log.push(`-${e.object.metadata!.name}`);
  }, () => undefined);
  return { log, stop };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Changes a set's spec, retrying when the controller's status write got there first. */
async function changeSpec(name: string, change: (spec: Obj) => Obj): Promise<Obj> {
  for (;;) {
    const sts = await getSet(name);
    try {
      return (await h!.client.update(R.statefulSets, "default", { ...sts, spec: change(sts.spec) })) as Obj;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

describe("StatefulSet defaults", () => {
  it.each([
    ["nothing set", {}, { type: "RollingUpdate", rollingUpdate: { partition: 0 } }],
    ["RollingUpdate without rollingUpdate keeps none", { updateStrategy: { type: "RollingUpdate" } }, { type: "RollingUpdate" }],
    ["OnDelete", { updateStrategy: { type: "OnDelete" } }, { type: "OnDelete" }],
    ["a partition is kept", { updateStrategy: { rollingUpdate: { partition: 2 } } }, { type: "RollingUpdate", rollingUpdate: { partition: 2 } }],
  ])("SetDefaults_StatefulSet: %s", async (_, spec, strategy) => {
    h = await startControlPlane([]);
    const { replicas: _r, ...rest } = statefulSet("d", spec).spec as Obj;
    const created = (await h.client.create(R.statefulSets, "default", {
      metadata: { name: "d" },
      spec: { ...rest, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }] },
    })) as Obj;
    expect(created.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: "OrderedReady",
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    });
    expect(created.spec.updateStrategy).toEqual(strategy);
    expect(created.spec.minReadySeconds).toBeUndefined(); // 0 is omitted, as the API serializes it
    expect(created.spec.volumeClaimTemplates[0]).toMatchObject({ apiVersion: "v1", kind: "PersistentVolumeClaim", spec: { volumeMode: "Filesystem" }, status: { phase: "Pending" } });
    expect(created.spec.template.spec.restartPolicy).toBe("Always"); // the pod template defaults still apply
  });
});

describe("revision hashes", () => {
  it("encode FNV-1a like rand.SafeEncodeString, stable under key order, changed by the template or collisionCount", () => {
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
    const a = { metadata: { labels: { app: "x", tier: "y" } }, spec: { containers: [{ name: "c", image: "i" }] } };
    const b = { spec: { containers: [{ image: "i", name: "c" }] }, metadata: { labels: { tier: "y", app: "x" } } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(a, 0)).not.toBe(computeHash(a));
    expect(computeHash(a, 1)).not.toBe(computeHash(a, 0));
    expect(computeHash({ ...a, spec: { containers: [{ name: "c", image: "j" }] } })).not.toBe(computeHash(a));
  });
});

describe("StatefulSet controller: identity and ordering", () => {
  it("OrderedReady creates web-0, web-1, web-2 in order, each once the previous is Running and Ready", async () => {
    h = await startControlPlane([new StatefulSetController()]);
    const sts = (await h.client.create(R.statefulSets, "default", statefulSet("web"))) as Obj;
    await waitFor(async () => (await pods("web")).length === 1, 3000, "web-0");
    const [web0] = await pods("web");
    expect(web0.metadata.name).toBe("web-0");
    expect(web0.metadata.generateName).toBe("web-");
    expect(web0.metadata.labels).toMatchObject({
      app: "web",
      "statefulset.kubernetes.io/pod-name": "web-0",
      "apps.kubernetes.io/pod-index": "0",
    });
    expect(web0.metadata.labels["controller-revision-hash"]).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(web0.spec).toMatchObject({ hostname: "web-0", subdomain: "web" });
    expect(web0.spec.nodeName).toBeUndefined();
    expect(web0.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }]);

    // Running but not Ready: web-1 must wait.
    await setPod("web-0", "Running", false);
    await sleep(150);
    expect(names(await pods("web"))).toEqual(["web-0"]);
    for (const [i, next] of [[0, "web-1"], [1, "web-2"]] as const) {
      await setPod(`web-${i}`, "Running", true);
      await waitFor(async () => names(await pods("web")).includes(next), 3000, next);
      // Never more than one pod that is not yet Ready.
      expect((await pods("web")).filter((p) => !isReady(p)).length).toBe(1);
    }
    await setPod("web-2", "Running", true);
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === 3, 3000, "3 ready");
    const done = await getSet("web");
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(done.status.currentRevision).toBe(done.status.updateRevision);
    expect(done.status.currentRevision).toBe(web0.metadata.labels["controller-revision-hash"]);
    // The default strategy has rollingUpdate {partition: 0}, so kubectl reports the partitioned form.
    expect(rolloutStatus(done)).toEqual([true, "partitioned roll out complete: 3 new pods have been updated..."]);
    const noPartition = { ...done, spec: { ...done.spec, updateStrategy: { type: "RollingUpdate" } } };
    expect(rolloutStatus(noPartition)).toEqual([true, `statefulset rolling update complete 3 pods at revision ${done.status.currentRevision}...`]);
    const messages = (await events("SuccessfulCreate")).map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining(["create Pod web-0 in StatefulSet web successful", "create Pod web-2 in StatefulSet web successful"]));
    expect((await events("SuccessfulCreate"))[0].involvedObject).toMatchObject({ kind: "StatefulSet", name: "web" });
  });

  it.each([
    ["Parallel", { podManagementPolicy: "Parallel" }, ["web-0", "web-1", "web-2"]],
    ["Parallel from spec.ordinals.start", { podManagementPolicy: "Parallel", ordinals: { start: 5 } }, ["web-5", "web-6", "web-7"]],
  ])("%s creates every pod without waiting for readiness", async (_, spec, want) => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", spec));
    await waitFor(async () => (await pods("web")).length === 3, 3000, "3 pods");
    const all = await pods("web");
    expect(names(all)).toEqual(want);
    expect(all.every((p) => !isReady(p))).toBe(true);
    expect(all.map((p) => p.metadata.labels["apps.kubernetes.io/pod-index"])).toEqual(want.map((n) => n.split("-")[1]));
    await sleep(100);
    expect((await pods("web")).length).toBe(3);
  });

  it("OrderedReady scales down from the highest ordinal, one at a time, and not while a pod is unhealthy", async () => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", { replicas: 4 }));
    for (let i = 0; i < 4; i++) {
      await waitFor(async () => names(await pods("web")).includes(`web-${i}`), 3000, `web-${i}`);
      await setPod(`web-${i}`, "Running", true);
    }
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === 4, 3000, "4 ready");
    await setPod("web-0", "Running", false);
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === 3, 3000, "web-0 unready seen");
    await changeSpec("web", (spec) => ({ ...spec, replicas: 1 }));
    await sleep(200);
    expect(names(await pods("web")), "blocked by an unready web-0").toEqual(["web-0", "web-1", "web-2", "web-3"]);
    const rec = await recordPods("web");
    await setPod("web-0", "Running", true);
    await waitFor(async () => (await pods("web")).length === 1, 3000, "scaled to 1");
    rec.stop();
    expect(rec.log).toEqual(["-web-3", "-web-2", "-web-1"]);
    const deletes = (await events("SuccessfulDelete")).map((e) => e.message);
    expect(deletes).toEqual(expect.arrayContaining(["delete Pod web-3 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]));
    await waitFor(async () => (await getSet("web")).status?.replicas === 1, 3000, "status.replicas 1");
  });

  it.each([["Failed"], ["Succeeded"]])("replaces a %s pod with a new one of the same name", async (phase) => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", { replicas: 2, podManagementPolicy: "Parallel" }));
    await waitFor(async () => (await pods("web")).length === 2, 3000, "2 pods");
    const before = (await pods("web"))[1];
    await setPod("web-1", phase, false);
    await waitFor(async () => (await pods("web")).some((p) => p.metadata.name === "web-1" && p.metadata.uid !== before.metadata.uid), 3000, "web-1 replaced");
    const after = (await pods("web"))[1];
    expect(after.status.phase).toBe("Pending");
    expect(after.metadata.labels["statefulset.kubernetes.io/pod-name"]).toBe("web-1");
  });

  it("adopts an orphan pod that carries its name and labels instead of creating another", async () => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.pods, "default", { metadata: { name: "web-0", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } });
    const sts = (await h.client.create(R.statefulSets, "default", statefulSet("web", { replicas: 1 }))) as Obj;
    await waitFor(async () => !!(await pods("web"))[0]?.metadata.ownerReferences, 3000, "adoption");
    const [pod] = await pods("web");
    expect(pod.metadata.ownerReferences).toMatchObject([{ kind: "StatefulSet", uid: sts.metadata.uid, controller: true }]);
    // The identity labels are restored once it is running and ready.
    await setPod("web-0", "Running", true);
    await waitFor(async () => (await events("SuccessfulUpdate")).length > 0, 3000, "identity restored");
    expect((await events("SuccessfulUpdate")).map((e) => e.message)).toContain("update Pod web-0 in StatefulSet web successful");
    // It has no revision label, so the rolling update then replaces it; never two web-0s.
    await waitFor(async () => (await pods("web"))[0]?.metadata.labels["controller-revision-hash"] !== undefined, 3000, "replaced at the revision");
    expect((await pods("web")).length).toBe(1);
  });
});

describe("StatefulSet controller: volumeClaimTemplates", () => {
  const claims = { volumeClaimTemplates: [{ metadata: { name: "data", labels: { tier: "db" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }] };

  it("creates each pod's claim <template>-<set>-<ordinal> before the pod and mounts it", async () => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", { ...claims, replicas: 2, podManagementPolicy: "Parallel" }));
    await waitFor(async () => (await pods("web")).length === 2, 3000, "2 pods");
    const pvcs = (await h.client.list(R.persistentVolumeClaims, "default")).items as Obj[];
    expect(pvcs.map((c) => c.metadata.name).sort()).toEqual(["data-web-0", "data-web-1"]);
    expect(pvcs[0].metadata.labels).toEqual({ tier: "db", app: "web" });
    expect(pvcs[0].spec).toMatchObject({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" });
    expect(pvcs[0].metadata.ownerReferences).toBeUndefined(); // Retain/Retain
    for (const pod of await pods("web")) {
      expect(pod.spec.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: `data-${pod.metadata.name}` } });
      // The claim was there before the pod.
      const pvc = pvcs.find((c) => c.metadata.name === `data-${pod.metadata.name}`)!;
      expect(Number(pvc.metadata.resourceVersion)).toBeLessThan(Number(pod.metadata.resourceVersion));
    }
    const messages = (await events("SuccessfulCreate")).map((e) => e.message);
    expect(messages).toContain("create Claim data-web-0 Pod web-0 in StatefulSet web success");
  });

  it.each([
    ["Retain/Retain: no owners", { whenDeleted: "Retain", whenScaled: "Retain" }, { kept: undefined, condemned: undefined }],
    ["whenDeleted=Delete: the set owns every claim", { whenDeleted: "Delete", whenScaled: "Retain" }, { kept: "StatefulSet", condemned: "StatefulSet" }],
    ["whenScaled=Delete: a scaled-down pod owns its claim", { whenDeleted: "Retain", whenScaled: "Delete" }, { kept: undefined, condemned: "Pod" }],
    ["Delete/Delete: the set, then the condemned pod", { whenDeleted: "Delete", whenScaled: "Delete" }, { kept: "StatefulSet", condemned: "Pod" }],
  ])("persistentVolumeClaimRetentionPolicy %s", async (_, policy, want) => {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", { ...claims, replicas: 2, persistentVolumeClaimRetentionPolicy: policy }));
    await waitFor(async () => (await pods("web")).length === 1, 3000, "web-0");
    await setPod("web-0", "Running", true);
    await waitFor(async () => (await pods("web")).length === 2, 3000, "web-1");
    await setPod("web-1", "Running", true);
    const ownerKind = async (name: string) => ((await h!.client.get(R.persistentVolumeClaims, "default", name)) as Obj).metadata.ownerReferences?.map((r: Obj) => r.kind).join(",");
    await waitFor(async () => (await ownerKind("data-web-1")) === want.kept, 3000, "claim owners of a live pod");
    const web1 = (await pods("web"))[1];
    const sts = await changeSpec("web", (spec) => ({ ...spec, replicas: 1 }));
    await waitFor(async () => (await pods("web")).length === 1, 3000, "scaled down");
    await waitFor(async () => (await ownerKind("data-web-1")) === want.condemned, 3000, "claim owners after scale-down");
    const refs = ((await h.client.get(R.persistentVolumeClaims, "default", "data-web-1")) as Obj).metadata.ownerReferences ?? [];
    if (want.condemned === "Pod") expect(refs[0]).toEqual({ apiVersion: "v1", kind: "Pod", name: "web-1", uid: web1.metadata.uid, controller: true, blockOwnerDeletion: true });
    if (want.condemned === "StatefulSet") expect(refs[0]).toMatchObject({ apiVersion: "apps/v1", name: "web", uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true });
    expect((await ownerKind("data-web-0")) ?? undefined).toBe(want.kept);
  });
});

describe("StatefulSet controller: updates", () => {
  /** Starts `replicas` ready pods at nginx:1.25. */
  async function readySet(replicas: number, spec: Obj = {}): Promise<Obj> {
    h = await startControlPlane([new StatefulSetController()]);
    await h.client.create(R.statefulSets, "default", statefulSet("web", { replicas, podManagementPolicy: "Parallel", ...spec }));
    await waitFor(async () => (await pods("web")).length === replicas, 3000, `${replicas} pods`);
    for (const p of await pods("web")) await setPod(p.metadata.name, "Running", true);
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === replicas, 3000, "all ready");
    return getSet("web");
  }

  async function setImage(img: string, strategy?: Obj): Promise<Obj> {
    return changeSpec("web", (spec) => {
      const template = { ...spec.template, spec: { ...spec.template.spec, containers: [{ ...spec.template.spec.containers[0], image: img }] } };
      return { ...spec, template, ...(strategy ? { updateStrategy: strategy } : {}) };
    });
  }

  /**
   * Plays kubelet for a rolling update: each new pod is made Ready only after checking that
   * the controller waits for it (nothing else is deleted meanwhile) and that updated pods
   * always form the highest ordinals.
   */
  async function rollThrough(replicas: number, partition: number, newImage: string): Promise<string[]> {
    const order: string[] = [];
    const deadline = Date.now() + 4000;
    while (order.length < replicas - partition) {
      if (Date.now() > deadline) throw new Error(`rolling update stuck after ${order.join(",")}`);
      const all = await pods("web");
      const fresh = all.find((p) => image(p) === newImage && !isReady(p));
      if (!fresh) {
        await sleep(10);
        continue;
      }
      // Updated pods are a suffix of the ordinals; at most one pod is missing or unready.
      const updated = all.filter((p) => image(p) === newImage).map(ordinal);
      expect(updated).toEqual(Array.from({ length: updated.length }, (_, i) => replicas - updated.length + i));
      await sleep(60);
      const still = await pods("web");
      expect(still.length, "nothing else deleted while the new pod is not ready").toBe(replicas);
      expect(still.filter((p) => !isReady(p)).map((p) => p.metadata.name)).toEqual([fresh.metadata.name]);
      order.push(fresh.metadata.name);
      await setPod(fresh.metadata.name, "Running", true);
    }
    return order;
  }

  it("RollingUpdate replaces pods from the highest ordinal down, each after the previous is Ready, then completes the revision", async () => {
    const before = await readySet(3);
    const oldRevision = before.status.currentRevision;
    const updated = await setImage("nginx:1.26");
    expect(rolloutStatus(await getSet("web"))[0]).toBe(false);
    expect(await rollThrough(3, 0, "nginx:1.26")).toEqual(["web-2", "web-1", "web-0"]);
    await waitFor(async () => (await getSet("web")).status?.currentRevision !== oldRevision, 3000, "revision completed");
    const done = await getSet("web");
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: updated.metadata.generation });
    expect(done.status.currentRevision).toBe(done.status.updateRevision);
    expect((await pods("web")).every((p) => p.metadata.labels["controller-revision-hash"] === done.status.updateRevision)).toBe(true);
    expect(rolloutStatus(done)).toEqual([true, "partitioned roll out complete: 3 new pods have been updated..."]);
  });

  it("rolls back to an earlier template under that template's revision name", async () => {
    const before = await readySet(2);
    await setImage("nginx:1.26");
    await rollThrough(2, 0, "nginx:1.26");
    await waitFor(async () => (await getSet("web")).status?.currentRevision !== before.status.currentRevision, 3000, "v2 complete");
    await setImage("nginx:1.25");
    await rollThrough(2, 0, "nginx:1.25");
    await waitFor(async () => (await getSet("web")).status?.currentRevision === before.status.currentRevision, 3000, "back at v1");
    expect((await getSet("web")).status.updateRevision).toBe(before.status.updateRevision);
  });

  it("RollingUpdate with a partition updates only ordinals ≥ partition and keeps the others at the current revision", async () => {
    const before = await readySet(3, { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } });
    await setImage("nginx:1.26");
    expect(await rollThrough(3, 2, "nginx:1.26")).toEqual(["web-2"]);
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === 3, 3000, "ready");
    let sts = await getSet("web");
    expect(sts.status).toMatchObject({ updatedReplicas: 1, currentReplicas: 2, currentRevision: before.status.currentRevision });
    expect(sts.status.updateRevision).not.toBe(before.status.currentRevision);
    expect(rolloutStatus(sts)).toEqual([true, "partitioned roll out complete: 1 new pods have been updated..."]);
    await sleep(100);
    expect((await pods("web")).map(image)).toEqual(["nginx:1.25", "nginx:1.25", "nginx:1.26"]);

    // A pod below the partition that is deleted comes back at the current revision.
    const web0 = (await pods("web"))[0];
    await h!.client.delete(R.pods, "default", "web-0");
    await waitFor(async () => (await pods("web")).some((p) => p.metadata.name === "web-0" && p.metadata.uid !== web0.metadata.uid), 3000, "web-0 back");
    const back = (await pods("web"))[0];
    expect(image(back)).toBe("nginx:1.25");
    expect(back.metadata.labels["controller-revision-hash"]).toBe(before.status.currentRevision);
    await setPod("web-0", "Running", true);

    // Partition 0 finishes the rollout.
    await changeSpec("web", (spec) => ({ ...spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } }));
    expect(await rollThrough(3, 1, "nginx:1.26")).toEqual(["web-1", "web-0"]);
    await waitFor(async () => (await getSet("web")).status?.currentRevision === (await getSet("web")).status?.updateRevision, 3000, "complete");
    expect((await getSet("web")).status).toMatchObject({ currentReplicas: 3, updatedReplicas: 3 });
  });

  it("OnDelete replaces nothing until a pod is deleted, which comes back at the update revision", async () => {
    const before = await readySet(2, { updateStrategy: { type: "OnDelete" } });
    await setImage("nginx:1.26");
    await waitFor(async () => (await getSet("web")).status?.observedGeneration === 2, 3000, "observed");
    await sleep(150);
    expect((await pods("web")).map(image)).toEqual(["nginx:1.25", "nginx:1.25"]);
    const sts = await getSet("web");
    expect(sts.status).toMatchObject({ currentReplicas: 2, currentRevision: before.status.currentRevision });
    expect(sts.status.updatedReplicas).toBeUndefined();
    expect(() => rolloutStatus(sts)).toThrow("rollout status is only available for RollingUpdate strategy type");
    await h!.client.delete(R.pods, "default", "web-1");
    await waitFor(async () => (await pods("web")).some((p) => p.metadata.name === "web-1" && image(p) === "nginx:1.26"), 3000, "web-1 at v2");
    await waitFor(async () => (await getSet("web")).status?.updatedReplicas === 1, 3000, "updatedReplicas 1");
    expect((await pods("web"))[0].spec.containers[0].image).toBe("nginx:1.25");
  });
});

describe("StatefulSet controller: minReadySeconds", () => {
  it("counts a pod available only minReadySeconds after it became Ready, and OrderedReady waits for that", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    h = await startControlPlane([new StatefulSetController()], { clock });
    await h.client.create(R.statefulSets, "default", statefulSet("web", { replicas: 2, minReadySeconds: 10 }));
    await waitFor(async () => (await pods("web")).length === 1, 3000, "web-0");
    await setPod("web-0", "Running", true, clock.now());
    await waitFor(async () => (await getSet("web")).status?.readyReplicas === 1, 3000, "ready 1");
    await sleep(100);
    expect((await getSet("web")).status.availableReplicas).toBe(0);
    expect(names(await pods("web")), "web-1 waits for web-0 to be available").toEqual(["web-0"]);
    await clock.advance(5_000);
    await sleep(50);
    expect(names(await pods("web"))).toEqual(["web-0"]);
    await clock.advance(6_000); // past 10 s: the controller's requeue fires
    await waitFor(async () => (await getSet("web")).status?.availableReplicas === 1, 3000, "available 1");
    await waitFor(async () => names(await pods("web")).includes("web-1"), 3000, "web-1 created");
  });
});
