// Encryption at rest for Secrets: a Storage decorator that encrypts the values of keys under
// the given prefixes with AES-GCM (WebCrypto, so hosts and browsers alike) before they reach
// the store, and decrypts them on the way out — kube-apiserver's EncryptionConfiguration with
// the `aesgcm` provider. Stored values carry kube-apiserver's envelope prefix
// `k8s:enc:aesgcm:v1:<key name>:`, then the 12-byte nonce, then the ciphertext. Values
// written before encryption was enabled (no prefix) are still read as they are.
import type { KeyValue, ListResult, Storage, Watch, WatchEvent, WatchHandlers, WriteResult } from "../../bindings/storage.js";

const encoder = new TextEncoder();

export class EncryptingStorage implements Storage {
  private readonly prefix: Uint8Array;
  private readonly openedVersions = new WeakMap<KeyValue, Promise<KeyValue>>();

  private constructor(
    private readonly inner: Storage,
    private readonly key: CryptoKey,
    keyName: string,
    private readonly encryptedPrefixes: string[],
  ) {
    this.prefix = encoder.encode(`k8s:enc:aesgcm:v1:${keyName}:`);
  }

  /** `rawKey`: 32 random bytes kept by the host (the Node host: DATA_DIR/pki/encryption.key). */
  static async create(inner: Storage, rawKey: Uint8Array, options: { keyName?: string; prefixes?: string[] } = {}): Promise<EncryptingStorage> {
    const key = await crypto.subtle.importKey("raw", rawKey as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
    return new EncryptingStorage(inner, key, options.keyName ?? "key1", options.prefixes ?? ["/registry/secrets/"]);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    const kv = await this.inner.get(key, revision);
    return kv && (await this.open(kv));
  }

  async list(prefix: string, options?: { revision?: number; limit?: number; after?: string }): Promise<ListResult> {
    const page = await this.inner.list(prefix, options);
    return { ...page, items: await Promise.all(page.items.map((kv) => this.open(kv))) };
  }

  async create(key: string, value: Uint8Array): Promise<WriteResult> {
    return this.failedOpen(await this.inner.create(key, await this.seal(key, value)));
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<WriteResult> {
    return this.failedOpen(await this.inner.update(key, await this.seal(key, value), expectedRevision));
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    return this.failedOpen(await this.inner.delete(key, expectedRevision));
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    // Many watchers see the same events: each stored version is opened once and shared
    // (downstream caches key on the objects). Batches with nothing to decrypt go straight
    // through unless earlier ones are still being decrypted (order is kept).
    let chain: Promise<void> | null = null;
    let pending = 0;
    const deliver = (task: () => void | Promise<void>) => {
      if (pending === 0) {
        const result = task();
        if (!(result instanceof Promise)) return;
        pending++;
        chain = result.finally(() => pending--);
        return;
      }
      pending++;
      chain = chain!.then(task).finally(() => pending--);
    };
    return this.inner.watch(prefix, afterRevision, {
      ...handlers,
      events: (batch) => {
        const sealed = batch.some((e) => this.encrypts(e.kv.key));
        if (!sealed) return deliver(() => handlers.events(batch));
        deliver(async () => {
          const opened: WatchEvent[] = await Promise.all(
            batch.map(async (e) => ({ ...e, kv: await this.openShared(e.kv), prev: e.prev && (await this.openShared(e.prev)) })),
          );
          handlers.events(opened);
        });
      },
      compacted: (rev) => deliver(() => handlers.compacted(rev)),
    });
  }

  /** open(), once per stored version for all watchers. */
  private openShared(kv: KeyValue): Promise<KeyValue> {
    let opened = this.openedVersions.get(kv);
    if (!opened) this.openedVersions.set(kv, (opened = this.open(kv)));
    return opened;
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private encrypts(key: string): boolean {
    return this.encryptedPrefixes.some((p) => key.startsWith(p));
  }

  private async seal(key: string, value: Uint8Array): Promise<Uint8Array> {
    if (!this.encrypts(key)) return value;
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, this.key, value as BufferSource));
    const out = new Uint8Array(this.prefix.length + nonce.length + sealed.length);
    out.set(this.prefix, 0);
    out.set(nonce, this.prefix.length);
    out.set(sealed, this.prefix.length + nonce.length);
    return out;
  }

  private async open(kv: KeyValue): Promise<KeyValue> {
    if (!this.encrypts(kv.key) || !startsWith(kv.value, this.prefix)) return kv;
    const nonce = kv.value.slice(this.prefix.length, this.prefix.length + 12);
    const sealed = kv.value.subarray(this.prefix.length + 12);
    const value = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, this.key, sealed as BufferSource));
    return { ...kv, value };
  }

  private async failedOpen(result: WriteResult): Promise<WriteResult> {
    if (result.ok || !result.current) return result;
    return { ok: false, current: await this.open(result.current) };
  }
}

function startsWith(value: Uint8Array, prefix: Uint8Array): boolean {
  if (value.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[i] !== prefix[i]) return false;
  return true;
}
