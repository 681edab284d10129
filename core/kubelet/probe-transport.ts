// How the prober reaches a pod over the network (httpGet and tcpSocket probes). The core
// has no sockets, so the host supplies a ProbeTransport: hosts/node/probe-transport.ts on
// node:http / node:net; simulated nodes use simulatedProbeTransport() below. Error
// messages are the Go standard library's (dial tcp …: connect: connection refused), since
// they end up verbatim in the Unhealthy events kubectl shows.

/** Which probe a network call is for: a simulation decides outcomes from it; real transports ignore it. */
export interface ProbeTarget {
  pod: { namespace: string; name: string; annotations?: Record<string, string> };
  container: string;
  probeType: "liveness" | "readiness" | "startup";
}

export interface ProbeTransport {
  /**
   * A GET of `url` with `headers`; resolves with the response status, or with an Error whose
   * message is what Go's client would say after `Get "<url>": ` (a refused connection, a
   * timeout). Never rejects for network failures.
   */
  http(url: string, headers: Record<string, string>, timeoutMs: number, target?: ProbeTarget): Promise<{ status: number } | Error>;
  /**
   * Opens (and closes) a TCP connection: true when it connected; an Error (its message as
   * Go's net.Dial error: "dial tcp 10.244.0.5:80: connect: connection refused") or false when not.
   */
  tcp(host: string, port: number, timeoutMs: number, target?: ProbeTarget): Promise<boolean | Error>;
}

/** A host without a network: every network probe fails, saying why. */
export const noNetworkProbeTransport: ProbeTransport = {
  async http() {
    return new Error("network probes are not available on this host (no ProbeTransport)");
  },
  async tcp(host, port) {
    return new Error(`dial tcp ${host}:${port}: network probes are not available on this host (no ProbeTransport)`);
  },
};

/**
 * The pod annotation that makes simulated probes fail: a comma-separated list of container
 * names, each optionally with the probe type ("web", "web/readiness,db/liveness"). It is
 * read live (changing it on the pod changes the outcome of the next network probe). The
 * simulated runtime also fails every exec in a listed container (exit 1) — as of the pod's
 * creation, since a runtime sees the annotations only when the sandbox is made — so exec
 * probes fail too; entries with a probe type apply to network probes only.
 */
export const SIMULATE_PROBE_FAIL = "kubeling.io/simulate-probe-fail";

/** Whether SIMULATE_PROBE_FAIL on `annotations` covers `container` (and `probeType`, when given). */
export function simulatedProbeFails(annotations: Record<string, string> | undefined, container: string, probeType?: string): boolean {
  const value = annotations?.[SIMULATE_PROBE_FAIL];
  if (!value) return false;
  return value.split(",").some((entry) => {
    const [name, type] = entry.trim().split("/");
    return name === container && (type === undefined || type === probeType);
  });
}

/**
 * The simulated network: every HTTP probe answers 200 and every TCP probe connects, unless
 * SIMULATE_PROBE_FAIL names the container (then HTTP answers 500 and TCP is refused).
 */
export function simulatedProbeTransport(): ProbeTransport {
  return {
    async http(_url, _headers, _timeoutMs, target) {
      if (target && simulatedProbeFails(target.pod.annotations, target.container, target.probeType)) return { status: 500 };
      return { status: 200 };
    },
    async tcp(host, port, _timeoutMs, target) {
      if (target && simulatedProbeFails(target.pod.annotations, target.container, target.probeType)) {
        return new Error(`dial tcp ${host}:${port}: connect: connection refused`);
      }
      return true;
    },
  };
}
