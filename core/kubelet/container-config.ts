// The runtime-facing parts of a container's config that come straight from its spec, as
// kuberuntime's generateLinuxContainerConfig and makeMounts compute them: CPU shares and
// CFS quota from requests/limits (milliCPUToShares, milliCPUToQuota), the memory limit,
// the security context (container fields over the pod's), and the volume mounts.
import type { ContainerResources, ContainerSecurityContext, Mount } from "../../bindings/runtime.js";
import { parseQuantity } from "../controllers/persistent-volume.js";
import { ConfigError } from "./config-sources.js";
import type { ContainerSpec, Pod } from "./types.js";

const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD = 100_000;
const MIN_QUOTA_PERIOD = 1000;

/** resource.Quantity.MilliValue(): rounded up. */
function milli(q: string | number | undefined): number {
  const v = parseQuantity(q);
  return Number.isFinite(v) ? Math.ceil(v * 1000 - 1e-9) : 0;
}

export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

export function milliCPUToQuota(milliCPU: number, period = QUOTA_PERIOD): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA_PERIOD, Math.floor((milliCPU * period) / 1000));
}

export function containerResources(c: ContainerSpec): ContainerResources {
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  const cpuRequest = milli(requests.cpu);
  const cpuLimit = milli(limits.cpu);
  // No request but a limit: shares follow the limit (the API defaults requests to limits anyway).
  const out: ContainerResources = { cpuShares: milliCPUToShares(cpuRequest === 0 && cpuLimit !== 0 ? cpuLimit : cpuRequest) };
  if (cpuLimit > 0) {
    out.cpuQuota = milliCPUToQuota(cpuLimit);
    out.cpuPeriod = QUOTA_PERIOD;
  }
  const memory = parseQuantity(limits.memory);
  if (memory > 0) out.memoryLimitBytes = Math.round(memory);
  return out;
}

/** The effective security context (DetermineEffectiveSecurityContext): the container's fields over the pod's. */
export function containerSecurityContext(pod: Pod, c: ContainerSpec): ContainerSecurityContext | undefined {
  const p = pod.spec.securityContext ?? {};
  const s = c.securityContext ?? {};
  const out: ContainerSecurityContext = {};
  const runAsUser = s.runAsUser ?? p.runAsUser;
  const runAsGroup = s.runAsGroup ?? p.runAsGroup;
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  if (s.readOnlyRootFilesystem) out.readOnlyRootFilesystem = true;
  if (s.privileged) out.privileged = true;
  const nonRoot = s.runAsNonRoot ?? p.runAsNonRoot;
  // verifyRunAsNonRoot, for the case the kubelet can decide without the image: an explicit uid 0.
  if (nonRoot && runAsUser === 0) throw new ConfigError("container's runAsUser breaks non-root policy (pod: " + `"${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${c.name})`);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** makeMounts: every volumeMount, its volume checked; a read-only claim mounts read-only. */
export function containerMounts(pod: Pod, c: ContainerSpec): Mount[] {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (c.volumeMounts ?? []).map((m) => {
    const v = volumes.get(m.name);
    if (!v) throw new ConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    const subPath = m.subPath ?? "";
    if (subPath.startsWith("/") || subPath.split("/").includes("..")) {
      throw new ConfigError(`subPath "${subPath}" must be a relative path without '..'`);
    }
    const readOnly = !!m.readOnly || !!v.persistentVolumeClaim?.readOnly;
    return { volume: m.name, containerPath: m.mountPath, ...(readOnly ? { readOnly } : {}), ...(subPath ? { subPath } : {}) };
  });
}
