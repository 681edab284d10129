// A control plane in one test process: the API server on in-memory storage, the in-process
// client, and the controllers under test run by the real ControllerManager (no leader
// election). Shared by every controller suite; suites keep their own helpers in their files.
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { loadCore, type Core } from "../../dist/core/index.js";
import { createApiServer } from "../../dist/core/api/index.js";
import type { ApiServer } from "../../dist/core/api/server.js";
import { InProcessClient, R, type KubeObject } from "../../dist/core/controllers/client.js";
import { ControllerManager } from "../../dist/core/controllers/manager.js";
import { realClock } from "../../dist/core/controllers/clock.js";
import type { Reconciler } from "../../dist/core/controllers/controller.js";
import type { Clock } from "../../dist/bindings/clock.js";

let sharedCore: Promise<Core> | undefined;

export interface Harness {
  api: ApiServer;
  client: InProcessClient;
  manager: ControllerManager;
  core: Core;
  clock: Clock;
  stop(): Promise<void>;
}

export async function startControlPlane(reconcilers: Reconciler[], options: { clock?: Clock } = {}): Promise<Harness> {
  const core = await (sharedCore ??= loadCore());
  const clock = options.clock ?? realClock;
  const storage = new MemoryStorage();
  const api = createApiServer({ storage, core, now: () => new Date(clock.now()) });
  await api.bootstrap();
  const client = new InProcessClient(api);
  const manager = new ControllerManager({ client, core, clock, identity: "test", reconcilers, leaseName: null });
  manager.start();
  // The informers have listed once every one reports synced.
  await waitFor(() => manager.controllers.length === reconcilers.length && manager.informers.hasSynced, 5000, "the informers to sync");
  return {
    api,
    client,
    manager,
    core,
    clock,
    async stop() {
      await manager.stop();
      api.close();
      await storage.close();
    },
  };
}

/** Polls `condition` (sync or async) until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * What a kubelet would report, for suites that run without the simulated nodes: every pod
 * matching `selector` in `namespace` becomes Running and Ready (or just Running).
 */
export async function markPodsRunning(client: InProcessClient, namespace: string, selector = "", ready = true): Promise<number> {
  const pods = await client.list(R.pods, namespace, { labelSelector: selector });
  let changed = 0;
  for (const pod of pods.items) {
    const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
    const isReady = status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (status.phase === "Running" && isReady === ready) continue;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = [
      { type: "PodScheduled", status: "True", lastTransitionTime: now },
      { type: "Initialized", status: "True", lastTransitionTime: now },
      { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: now },
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now },
    ];
    try {
      await client.update(R.pods, namespace, { ...pod, status: { ...status, phase: "Running", conditions, startTime: now, podIP: "10.244.0.10" } } as KubeObject, "status");
      changed++;
    } catch {
      // Changed meanwhile: the caller polls again.
    }
  }
  return changed;
}
