// ServiceAccount admission's token volume (plugin/pkg/admission/serviceaccount): unless the
// pod or its service account sets automountServiceAccountToken: false, a pod gets a projected
// volume "kube-api-access-<5 chars>" — a bound token (3607 s), the cluster CA from the
// kube-root-ca.crt ConfigMap, and the namespace — mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container that has nothing there.
import type { KubeObject } from "./object-store.js";
import type { ObjectStore } from "./object-store.js";
import { findResource } from "./resources.js";
import { ADMISSION_TOKEN_SECONDS } from "./service-account-tokens.js";

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

type Container = { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] };
type PodSpec = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; projected?: unknown }[];
  containers?: Container[];
  initContainers?: Container[];
};

export async function admitServiceAccountVolume(store: ObjectStore, pod: KubeObject, namespace: string): Promise<void> {
  const spec = (pod.spec ?? {}) as PodSpec;
  if (spec.automountServiceAccountToken === false) return;
  if (spec.automountServiceAccountToken === undefined) {
    try {
      const sa = await store.get(findResource("", "v1", "serviceaccounts")!, namespace, spec.serviceAccountName ?? "default");
      if ((sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken === false) return;
    } catch {
      // No such account (yet): the token request will fail on the node and say so.
    }
  }
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  // Someone mounted their own token there: leave the pod as it is.
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  if ((spec.volumes ?? []).some((v) => v.name.startsWith("kube-api-access-"))) return;
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += ALPHANUMS[Math.floor(Math.random() * ALPHANUMS.length)];
  const name = `kube-api-access-${suffix}`;
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name,
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: ADMISSION_TOKEN_SECONDS, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    },
  ];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
  pod.spec = spec as KubeObject["spec"];
}
