// The API as a kubelet on another process sees it: the same ApiClient the in-process
// components use (core/controllers/client.ts), spoken over HTTPS to a `kubeling up` with a
// bearer token and the cluster's CA pinned. Watches are `?watch=1` streams of JSON lines,
// one event per line, as kube-apiserver sends them; a closed stream ends the watch and the
// informer relists, as client-go's reflector does.
import { Agent, request, type RequestOptions } from "node:https";
import type { IncomingMessage } from "node:http";
import { path, RestClient, type WatchOptions } from "../../core/controllers/client.js";
import type { WatchEventOut } from "../../core/api/object-store.js";
import type { ResourceInfo } from "../../core/api/resources.js";
import { ApiError, type Status } from "../../core/api/status.js";

export interface RemoteClientOptions {
  /** https://host:port of the API server. */
  server: string;
  token: string;
  /** The cluster CA (PEM) the server's certificate must chain to. */
  caCert: string;
  /** The field manager and user agent ("kubelet", "kube-proxy"). */
  manager?: string;
}

export class RemoteClient extends RestClient {
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    private readonly options: RemoteClientOptions,
    /** Shared by the clients `as` makes: one pool of keep-alive connections per server. */
    agent?: Agent,
  ) {
    super(options.manager ?? "kubelet");
    this.url = new URL(options.server);
    this.agent = agent ?? new Agent({ keepAlive: true, maxSockets: 16, ca: options.caCert });
  }

  /** The same connection acting as another component (field manager). */
  as(manager: string): RemoteClient {
    return new RemoteClient({ ...this.options, manager }, this.agent);
  }

  /** Closes idle keep-alive connections (open watches end on their own when stopped). */
  close(): void {
    this.agent.destroy();
  }

  async watch(r: ResourceInfo, namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEventOut) => void, onEnd: () => void): Promise<() => void> {
    const query = new URLSearchParams({ watch: "1", allowWatchBookmarks: "true" });
    if (options.labelSelector) query.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) query.set("fieldSelector", options.fieldSelector);
    if (options.resourceVersion) query.set("resourceVersion", options.resourceVersion);
    const res = await this.request("GET", path(r, namespace), query);
    if ((res.statusCode ?? 500) >= 400) throw new ApiError(await statusOf(res));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      onEnd();
    };
    let pending = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (!line || ended) continue;
        try {
          onEvent(JSON.parse(line) as WatchEventOut);
        } catch {
          // A line that is not an event: the stream is broken, end it (the informer relists).
          res.destroy();
          end();
        }
      }
    });
    res.on("end", end);
    res.on("close", end);
    res.on("error", end);
    return () => {
      res.destroy();
      end();
    };
  }

  protected async send<T>(method: string, p: string, query: URLSearchParams, body: unknown, contentType: string): Promise<T> {
    const res = await this.request(method, p, query, body, contentType);
    if ((res.statusCode ?? 500) >= 400) throw new ApiError(await statusOf(res));
    const text = await readAll(res);
    return (text ? JSON.parse(text) : {}) as T;
  }

  private request(method: string, p: string, query: URLSearchParams, body?: unknown, contentType = "application/json"): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const q = query.toString();
    const options: RequestOptions = {
      method,
      host: this.url.hostname.replace(/^\[|\]$/g, ""),
      port: this.url.port || 443,
      path: p + (q ? `?${q}` : ""),
      agent: this.agent,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        accept: "application/json",
        "user-agent": `${this.manager}/v1.32.0 kubeling`,
        ...(payload !== undefined ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : {}),
      },
    };
    return new Promise((resolve, reject) => {
      const req = request(options, resolve);
      req.on("error", (err) => reject(new ApiError(unavailable(`${this.url.host}: ${err.message}`))));
      req.end(payload);
    });
  }
}

function unavailable(message: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "ServiceUnavailable", code: 503 } as Status;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (text += c));
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

async function statusOf(res: IncomingMessage): Promise<Status> {
  const text = await readAll(res);
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && parsed.kind === "Status") return parsed;
  } catch {
    // Not a Status: wrap the text.
  }
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: text || `HTTP ${res.statusCode}`, reason: "InternalError", code: res.statusCode ?? 500 } as Status;
}
