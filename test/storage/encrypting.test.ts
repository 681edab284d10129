// Secrets encrypted at rest: the contract holds through the AES-GCM decorator, and what
// reaches the store is ciphertext behind kube-apiserver's envelope prefix.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { EncryptingStorage } from "../../dist/core/storage/encrypting-storage.js";
import { storageContract } from "./contract.js";

const key = crypto.getRandomValues(new Uint8Array(32));
let store: EncryptingStorage | undefined;
const inner = new MemoryStorage();
const ready = EncryptingStorage.create(inner, key, { prefixes: ["/"] }).then((s) => (store = s));

describe("setup", () => {
  it("opens the encrypting store", async () => {
    await ready;
    expect(store).toBeDefined();
  });
});

storageContract("in-memory behind AES-GCM encryption (every key)", () => store!);

describe("encryption at rest", () => {
  it("stores secrets as ciphertext with the aesgcm envelope; other keys stay plain", async () => {
    const raw = new MemoryStorage();
    const s = await EncryptingStorage.create(raw, key);
    const secret = new TextEncoder().encode('{"data":{"password":"aHVudGVyMg=="}}');
    await s.create("/registry/secrets/default/db", secret);
    await s.create("/registry/configmaps/default/cfg", new TextEncoder().encode("plain"));
    const stored = new TextDecoder().decode((await raw.get("/registry/secrets/default/db"))!.value.subarray(0, 23));
    expect(stored).toBe("k8s:enc:aesgcm:v1:key1:");
    expect(Buffer.from((await raw.get("/registry/secrets/default/db"))!.value).includes("aHVudGVyMg==")).toBe(false);
    expect(new TextDecoder().decode((await s.get("/registry/secrets/default/db"))!.value)).toBe('{"data":{"password":"aHVudGVyMg=="}}');
    expect(new TextDecoder().decode((await raw.get("/registry/configmaps/default/cfg"))!.value)).toBe("plain");
    // Another key cannot read it.
    const stranger = await EncryptingStorage.create(raw, crypto.getRandomValues(new Uint8Array(32)));
    await expect(stranger.get("/registry/secrets/default/db")).rejects.toThrow();
  });
});
