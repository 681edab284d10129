// The local-path provisioner with the binder, against the in-process API: which claims get
// a provisioned hostPath volume, what that volume looks like, and that it is bound and
// deleted with its claim.
import { afterEach, describe, expect, it } from "vitest";
import { LocalPathProvisioner } from "../../dist/core/controllers/local-provisioner.js";
import { PersistentVolumeBinder } from "../../dist/core/controllers/persistent-volume.js";
import { R, isNotFound, type KubeObject } from "../../dist/core/controllers/client.js";
import { startControlPlane, waitFor, type Harness } from "./harness.js";

type Obj = KubeObject & Record<string, any>;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: ConstructorParameters<typeof LocalPathProvisioner>[0] = {}, binder: ConstructorParameters<typeof PersistentVolumeBinder>[0] = {}): Promise<Harness> {
  h = await startControlPlane([new PersistentVolumeBinder(binder), new LocalPathProvisioner(options)]);
  return h;
}

async function createPVC(name: string, spec: Record<string, unknown> = {}, size = "2Gi"): Promise<Obj> {
  return (await h!.client.create(R.persistentVolumeClaims, "default", {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...spec },
  })) as Obj;
}

const getPVC = async (name: string) => (await h!.client.get(R.persistentVolumeClaims, "default", name)) as Obj;
const volumes = async () => (await h!.client.list(R.persistentVolumes)).items as Obj[];

async function bound(name: string): Promise<Obj> {
  await waitFor(async () => (await getPVC(name)).status?.phase === "Bound", 3000, `${name} Bound`);
  return getPVC(name);
}

async function events(reason: string): Promise<Obj[]> {
  return ((await h!.client.list(R.events, "default")).items as Obj[]).filter((e) => e.reason === reason);
}

/** Long enough for both controllers to have acted on a claim they would act on. */
const settle = () => new Promise((r) => setTimeout(r, 150));

describe("LocalPathProvisioner", () => {
  it("provisions a hostPath volume pvc-<uid> for a claim of its class, pre-bound, and the binder binds it", async () => {
    await start();
    const claim = await createPVC("data", { storageClassName: "standard", accessModes: ["ReadWriteOnce", "ReadOnlyMany"] });
    const uid = claim.metadata.uid;
    const pvc = await bound("data");
    expect(pvc.spec.volumeName).toBe(`pvc-${uid}`);
    expect(pvc.status.capacity).toEqual({ storage: "2Gi" });
    const pv = (await h!.client.get(R.persistentVolumes, undefined, `pvc-${uid}`)) as Obj;
    expect(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"]).toBe("kubeling.io/local-path");
    expect(pv.spec).toMatchObject({
      capacity: { storage: "2Gi" },
      accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "standard",
      volumeMode: "Filesystem",
      hostPath: { path: `/var/lib/kubeling/volumes/default-data-${uid}`, type: "DirectoryOrCreate" },
      claimRef: { kind: "PersistentVolumeClaim", apiVersion: "v1", namespace: "default", name: "data", uid },
    });
    await waitFor(async () => ((await h!.client.get(R.persistentVolumes, undefined, `pvc-${uid}`)) as Obj).status.phase === "Bound", 3000, "PV Bound");
    const [provisioning] = await events("Provisioning");
    expect(provisioning).toMatchObject({ type: "Normal", message: 'External provisioner is provisioning volume for claim "default/data"', source: { component: "kubeling.io/local-path" } });
    const [succeeded] = await events("ProvisioningSucceeded");
    expect(succeeded.message).toBe(`Successfully provisioned volume pvc-${uid}`);
    expect(await volumes()).toHaveLength(1);
  });

  it("serves a claim that never set a class once the binder gives it the default class", async () => {
    await start();
    const claim = await createPVC("unset");
    const pvc = await bound("unset");
    expect(pvc.spec.storageClassName).toBe("standard");
    expect(pvc.spec.volumeName).toBe(`pvc-${claim.metadata.uid}`);
  });

  it("does not provision for storageClassName \"\" (no class) or another class", async () => {
    await start();
    await createPVC("none", { storageClassName: "" });
    await createPVC("fast", { storageClassName: "fast" });
    await waitFor(async () => (await events("FailedBinding")).length > 0 && (await events("ProvisioningFailed")).length > 0, 3000, "binder events");
    await settle();
    expect(await volumes()).toEqual([]);
    expect((await getPVC("none")).status.phase).toBe("Pending");
    expect((await getPVC("fast")).status.phase).toBe("Pending");
  });

  it("leaves a claim that an existing volume satisfies to the binder", async () => {
    await start();
    await h!.client.create(R.persistentVolumes, undefined, {
      metadata: { name: "existing" },
      spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "standard", hostPath: { path: "/srv/existing" } },
    });
    await waitFor(async () => (await volumes())[0]?.status?.phase === "Available", 3000, "Available");
    await createPVC("data", { storageClassName: "standard" });
    expect((await bound("data")).spec.volumeName).toBe("existing");
    await settle();
    expect((await volumes()).map((v) => v.metadata.name)).toEqual(["existing"]);
    expect(await events("Provisioning")).toEqual([]);
  });

  it("uses its configured class and base path, and the binder deletes the volume with its claim", async () => {
    await start({ className: "local", basePath: "/mnt/disks/" }, { defaultStorageClassName: "local", provisioners: { local: "kubeling.io/local-path" } });
    const claim = await createPVC("scratch", { storageClassName: "local" }, "100Mi");
    await bound("scratch");
    const [pv] = await volumes();
    expect(pv.spec.hostPath.path).toBe(`/mnt/disks/default-scratch-${claim.metadata.uid}`);
    expect(pv.spec.storageClassName).toBe("local");
    await h!.client.delete(R.persistentVolumeClaims, "default", "scratch");
    await waitFor(async () => {
      try {
        await h!.client.get(R.persistentVolumes, undefined, pv.metadata.name);
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 3000, "the provisioned volume deleted");
  });

  it("refuses claims it cannot serve with ProvisioningFailed", async () => {
    await start();
    await createPVC("picky", { storageClassName: "standard", selector: { matchLabels: { disk: "ssd" } } });
    await createPVC("raw", { storageClassName: "standard", volumeMode: "Block" });
    await waitFor(async () => (await events("ProvisioningFailed")).length === 2, 3000, "two ProvisioningFailed");
    const messages = (await events("ProvisioningFailed")).map((e) => e.message).sort();
    expect(messages).toEqual([
      'failed to provision volume with StorageClass "standard": claim.Spec.Selector is not supported for dynamic provisioning',
      'failed to provision volume with StorageClass "standard": volumeMode Block is not supported',
    ]);
    expect(await volumes()).toEqual([]);
  });
});
