// Small builders for scheduler tests: nodes and pods as plain Kubernetes JSON.
import type { V1Node, V1Pod, V1Taint, V1Toleration, V1Affinity, V1ContainerPort } from "../../dist/core/index.js";

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
  extra?: Record<string, string>;
}

export function node(name: string, o: NodeOptions = {}): V1Node {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? "4", memory: o.memory ?? "32Gi", pods: o.pods ?? "110", ...o.extra },
      images: o.images,
    },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  requests?: Record<string, string>;
  nodeName?: string;
  labels?: Record<string, string>;
  tolerations?: V1Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  ports?: V1ContainerPort[];
  image?: string;
  containers?: number;
  initContainers?: { cpu?: string; memory?: string; restartPolicy?: string }[];
  overhead?: Record<string, string>;
}

export function pod(name: string, o: PodOptions = {}): V1Pod {
  const requests: Record<string, string> = { ...o.requests };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const containers = Array.from({ length: o.containers ?? 1 }, (_, i) => ({
    name: `c${i}`,
    image: o.image ?? "busybox",
    resources: Object.keys(requests).length ? { requests } : undefined,
    ports: i === 0 ? o.ports : undefined,
  }));
  const initContainers = (o.initContainers ?? []).map((c, i) => ({
    name: `init${i}`,
    image: "busybox",
    restartPolicy: c.restartPolicy,
    resources: { requests: { ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.memory ? { memory: c.memory } : {}) } },
  }));
  return {
    metadata: { name, namespace: o.namespace ?? "default", labels: o.labels },
    spec: {
      nodeName: o.nodeName,
      tolerations: o.tolerations,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      containers,
      initContainers,
      ...(o.overhead ? { overhead: o.overhead } : {}),
    } as V1Pod["spec"],
  };
}

/** A profile with only `plugin` enabled (at every point it has), as kube-scheduler's tests do. */
export function only(plugin: string, args?: Record<string, unknown>) {
  return {
    plugins: { multiPoint: { enabled: [{ name: plugin }], disabled: [{ name: "*" }] } },
    pluginConfig: args ? [{ name: plugin, args }] : [],
    percentageOfNodesToScore: 100,
  };
}
