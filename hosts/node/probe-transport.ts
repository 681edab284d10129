// The Node host's ProbeTransport (core/kubelet/probe-transport.ts): httpGet probes over
// node:http / node:https (certificates are not verified, as the kubelet's prober does not),
// tcpSocket probes over node:net. Errors are worded as Go's, since they become the
// Unhealthy events' text: "dial tcp 10.244.0.5:80: connect: connection refused".
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { ProbeTransport } from "../../core/kubelet/probe-transport.js";

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
  };
}

/** A Node socket error as Go's net package words it. */
function dialError(hostPort: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${hostPort}: connect: connection refused`;
    case "EHOSTUNREACH":
      return `dial tcp ${hostPort}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${hostPort}: connect: network is unreachable`;
    case "ETIMEDOUT":
      return `dial tcp ${hostPort}: i/o timeout`;
    case "ECONNRESET":
      return `read tcp ${hostPort}: read: connection reset by peer`;
    default:
      return `dial tcp ${hostPort}: ${err.message}`;
  }
}
