/**
 * The container runtime contract: what a kubelet needs from a runtime, in the spirit of the
 * CRI (RuntimeService + ImageService). hosts/node implements it on Docker; hosts/browser
 * simulates it (hosts/browser/simulated-runtime.ts). test/runtime/contract.ts is the shared
 * suite every implementation passes.
 *
 * What lives where, as in the CRI: the runtime knows sandboxes, containers, images and their
 * states; the kubelet owns everything Kubernetes adds on top — restart counts (it passes the
 * attempt number in, the runtime echoes it back), back-off, reasons such as CrashLoopBackOff,
 * readiness, pod phases. Times are milliseconds since the Unix epoch.
 */

/** The pod a sandbox is for (CRI PodSandboxConfig). */
export interface PodSandboxConfig {
  uid: string;
  namespace: string;
  name: string;
  hostname: string;
  labels: Record<string, string>;
  /**
   * Added: the pod's annotations, as the CRI passes them. Docker stores them as container
   * labels; the simulated runtime reads its `kubeling.io/simulate-*` behaviours from them.
   */
  annotations?: Record<string, string>;
  /**
   * Added: the pod's owners (kind and name). Only simulations use them (a Job's pods
   * complete on their own, as KWOK's stages do); a real runtime ignores them.
   */
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
}

/** Added: a sandbox as listSandboxes() reports it (CRI PodSandboxStatus), so a restarted kubelet re-adopts its pods. */
export interface PodSandboxStatus {
  id: string;
  uid: string;
  namespace: string;
  name: string;
  /** The pod IP ("" once the sandbox's network is torn down). */
  ip: string;
  state: "ready" | "notready";
  createdAt: number;
}

export interface ContainerConfig {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** Added: the restart count this container is (CRI ContainerMetadata.attempt), 0 for the first. */
  attempt?: number;
}

/** created: not started yet; running; exited (exitCode set); unknown: the runtime lost track. */
export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface ContainerStatus {
  /** The runtime's id, without the "<type>://" scheme the kubelet adds for containerID. */
  id: string;
  sandboxId: string;
  name: string;
  /** The image as the runtime names it (e.g. "docker.io/library/busybox:latest"). */
  image: string;
  /** Added: the image's digested reference, what status.containerStatuses[].imageID shows. */
  imageRef?: string;
  state: ContainerState;
  /** Added: echoed from ContainerConfig.attempt. */
  attempt?: number;
  /** Added: when the container was created (orders the attempts of one container). */
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** "Completed" (exit 0), "Error", "OOMKilled"…, as containerd reports them. */
  reason?: string;
  /** Added: the termination message, if any. */
  message?: string;
}

/** Added: one image present on the machine (node.status.images). */
export interface ImageInfo {
  /** Every name of the image: digested reference first, then tags. */
  names: string[];
  sizeBytes: number;
}

/**
 * Added: what the runtime tells its kubelet without being asked (CRI's container events,
 * `docker events` on Docker), so the kubelet need not poll: a container started or exited.
 */
export interface RuntimeEvent {
  type: "ContainerStarted" | "ContainerExited" | "ContainerRemoved" | "SandboxStopped";
  sandboxId: string;
  containerId?: string;
}

export interface Runtime {
  /** Added: the scheme of container IDs in pod status ("docker", "sim"). */
  readonly type: string;
  /** Added: name and version (node.status.nodeInfo.containerRuntimeVersion is "<name>://<version>"). */
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;

  /** Whether `image` is present locally. */
  hasImage(image: string): Promise<boolean>;
  /**
   * Added: pulls `image`; rejects with the registry's error when it cannot (a machine that
   * cannot pull at all rejects every image it does not have). The kubelet calls it only as
   * the container's imagePullPolicy asks.
   */
  pullImage(image: string): Promise<{ imageRef: string; sizeBytes: number }>;
  /** Added: the images present (node.status.images). */
  listImages(): Promise<ImageInfo[]>;

  runSandbox(config: PodSandboxConfig): Promise<{ sandboxId: string; ip: string }>;
  /** Stops every container of the sandbox at once and tears down its network. Idempotent. */
  stopSandbox(sandboxId: string): Promise<void>;
  /** Removes a stopped sandbox and its containers. Idempotent. */
  removeSandbox(sandboxId: string): Promise<void>;
  /** Added: every sandbox, ready or not. */
  listSandboxes(): Promise<PodSandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  /** Resolves once the container runs (it may already have exited by then). */
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; resolves once it has exited. Idempotent. */
  stopContainer(containerId: string, graceSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  /** All containers, or (added) those of one sandbox. */
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;
  logs(containerId: string, options?: { tailLines?: number; follow?: boolean }): AsyncIterable<Uint8Array>;

  /** Added: delivers RuntimeEvents (never synchronously from inside a call) until the returned function is called. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
}
