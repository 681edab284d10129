// gRPC probes for real: the Node probe transport (hosts/node/probe-transport.ts) against a
// small grpc.health.v1.Health server written here on node:http2, on 127.0.0.1 only; the
// answers are worded by the prober's grpcProbeOutcome, so the messages asserted are the
// ones the kubelet's Unhealthy events carry (pkg/probe/grpc).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http2 from "node:http2";
import net from "node:net";
import { nodeProbeTransport } from "../../dist/hosts/node/probe-transport.js";
import { grpcProbeOutcome } from "../../dist/core/kubelet/prober.js";

const HOST = "127.0.0.1";
const transport = nodeProbeTransport();

/** What the server saw of each call. */
const seen: { path: string; headers: http2.IncomingHttpHeaders; service: string }[] = [];
const hanging: http2.ServerHttp2Stream[] = [];
let server: http2.Http2Server;
let silent: net.Server;
let grpcPort = 0;
let silentPort = 0;
let closedPort = 0;

/** HealthCheckRequest's service (field 1, a string) from one length-prefixed message. */
function serviceOf(body: Buffer): string {
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  if (msg.length === 0) return "";
  expect(msg[0]).toBe(0x0a);
  let len = 0;
  let i = 1;
  for (let shift = 0; ; shift += 7) {
    const b = msg[i++];
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return msg.subarray(i, i + len).toString("utf8");
}

/** A HealthCheckResponse with `status` as one gRPC message. */
function response(status: number): Buffer {
  const msg = status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  return frame;
}

/** The health server: each service name is a behaviour. */
function handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("error", () => undefined);
  stream.on("end", () => {
    const path = String(headers[":path"]);
    const service = serviceOf(Buffer.concat(chunks));
    seen.push({ path, headers, service });
    const ok = { ":status": 200, "content-type": "application/grpc" };
    const reply = (status: number) => {
      stream.respond(ok, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(response(status));
    };
    /** A Trailers-Only error, as grpc-go's server sends one. */
    const fail = (code: number, message: string) =>
      stream.respond({ ...ok, "grpc-status": String(code), "grpc-message": encodeURIComponent(message) }, { endStream: true });

    if (path !== "/grpc.health.v1.Health/Check") return fail(12, `unknown service ${path.split("/")[1]}`);
    switch (service) {
      case "":
      case "web":
        return reply(1);
      case "down":
        return reply(2);
      case "vanished":
        return reply(3);
      case "unknown-status":
        return reply(7);
      case "not-found":
        // grpc-go's health server for a service it does not know.
        return fail(5, "unknown service");
      case "unimplemented":
        return fail(12, "unknown service grpc.health.v1.Health");
      case "http-503":
        stream.respond({ ":status": 503, "content-type": "text/plain" });
        return void stream.end("no");
      case "drop":
        return void stream.session?.destroy(); // the connection goes away mid-call
      case "hang":
        hanging.push(stream); // never answers
        return;
      default:
        return fail(2, `unexpected service ${service}`);
    }
  });
}

beforeAll(async () => {
  server = http2.createServer();
  server.on("stream", handle);
  server.on("session", (session) => session.on("error", () => undefined));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  grpcPort = (server.address() as net.AddressInfo).port;

  // Accepts connections and never says a word (no HTTP/2 SETTINGS); it reads what comes, so
  // it sees the client hang up.
  silent = net.createServer((socket) => socket.on("error", () => undefined).resume());
  await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
  silentPort = (silent.address() as net.AddressInfo).port;

  // A port nothing listens on: bound and released.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const s of hanging) s.close();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => silent?.close(resolve));
});

/** One probe through the real transport, worded as the kubelet's; with how long it took. */
async function probe(port: number, service: string, timeoutMs = 1000) {
  const started = Date.now();
  const answer = await transport.grpc!(HOST, port, service, timeoutMs);
  return { answer, ...grpcProbeOutcome(answer, `${HOST}:${port}`, timeoutMs), ms: Date.now() - started };
}

describe("gRPC probes over node:http2", () => {
  it("SERVING succeeds, and the request is a Health/Check as the kubelet sends it", async () => {
    seen.length = 0;
    const r = await probe(grpcPort, "");
    expect(r.answer).toEqual({ kind: "response", status: 1 });
    expect(r).toMatchObject({ result: "success", output: "service healthy" });
    expect(seen).toHaveLength(1);
    expect(seen[0].path).toBe("/grpc.health.v1.Health/Check");
    expect(seen[0].service).toBe("");
    expect(seen[0].headers).toMatchObject({ ":method": "POST", ":scheme": "http", "content-type": "application/grpc", te: "trailers" });
    expect(seen[0].headers["user-agent"]).toMatch(/^kube-probe\/1\.\d+/);
    expect(seen[0].headers[":authority"]).toBe(`${HOST}:${grpcPort}`);
    expect(Number(String(seen[0].headers["grpc-timeout"]).replace(/m$/, ""))).toBeGreaterThan(0);
    expect(Number(String(seen[0].headers["grpc-timeout"]).replace(/m$/, ""))).toBeLessThanOrEqual(1000);

    const named = await probe(grpcPort, "web");
    expect(named.result).toBe("success");
    expect(seen[1].service).toBe("web");
  });

  it("NOT_SERVING, SERVICE_UNKNOWN and an unknown enum value fail with the status", async () => {
    expect(await probe(grpcPort, "down")).toMatchObject({ result: "failure", output: 'service unhealthy (responded with "NOT_SERVING")' });
    expect(await probe(grpcPort, "vanished")).toMatchObject({ result: "failure", output: 'service unhealthy (responded with "SERVICE_UNKNOWN")' });
    expect(await probe(grpcPort, "unknown-status")).toMatchObject({ result: "failure", output: 'service unhealthy (responded with "7")' });
  });

  it("a service the server does not know (grpc-status NOT_FOUND) fails with the RPC error", async () => {
    const r = await probe(grpcPort, "not-found");
    expect(r.answer).toEqual({ kind: "rpcError", code: 5, message: "unknown service" });
    expect(r).toMatchObject({ result: "failure", output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service" });
  });

  it("a server without the health service (UNIMPLEMENTED) and a non-gRPC answer fail as the kubelet says", async () => {
    expect(await probe(grpcPort, "unimplemented")).toMatchObject({
      result: "failure",
      output: "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health",
    });
    expect(await probe(grpcPort, "http-503")).toMatchObject({
      result: "failure",
      output: `error: health rpc probe failed: rpc error: code = Unavailable desc = unexpected HTTP status code received from server: 503 (Service Unavailable); transport: received unexpected content-type "text/plain"`,
    });
  });

  it("a connection lost mid-call fails as UNAVAILABLE", async () => {
    expect(await probe(grpcPort, "drop")).toMatchObject({
      result: "failure",
      output: "error: health rpc probe failed: rpc error: code = Unavailable desc = error reading from server: EOF",
    });
  });

  it("a server that never answers the call: timeout after timeoutSeconds", async () => {
    const r = await probe(grpcPort, "hang");
    expect(r.answer).toMatchObject({ kind: "rpcError", code: 4 });
    expect(r).toMatchObject({ result: "failure", output: "timeout: health rpc did not complete within 1s" });
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(1800);
    const two = await probe(grpcPort, "hang", 2000);
    expect(two.output).toBe("timeout: health rpc did not complete within 2s");
    expect(two.ms).toBeGreaterThanOrEqual(1950);
  });

  it("a listener that never speaks HTTP/2: failed to connect within the timeout", async () => {
    const r = await probe(silentPort, "");
    expect(r.answer).toEqual({ kind: "connectTimeout" });
    expect(r.output).toBe(`timeout: failed to connect service "${HOST}:${silentPort}" within 1s: context deadline exceeded`);
    expect(r.ms).toBeGreaterThanOrEqual(950);
  });

  it("nothing listening: the refused dial is retried until the deadline, then a connect timeout (as grpc-go's blocking dial)", async () => {
    const r = await probe(closedPort, "");
    expect(r.answer).toEqual({ kind: "connectTimeout" });
    expect(r).toMatchObject({ result: "failure", output: `timeout: failed to connect service "${HOST}:${closedPort}" within 1s: context deadline exceeded` });
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(1800);
  });

  it("a server that comes up while the dial is retrying is reached within the same deadline", async () => {
    const late = http2.createServer();
    late.on("stream", handle);
    late.on("session", (session) => session.on("error", () => undefined));
    const pending = probe(closedPort, "web", 4000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await new Promise<void>((resolve) => late.listen(closedPort, HOST, resolve));
    try {
      const r = await pending;
      expect(r).toMatchObject({ result: "success", output: "service healthy" });
      // The second dial waits grpc-go's first backoff (1s ± 20%).
      expect(r.ms).toBeGreaterThanOrEqual(750);
      expect(r.ms).toBeLessThan(2500);
    } finally {
      await new Promise((resolve) => late.close(resolve));
    }
  });
});
