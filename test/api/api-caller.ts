// The API server called in process, as the API suites do: a request by method and URL with
// a JSON (or raw) body, as the cluster admin unless told otherwise; streams are refused.
import type { ApiServer, ApiRequest, UserInfo } from "../../core/api/server.js";

export const ADMIN: UserInfo = { name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };

export type ApiCall<B = Record<string, unknown>> = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; headers: Record<string, string>; body: B }>;

/** Strings and bytes are sent as they are; anything else as JSON. */
export function apiCaller<B = Record<string, unknown>>(api: () => ApiServer, user: UserInfo = ADMIN): ApiCall<B> {
  return async (method, url, body, headers = {}) => {
    const u = new URL(url, "https://x");
    const req: ApiRequest = {
      method,
      path: u.pathname,
      query: u.searchParams,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
      user,
    };
    const res = await api().handle(req);
    if ("stream" in res) throw new Error("unexpected stream");
    return res as { status: number; headers: Record<string, string>; body: B };
  };
}
