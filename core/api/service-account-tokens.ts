// Bound service account tokens, as kube-apiserver issues and checks them (TokenRequest,
// serviceaccounts/<name>/token): ES256-signed JWTs with Kubernetes' claims — iss, sub
// "system:serviceaccount:<ns>:<name>", aud, iat/nbf/exp, and "kubernetes.io" naming the
// namespace, the service account and the pod the token is bound to (uids included). A
// token authenticates only while its service account (and bound pod) still exist with the
// same uids, so deleting either revokes it. WebCrypto only: the browser host can use it too.
import type { UserInfo } from "./server.js";
import { decodeBase64url, encodeBase64url } from "../../bindings/base64.js";

/** kube-apiserver's default issuer (and so the default audience) on a kubeadm cluster. */
export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** What ServiceAccount admission asks for in kube-api-access volumes (3600 + 7). */
export const ADMISSION_TOKEN_SECONDS = 3607;
/** --service-account-extend-token-expiration: admission's tokens live a year, their requested hour is only a warning point. */
const EXTENDED_SECONDS = 365 * 24 * 3600;

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  nbf: number;
  exp: number;
  "kubernetes.io": {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    warnafter?: number;
  };
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  audiences?: string[];
  expirationSeconds: number;
}

/** Looks an object up for revocation: its uid, or null when it is gone. */
export type UidLookup = (kind: "ServiceAccount" | "Pod", namespace: string, name: string) => Promise<string | null>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ServiceAccountTokens {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly kid: string,
    readonly issuer: string,
  ) {}

  /** From a PKCS#8 P-256 private key (the host keeps it, so tokens outlive restarts); a fresh key without one. */
  static async create(pkcs8?: Uint8Array, issuer = DEFAULT_ISSUER): Promise<ServiceAccountTokens> {
    const algorithm = { name: "ECDSA", namedCurve: "P-256" };
    let privateKey: CryptoKey;
    let publicKey: CryptoKey;
    if (pkcs8) {
      privateKey = await crypto.subtle.importKey("pkcs8", new Uint8Array(pkcs8), algorithm, true, ["sign"]);
      // The public half, through the JWK form (WebCrypto derives no public key from a private one).
      const { d: _d, key_ops: _ops, ...jwk } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
      publicKey = await crypto.subtle.importKey("jwk", { ...jwk, key_ops: ["verify"] }, algorithm, true, ["verify"]);
    } else {
      const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
      privateKey = pair.privateKey;
      publicKey = pair.publicKey;
    }
    // kid: a digest of the public key, as kube-apiserver derives it.
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
    const kid = encodeBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", raw))).slice(0, 43);
    return new ServiceAccountTokens(privateKey, publicKey, kid, issuer);
  }

  /** A signed token and when it expires (admission's 3607 s requests get the extended year, as kube-apiserver gives them). */
  async issue(request: IssueRequest, now: Date): Promise<{ token: string; expirationTimestamp: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const extended = request.expirationSeconds === ADMISSION_TOKEN_SECONDS && !!request.pod;
    const exp = iat + (extended ? EXTENDED_SECONDS : request.expirationSeconds);
    const claims: TokenClaims = {
      aud: request.audiences?.length ? request.audiences : [this.issuer],
      exp,
      iat,
      iss: this.issuer,
      "kubernetes.io": {
        namespace: request.namespace,
        ...(request.pod ? { pod: request.pod } : {}),
        serviceaccount: request.serviceAccount,
        ...(extended ? { warnafter: iat + request.expirationSeconds } : {}),
      },
      nbf: iat,
      sub: `system:serviceaccount:${request.namespace}:${request.serviceAccount.name}`,
    };
    const header = encodeBase64url(encoder.encode(JSON.stringify({ alg: "ES256", kid: this.kid })));
    const payload = encodeBase64url(encoder.encode(JSON.stringify(claims)));
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.privateKey, encoder.encode(`${header}.${payload}`)));
    // The time the client is told is the one it asked for (kube-apiserver reports the requested expiry, not the extended one).
    return { token: `${header}.${payload}.${encodeBase64url(signature)}`, expirationTimestamp: new Date((iat + request.expirationSeconds) * 1000) };
  }

  /**
   * The user a token names, or null: a bad signature, another issuer, an audience that is not
   * ours, outside its validity, or a service account / pod that is gone or was recreated.
   */
  async authenticate(token: string, now: Date, lookup: UidLookup): Promise<UserInfo | null> {
    const parts = token.split(".");
    if (parts.length !== 3) return null;
    let claims: TokenClaims;
    try {
      const header = JSON.parse(decoder.decode(decodeBase64url(parts[0]))) as { alg?: string; kid?: string };
      if (header.alg !== "ES256" || header.kid !== this.kid) return null;
      const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, this.publicKey, decodeBase64url(parts[2]), encoder.encode(`${parts[0]}.${parts[1]}`));
      if (!ok) return null;
      claims = JSON.parse(decoder.decode(decodeBase64url(parts[1]))) as TokenClaims;
    } catch {
      return null;
    }
    const t = Math.floor(now.getTime() / 1000);
    if (claims.iss !== this.issuer || !claims.aud?.includes(this.issuer)) return null;
    if (!(claims.nbf <= t + 60 && t < claims.exp)) return null;
    const k = claims["kubernetes.io"];
    if (!k?.serviceaccount) return null;
    if ((await lookup("ServiceAccount", k.namespace, k.serviceaccount.name)) !== k.serviceaccount.uid) return null;
    if (k.pod && (await lookup("Pod", k.namespace, k.pod.name)) !== k.pod.uid) return null;
    return {
      name: claims.sub,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${k.namespace}`, "system:authenticated"],
      ...(k.pod ? { extra: { "authentication.kubernetes.io/pod-name": [k.pod.name], "authentication.kubernetes.io/pod-uid": [k.pod.uid] } } : {}),
    } as UserInfo;
  }
}
