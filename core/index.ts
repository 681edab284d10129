/**
 * kubeling's embedding API: Kubernetes semantics computed by a WebAssembly core, usable
 * in Node, browsers and CLIs alike.
 *
 *   import { loadCore } from "kubeling";
 *   const core = await loadCore();
 *   core.labels.matches("app=web,tier!=db", { app: "web" }); // true
 */
import { instantiateCore } from "../bindings/wasm/load.js";
import { LabelsApi } from "./labels.js";
import { NodeAffinityApi } from "./node-affinity.js";
import { TaintsApi } from "./taints.js";
import { SchedulerApi } from "./scheduler/index.js";
import { ReconcileApi } from "./reconcile.js";

export interface Core {
  /** Label selectors, LabelSelectors, label key/value validation. */
  readonly labels: LabelsApi;
  /** NodeSelectors and a pod's required node placement. */
  readonly nodeAffinity: NodeAffinityApi;
  /** Taints and tolerations. */
  readonly taints: TaintsApi;
  /** kube-scheduler's framework and plugins: evaluate() one pod, or create() a cached scheduler. */
  readonly scheduler: SchedulerApi;
  /** Reconcile diffing: which pods a ReplicaSet deletes, a Deployment's next rollout step. */
  readonly reconcile: ReconcileApi;
  /** Objects held in the core for the host (compiled selectors, loaded label sets...). */
  liveHandles(): number;
  /** Distinct strings the core has interned. */
  internedStrings(): number;
  /** Size of the core's linear memory in bytes (it grows, never shrinks). */
  memoryBytes(): number;
}

export interface LoadCoreOptions {
  /** A core build to use instead of the embedded release build (e.g. the debug build). */
  wasm?: BufferSource | WebAssembly.Module;
}

/** Instantiates a core. Each core has its own memory and string table. */
export async function loadCore(options: LoadCoreOptions = {}): Promise<Core> {
  const wasm = await instantiateCore(options.wasm);
  return {
    labels: new LabelsApi(wasm),
    nodeAffinity: new NodeAffinityApi(wasm),
    taints: new TaintsApi(wasm),
    scheduler: new SchedulerApi(wasm),
    reconcile: new ReconcileApi(wasm),
    liveHandles: () => wasm.exports.liveHandles(),
    internedStrings: () => wasm.exports.internedCount(),
    memoryBytes: () => wasm.exports.memory.buffer.byteLength,
  };
}

export { SelectorError } from "./errors.js";
export { LabelsApi, CompiledSelector, LabelSetBatch } from "./labels.js";
export type { Labels } from "./labels.js";
export { NodeAffinityApi, CompiledNodeAffinity } from "./node-affinity.js";
export { TaintsApi } from "./taints.js";
export type { TolerationOptions, UntoleratedTaintOptions } from "./taints.js";
export { SchedulerApi, StatefulScheduler } from "./scheduler/index.js";
export { ReconcileApi, resolveFenceposts, scaledValue } from "./reconcile.js";
export type { RolloutInput, RolloutStep, RolloutReplicaSet, RolloutStepKind } from "./reconcile.js";
export type { ScheduleResult, NodeResult, EvaluateInput, CreateOptions, ProfileInput, StatusCode } from "./scheduler/index.js";
export type { QueuedPod } from "./scheduler/priority-sort.js";
export type { KubeSchedulerConfiguration, KubeSchedulerProfile, ResolvedProfile } from "./scheduler/profile.js";
export type * from "./types/index.js";
