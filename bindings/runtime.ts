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
  /** The pod's resolv.conf (CRI DNSConfig), as the kubelet computed it from dnsPolicy; absent: the runtime's default. */
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
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
  /** Already expanded by the kubelet ($(VAR) references resolved). */
  command?: string[];
  args?: string[];
  /** The container's environment, fully resolved by the kubelet (valueFrom, envFrom, $(VAR)). */
  env?: Record<string, string>;
  workingDir?: string;
  /** CRI ContainerConfig stdin / stdin_once / tty: the container's own stdin stays open for an attach. */
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /** Added: the restart count this container is (CRI ContainerMetadata.attempt), 0 for the first. */
  attempt?: number;
  /** Volumes of the pod (set up with setUpPodVolumes) mounted into the container (CRI Mount). */
  mounts?: Mount[];
  /** CRI LinuxContainerResources, as the kubelet computes them from requests and limits. */
  resources?: ContainerResources;
  /** CRI LinuxContainerSecurityContext, the basics. */
  securityContext?: ContainerSecurityContext;
}

/** One volume in one container (CRI Mount, with the volume named rather than a host path: the runtime owns the host layout). */
export interface Mount {
  /** The PodVolume's name. */
  volume: string;
  containerPath: string;
  readOnly?: boolean;
  /** A path inside the volume mounted instead of its root (created as a directory when missing). */
  subPath?: string;
}

export interface ContainerResources {
  /** cpu.shares from requests.cpu (2 when none). */
  cpuShares?: number;
  /** CFS quota and period (µs) from limits.cpu; absent: no CPU limit. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** limits.memory in bytes; absent: no limit. */
  memoryLimitBytes?: number;
}

export interface ContainerSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
}

/** One file of a projected volume (configMap, secret, downwardAPI, projected), as the kubelet computed it. */
export interface VolumeFile {
  /** Relative to the volume's root ("key", "dir/key"). */
  path: string;
  content: Uint8Array;
  /** Permission bits (defaultMode/mode, e.g. 0o644). */
  mode: number;
}

/**
 * A pod volume, resolved host-agnostically by the kubelet (core/kubelet/volumes.ts): the
 * runtime only makes the directories. emptyDir: a fresh directory for the pod's life (a
 * tmpfs with medium Memory); hostPath: a path of the machine (persistentVolumeClaim
 * resolves to its PV's path), checked against `hostPathType`; files: the contents the
 * kubelet computed, written as the kubelet's atomic writer lays them out.
 */
export interface PodVolume {
  name: string;
  kind: "emptyDir" | "hostPath" | "files";
  /** The kubelet's volume plugin ("kubernetes.io~configmap"…): the host directory's parent, as under /var/lib/kubelet/pods/<uid>/volumes. */
  plugin: string;
  /** emptyDir: "Memory" for a tmpfs. */
  medium?: string;
  /** emptyDir: sizeLimit in bytes (the tmpfs size with medium Memory). */
  sizeLimitBytes?: number;
  /** hostPath: the machine's path and its HostPathType ("", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice). */
  path?: string;
  hostPathType?: string;
  /** files: the contents. */
  files?: VolumeFile[];
  /** files: secret material, which must never reach a disk (a tmpfs holds it). */
  sensitive?: boolean;
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

/** Added: options of a non-interactive exec (the CRI's ExecSync), as the prober runs it. */
export interface ExecOptions {
  /** The command is abandoned after this long: the result is TIMED_OUT (exitCode -1, timedOut). */
  timeoutMs?: number;
  /** Fed to the command's stdin, then closed. */
  stdin?: AsyncIterable<Uint8Array>;
  tty?: boolean;
}

/** Added: what an exec printed and how it ended (exitCode -1 with timedOut when it did not end in time). */
export interface ExecResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  timedOut?: boolean;
}

/** Added: the write side of a stream, web-standard enough for both hosts. */
export interface WritableLike {
  write(chunk: Uint8Array): Promise<void>;
  /** Closes stdin (EOF to the command). */
  close(): Promise<void>;
}

/** Added: an interactive exec (the CRI's Exec, behind `kubectl exec`). */
export interface ExecStream {
  /** Present when stdin was asked for. */
  stdin?: WritableLike;
  /** With a tty stdout carries both streams. */
  stdout: AsyncIterable<Uint8Array>;
  /** Absent with a tty. */
  stderr?: AsyncIterable<Uint8Array>;
  /** Settles once the command has exited. */
  exitCode: Promise<number>;
  /** Resizes the tty (no-op without one). */
  resize?(cols: number, rows: number): void;
}

/** Added: the exit code of an exec that timed out (CRI ExecSync has no code for it either). */
export const EXEC_TIMED_OUT = -1;

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

  /**
   * Added (the kubelet's volume manager, WaitForAttachAndMount): makes the pod's volumes ready
   * for its containers' mounts. Idempotent: emptyDirs and hostPaths are kept, files volumes
   * get the contents given (swapped in atomically). Rejects with the reason when a volume
   * cannot be set up (a hostPath that fails its type check).
   */
  setUpPodVolumes(podUid: string, volumes: PodVolume[]): Promise<void>;
  /** Added: removes every volume directory of the pod (after its sandbox is removed). Idempotent. */
  tearDownPodVolumes(podUid: string): Promise<void>;

  /** Rejects when a mount names a volume that setUpPodVolumes did not set up for the sandbox's pod. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  /** Resolves once the container runs (it may already have exited by then). */
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; resolves once it has exited. Idempotent. */
  stopContainer(containerId: string, graceSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  /** All containers, or (added) those of one sandbox. */
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;
  logs(containerId: string, options?: { tailLines?: number; follow?: boolean }): AsyncIterable<Uint8Array>;

  /**
   * Added: runs `command` in a running container and collects its output (ExecSync). Rejects
   * when the container does not exist or does not run; a command that cannot be found exits
   * 126/127 as a shell would report it. A timeout resolves with exitCode -1 and timedOut.
   */
  exec(containerId: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Added: runs `command` in a running container with streams attached (Exec). */
  execStream(containerId: string, command: string[], options: { stdin: boolean; tty: boolean }): Promise<ExecStream>;
  /**
   * Added: the container's own streams (CRI Attach, behind `kubectl attach` and `kubectl run
   * -it`): stdin when the container keeps it open, its output from now on. exitCode settles
   * when the container exits, or with 0 when the streams end while it runs on.
   */
  attach(containerId: string, options: { stdin: boolean; tty: boolean }): Promise<ExecStream>;

  /** Added: delivers RuntimeEvents (never synchronously from inside a call) until the returned function is called. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
}
