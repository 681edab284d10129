// Service account tokens (core/api/service-account-tokens.ts and the API server around it):
// TokenRequest (`kubectl create token`) with kube-apiserver's defaults and limits, bearer JWTs
// that authenticate as system:serviceaccount:<ns>:<name> until the account or the bound pod
// is gone, ServiceAccount admission's kube-api-access volume, and the kube-root-ca.crt
// publisher. In-memory storage, the API server called in process.
import { beforeAll, describe, expect, it } from "vitest";
import { loadCore, type Core } from "../../dist/core/index.js";
import { MemoryStorage } from "../../hosts/browser/memory-storage.js";
import { createApiServer, ServiceAccountTokens } from "../../core/api/index.js";
import type { ApiServer } from "../../core/api/server.js";
import { apiCaller, type ApiCall } from "./api-caller.js";
import { SERVICE_ACCOUNT_MOUNT_PATH } from "../../core/api/service-account-admission.js";
import { RootCAPublisher, ROOT_CA_CONFIGMAP } from "../../core/controllers/root-ca-publisher.js";
import { R } from "../../core/controllers/client.js";
import { startControlPlane, waitFor } from "../controllers/harness.js";

let core: Core;
let tokens: ServiceAccountTokens;
beforeAll(async () => {
  core = await loadCore();
  tokens = await ServiceAccountTokens.create();
});

let now = new Date("2026-11-23T10:00:00Z");

async function server(withTokens = true): Promise<{ api: ApiServer; call: ApiCall<any> }> {
  const api = createApiServer({ storage: new MemoryStorage(), core: core as never, now: () => now, serviceAccountTokens: withTokens ? tokens : undefined });
  await api.bootstrap();
  const call = apiCaller<any>(() => api);

  await call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "default" } });
  return { api, call };
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...extra } });

describe("TokenRequest (serviceaccounts/<name>/token)", () => {
  it("issues a token that authenticates as the service account, for an hour by default", async () => {
    const { api, call } = await server();
    const r = await call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1", spec: { expirationSeconds: 3600, audiences: ["https://kubernetes.default.svc.cluster.local"] } });
    expect(r.body.status.expirationTimestamp).toBe("2026-11-23T11:00:00Z");
    const user = await api.authenticateToken(r.body.status.token);
    expect(user).toEqual({ name: "system:serviceaccount:default:default", groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"] });
  });

  it("refuses less than 10 minutes, and a missing account", async () => {
    const { call } = await server();
    const short = await call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.details.causes[0]).toMatchObject({ field: "spec.expirationSeconds", message: "Invalid value: 60: may not specify a duration less than 10 minutes" });
    const missing = await call("POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", { spec: {} });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('serviceaccounts "nobody" not found');
  });

  it("rejects a token that is tampered with, expired, or whose account or bound pod is gone", async () => {
    const { api, call } = await server();
    await call("POST", "/api/v1/namespaces/default/pods", pod("p"));
    const podUid = (await call("GET", "/api/v1/namespaces/default/pods/p")).body.metadata.uid;
    const bound = await call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: podUid } } });
    const token: string = bound.body.status.token;
    expect(await api.authenticateToken(token)).toMatchObject({ name: "system:serviceaccount:default:default", extra: { "authentication.kubernetes.io/pod-name": ["p"] } });
    const [h, p, s] = token.split(".");
    expect(await api.authenticateToken(`${h}.${p}.${s.slice(0, -2)}AA`)).toBeNull();
    expect(await api.authenticateToken("not.a.jwt")).toBeNull();
    const later = now;
    now = new Date(later.getTime() + 3601_000);
    expect(await api.authenticateToken(token)).toBeNull();
    now = later;
    await call("DELETE", "/api/v1/namespaces/default/pods/p");
    expect(await api.authenticateToken(token)).toBeNull();
    const plain = (await call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: {} })).body.status.token;
    await call("DELETE", "/api/v1/namespaces/default/serviceaccounts/default");
    expect(await api.authenticateToken(plain)).toBeNull();
  });

  it("another server's key does not verify", async () => {
    const { call } = await server();
    const token = (await call("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: {} })).body.status.token;
    const other = createApiServer({ storage: new MemoryStorage(), core: core as never, now: () => now, serviceAccountTokens: await ServiceAccountTokens.create() });
    expect(await other.authenticateToken(token)).toBeNull();
  });
});

