// The Node object a kubelet registers and the status it reports, as the kubelet's
// initialNode and its node status setters (pkg/kubelet/nodestatus/setters.go) write them:
// default labels, addresses, capacity/allocatable, nodeInfo, images, and the four
// conditions with the kubelet's reasons and messages.
import { timestamp } from "../api/object-store.js";
import type { ImageInfo } from "../../bindings/runtime.js";

export const KUBELET_VERSION = "v1.32.0-kubeling";

/** The kubelet caps node.status.images at 50 (nodeStatusMaxImages), largest first. */
const MAX_IMAGES = 50;

export interface NodeConfig {
  name: string;
  /** The node's InternalIP. */
  address: string;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  podCIDR?: string;
  /** Where the kubelet's own server listens (status.daemonEndpoints); default 10250. */
  kubeletPort?: number;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  /** Stable per node: machineID, systemUUID, bootID. */
  machineID: string;
  bootID: string;
  /** What the machine says of itself (a real node); simulated nodes leave them out. */
  kernelVersion?: string;
  osImage?: string;
  architecture?: string;
}

export interface NodeConditionLike {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The labels every kubelet sets on its node (kubelet_node_status.go, updateDefaultLabels). */
export function defaultLabels(name: string): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
  };
}

/** The Node as the kubelet first creates it (spec, labels, and a full status). */
export function initialNode(config: NodeConfig, images: ImageInfo[], now: number): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: config.name,
      labels: { ...defaultLabels(config.name), ...config.labels },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: {
      ...(config.podCIDR ? { podCIDR: config.podCIDR, podCIDRs: [config.podCIDR] } : {}),
      ...(config.taints.length > 0 ? { taints: config.taints.map((t) => ({ ...t })) } : {}),
    },
    status: nodeStatus(config, images, undefined, now),
  };
}

/**
 * The status the setters produce. `previous` keeps each condition's lastTransitionTime
 * while its status does not change; lastHeartbeatTime is always `now`.
 */
export function nodeStatus(config: NodeConfig, images: ImageInfo[], previous: Record<string, unknown> | undefined, now: number): Record<string, unknown> {
  const stamp = timestamp(new Date(now));
  const old = (previous?.conditions as NodeConditionLike[] | undefined) ?? [];
  const condition = (type: string, status: string, reason: string, message: string): NodeConditionLike => {
    const before = old.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: stamp,
      lastTransitionTime: before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : stamp,
      reason,
      message,
    };
  };
  return {
    capacity: { ...config.capacity },
    allocatable: { ...config.allocatable },
    conditions: [
      condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: config.address },
      { type: "Hostname", address: config.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: config.machineID,
      systemUUID: config.machineID,
      bootID: config.bootID,
      kernelVersion: config.kernelVersion ?? "6.1.0-kubeling",
      osImage: config.osImage ?? "kubeling simulated node",
      containerRuntimeVersion: config.containerRuntimeVersion,
      kubeletVersion: config.kubeletVersion,
      // Still set in v1.32 (DisableNodeKubeProxyVersion is off until v1.33).
      kubeProxyVersion: config.kubeletVersion,
      operatingSystem: "linux",
      architecture: config.architecture ?? "amd64",
    },
    images: [...images]
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, MAX_IMAGES)
      .map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes })),
  };
}

/** Whether two node statuses differ in more than their heartbeat times (a change worth posting at once). */
export function nodeStatusChanged(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  if (!a) return true;
  const strip = (s: Record<string, unknown>) => ({
    ...s,
    conditions: ((s.conditions as NodeConditionLike[] | undefined) ?? []).map(({ lastHeartbeatTime: _, ...c }) => c),
  });
  return !deepEqual(strip(a), strip(b));
}

/** Structural equality, key order ignored (the API may return keys in another order); no copies, as every node runs this every 10 s. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}
