// The Node host's ProbeTransport (core/kubelet/probe-transport.ts): httpGet probes over
// node:http / node:https (certificates are not verified, as the kubelet's prober does not),
// tcpSocket probes over node:net, grpc probes (grpc.health.v1.Health/Check) over node:http2.
// Errors are worded as Go's, since they become the Unhealthy events' text: "dial tcp
// 10.244.0.5:80: connect: connection refused".
import http from "node:http";
import https from "node:https";
import http2 from "node:http2";
import net from "node:net";
import { GrpcCode, KUBE_PROBE_USER_AGENT, type GrpcHealthAnswer, type ProbeTransport } from "../../core/kubelet/probe-transport.js";

export function nodeProbeTransport(): ProbeTransport {
  return {
    http(url, headers, timeoutMs) {
      return new Promise((resolve) => {
        let target: URL;
        try {
          target = new URL(url);
        } catch (err) {
          resolve(new Error((err as Error).message));
          return;
        }
        const lib = target.protocol === "https:" ? https : http;
        const hostPort = `${target.hostname.replace(/^\[|\]$/g, "")}:${target.port || (target.protocol === "https:" ? 443 : 80)}`;
        const req = lib.request(target, { method: "GET", headers, agent: false, rejectUnauthorized: false }, (res) => {
          // Only the status matters; the body is drained so the socket closes.
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        });
        req.setTimeout(timeoutMs, () => {
          req.destroy();
          resolve(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
        });
        req.on("error", (err: NodeJS.ErrnoException) => resolve(new Error(dialError(hostPort, err))));
        req.end();
      });
    },
    tcp(host, port, timeoutMs) {
      return new Promise((resolve) => {
        const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
        const socket = net.connect({ host, port });
        const done = (result: boolean | Error) => {
          socket.destroy();
          resolve(result);
        };
        socket.setTimeout(timeoutMs, () => done(new Error(`dial tcp ${hostPort}: i/o timeout`)));
        socket.once("connect", () => done(true));
        socket.once("error", (err: NodeJS.ErrnoException) => done(new Error(dialError(hostPort, err))));
      });
    },
    grpc(host, port, service, timeoutMs) {
      return grpcHealthCheck(host, port, service, timeoutMs);
    },
  };
}

/** A Node socket error as Go's net package words it (`network`: "tcp", or "tcp4" as the kubelet's port-forward dials). */
export function dialError(hostPort: string, err: NodeJS.ErrnoException, network = "tcp"): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial ${network} ${hostPort}: connect: connection refused`;
    case "EHOSTUNREACH":
      return `dial ${network} ${hostPort}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial ${network} ${hostPort}: connect: network is unreachable`;
    case "ETIMEDOUT":
      return `dial ${network} ${hostPort}: i/o timeout`;
    case "ECONNRESET":
      return `read ${network} ${hostPort}: read: connection reset by peer`;
    default:
      return `dial ${network} ${hostPort}: ${err.message}`;
  }
}

// --- grpc probes: one grpc.health.v1.Health/Check as the kubelet's grpc-go client makes it ---

const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

/**
 * A blocking dial, then the call, within one deadline (pkg/probe/grpc: grpc.WithBlock and one
 * context.WithTimeout). A connection counts once the server's HTTP/2 SETTINGS arrived (grpc-go
 * reads the server preface before the connection is ready); until then a refused or broken
 * connection is retried with grpc-go's backoff, so a closed port ends as a connect timeout,
 * as the kubelet reports it. Plaintext only, as the kubelet (grpc.WithInsecure).
 */
function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<GrpcHealthAnswer> {
  return new Promise((resolve) => {
    const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const deadline = Date.now() + timeoutMs;
    let session: http2.ClientHttp2Session | undefined;
    let connected = false;
    let settled = false;
    let retry: NodeJS.Timeout | undefined;
    const finish = (answer: GrpcHealthAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(retry);
      session?.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => finish(connected ? { kind: "rpcError", code: GrpcCode.DEADLINE_EXCEEDED, message: "context deadline exceeded" } : { kind: "connectTimeout" }),
      timeoutMs,
    );

    const dial = (attempt: number) => {
      let s: http2.ClientHttp2Session;
      try {
        s = http2.connect(`http://${authority}`);
      } catch (err) {
        finish({ kind: "connectError", message: (err as Error).message });
        return;
      }
      session = s;
      // Lost before it was ready: dial again after the backoff, unless the deadline comes first.
      const lost = () => {
        if (settled || connected || session !== s) return;
        s.destroy();
        session = undefined;
        const wait = reconnectDelayMs(attempt);
        if (Date.now() + wait < deadline) retry = setTimeout(() => dial(attempt + 1), wait);
      };
      s.on("error", lost); // once connected, the call's stream reports what went wrong
      s.once("close", lost);
      s.once("remoteSettings", () => {
        if (settled || session !== s) return;
        connected = true;
        call(s);
      });
    };

    const call = (s: http2.ClientHttp2Session) => {
      const req = s.request({
        ":method": "POST",
        ":path": HEALTH_CHECK_PATH,
        "content-type": "application/grpc",
        te: "trailers",
        "user-agent": KUBE_PROBE_USER_AGENT,
        // What is left of the deadline, so the server can give up too (grpc-go sends it).
        "grpc-timeout": `${Math.max(1, deadline - Date.now())}m`,
      });
      let headers: http2.IncomingHttpHeaders | undefined;
      let trailers: http2.IncomingHttpHeaders | undefined;
      let streamError: NodeJS.ErrnoException | undefined;
      const chunks: Buffer[] = [];
      req.on("response", (h) => (headers = h));
      req.on("trailers", (t) => (trailers = t));
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("error", (err: NodeJS.ErrnoException) => (streamError = err));
      req.on("close", () => finish(callAnswer(headers, trailers, Buffer.concat(chunks), req.rstCode ?? 0, streamError)));
      req.end(grpcFrame(encodeHealthCheckRequest(service)));
    };

    dial(0);
  });
}

