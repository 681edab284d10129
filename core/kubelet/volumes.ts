// A pod's volumes as the kubelet's volume plugins would set them up, computed
// host-agnostically: what each volume is (an emptyDir, a host path, or files with their
// bytes and modes) goes to the runtime (Runtime.setUpPodVolumes), which owns the machine's
// directories. configMap, secret, downwardAPI and projected volumes are the plugins'
// payloads (configmap.MakePayload, secret.MakePayload, downwardapi.CollectData, projected's
// collectData); persistentVolumeClaim resolves to its bound PV's hostPath or local path.
// A failure names the volume: the kubelet reports it as FailedMount and tries again.
// A projected serviceAccountToken is a TokenRequest bound to the pod, as the kubelet's token
// manager makes it. Left out: refreshing it before it expires (admission's tokens live a
// year), and every other volume type.
import type { PodVolume, VolumeFile } from "../../bindings/runtime.js";
import type { ApiClient } from "../controllers/client.js";
import { R, isNotFound } from "../controllers/client.js";
import { parseQuantity } from "../controllers/persistent-volume.js";
import { ConfigError, optionally, type ConfigSources, type KeyData } from "./config-sources.js";
import { DownwardAPIError, containerResourceValue, extractFieldPathAsString, findContainer, type DownwardContext } from "./downward-api.js";
import type { DownwardAPIVolumeFile, KeyToPath, Pod, Volume } from "./types.js";

export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

/** The plugins' directory names, as under /var/lib/kubelet/pods/<uid>/volumes/. */
export const PLUGINS = {
  emptyDir: "kubernetes.io~empty-dir",
  hostPath: "kubernetes.io~host-path",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
  pvc: "kubernetes.io~host-path",
} as const;

const DEFAULT_MODE = 0o644;
const encoder = new TextEncoder();

export async function resolvePodVolumes(pod: Pod, sources: ConfigSources, client: ApiClient, ctx: DownwardContext): Promise<PodVolume[]> {
  const out: PodVolume[] = [];
  for (const v of pod.spec.volumes ?? []) {
    try {
      out.push(await resolveVolume(pod, v, sources, client, ctx));
    } catch (err) {
      if (err instanceof ConfigError || err instanceof DownwardAPIError) throw new VolumeError(v.name, err.message);
      throw err;
    }
  }
  return out;
}

async function resolveVolume(pod: Pod, v: Volume, sources: ConfigSources, client: ApiClient, ctx: DownwardContext): Promise<PodVolume> {
  const ns = pod.metadata.namespace;
  if (v.emptyDir !== undefined) {
    const size = parseQuantity(v.emptyDir?.sizeLimit);
    return {
      name: v.name,
      kind: "emptyDir",
      plugin: PLUGINS.emptyDir,
      ...(v.emptyDir?.medium ? { medium: v.emptyDir.medium } : {}),
      ...(size > 0 ? { sizeLimitBytes: Math.ceil(size) } : {}),
    };
  }
  if (v.hostPath) return { name: v.name, kind: "hostPath", plugin: PLUGINS.hostPath, path: v.hostPath.path, hostPathType: v.hostPath.type ?? "" };
  if (v.configMap) {
    const s = v.configMap;
    const data = (await optionally(s.optional, () => sources.configMap(ns, s.name ?? ""))) ?? new Map();
    const files = makePayload("configmap references non-existent config key", s.items, data, s.defaultMode ?? DEFAULT_MODE, !!s.optional);
    return { name: v.name, kind: "files", plugin: PLUGINS.configMap, files };
  }
  if (v.secret) {
    const s = v.secret;
    const data = (await optionally(s.optional, () => sources.secret(ns, s.secretName ?? ""))) ?? new Map();
    const files = makePayload("references non-existent secret key", s.items, data, s.defaultMode ?? DEFAULT_MODE, !!s.optional);
    return { name: v.name, kind: "files", plugin: PLUGINS.secret, files, sensitive: true };
  }
  if (v.downwardAPI) {
    const files = collectDownward(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx);
    return { name: v.name, kind: "files", plugin: PLUGINS.downwardAPI, files };
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    const files: VolumeFile[] = [];
    for (const source of v.projected.sources ?? []) {
      if (source.configMap) {
        const s = source.configMap;
        const data = (await optionally(s.optional, () => sources.configMap(ns, s.name ?? ""))) ?? new Map();
        files.push(...makePayload("configmap references non-existent config key", s.items, data, mode, !!s.optional));
      } else if (source.secret) {
        const s = source.secret;
        const data = (await optionally(s.optional, () => sources.secret(ns, s.name ?? ""))) ?? new Map();
        files.push(...makePayload("references non-existent secret key", s.items, data, mode, !!s.optional));
      } else if (source.downwardAPI) {
        files.push(...collectDownward(pod, source.downwardAPI.items ?? [], mode, ctx));
      } else if (source.serviceAccountToken) {
        const s = source.serviceAccountToken;
        files.push({ path: s.path, content: encoder.encode(await requestToken(pod, s, client)), mode });
      }
    }
    return { name: v.name, kind: "files", plugin: PLUGINS.projected, files: dedupe(files), sensitive: true };
  }
  if (v.persistentVolumeClaim) return resolveClaim(pod, v, client);
  const type = Object.keys(v).find((k) => k !== "name") ?? "unknown";
  throw new ConfigError(`volume type ${type} is not supported on this node`);
}

