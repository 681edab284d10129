// PrioritySort, kube-scheduler's default QueueSort plugin: which pending pod is scheduled
// first. Higher spec.priority first (a pod without one counts as 0, corev1helpers.PodPriority);
// equal priorities in the order they entered the queue. It orders a queue and takes part in
// no scheduling cycle, so it is plain TypeScript: the scheduler loop (hosts) uses it.
import type { V1Pod } from "../types/core-v1.js";

/** A pod waiting in the scheduling queue; `timestamp` is when it was added (ms). */
export interface QueuedPod {
  pod: V1Pod;
  timestamp: number;
}

/** PrioritySort.Less: whether `a` is scheduled before `b`. */
export function prioritySortLess(a: QueuedPod, b: QueuedPod): boolean {
  const pa = a.pod.spec?.priority ?? 0;
  const pb = b.pod.spec?.priority ?? 0;
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
}

/** The queue in scheduling order (a new array; ties keep their input order). */
export function prioritySort(queue: readonly QueuedPod[]): QueuedPod[] {
  return [...queue].sort((a, b) => (prioritySortLess(a, b) ? -1 : prioritySortLess(b, a) ? 1 : 0));
}