/** grpc-go's reconnect backoff (backoff.DefaultConfig): 1s, ×1.6 per attempt, ±20% jitter, at most 120s. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(120_000, 1000 * 1.6 ** attempt) * (1 + 0.2 * (Math.random() * 2 - 1));
}

/** HTTPStatusConvTab: the gRPC code of a non-gRPC (or non-200) HTTP response; Unknown otherwise. */
const HTTP_STATUS_CODES: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };
/** http2.ErrCode names and http2ErrConvTab codes, for a stream the server reset. */
const RST_CODES: [string, number][] = [
  ["NO_ERROR", 13], ["PROTOCOL_ERROR", 13], ["INTERNAL_ERROR", 13], ["FLOW_CONTROL_ERROR", 8], ["SETTINGS_TIMEOUT", 13],
  ["STREAM_CLOSED", 13], ["FRAME_SIZE_ERROR", 13], ["REFUSED_STREAM", 14], ["CANCEL", 1], ["COMPRESSION_ERROR", 13],
  ["CONNECT_ERROR", 13], ["ENHANCE_YOUR_CALM", 8], ["INADEQUATE_SECURITY", 7], ["HTTP_1_1_REQUIRED", 13],
];

/** How the call ended, as grpc-go's client sees it (http2_client.go operateHeaders, the stream's status). */
function callAnswer(
  headers: http2.IncomingHttpHeaders | undefined,
  trailers: http2.IncomingHttpHeaders | undefined,
  body: Buffer,
  rstCode: number,
  streamError: NodeJS.ErrnoException | undefined,
): GrpcHealthAnswer {
  const rpcError = (code: number, message: string): GrpcHealthAnswer => ({ kind: "rpcError", code, message });
  const reset = () => {
    const [name, code] = RST_CODES[rstCode] ?? [`unknown error code 0x${rstCode.toString(16)}`, 13];
    return rpcError(code, `stream terminated by RST_STREAM with error code: ${name}`);
  };
  if (!headers) {
    if (rstCode && streamError?.code === "ERR_HTTP2_STREAM_ERROR") return reset();
    // The connection went away before any answer.
    return rpcError(GrpcCode.UNAVAILABLE, streamError && streamError.code !== "ERR_HTTP2_STREAM_CANCEL" ? `error reading from server: ${streamError.message}` : "error reading from server: EOF");
  }
  const httpStatus = Number(headers[":status"]);
  const contentType = String(headers["content-type"] ?? "");
  const isGrpc = /^application\/grpc($|[+;])/.test(contentType);
  if (!isGrpc || httpStatus !== 200) {
    const errs: string[] = [];
    if (httpStatus !== 200) errs.push(`unexpected HTTP status code received from server: ${httpStatus} (${http.STATUS_CODES[httpStatus] ?? ""})`);
    if (!isGrpc) errs.push(`transport: received unexpected content-type ${JSON.stringify(contentType)}`);
    return rpcError(HTTP_STATUS_CODES[httpStatus] ?? 2, errs.join("; "));
  }
  // A Trailers-Only answer (an error with no message) carries grpc-status in its headers.
  const meta = trailers?.["grpc-status"] !== undefined ? trailers : headers;
  if (meta["grpc-status"] === undefined) {
    if (rstCode) return reset();
    return rpcError(GrpcCode.INTERNAL, "server closed the stream without sending trailers");
  }
  const code = Number(meta["grpc-status"]);
  if (code !== GrpcCode.OK) return rpcError(code, decodeGrpcMessage(String(meta["grpc-message"] ?? "")));
  return decodeHealthCheckResponse(body);
}

