// Plain Kubernetes JSON shapes, core/v1: the parts of Pod and Node the core reads so far.
// Later issues extend these; unknown fields pass through untouched.

import type { ObjectMeta, TypeMeta, LabelSelector } from "./meta.js";

export type NodeSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

export interface V1NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator | string;
  values?: string[] | null;
}

export interface V1NodeSelectorTerm {
  matchExpressions?: V1NodeSelectorRequirement[] | null;
  matchFields?: V1NodeSelectorRequirement[] | null;
}

/** Terms are ORed. An empty or missing term list matches no node. */
export interface V1NodeSelector {
  nodeSelectorTerms?: V1NodeSelectorTerm[] | null;
}

export interface V1PreferredSchedulingTerm {
  weight: number;
  preference: V1NodeSelectorTerm;
}

export interface V1NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: V1NodeSelector | null;
  preferredDuringSchedulingIgnoredDuringExecution?: V1PreferredSchedulingTerm[] | null;
}

export interface V1PodAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  topologyKey: string;
  namespaceSelector?: LabelSelector | null;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface V1WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: V1PodAffinityTerm;
}

export interface V1PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: V1PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: V1WeightedPodAffinityTerm[];
}

export interface V1Affinity {
  nodeAffinity?: V1NodeAffinity | null;
  podAffinity?: V1PodAffinity | null;
  podAntiAffinity?: V1PodAffinity | null;
}

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";
export type TolerationOperator = "Exists" | "Equal" | "Gt" | "Lt";

export interface V1Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  timeAdded?: string;
}

export interface V1Toleration {
  key?: string;
  operator?: TolerationOperator | string;
  value?: string;
  effect?: TaintEffect | string;
  tolerationSeconds?: number;
}

export interface V1ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface V1ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface V1Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: V1ContainerPort[];
  resources?: V1ResourceRequirements;
  env?: { name: string; value?: string }[];
}

export interface V1TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" | string;
  labelSelector?: LabelSelector | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface V1PodSpec {
  containers: V1Container[];
  initContainers?: V1Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string> | null;
  affinity?: V1Affinity | null;
  tolerations?: V1Toleration[] | null;
  schedulerName?: string;
  priority?: number;
  priorityClassName?: string;
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  restartPolicy?: string;
  /** "PreemptLowerPriority" (default) or "Never". */
  preemptionPolicy?: string;
}

export interface V1PodStatus {
  phase?: string;
  podIP?: string;
  hostIP?: string;
  nominatedNodeName?: string;
  startTime?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string | null; lastProbeTime?: string | null }[];
  containerStatuses?: V1ContainerStatus[];
  initContainerStatuses?: V1ContainerStatus[];
  qosClass?: string;
  podIPs?: { ip: string }[];
  hostIPs?: { ip: string }[];
  reason?: string;
  message?: string;
}

export interface V1ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string; signal?: number };
}

export interface V1ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: V1ContainerState;
  lastState?: V1ContainerState;
}

export interface V1Pod extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: V1PodSpec;
  status?: V1PodStatus;
}

export interface V1NodeSpec {
  unschedulable?: boolean;
  taints?: V1Taint[] | null;
  podCIDR?: string;
  providerID?: string;
}

export interface V1NodeStatus {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string }[];
  images?: { names?: string[]; sizeBytes?: number }[];
  addresses?: { type: string; address: string }[];
}

export interface V1Node extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: V1NodeSpec;
  status?: V1NodeStatus;
}

export interface V1Namespace extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

export interface V1Service extends TypeMeta {
  metadata?: ObjectMeta;
  /** Only the selector matters to the scheduler (system default spreading). */
  spec?: { selector?: Record<string, string> | null; type?: string; clusterIP?: string };
}

/** ReplicationController: its selector is a plain label map. */
export interface V1ReplicationController extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: { selector?: Record<string, string> | null; replicas?: number };
}
