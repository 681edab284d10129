// Which controllers run, and with what settings (kube-controller-manager's defaults).
import type { Reconciler } from "../controllers/controller.js";
import { ReplicaSetController } from "../controllers/replicaset.js";
import { DeploymentController } from "../controllers/deployment.js";
import { NodeLifecycleController } from "../controllers/node-lifecycle.js";
import { PersistentVolumeBinder } from "../controllers/persistent-volume.js";
import { LocalPathProvisioner } from "../controllers/local-provisioner.js";
import { StatefulSetController } from "../controllers/statefulset.js";
import { DaemonSetController } from "../controllers/daemonset.js";

export interface ControllerOptions {
  /** node-monitor-grace-period (default 50 s). */
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  /** Where the local-path provisioner puts volumes. */
  volumeBasePath?: string;
}

export function defaultReconcilers(options: ControllerOptions): Reconciler[] {
  return [
    new ReplicaSetController(),
    new DeploymentController(),
    new StatefulSetController(),
    new DaemonSetController(),
    new NodeLifecycleController({ nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs, nodeStartupGracePeriodMs: options.nodeStartupGracePeriodMs }),
    new PersistentVolumeBinder({}),
    new LocalPathProvisioner({ basePath: options.volumeBasePath }),
  ];
}
