// The token agents join with, in k3s's shape: `K10<sha256 of the CA certificate>::node:<secret>`.
// The secret is the bearer token the API server accepts from agents (and sends back to their
// kubelet servers); the hash lets an agent that was given nothing else trust the server it
// dials, as kubeadm's --discovery-token-ca-cert-hash does: it reads the CA from the TLS
// handshake (the server sends it in its chain) and keeps it only if the hash matches.
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { connect, type PeerCertificate, type DetailedPeerCertificate } from "node:tls";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** SHA-256 of the certificate's DER, hex. */
export function certificateHash(pem: string): string {
  return createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");
}

/** The token in `file`, made at the first call (mode 0600). */
export function loadOrCreateNodeToken(file: string, caCert: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const token = `K10${certificateHash(caCert)}::node:${randomBytes(16).toString("hex")}`;
  writeFileSync(file, token + "\n", { mode: 0o600 });
  return token;
}

export function parseNodeToken(token: string): { caHash: string } | null {
  const m = /^K10([0-9a-f]{64})::node:[0-9a-f]{16,}$/.exec(token.trim());
  return m ? { caHash: m[1] } : null;
}

/** The cluster CA (PEM) from `server`'s TLS chain, checked against the token's hash. */
export async function discoverCa(server: string, token: string, timeoutMs = 10_000): Promise<string> {
  const parsed = parseNodeToken(token);
  if (!parsed) throw new Error("the token is not a kubeling node token (K10<hash>::node:<secret>; see <data-dir>/pki/node-token)");
  const url = new URL(server);
  const chain = await new Promise<PeerCertificate>((resolve, reject) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443), rejectUnauthorized: false, servername: undefined }, () => {
      const peer = socket.getPeerCertificate(true);
      socket.destroy();
      resolve(peer);
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS answer from ${url.host} within ${timeoutMs} ms`)));
    socket.on("error", reject);
  });
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = chain as DetailedPeerCertificate; cert && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    const hash = createHash("sha256").update(cert.raw).digest("hex");
    if (hash === parsed.caHash) return `-----BEGIN CERTIFICATE-----\n${cert.raw.toString("base64").replace(/(.{64})/g, "$1\n").trimEnd()}\n-----END CERTIFICATE-----\n`;
  }
  throw new Error(`the server at ${url.host} does not present the CA the token names (a different cluster, or a man in the middle)`);
}