describe("ServiceAccount admission: the kube-api-access volume", () => {
  it("mounts a bound token, the CA and the namespace in every container", async () => {
    const { call } = await server();
    const created = (await call("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: { initContainers: [{ name: "i", image: "busybox" }], containers: [{ name: "c", image: "busybox" }] } })).body;
    const volume = created.spec.volumes.find((v: { name: string }) => v.name.startsWith("kube-api-access-"));
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(volume.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    });
    for (const c of [...created.spec.containers, ...created.spec.initContainers]) {
      expect(c.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
    }
  });

  it("leaves pods alone with automountServiceAccountToken: false (pod or account), and without a signing key", async () => {
    const { call } = await server();
    const off = (await call("POST", "/api/v1/namespaces/default/pods", pod("off", { automountServiceAccountToken: false }))).body;
    expect(off.spec.volumes ?? []).toEqual([]);
    await call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "quiet" }, automountServiceAccountToken: false });
    const quiet = (await call("POST", "/api/v1/namespaces/default/pods", pod("quiet", { serviceAccountName: "quiet" }))).body;
    expect(quiet.spec.volumes ?? []).toEqual([]);
    const plain = await server(false);
    expect((await plain.call("POST", "/api/v1/namespaces/default/pods", pod("p"))).body.spec.volumes ?? []).toEqual([]);
  });
});

describe("the root CA publisher", () => {
  it("puts kube-root-ca.crt in every namespace and keeps it as published", async () => {
    const h = await startControlPlane([new RootCAPublisher("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n")]);
    try {
      await h.client.create(R.namespaces, undefined, { metadata: { name: "team" } });
      const get = () => h.client.get(R.configMaps, "team", ROOT_CA_CONFIGMAP).catch(() => null) as Promise<{ data?: Record<string, string> } | null>;
      await waitFor(async () => !!(await get()), 5000, "the ConfigMap in the new namespace");
      expect((await get())!.data).toEqual({ "ca.crt": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" });
      await h.client.patch(R.configMaps, "team", ROOT_CA_CONFIGMAP, "application/merge-patch+json", { data: { "ca.crt": "edited" } });
      await waitFor(async () => (await get())?.data?.["ca.crt"]?.startsWith("-----BEGIN") ?? false, 5000, "the edit undone");
      await h.client.delete(R.configMaps, "team", ROOT_CA_CONFIGMAP);
      await waitFor(async () => !!(await get()), 5000, "the ConfigMap recreated");
      expect(!!(await h.client.get(R.configMaps, "default", ROOT_CA_CONFIGMAP))).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe("server-side apply creates through the same admission as a POST", () => {
  const applyPod = (call: ApiCall<any>, name: string, spec: Record<string, unknown>) =>
    call("PATCH", `/api/v1/namespaces/default/pods/${name}?fieldManager=test`, JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec }), { "content-type": "application/apply-patch+yaml" });

  it("an applied pod gets the kube-api-access volume and the ServiceAccount default", async () => {
    const { call } = await server();
    const r = await applyPod(call, "applied", { containers: [{ name: "c", image: "busybox" }] });
    expect(r.status).toBe(201);
    expect(r.body.spec.serviceAccountName).toBe("default");
    expect(r.body.spec.volumes.map((v: { name: string }) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
  });

  it("a privileged container is refused on apply, creating or updating", async () => {
    const { call } = await server();
    const privileged = { containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] };
    const created = await applyPod(call, "root", privileged);
    expect(created.status).toBe(422); // Invalid, as kube-apiserver's validation answers it
    expect(created.body.message).toContain("spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy");
    expect((await applyPod(call, "plain", { containers: [{ name: "c", image: "busybox" }] })).status).toBe(201);
    const updated = await applyPod(call, "plain", privileged);
    expect(updated.status).toBe(422);
    expect(updated.body.message).toContain("disallowed by cluster policy");
  });
});
