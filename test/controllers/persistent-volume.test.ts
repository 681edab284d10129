// The PersistentVolume binder against the in-process API: matching (size, class, access
// modes, volumeMode, selector, volumeName, pre-binding), both sides of a binding, reclaim
// policies, lost claims; and the PV/PVC defaults the API applies.
import { afterEach, describe, expect, it } from "vitest";
import { PersistentVolumeBinder, parseQuantity } from "../../dist/core/controllers/persistent-volume.js";
import { R, isNotFound, type KubeObject } from "../../dist/core/controllers/client.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

type Obj = KubeObject & Record<string, any>;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: ConstructorParameters<typeof PersistentVolumeBinder>[0] = {}): Promise<Harness> {
  h = await startControlPlane([new PersistentVolumeBinder(options)]);
  return h;
}

interface PVOptions {
  size: string;
  modes?: string[];
  cls?: string;
  labels?: Record<string, string>;
  mode?: string;
  policy?: string;
  claimRef?: object;
}

async function createPV(name: string, o: PVOptions): Promise<void> {
  await h!.client.create(R.persistentVolumes, undefined, {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      capacity: { storage: o.size },
      accessModes: o.modes ?? ["ReadWriteOnce"],
      hostPath: { path: `/data/${name}` },
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}),
      ...(o.mode ? { volumeMode: o.mode } : {}),
      ...(o.policy ? { persistentVolumeReclaimPolicy: o.policy } : {}),
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
    },
  });
}

async function createPVC(name: string, spec: Record<string, unknown> & { size?: string }): Promise<Obj> {
  const { size = "1Gi", ...rest } = spec;
  return (await h!.client.create(R.persistentVolumeClaims, "default", {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...rest },
  })) as Obj;
}

const getPV = async (name: string) => (await h!.client.get(R.persistentVolumes, undefined, name)) as Obj;
const getPVC = async (name: string) => (await h!.client.get(R.persistentVolumeClaims, "default", name)) as Obj;
const phaseOf = async (name: string) => (await getPVC(name)).status?.phase;

async function gone(name: string): Promise<boolean> {
  try {
    await getPV(name);
    return false;
  } catch (err) {
    return isNotFound(err);
  }
}

async function events(reason: string): Promise<Obj[]> {
  return ((await h!.client.list(R.events, "default")).items as Obj[]).filter((e) => e.reason === reason);
}

async function boundTo(claim: string): Promise<string> {
  await waitFor(async () => (await phaseOf(claim)) === "Bound", 3000, `${claim} Bound`);
  return (await getPVC(claim)).spec.volumeName;
}

describe("parseQuantity", () => {
  it("reads binary and decimal suffixes and exponents", () => {
    expect(parseQuantity("1Gi")).toBe(2 ** 30);
    expect(parseQuantity("500Mi")).toBe(500 * 2 ** 20);
    expect(parseQuantity("2G")).toBe(2e9);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1.5Ki")).toBe(1536);
    expect(parseQuantity("12")).toBe(12);
    expect(parseQuantity("bogus")).toBeNaN();
  });
});

describe("PersistentVolume and PersistentVolumeClaim defaults", () => {
  it("fills reclaim policy, volumeMode, hostPath type and Pending phases", async () => {
    h = await startControlPlane([]);
    await createPV("plain", { size: "1Gi" });
    const pv = await getPV("plain");
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem", hostPath: { path: "/data/plain", type: "" } });
    expect(pv.status.phase).toBe("Pending");
    const pvc = await createPVC("plain", {});
    expect(pvc.spec.volumeMode).toBe("Filesystem");
    expect(pvc.status.phase).toBe("Pending");
  });
});