/** grpc-message is percent-encoded. */
function decodeGrpcMessage(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}

/** A gRPC length-prefixed message: compressed flag 0, 4-byte big-endian length, the bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** HealthCheckRequest { string service = 1; } — proto3 leaves out an empty string. */
function encodeHealthCheckRequest(service: string): Uint8Array {
  if (!service) return new Uint8Array(0);
  const bytes = Buffer.from(service, "utf8");
  const length: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), bytes]);
}

/** The one length-prefixed HealthCheckResponse { ServingStatus status = 1; } of an OK unary call. */
function decodeHealthCheckResponse(body: Buffer): GrpcHealthAnswer {
  const internal = (message: string): GrpcHealthAnswer => ({ kind: "rpcError", code: GrpcCode.INTERNAL, message });
  if (body.length === 0) return internal("cardinality violation: received no response message from non-server-streaming RPC");
  if (body.length < 5) return internal("unexpected EOF");
  if (body[0] !== 0) return internal("grpc: compressed flag set with identity or empty encoding");
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return internal("unexpected EOF");
  if (body.length > 5 + length) return internal("cardinality violation: expected <EOF> for non server-streaming RPCs, but received another message");
  const status = decodeStatusField(body.subarray(5, 5 + length));
  if (status === undefined) return internal("grpc: failed to unmarshal the received message: proto: cannot parse invalid wire-format data");
  return { kind: "response", status };
}

/** Field 1 (a varint enum, the last one wins; 0 when absent) of a protobuf message, skipping unknown fields; undefined when malformed. */
function decodeStatusField(msg: Uint8Array): number | undefined {
  let status = 0;
  let i = 0;
  /** A varint's low 32 bits (an enum is an int32; negatives take ten bytes). */
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (i >= msg.length) return undefined;
      const b = msg[i++];
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value | 0;
    }
    return undefined;
  };
  while (i < msg.length) {
    const key = varint();
    if (key === undefined || key >>> 3 === 0) return undefined;
    const wireType = key & 7;
    if (wireType === 0) {
      const v = varint();
      if (v === undefined) return undefined;
      if (key >>> 3 === 1) status = v;
    } else if (wireType === 1 || wireType === 5) {
      i += wireType === 1 ? 8 : 4;
    } else if (wireType === 2) {
      const n = varint();
      if (n === undefined || n < 0) return undefined;
      i += n;
    } else {
      return undefined;
    }
    if (i > msg.length) return undefined;
  }
  return status;
}
