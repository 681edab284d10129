// PersistentVolumes and PersistentVolumeClaims. Quantities print as stored (the real server
// re-canonicalises them, e.g. "1.5Gi" as "1536Mi"; objects written through the API
// are normally canonical already).
import type { ObjectMeta } from "../../types/meta.js";
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

/** The pre-storageClassName way to name a class, still honoured first. */
const BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

const ACCESS_MODE_ABBREVIATIONS: [string, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];

/** ACCESS MODES: abbreviations in this fixed order, each once, comma-joined. */
export function accessModes(modes: readonly string[] | null | undefined): string {
  const present = new Set(modes ?? []);
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => present.has(mode))
    .map(([, short]) => short)
    .join(",");
}

function storageClass(meta: ObjectMeta | undefined, specClass: string | null | undefined): string {
  return meta?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? specClass ?? "";
}

interface PersistentVolume extends HasMeta {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string } | null;
    storageClassName?: string;
    volumeAttributesClassName?: string | null;
    volumeMode?: string | null;
  };
  status?: { phase?: string; reason?: string };
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn,
    column("Capacity", "string", FIELD_DOCS["PersistentVolumeSpec.capacity"]),
    column("Access Modes", "string", FIELD_DOCS["PersistentVolumeSpec.accessModes"]),
    column("Reclaim Policy", "string", FIELD_DOCS["PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
    column("Status", "string", FIELD_DOCS["PersistentVolumeStatus.phase"]),
    column("Claim", "string", FIELD_DOCS["PersistentVolumeSpec.claimRef"]),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", FIELD_DOCS["PersistentVolumeStatus.reason"]),
    ageColumn,
    column("VolumeMode", "string", FIELD_DOCS["PersistentVolumeSpec.volumeMode"], { priority: 1 }),
  ],
  row: (pv: PersistentVolume, now) => {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    return {
      cells: [
        nameOf(pv),
        spec.capacity?.storage ?? "0",
        accessModes(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? "",
        pv.metadata?.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? ""),
        claim,
        storageClass(pv.metadata, spec.storageClassName),
        spec.volumeAttributesClassName ?? "<unset>",
        pv.status?.reason ?? "",
        ageOf(pv, now),
        spec.volumeMode ?? "<unset>",
      ],
    };
  },
};

interface PersistentVolumeClaim extends HasMeta {
  spec?: {
    volumeName?: string;
    storageClassName?: string | null;
    volumeAttributesClassName?: string | null;
    volumeMode?: string | null;
  };
  status?: { phase?: string; capacity?: Record<string, string>; accessModes?: string[] };
}

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn,
    column("Status", "string", FIELD_DOCS["PersistentVolumeClaimStatus.phase"]),
    column("Volume", "string", FIELD_DOCS["PersistentVolumeClaimSpec.volumeName"]),
    column("Capacity", "string", FIELD_DOCS["PersistentVolumeClaimStatus.capacity"]),
    column("Access Modes", "string", FIELD_DOCS["PersistentVolumeClaimStatus.accessModes"]),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn,
    column("VolumeMode", "string", FIELD_DOCS["PersistentVolumeClaimSpec.volumeMode"], { priority: 1 }),
  ],
  row: (pvc: PersistentVolumeClaim, now) => {
    const spec = pvc.spec ?? {};
    // Capacity and access modes describe the bound volume, so an unbound claim shows neither.
    const bound = Boolean(spec.volumeName);
    return {
      cells: [
        nameOf(pvc),
        pvc.metadata?.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? ""),
        spec.volumeName ?? "",
        bound ? (pvc.status?.capacity?.storage ?? "0") : "",
        bound ? accessModes(pvc.status?.accessModes) : "",
        storageClass(pvc.metadata, spec.storageClassName),
        spec.volumeAttributesClassName ?? "<unset>",
        ageOf(pvc, now),
        spec.volumeMode ?? "<unset>",
      ],
    };
  },
};
