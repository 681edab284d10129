// Which controllers run, and with what settings (kube-controller-manager's defaults).
import type { Reconciler } from "../controllers/controller.js";
import { ReplicaSetController } from "../controllers/replicaset.js";
import { DeploymentController } from "../controllers/deployment.js";
import { NodeLifecycleController } from "../controllers/node-lifecycle.js";
import { PersistentVolumeBinder } from "../controllers/persistent-volume.js";
import { LocalPathProvisioner } from "../controllers/local-provisioner.js";
import { StatefulSetController } from "../controllers/statefulset.js";
import { DaemonSetController } from "../controllers/daemonset.js";
import { JobController } from "../controllers/job.js";
import { CronJobController } from "../controllers/cronjob.js";
import { GarbageCollector } from "../controllers/garbage-collector.js";
import { NamespaceController } from "../controllers/namespace.js";
import { EndpointsController } from "../controllers/endpoints.js";
import { EndpointSliceController } from "../controllers/endpointslice.js";
import { ServiceAccountController } from "../controllers/serviceaccount.js";
import { ServiceLoadBalancerController } from "../controllers/service-lb.js";
import { RootCAPublisher } from "../controllers/root-ca-publisher.js";

export interface ControllerOptions {
  /** node-monitor-grace-period (default 50 s). */
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  /** Where the local-path provisioner puts volumes. */
  volumeBasePath?: string;
  /** The addresses LoadBalancer Services get (an IPv4 CIDR; default DEFAULT_LOAD_BALANCER_POOL). */
  loadBalancerPool?: string;
  /** The cluster CA (PEM) published as kube-root-ca.crt in every namespace; without it, no publisher runs. */
  rootCACert?: string;
}

export function defaultReconcilers(options: ControllerOptions): Reconciler[] {
  return [
    new ReplicaSetController(),
    new DeploymentController(),
    new StatefulSetController(),
    new DaemonSetController(),
    new JobController(),
    new CronJobController(),
    new GarbageCollector(),
    new NamespaceController(),
    new EndpointsController(),
    new EndpointSliceController(),
    new ServiceAccountController(),
    new ServiceLoadBalancerController({ pool: options.loadBalancerPool }),
    new NodeLifecycleController({ nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs, nodeStartupGracePeriodMs: options.nodeStartupGracePeriodMs }),
    new PersistentVolumeBinder({}),
    new LocalPathProvisioner({ basePath: options.volumeBasePath }),
    ...(options.rootCACert ? [new RootCAPublisher(options.rootCACert)] : []),
  ];
}
