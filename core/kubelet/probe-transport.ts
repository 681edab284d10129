// How the prober reaches a pod over the network (httpGet, tcpSocket and grpc probes). The
// core has no sockets, so the host supplies a ProbeTransport: hosts/node/probe-transport.ts
// on node:http / node:net / node:http2; simulated nodes use simulatedProbeTransport() below.
// Error messages are the Go standard library's (dial tcp …: connect: connection refused),
// since they end up verbatim in the Unhealthy events kubectl shows. A gRPC health check
// comes back as what grpc-go's client saw (a HealthCheckResponse status, a gRPC status code,
// no connection); the prober words it as pkg/probe/grpc does, so every transport agrees.

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
  /**
   * One grpc.health.v1.Health/Check call for `service` ("" = the server as a whole), over
   * plaintext HTTP/2 as the kubelet makes it: connecting and the call share one deadline of
   * `timeoutMs`. Never rejects. Optional so that a transport written before gRPC probes still
   * fits; without it, gRPC probes fail saying so.
   */
  grpc?(host: string, port: number, service: string, timeoutMs: number, target?: ProbeTarget): Promise<GrpcHealthAnswer>;
}

/** The User-Agent of the kubelet's probes (kube-probe/<major>.<minor>). */
export const KUBE_PROBE_USER_AGENT = "kube-probe/1.32";

/** grpc.health.v1.HealthCheckResponse.ServingStatus. */
export const GrpcServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

/** gRPC status codes (google.golang.org/grpc/codes) the prober words specially. */
export const GrpcCode = { OK: 0, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** How a gRPC health check ended, as grpc-go's client reports it to the kubelet's gRPC prober. */
export type GrpcHealthAnswer =
  /** The call returned OK with a HealthCheckResponse: its status (GrpcServingStatus; 0 when absent). */
  | { kind: "response"; status: number }
  /** The call ended with a gRPC status other than OK (a deadline passing mid-call is DEADLINE_EXCEEDED). */
  | { kind: "rpcError"; code: number; message: string }
  /** No connection before the deadline (grpc-go's blocking dial retries refused connections until then). */
  | { kind: "connectTimeout" }
  /** Connecting failed for good before the deadline (an unusable address). */
  | { kind: "connectError"; message: string };

/** A host without a network: every network probe fails, saying why. */
export const noNetworkProbeTransport: ProbeTransport = {
  async http() {
    return new Error("network probes are not available on this host (no ProbeTransport)");
  },
  async tcp(host, port) {
    return new Error(`dial tcp ${host}:${port}: network probes are not available on this host (no ProbeTransport)`);
  },
  async grpc() {
    return { kind: "connectError", message: "network probes are not available on this host (no ProbeTransport)" };
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
 * The simulated network: every HTTP probe answers 200, every TCP probe connects and every
 * gRPC health check answers SERVING, unless SIMULATE_PROBE_FAIL names the container (then
 * HTTP answers 500, TCP is refused and gRPC answers NOT_SERVING).
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
    async grpc(_host, _port, _service, _timeoutMs, target) {
      const fails = target !== undefined && simulatedProbeFails(target.pod.annotations, target.container, target.probeType);
      return { kind: "response", status: fails ? GrpcServingStatus.NOT_SERVING : GrpcServingStatus.SERVING };
    },
  };
}
