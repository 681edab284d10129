// Container lifecycle hooks (the kubelet's HandlerRunner): postStart right after a start,
// preStop before a stop, each an exec in the container, an HTTP GET to it, or a sleep.
// A failed hook yields the kubelet's message (FailedPostStartHook / FailedPreStopHook events).
import type { Clock } from "../../bindings/clock.js";
import type { Runtime } from "../../bindings/runtime.js";
import type { ProbeTransport } from "./probe-transport.js";
import type { ContainerSpec, LifecycleHandler, Pod } from "./types.js";

export interface HookContext {
  runtime: Runtime;
  clock: Clock;
  transport?: ProbeTransport;
  pod: Pod;
  podIP: string;
  container: ContainerSpec;
  /** The runtime's id (no scheme). */
  containerId: string;
  timeoutMs: number;
}

const decoder = new TextDecoder();

/** Runs the hook; null when it succeeded, else the failure message. */
export async function runHook(handler: LifecycleHandler, ctx: HookContext): Promise<string | null> {
  const podName = `${ctx.pod.metadata.name}_${ctx.pod.metadata.namespace}(${ctx.pod.metadata.uid})`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    try {
      const r = await ctx.runtime.exec(ctx.containerId, command, { timeoutMs: ctx.timeoutMs });
      if (r.exitCode === 0) return null;
      const output = decoder.decode(r.stdout) + decoder.decode(r.stderr);
      const err = r.timedOut ? `command '${command.join(" ")}' timed out` : `command '${command.join(" ")}' exited with ${r.exitCode}: ${output}`;
      return `Exec lifecycle hook ([${command.join(" ")}]) for Container "${ctx.container.name}" in Pod "${podName}" failed - error: ${err}, message: ${JSON.stringify(output)}`;
    } catch (err) {
      return `Exec lifecycle hook ([${command.join(" ")}]) for Container "${ctx.container.name}" in Pod "${podName}" failed - error: ${(err as Error).message}, message: ""`;
    }
  }
  if (handler.httpGet) {
    const h = handler.httpGet;
    const port = resolvePort(h.port, ctx.container);
    const host = h.host || ctx.podIP;
    const scheme = (h.scheme ?? "HTTP").toLowerCase();
    const path = h.path ?? "/";
    const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}${path.startsWith("/") ? path : `/${path}`}`;
    const headers: Record<string, string> = {};
    for (const hd of h.httpHeaders ?? []) headers[hd.name] = hd.value;
    if (!ctx.transport) return `Http lifecycle hook (${path}) for Container "${ctx.container.name}" in Pod "${podName}" failed - error: no network on this host`;
    const res = await ctx.transport.http(url, headers, ctx.timeoutMs);
    if (res instanceof Error) return `Http lifecycle hook (${path}) for Container "${ctx.container.name}" in Pod "${podName}" failed - error: Get "${url}": ${res.message}`;
    return null;
  }
  if (handler.sleep) {
    const ms = Math.min(ctx.timeoutMs, Math.max(0, handler.sleep.seconds) * 1000);
    await new Promise<void>((resolve) => ctx.clock.schedule(ms, resolve));
    return null;
  }
  return null;
}

function resolvePort(port: number | string, container: ContainerSpec): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort ?? 0;
}