/** TokenRequest for the pod's service account, bound to the pod (the kubelet's token manager). */
async function requestToken(pod: Pod, s: { audience?: string; expirationSeconds?: number }, client: ApiClient): Promise<string> {
  const account = pod.spec.serviceAccountName ?? "default";
  try {
    const answer = (await client.createSubresource(R.serviceAccounts, pod.metadata.namespace, account, "token", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        ...(s.audience ? { audiences: [s.audience] } : {}),
        expirationSeconds: s.expirationSeconds ?? 3600,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: pod.metadata.name, uid: pod.metadata.uid },
      },
    })) as { status?: { token?: string } };
    if (!answer.status?.token) throw new Error("the answer holds no token");
    return answer.status.token;
  } catch (err) {
    throw new ConfigError(`failed to fetch token: ${(err as Error).message}`);
  }
}

/** configmap/secret MakePayload: every key (defaultMode), or the items (their mode, else defaultMode). */
function makePayload(missingKey: string, items: KeyToPath[] | undefined, data: KeyData, defaultMode: number, optional: boolean): VolumeFile[] {
  if (!items || items.length === 0) {
    return [...data].map(([key, content]) => ({ path: cleanPath(key), content, mode: defaultMode }));
  }
  const files: VolumeFile[] = [];
  for (const item of items) {
    const content = data.get(item.key);
    if (!content) {
      if (optional) continue;
      throw new ConfigError(`${missingKey}: ${item.key}`);
    }
    files.push({ path: cleanPath(item.path), content, mode: item.mode ?? defaultMode });
  }
  return files;
}

/** downwardapi.CollectData: metadata fields and container resources, one file each. */
function collectDownward(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, ctx: DownwardContext): VolumeFile[] {
  return items.map((item) => {
    let value = "";
    if (item.fieldRef) value = extractFieldPathAsString(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) {
      const container = findContainer(pod, item.resourceFieldRef.containerName);
      if (!container) throw new DownwardAPIError(`failed to find container "${item.resourceFieldRef.containerName ?? ""}" in pod`);
      value = containerResourceValue(item.resourceFieldRef, container, ctx);
    }
    return { path: cleanPath(item.path), content: encoder.encode(value), mode: item.mode ?? defaultMode };
  });
}

/** A later source wins a path, as projected's payload map does. */
function dedupe(files: VolumeFile[]): VolumeFile[] {
  const byPath = new Map<string, VolumeFile>();
  for (const f of files) byPath.set(f.path, f);
  return [...byPath.values()];
}

/** filepath.Clean of a relative path; absolute paths and ".." are refused (API validation refuses them too). */
function cleanPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (path.startsWith("/") || parts.includes("..") || parts.length === 0 || parts[0].startsWith("..")) {
    throw new ConfigError(`invalid path ${JSON.stringify(path)}: must be relative and may not contain '..'`);
  }
  return parts.join("/");
}

/** persistentVolumeClaim: the bound PV's hostPath (or local) path. */
async function resolveClaim(pod: Pod, v: Volume, client: ApiClient): Promise<PodVolume> {
  const ns = pod.metadata.namespace;
  const claimName = v.persistentVolumeClaim!.claimName;
  let claim;
  try {
    claim = (await client.get(R.persistentVolumeClaims, ns, claimName)) as { spec?: { volumeName?: string }; status?: { phase?: string } };
  } catch (err) {
    if (isNotFound(err)) throw new ConfigError(`error processing PVC ${ns}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    throw err;
  }
  const volumeName = claim.spec?.volumeName ?? "";
  const phase = claim.status?.phase ?? "";
  if (phase !== "Bound" || !volumeName) {
    throw new ConfigError(`error processing PVC ${ns}/${claimName}: PVC ${ns}/${claimName} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(volumeName)})`);
  }
  let pv;
  try {
    pv = (await client.get(R.persistentVolumes, undefined, volumeName)) as { spec?: { hostPath?: { path: string; type?: string }; local?: { path: string } } };
  } catch (err) {
    if (isNotFound(err)) throw new ConfigError(`error processing PVC ${ns}/${claimName}: failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`);
    throw err;
  }
  const spec = pv.spec ?? {};
  if (spec.hostPath) return { name: v.name, kind: "hostPath", plugin: PLUGINS.pvc, path: spec.hostPath.path, hostPathType: spec.hostPath.type ?? "" };
  // A local volume's path must exist (the local plugin does not create it).
  if (spec.local) return { name: v.name, kind: "hostPath", plugin: PLUGINS.pvc, path: spec.local.path, hostPathType: "Directory" };
  throw new ConfigError(`persistent volume ${volumeName}: only hostPath and local volumes are supported on this node`);
}
