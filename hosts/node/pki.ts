// The cluster's PKI, made at the first `kubeling up` and kept in the data dir: a CA, the API
// server's serving certificate (SANs 127.0.0.1, ::1, localhost, kubernetes…) and the admin's
// client certificate (CN=kubernetes-admin, O=system:masters, as kubeadm names it). X.509 is
// built by @peculiar/x509 over WebCrypto (ECDSA P-256), not by hand.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata polyfill first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString("hex").replace(/^[89a-f]/, "1");
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  return pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", key));
}

/**
 * Loads the PKI from `dir`, or creates and saves it (files: ca.crt, server.crt/key,
 * admin.crt/key). `serverIPs` are added to the serving certificate's SANs at creation (the
 * machine's addresses, the pods' gateway, the kubernetes Service IP), so agents and pods
 * can check the name they dialled.
 */
export async function loadOrCreatePki(dir: string, serverIPs: string[] = []): Promise<{ pki: Pki; created: boolean }> {
  const files = { caCert: "ca.crt", caKey: "ca.key", serverCert: "server.crt", serverKey: "server.key", adminCert: "admin.crt", adminKey: "admin.key" };
  if (Object.values(files).every((f) => existsSync(join(dir, f)))) {
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      pki: { caCert: read(files.caCert), serverCert: read(files.serverCert), serverKey: read(files.serverKey), adminCert: read(files.adminCert), adminKey: read(files.adminKey) },
      created: false,
    };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + TEN_YEARS_MS);

  const caKeys = await keys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=kubeling-ca",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const issue = async (subject: string, usage: string, sans?: x509.JsonGeneralNames) => {
    const pair = await keys();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ];
    if (sans) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: pair.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions,
    });
    return { cert: cert.toString("pem") + "\n", key: await privatePem(pair.privateKey) };
  };

  const server = await issue("CN=kube-apiserver", x509.ExtendedKeyUsage.serverAuth, [
    { type: "ip", value: "127.0.0.1" },
    { type: "ip", value: "::1" },
    { type: "dns", value: "localhost" },
    { type: "dns", value: "kubernetes" },
    { type: "dns", value: "kubernetes.default" },
    { type: "dns", value: "kubernetes.default.svc" },
    { type: "dns", value: "kubernetes.default.svc.cluster.local" },
    ...[...new Set(serverIPs)].filter((ip) => ip !== "127.0.0.1" && ip !== "::1").map((value) => ({ type: "ip" as const, value })),
  ]);
  const admin = await issue("CN=kubernetes-admin, O=system:masters", x509.ExtendedKeyUsage.clientAuth);
  const pki: Pki = { caCert: ca.toString("pem") + "\n", serverCert: server.cert, serverKey: server.key, adminCert: admin.cert, adminKey: admin.key };
  const write = (f: string, text: string) => writeFileSync(join(dir, f), text, { mode: 0o600 });
  write(files.caCert, pki.caCert);
  write(files.caKey, await privatePem(caKeys.privateKey));
  write(files.serverCert, pki.serverCert);
  write(files.serverKey, pki.serverKey);
  write(files.adminCert, pki.adminCert);
  write(files.adminKey, pki.adminKey);
  return { pki, created: true };
}

/**
 * A client certificate for another user, signed by the cluster CA in `dir`: the CN is the
 * user name and each O a group (what RBAC subjects name).
 */
export async function issueClientCertificate(dir: string, user: string, groups: string[]): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(readFileSync(join(dir, "ca.crt"), "utf8"));
  const caKeyDer = Buffer.from(readFileSync(join(dir, "ca.key"), "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64");
  const caKey = await webcrypto.subtle.importKey("pkcs8", caKeyDer, ALGORITHM, false, ["sign"]);
  const pair = await keys();
  const escape = (v: string) => v.replace(/([,+"\\<>;=])/g, "\\$1");
  const subject = [`CN=${escape(user)}`, ...groups.map((g) => `O=${escape(g)}`)].join(", ");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    publicKey: pair.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: await privatePem(pair.privateKey) };
}

/** A kubeconfig for the admin: the CA, the server URL and the client certificate, inline. */
export function adminKubeconfig(server: string, pki: Pki): string {
  return kubeconfigFor(server, pki.caCert, "kubeling-admin", pki.adminCert, pki.adminKey);
}

/** A kubeconfig with the cluster CA and one user's client certificate, inline. */
export function kubeconfigFor(server: string, caCert: string, userName: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubeling",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caCert)}`,
    "users:",
    `- name: ${userName}`,
    "  user:",
    `    client-certificate-data: ${b64(cert)}`,
    `    client-key-data: ${b64(key)}`,
    "contexts:",
    "- name: kubeling",
    "  context:",
    "    cluster: kubeling",
    `    user: ${userName}`,
    "current-context: kubeling",
    "",
  ].join("\n");
}

/**
 * A self-signed serving certificate, as a kubelet makes for itself when given none (the
 * API server does not check kubelet certificates unless told to; the bearer token it sends
 * is what the kubelet server checks).
 */
export async function selfSignedServing(cn: string, ips: string[]): Promise<{ cert: string; key: string }> {
  const pair = await keys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${cn.replace(/([,+"\\<>;=])/g, "\\$1")}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    keys: pair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: cn }, ...[...new Set(ips)].map((value) => ({ type: "ip" as const, value }))]),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: await privatePem(pair.privateKey) };
}

/**
 * The key service account tokens are signed with (kube-apiserver's --service-account-key-file,
 * here ECDSA P-256 as PKCS#8): made at the first start and kept, so tokens outlive restarts
 * and API servers sharing the data dir check each other's. Returns the PKCS#8 bytes.
 */
export async function loadOrCreateServiceAccountKey(dir: string): Promise<Uint8Array> {
  const file = join(dir, "sa.key");
  if (!existsSync(file)) {
    const pair = await keys();
    writeFileSync(file, await privatePem(pair.privateKey), { mode: 0o600 });
  }
  return new Uint8Array(Buffer.from(readFileSync(file, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64"));
}
