// ConfigMaps and Secrets as the kubelet's configmap/secret managers hand them out: read
// through the ApiClient, and a missing one reported with the managers' NotFound wording
// (`configmap "x" not found`: the singular resource name, as their cache's GroupResource).
import type { ApiClient, KubeObject } from "../controllers/client.js";
import { R, isNotFound } from "../controllers/client.js";
import { decodeBase64 } from "../../bindings/base64.js";

/** A container's configuration cannot be made (CreateContainerConfigError) or a volume set up (FailedMount). */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
  }
}

/** A ConfigMap's or Secret's keys as bytes (Secret data decoded from base64; ConfigMap data and binaryData). */
export type KeyData = Map<string, Uint8Array>;

const encoder = new TextEncoder();

export class ConfigSources {
  constructor(private readonly client: ApiClient) {}

  async configMap(namespace: string, name: string): Promise<KeyData> {
    const obj = await this.get("configmap", namespace, name);
    const out: KeyData = new Map();
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out.set(k, encoder.encode(v));
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) out.set(k, decodeBase64(v));
    return out;
  }

  async secret(namespace: string, name: string): Promise<KeyData> {
    const obj = await this.get("secret", namespace, name);
    const out: KeyData = new Map();
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out.set(k, decodeBase64(v));
    for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) out.set(k, encoder.encode(v));
    return out;
  }

  private async get(kind: "configmap" | "secret", namespace: string, name: string): Promise<KubeObject> {
    try {
      return await this.client.get(kind === "configmap" ? R.configMaps : R.secrets, namespace, name);
    } catch (err) {
      if (isNotFound(err)) throw new ConfigError(`${kind} "${name}" not found`, true);
      throw err;
    }
  }
}

/** Optional sources: a missing object (only that) counts as absent. */
export async function optionally<T>(optional: boolean | undefined, get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (optional && err instanceof ConfigError && err.notFound) return undefined;
    throw err;
  }
}