describe("PersistentVolumeBinder", () => {
  it("makes new volumes Available", async () => {
    await start();
    await createPV("pv", { size: "1Gi" });
    await waitFor(async () => (await getPV("pv")).status.phase === "Available", 3000, "Available");
    expect((await getPV("pv")).status.lastPhaseTransitionTime).toMatch(/Z$/);
  });

  it("binds a claim to the smallest Available volume of its class, access modes and volumeMode, on both sides", async () => {
    await start();
    await createPV("too-small", { size: "1Gi", cls: "" });
    await createPV("big", { size: "10Gi", cls: "" });
    await createPV("mid", { size: "5Gi", cls: "" });
    await createPV("other-class", { size: "3Gi", cls: "fast" });
    await createPV("read-only", { size: "3Gi", cls: "", modes: ["ReadOnlyMany"] });
    await createPV("block", { size: "3Gi", cls: "", mode: "Block" });
    await waitFor(async () => (await getPV("block")).status.phase === "Available", 3000, "volumes Available");
    const claim = await createPVC("data", { size: "2Gi", storageClassName: "" });

    expect(await boundTo("data")).toBe("mid");
    const pvc = await getPVC("data");
    expect(pvc.metadata.annotations).toMatchObject({ "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" });
    expect(pvc.status).toMatchObject({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "5Gi" } });
    await waitFor(async () => (await getPV("mid")).status.phase === "Bound", 3000, "volume Bound");
    const pv = await getPV("mid");
    expect(pv.spec.claimRef).toMatchObject({ kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: "default", name: "data", uid: claim.metadata.uid });
    expect(pv.spec.claimRef.resourceVersion).toMatch(/^\d+$/);
    expect(pv.metadata.annotations["pv.kubernetes.io/bound-by-controller"]).toBe("yes");
    for (const other of ["too-small", "big", "other-class", "read-only", "block"]) expect((await getPV(other)).status.phase).toBe("Available");
  });

  it("prefers the volume with the fewest access modes over a smaller one with more", async () => {
    await start();
    await createPV("rwo", { size: "10Gi", cls: "" });
    await createPV("rwo-rwx", { size: "5Gi", cls: "", modes: ["ReadWriteOnce", "ReadWriteMany"] });
    await waitFor(async () => (await getPV("rwo-rwx")).status.phase === "Available", 3000, "Available");
    await createPVC("data", { storageClassName: "" });
    expect(await boundTo("data")).toBe("rwo");
  });

  it("honours spec.selector", async () => {
    await start();
    await createPV("plain", { size: "1Gi", cls: "" });
    await createPV("gold", { size: "8Gi", cls: "", labels: { tier: "gold" } });
    await waitFor(async () => (await getPV("gold")).status.phase === "Available", 3000, "Available");
    await createPVC("data", { storageClassName: "", selector: { matchLabels: { tier: "gold" } } });
    expect(await boundTo("data")).toBe("gold");
  });

  it("binds the volume a claim names, and refuses one that does not fit with VolumeMismatch", async () => {
    await start();
    await createPV("small", { size: "1Gi", cls: "" });
    await createPV("chosen", { size: "20Gi", cls: "" });
    await createPVC("named", { storageClassName: "", volumeName: "chosen" });
    expect(await boundTo("named")).toBe("chosen");
    const pvc = await getPVC("named");
    expect(pvc.metadata.annotations["pv.kubernetes.io/bound-by-controller"]).toBeUndefined();
    expect(pvc.metadata.annotations["pv.kubernetes.io/bind-completed"]).toBe("yes");

    await createPVC("greedy", { storageClassName: "", volumeName: "small", size: "5Gi" });
    await waitFor(async () => (await events("VolumeMismatch")).length > 0, 3000, "VolumeMismatch");
    expect((await events("VolumeMismatch"))[0]).toMatchObject({
      type: "Warning",
      message: 'Cannot bind to requested volume "small": requested PV is too small',
      source: { component: "persistentvolume-controller" },
    });
    expect(await phaseOf("greedy")).toBe("Pending");
    expect((await getPV("small")).spec.claimRef).toBeUndefined();
  });

  it("gives a volume pre-bound to a claim to that claim, even when another fits better", async () => {
    await start();
    await createPV("exact", { size: "1Gi", cls: "" });
    await createPV("reserved", { size: "50Gi", cls: "", claimRef: { namespace: "default", name: "data" } });
    await waitFor(async () => (await getPV("reserved")).status.phase === "Available", 3000, "pre-bound volume Available");
    const claim = await createPVC("data", { storageClassName: "" });
    expect(await boundTo("data")).toBe("reserved");
    const pv = await getPV("reserved");
    expect(pv.spec.claimRef.uid).toBe(claim.metadata.uid);
    expect(pv.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBeUndefined();
    expect((await getPV("exact")).spec.claimRef).toBeUndefined();
  });

  it("leaves a class-less claim without volumes Pending with FailedBinding, and binds it once a volume appears", async () => {
    await start();
    await createPVC("waiting", { storageClassName: "" });
    await waitFor(async () => (await events("FailedBinding")).length > 0, 3000, "FailedBinding");
    expect((await events("FailedBinding"))[0]).toMatchObject({ type: "Normal", message: "no persistent volumes available for this claim and no storage class is set" });
    expect(await phaseOf("waiting")).toBe("Pending");
    await createPV("late", { size: "1Gi", cls: "" });
    expect(await boundTo("waiting")).toBe("late");
  });

  it("gives a claim that never set a class the default class, and waits for its provisioner", async () => {
    await start();
    await createPVC("dynamic", {});
    await waitFor(async () => (await getPVC("dynamic")).spec.storageClassName === "standard", 3000, "default class assigned");
    await waitFor(async () => (await events("ExternalProvisioning")).length > 0, 3000, "ExternalProvisioning");
    const pvc = await getPVC("dynamic");
    expect(pvc.metadata.annotations).toMatchObject({
      "volume.kubernetes.io/storage-provisioner": "kubeling.io/local-path",
      "volume.beta.kubernetes.io/storage-provisioner": "kubeling.io/local-path",
    });
    expect((await events("ExternalProvisioning"))[0].message).toBe(
      "Waiting for a volume to be created either by the external provisioner 'kubeling.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
    );
    expect(pvc.status.phase).toBe("Pending");
  });

  it("reports a class nobody provisions as ProvisioningFailed, like a missing StorageClass", async () => {
    await start({ defaultStorageClassName: null });
    await createPVC("gold", { storageClassName: "gold" });
    await createPVC("unset", {});
    await waitFor(async () => (await events("ProvisioningFailed")).length > 0, 3000, "ProvisioningFailed");
    expect((await events("ProvisioningFailed"))[0]).toMatchObject({ type: "Warning", message: 'storageclass.storage.k8s.io "gold" not found' });
    // Without a default class an unset class is no class.
    await waitFor(async () => (await events("FailedBinding")).some((e) => e.involvedObject.name === "unset"), 3000, "FailedBinding for unset");
    expect((await getPVC("unset")).spec.storageClassName).toBeUndefined();
  });

  it("releases a Retain volume when its claim is deleted, and deletes a Delete volume", async () => {
    await start();
    await createPV("kept", { size: "1Gi", cls: "", claimRef: { namespace: "default", name: "a" } });
    await createPV("dropped", { size: "1Gi", cls: "", policy: "Delete", claimRef: { namespace: "default", name: "b" } });
    await createPVC("a", { storageClassName: "" });
    await createPVC("b", { storageClassName: "" });
    await boundTo("a");
    await boundTo("b");
    await h!.client.delete(R.persistentVolumeClaims, "default", "a");
    await h!.client.delete(R.persistentVolumeClaims, "default", "b");
    await waitFor(async () => (await getPV("kept")).status.phase === "Released", 3000, "kept Released");
    expect((await getPV("kept")).spec.claimRef.name).toBe("a");
    await waitFor(() => gone("dropped"), 3000, "dropped deleted");
    // A Released volume is not handed to a new claim of the same name.
    await createPVC("a", { storageClassName: "" });
    await new Promise((r) => setTimeout(r, 100));
    expect(await phaseOf("a")).toBe("Pending");
    expect((await getPV("kept")).status.phase).toBe("Released");
  });

  it("fails a Recycle volume (no recycler) when its claim goes", async () => {
    await start();
    await createPV("recycled", { size: "1Gi", cls: "", policy: "Recycle", claimRef: { namespace: "default", name: "r" } });
    await createPVC("r", { storageClassName: "" });
    await boundTo("r");
    await h!.client.delete(R.persistentVolumeClaims, "default", "r");
    await waitFor(async () => (await getPV("recycled")).status.phase === "Failed", 3000, "Failed");
    expect((await getPV("recycled")).status.message).toBe("No recycler plugin found for the volume!");
    const [e] = ((await h!.client.list(R.events, "default")).items as Obj[]).filter((x) => x.reason === "VolumeFailedRecycle");
    expect(e).toMatchObject({ type: "Warning", involvedObject: { kind: "PersistentVolume", name: "recycled" } });
  });

  it("marks a bound claim Lost when its volume is deleted", async () => {
    await start();
    await createPV("doomed", { size: "1Gi", cls: "" });
    await createPVC("orphan", { storageClassName: "" });
    await boundTo("orphan");
    await h!.client.delete(R.persistentVolumes, undefined, "doomed");
    await waitFor(async () => (await phaseOf("orphan")) === "Lost", 3000, "Lost");
    const [e] = await events("ClaimLost");
    expect(e).toMatchObject({ type: "Warning", message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!" });
    const status = (await getPVC("orphan")).status;
    expect(status.capacity).toBeUndefined();
    expect(status.accessModes).toBeUndefined();
  });
});
