// Defaulting that kube-apiserver does on write, for the fields kubectl shows or relies on.
// Runs on the object about to be stored (create and update).
// Per-kind defaulters live in defaults/ (pods and templates, workloads, …).
import type { KubeObject } from "./object-store.js";
import type { Defaulter } from "./defaults/types.js";
import { podDefaulters } from "./defaults/pod.js";
import { deploymentDefaulters } from "./defaults/deployment.js";
import { statefulSetDefaulters } from "./defaults/statefulset.js";
import { daemonSetDefaulters } from "./defaults/daemonset.js";
import { jobDefaulters } from "./defaults/job.js";
import { cronJobDefaulters } from "./defaults/cronjob.js";
import { persistentVolumeDefaulters } from "./defaults/persistent-volume.js";
import { serviceDefaulters } from "./defaults/service.js";

/** base64 of a string's UTF-8 bytes, without Node's Buffer. */
function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const DEFAULTERS: Record<string, Defaulter> = {
  ...podDefaulters,
  ...deploymentDefaulters,
  ...statefulSetDefaulters,
  ...daemonSetDefaulters,
  ...jobDefaulters,
  ...cronJobDefaulters,
  ...persistentVolumeDefaulters,
  ...serviceDefaulters,
  // Secret: stringData is write-only, merged into data (base64) and dropped; type Opaque.
  Secret(obj) {
    const stringData = obj.stringData as Record<string, string> | undefined;
    if (stringData && typeof stringData === "object") {
      const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(stringData)) data[k] = base64Utf8(String(v));
      obj.data = data;
    }
    delete obj.stringData;
    obj.type ??= "Opaque";
  },
  // Namespace: the "kubernetes" finalizer and phase Active.
  Namespace(obj) {
    const spec = (obj.spec ??= {}) as { finalizers?: string[] };
    spec.finalizers ??= ["kubernetes"];
    const status = (obj.status ??= {}) as { phase?: string };
    status.phase ??= obj.metadata?.deletionTimestamp ? "Terminating" : "Active";
  },
};

export function applyDefaults(kind: string, obj: KubeObject): void {
  DEFAULTERS[kind]?.(obj);
}
