// The core/v1 shapes the kubelet reads and writes, with the fields it needs (JSON as the
// API serves it; unknown fields pass through). Field order follows the Go structs.
import type { ObjectMeta } from "../types/meta.js";

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  workingDir?: string;
  /** Keep stdin open (`kubectl run -i`, `kubectl attach`); stdinOnce closes it after the first attach ends. */
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  securityContext?: SecurityContext;
  lifecycle?: { postStart?: LifecycleHandler; preStop?: LifecycleHandler };
  imagePullPolicy?: string;
  /** Init containers only: "Always" makes it a sidecar (restartable init container). */
  restartPolicy?: string;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; recursiveReadOnly?: string; subPath?: string; subPathExpr?: string }[];
  /** Named ports resolve the probes' port names. */
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
}

export interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath: string;
}

export interface ResourceFieldSelector {
  containerName?: string;
  resource: string;
  divisor?: string | number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: ResourceFieldSelector;
    configMapKeyRef?: KeyRef;
    secretKeyRef?: KeyRef;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
}

export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  sleep?: { seconds: number };
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number } | null;
  hostPath?: { path: string; type?: string };
  configMap?: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[]; defaultMode?: number };
  projected?: {
    sources?: {
      configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
      downwardAPI?: { items?: DownwardAPIVolumeFile[] };
      serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
    }[];
    defaultMode?: number;
  };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

export interface PodSpec {
  containers: ContainerSpec[];
  volumes?: Volume[];
  serviceAccountName?: string;
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; fsGroup?: number };
  initContainers?: ContainerSpec[];
  nodeName?: string;
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  hostname?: string;
  hostNetwork?: boolean;
  readinessGates?: { conditionType: string }[];
}

export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}

export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt: string | null;
  finishedAt: string | null;
  containerID?: string;
}

export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: { startedAt: string | null };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; recursiveReadOnly?: string }[];
}

export interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  qosClass?: string;
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & {
    name: string;
    namespace: string;
    uid: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: PodSpec;
  status?: PodStatus;
}

export const isRestartableInit = (c: ContainerSpec): boolean => c.restartPolicy === "Always";
export const isTerminalPhase = (phase: string | undefined): boolean => phase === "Succeeded" || phase === "Failed";
