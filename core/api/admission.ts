// Mutating admission for pods, as kube-apiserver's default plugins do it on create:
//  - ServiceAccount: a pod without spec.serviceAccountName runs as "default";
//  - Priority: spec.priority comes from spec.priorityClassName (or the globalDefault class,
//    else 0); a missing class is a 403, a priority set by hand that disagrees is refused;
//  - DefaultTolerationSeconds: a pod that does not tolerate the node controller's
//    not-ready / unreachable NoExecute taints gets tolerations for them with
//    tolerationSeconds 300, so taint-based eviction waits five minutes before moving it.
// Also the two built-in PriorityClasses every cluster has.
import type { ObjectStore, KubeObject } from "./object-store.js";
import { findResource } from "./resources.js";
import { ApiError, Errors } from "./status.js";

export const SYSTEM_PRIORITY_CLASSES = [
  { name: "system-node-critical", value: 2000001000, description: "Used for system critical pods that must not be moved from their current node." },
  { name: "system-cluster-critical", value: 2000000000, description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
];

interface PriorityClass {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
  metadata?: { name?: string };
}

export async function admitPod(store: ObjectStore, pod: KubeObject, namespace: string | undefined): Promise<void> {
  const spec = (pod.spec ??= {}) as { serviceAccountName?: string; serviceAccount?: string; priority?: number; priorityClassName?: string; preemptionPolicy?: string };
  spec.serviceAccountName ??= spec.serviceAccount ?? "default";
  spec.serviceAccount = spec.serviceAccountName;

  const classes = findResource("scheduling.k8s.io", "v1", "priorityclasses")!;
  const pods = findResource("", "v1", "pods")!;
  const name = pod.metadata?.name ?? pod.metadata?.generateName ?? "";
  let pc: PriorityClass | undefined;
  if (spec.priorityClassName) {
    try {
      pc = (await store.get(classes, undefined, spec.priorityClassName)) as PriorityClass;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      throw Errors.forbiddenBy(pods, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
    }
  } else {
    pc = ((await store.list(classes, undefined)).items as PriorityClass[]).find((c) => c.globalDefault);
    if (pc) spec.priorityClassName = pc.metadata?.name;
  }
  const priority = pc?.value ?? 0;
  if (spec.priority !== undefined && spec.priority !== priority) {
    throw Errors.forbiddenBy(pods, name, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  spec.preemptionPolicy ??= pc?.preemptionPolicy ?? "PreemptLowerPriority";
  admitDefaultTolerationSeconds(pod);
}

/** kube-apiserver's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

/**
 * The DefaultTolerationSeconds plugin (plugin/pkg/admission/defaulttolerationseconds): a
 * toleration with an empty key (any key) or the taint's key, and an empty effect (any
 * effect) or NoExecute, already covers the taint; otherwise one is appended, not-ready first.
 */
export function admitDefaultTolerationSeconds(pod: KubeObject): void {
  const spec = (pod.spec ??= {}) as { tolerations?: { key?: string; operator?: string; effect?: string; tolerationSeconds?: number }[] | null };
  const tolerations = spec.tolerations ?? [];
  const covers = (key: string) => tolerations.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === "NoExecute"));
  const toleratesNotReady = covers("node.kubernetes.io/not-ready");
  const toleratesUnreachable = covers("node.kubernetes.io/unreachable");
  if (toleratesNotReady && toleratesUnreachable) return;
  const added = [...tolerations];
  if (!toleratesNotReady) {
    added.push({ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_NOT_READY_TOLERATION_SECONDS });
  }
  if (!toleratesUnreachable) {
    added.push({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_UNREACHABLE_TOLERATION_SECONDS });
  }
  spec.tolerations = added;
}
