// What the API server reaches a kubelet in this process for (kube-apiserver's :10250 calls):
// pods/log, pods/exec through the Runtime's execStream, and pods/portforward as a TCP
// connection to the pod's IP — Kubernetes forwards to the port inside the pod's network
// namespace, and on this machine pod IPs are routable from the host (bridge kubeling0).
import { connect } from "node:net";
import type { Runtime } from "../../bindings/runtime.js";
import type { NodeConnection, PodPortConnection } from "../../core/api/server.js";
import type { Kubelet } from "../../core/kubelet/kubelet.js";
import { dialError } from "./probe-transport.js";

/** A pod's port that does not answer within this long is an error on the forward. */
const DIAL_TIMEOUT_MS = 10_000;

export interface KubeletConnectionOptions {
  /** False where pod IPs lead nowhere (simulated nodes): port-forward answers with an error. */
  podNetwork?: boolean;
}

export function kubeletConnection(kubelet: Kubelet, runtime: Runtime, options: KubeletConnectionOptions = {}): NodeConnection {
  const podNetwork = options.podNetwork ?? true;

  /** The pod's current container `container`, if it runs (exec and attach need a live process). */
  async function runningContainer(namespace: string, pod: string, container: string, prefix: string): Promise<{ id: string } | { error: string }> {
    const found = await kubelet.findContainer(namespace, pod, container);
    if ("error" in found) return found;
    if (found.state !== "running") return { error: `${prefix}container "${container}" in pod "${pod}" is not running` };
    return found;
  }

  return {
    logs: (namespace, pod, container, o) => kubelet.logs(namespace, pod, container, o),

    async exec(namespace, pod, container, command, o) {
      const found = await runningContainer(namespace, pod, container, "error executing command in container: ");
      if ("error" in found) return found;
      return runtime.execStream(found.id, command, { stdin: o.stdin, tty: o.tty }).catch((err: Error) => ({ error: `error executing command in container: ${err.message}` }));
    },

    async attach(namespace, pod, container, o) {
      const found = await runningContainer(namespace, pod, container, "");
      if ("error" in found) return found;
      return runtime.attach(found.id, { stdin: o.stdin, tty: o.tty }).catch((err: Error) => ({ error: `error attaching to container: ${err.message}` }));
    },

    async portForward(namespace, pod, port) {
      if (!podNetwork) return { error: `port-forward is not supported on node ${kubelet.nodeName}: its pods are simulated and have no network` };
      const sandbox = (await runtime.listSandboxes())
        .filter((s) => s.namespace === namespace && s.name === pod && s.state === "ready" && s.ip)
        .sort((a, b) => b.createdAt - a.createdAt)[0];
      if (!sandbox) return { error: `pod ${namespace}/${pod} has no running sandbox on node ${kubelet.nodeName}` };
      return dial(sandbox.ip, port, (why) => `error forwarding port ${port} to pod ${pod}, uid ${sandbox.uid}: ${why}`);
    },
  };
}

function dial(host: string, port: number, describe: (why: string) => string): Promise<PodPortConnection | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: describe(`dial tcp ${host}:${port}: i/o timeout`) });
    }, DIAL_TIMEOUT_MS);
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: describe(dialError(`${host}:${port}`, err, "tcp4")) });
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      // Later errors (a reset) end the reading side; the caller sees the stream stop.
      socket.on("error", () => undefined);
      resolve({
        readable: socket,
        write: (chunk) => new Promise((ok, fail) => socket.write(chunk, (err) => (err ? fail(err) : ok()))),
        close: async () => void socket.end(),
        destroy: () => socket.destroy(),
      });
    });
  });
}

