/**
 * The container runtime contract (draft; the node agent issue completes it): what a
 * kubelet needs from a runtime, in the spirit of the CRI. hosts/node implements it on
 * Docker; hosts/browser simulates it (configurable start delays, exits, crash loops).
 */
export interface PodSandboxConfig {
  uid: string;
  namespace: string;
  name: string;
  hostname: string;
  labels: Record<string, string>;
}

export interface ContainerConfig {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
}

export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  image: string;
  state: ContainerState;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
}

export interface Runtime {
  /** Whether `image` is present locally (nothing can be pulled on these machines). */
  hasImage(image: string): Promise<boolean>;
  runSandbox(config: PodSandboxConfig): Promise<{ sandboxId: string; ip: string }>;
  stopSandbox(sandboxId: string): Promise<void>;
  removeSandbox(sandboxId: string): Promise<void>;
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  stopContainer(containerId: string, graceSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(): Promise<ContainerStatus[]>;
  logs(containerId: string, options?: { tailLines?: number; follow?: boolean }): AsyncIterable<Uint8Array>;
}
