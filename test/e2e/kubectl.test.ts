// The unmodified kubectl 1.32 against `kubeling up` (the real command, HTTPS, the embedded
// store): discovery, get in its forms, create/apply/label/patch/replace/delete, errors,
// a watch, and a restart that keeps every object.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const CLI = join(import.meta.dirname, "../../dist/hosts/node/cli.js");

const dir = mkdtempSync(join(tmpdir(), "kubeling-e2e-"));
const dataDir = join(dir, "data");
const port = 21000 + Math.floor(Math.random() * 20000);
let server: ChildProcess | undefined;

/** Starts `kubeling up` and resolves once it says where it listens. */
async function startUp(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [CLI, "up", "--data-dir", dataDir, "--port", String(port), "--no-node"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 20_000;
  while (!output.includes("API server listening")) {
    if (child.exitCode !== null) throw new Error(`kubeling up exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`kubeling up did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => output };
}

async function stopUp(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGINT");
  return exited;
}

function kubectl(args: string[], input?: string, kubeconfig = join(dataDir, "kubeconfig")) {
  const result = spawnSync(KUBECTL, args, {
    input,
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir },
    timeout: 30_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function manifest(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  server = (await startUp()).child;
});

afterAll(async () => {
  if (server && server.exitCode === null) await stopUp(server);
  rmSync(dir, { recursive: true, force: true });
});

describe("kubectl 1.32 against kubeling up", () => {
  it("writes a kubeconfig with the CA and an admin certificate", () => {
    const config = readFileSync(join(dataDir, "kubeconfig"), "utf8");
    expect(config).toContain(`server: https://127.0.0.1:${port}`);
    expect(config).toContain("certificate-authority-data:");
    expect(config).toContain("client-certificate-data:");
  });

  it("version: the server reports 1.32", () => {
    const r = kubectl(["version", "-o", "json"]);
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { serverVersion: { major: string; minor: string } };
    expect(v.serverVersion).toMatchObject({ major: "1", minor: "32" });
  });

  it("api-resources lists the registry", () => {
    const r = kubectl(["api-resources"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(r.out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(r.out).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
  });

  it("get namespaces: the four every cluster has, as a table", () => {
    const r = kubectl(["get", "namespaces"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^NAME\s+STATUS\s+AGE/);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) expect(r.out).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+s`, "m"));
  });

  it("create -f, get in its forms, label, field and label selectors, delete", () => {
    const file = manifest("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  color: blue\n  size: large\n");
    expect(kubectl(["create", "-f", file]).out.trim()).toBe("configmap/cfg created");
    const table = kubectl(["get", "configmap", "cfg"]);
    expect(table.out).toMatch(/^NAME\s+DATA\s+AGE\ncfg\s+2\s+\d+s/);
    expect(kubectl(["get", "cm", "cfg", "-o", "jsonpath={.data.color}"]).out).toBe("blue");
    const yaml = kubectl(["get", "cm", "cfg", "-o", "yaml"]).out;
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    expect(yaml).toMatch(/creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/);
    expect(kubectl(["label", "cm", "cfg", "team=a"]).out.trim()).toBe("configmap/cfg labeled");
    expect(kubectl(["get", "cm", "-l", "team in (a,b),!missing", "-o", "name"]).out.trim()).toBe("configmap/cfg");
    expect(kubectl(["get", "cm", "-l", "team=b", "-o", "name"]).out.trim()).toBe("");
    expect(kubectl(["get", "cm", "--field-selector", "metadata.name=cfg", "-o", "name"]).out.trim()).toBe("configmap/cfg");
    expect(kubectl(["get", "cm", "--show-labels"]).out).toMatch(/cfg\s+2\s+\S+\s+team=a/);
    expect(kubectl(["annotate", "cm", "cfg", "note=hi"]).out.trim()).toBe("configmap/cfg annotated");
    const patched = kubectl(["patch", "cm", "cfg", "--type=merge", "-p", '{"data":{"size":"small"}}']);
    expect(patched.out.trim(), patched.err).toBe("configmap/cfg patched");
    const jsonPatched = kubectl(["patch", "cm", "cfg", "--type=json", "-p", '[{"op":"remove","path":"/data/color"}]']);
    expect(jsonPatched.out.trim(), jsonPatched.err).toBe("configmap/cfg patched");
    expect(kubectl(["get", "cm", "cfg", "-o", "jsonpath={.data}"]).out).toBe('{"size":"small"}');
    expect(kubectl(["delete", "cm", "cfg"]).out.trim()).toBe('configmap "cfg" deleted');
    const gone = kubectl(["get", "cm", "cfg"]);
    expect(gone.code).toBe(1);
    expect(gone.err.trim()).toBe('Error from server (NotFound): configmaps "cfg" not found');
  });

  it("apply: created, unchanged, configured (strategic merge patch)", () => {
    const v1 = [
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n---",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: busybox\n        ports:\n        - containerPort: 80\n",
    ].join("\n");
    const file = manifest("app.yaml", v1);
    const first = kubectl(["apply", "-f", file]);
    expect(first.out.trim().split("\n"), first.err).toEqual(["namespace/shop created", "configmap/settings created", "deployment.apps/web created"]);
    const second = kubectl(["apply", "-f", file]);
    expect(second.out.trim().split("\n"), second.err).toEqual(["namespace/shop unchanged", "configmap/settings unchanged", "deployment.apps/web unchanged"]);
    manifest("app.yaml", v1.replace("replicas: 2", "replicas: 3").replace("image: busybox", "image: busybox:1.36"));
    const third = kubectl(["apply", "-f", file]);
    expect(third.out.trim().split("\n"), third.err).toEqual(["namespace/shop unchanged", "configmap/settings unchanged", "deployment.apps/web configured"]);
    const dep = JSON.parse(kubectl(["get", "deploy", "web", "-n", "shop", "-o", "json"]).out) as {
      metadata: { generation: number };
      spec: { replicas: number; template: { spec: { containers: { image: string; ports: unknown[] }[] } } };
    };
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.template.spec.containers).toHaveLength(1);
    expect(dep.spec.template.spec.containers[0].image).toBe("busybox:1.36");
    expect(dep.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    expect(dep.metadata.generation).toBe(2);
  });

  it("apply --server-side: created, managedFields, conflicts between managers, forced takeover, removal", () => {
    const cm = (data: string) => manifest("ssa.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:${data}\n`);
    const first = kubectl(["apply", "--server-side", "-f", cm("\n  a: '1'\n  b: '2'")]);
    expect(first.out.trim(), first.err).toBe("configmap/ssa serverside-applied");
    const fields = JSON.parse(kubectl(["get", "cm", "ssa", "-o", "json", "--show-managed-fields"]).out) as { metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] } };
    expect(fields.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "kubectl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {}, "f:b": {} } } }),
    ]);
    const conflict = kubectl(["apply", "--server-side", "--field-manager=other", "-f", cm("\n  a: '9'")]);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.a');
    const forced = kubectl(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", cm("\n  a: '9'")]);
    expect(forced.code, forced.err).toBe(0);
    expect(kubectl(["get", "cm", "ssa", "-o", "jsonpath={.data}"]).out).toBe('{"a":"9","b":"2"}');
    // kubectl no longer applies b (and a now belongs to "other"): b goes, a stays.
    expect(kubectl(["apply", "--server-side", "-f", cm(" {}")]).code).toBe(0);
    expect(kubectl(["get", "cm", "ssa", "-o", "jsonpath={.data}"]).out).toBe('{"a":"9"}');
  });

  it("a pod on a node is deleted gracefully (Terminating) until forced", () => {
    const pod = manifest("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  nodeName: node-1\n  containers:\n  - name: c\n    image: busybox\n");
    expect(kubectl(["create", "-f", pod]).out.trim()).toBe("pod/p created");
    expect(kubectl(["delete", "pod", "p", "--wait=false"]).out.trim()).toBe('pod "p" deleted');
    expect(kubectl(["get", "pod", "p"]).out).toMatch(/^p\s+0\/1\s+Terminating\s+/m);
    const forced = kubectl(["delete", "pod", "p", "--grace-period=0", "--force"]);
    expect(forced.out.trim(), forced.err).toBe('pod "p" force deleted');
    expect(kubectl(["get", "pod", "p"]).code).toBe(1);
  });

  it("create generators send protobuf: configmap, secret, namespace, deployment, service, job", () => {
    expect(kubectl(["create", "configmap", "gen", "--from-literal=a=b"]).out.trim()).toBe("configmap/gen created");
    expect(kubectl(["get", "cm", "gen", "-o", "jsonpath={.data.a}"]).out).toBe("b");
    expect(kubectl(["create", "secret", "generic", "gens", "--from-literal=k=v"]).out.trim()).toBe("secret/gens created");
    expect(kubectl(["get", "secret", "gens", "-o", "jsonpath={.data.k}"]).out).toBe("dg==");
    expect(kubectl(["create", "namespace", "gen-ns"]).out.trim()).toBe("namespace/gen-ns created");
    const dep = kubectl(["create", "deployment", "gen-web", "--image=busybox", "--replicas=2", "--port=80", "-n", "gen-ns"]);
    expect(dep.out.trim(), dep.err).toBe("deployment.apps/gen-web created");
    const spec = JSON.parse(kubectl(["get", "deploy", "gen-web", "-n", "gen-ns", "-o", "json"]).out) as {
      spec: { replicas: number; selector: unknown; template: { spec: { containers: { name: string; image: string; ports: unknown[] }[] } } };
    };
    expect(spec.spec.replicas).toBe(2);
    expect(spec.spec.selector).toEqual({ matchLabels: { app: "gen-web" } });
    expect(spec.spec.template.spec.containers[0]).toMatchObject({ name: "busybox", image: "busybox", ports: [{ containerPort: 80 }] });
    expect(kubectl(["create", "service", "clusterip", "gen-svc", "--tcp=80:8080", "-n", "gen-ns"]).out.trim()).toBe("service/gen-svc created");
    expect(kubectl(["create", "job", "gen-job", "--image=busybox", "-n", "gen-ns"]).out.trim()).toBe("job.batch/gen-job created");
  });

  it("scale: the /scale subresource, with --current-replicas as a precondition", () => {
    const scaled = kubectl(["scale", "deployment", "web", "-n", "shop", "--replicas=5"]);
    expect(scaled.out.trim(), scaled.err).toBe("deployment.apps/web scaled");
    expect(kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"]).out).toBe("5");
    const wrong = kubectl(["scale", "deployment", "web", "-n", "shop", "--current-replicas=4", "--replicas=6"]);
    expect(wrong.code).toBe(1);
    expect(wrong.err.trim()).toBe("error: Expected replicas to be 4, was 5");
    expect(kubectl(["scale", "deployment", "web", "-n", "shop", "--current-replicas=5", "--replicas=3"]).out.trim()).toBe("deployment.apps/web scaled");
    expect(kubectl(["get", "--raw", "/apis/apps/v1/namespaces/shop/deployments/web/scale"]).out).toMatch(/"kind":"Scale".*"spec":\{"replicas":3\}.*"selector":"app=web"/);
  });

  it("secrets are encrypted at rest and read back in clear", () => {
    const secret = manifest("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  note: x\ndata:\n  password: aHVudGVyMg==\n");
    expect(kubectl(["create", "-f", secret]).out.trim()).toBe("secret/db created");
    expect(kubectl(["get", "secret", "db", "-o", "jsonpath={.data.password}"]).out).toBe("aHVudGVyMg==");
    // stringData is merged into data, base64-encoded, and not stored itself.
    expect(kubectl(["get", "secret", "db", "-o", "jsonpath={.data.note}|{.stringData}|{.type}"]).out).toBe("eA==||Opaque");
    expect(kubectl(["get", "namespace", "shop"]).out).toMatch(/^shop\s+Active\s+/m);
    // The store's files never hold the value (LMDB keeps values as written).
    const files = readFileSync(join(dataDir, "store", "data.mdb"));
    expect(files.includes("aHVudGVyMg==")).toBe(false);
    expect(files.includes("k8s:enc:aesgcm:v1:key1:")).toBe(true);
  });

  it("errors read as kubectl users know them: invalid name, missing namespace, conflict", () => {
    const bad = kubectl(["create", "-f", manifest("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n")]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain');
    const noNs = kubectl(["create", "-f", manifest("nons.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nowhere\n")]);
    expect(noNs.err.trim()).toBe('Error from server (NotFound): error when creating "' + join(dir, "nons.yaml") + '": namespaces "nowhere" not found');
    kubectl(["create", "-f", manifest("c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: racy\ndata: {a: '1'}\n")]);
    const stale = JSON.parse(kubectl(["get", "cm", "racy", "-o", "json"]).out) as { metadata: { resourceVersion: string } };
    kubectl(["label", "cm", "racy", "x=y"]);
    const replaced = kubectl(["replace", "-f", "-"], JSON.stringify({ ...stale, data: { a: "2" } }));
    expect(replaced.code).toBe(1);
    expect(replaced.err).toContain('Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "racy": the object has been modified; please apply your changes to the latest version and try again');
  });

  it("unknown fields: refused under kubectl's fieldValidation=Strict, a warning with --validate=warn", () => {
    const file = manifest("typo.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typo\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: t}}\n  template:\n    metadata: {labels: {app: t}}\n    spec:\n      containers:\n      - name: c\n        image: busybox\n        imagePullPolcy: Always\n");
    const strict = kubectl(["create", "-f", file]);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
    const warned = kubectl(["create", "-f", file, "--validate=warn"]);
    expect(warned.code, warned.err).toBe(0);
    expect(warned.err).toContain('Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
  });

  it("refuses a client without valid credentials (401)", () => {
    // A token nobody issued instead of the client certificate. (With no credentials at all,
    // kubectl would prompt for a username first.)
    const config = readFileSync(join(dataDir, "kubeconfig"), "utf8").replace(/ {4}client-certificate-data: .*\n {4}client-key-data: .*\n/, "    token: not-a-valid-token\n");
    const stranger = join(dir, "stranger.kubeconfig");
    writeFileSync(stranger, config);
    const r = kubectl(["get", "ns"], "", stranger);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe("error: You must be logged in to the server (Unauthorized)");
  });

  it("RBAC: a user is forbidden until a Role and RoleBinding allow, and only what they allow", () => {
    const issued = spawnSync(process.execPath, [CLI, "kubeconfig", "--user", "alice", "--group", "devs", "--data-dir", dataDir, "--port", String(port)], { encoding: "utf8" });
    expect(issued.status, issued.stderr).toBe(0);
    const alice = join(dir, "alice.kubeconfig");
    writeFileSync(alice, issued.stdout);
    const before = kubectl(["get", "configmaps"], undefined, alice);
    expect(before.code).toBe(1);
    expect(before.err.trim()).toBe('Error from server (Forbidden): configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default"');
    const rbac = [
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: cm-reader\n  namespace: default\nrules:\n- apiGroups: ['']\n  resources: [configmaps]\n  verbs: [get, list, watch]\n---",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: devs-read\n  namespace: default\nsubjects:\n- kind: Group\n  name: devs\n  apiGroup: rbac.authorization.k8s.io\nroleRef:\n  kind: Role\n  name: cm-reader\n  apiGroup: rbac.authorization.k8s.io\n",
    ].join("\n");
    const applied = kubectl(["apply", "-f", manifest("rbac.yaml", rbac)]);
    expect(applied.code, applied.err).toBe(0);
    expect(kubectl(["get", "configmaps"], undefined, alice).code).toBe(0);
    const denied = kubectl(["delete", "configmap", "racy"], undefined, alice);
    expect(denied.err.trim()).toBe('Error from server (Forbidden): configmaps "racy" is forbidden: User "alice" cannot delete resource "configmaps" in API group "" in the namespace "default"');
    expect(kubectl(["get", "secrets"], undefined, alice).code).toBe(1);
  });

  it("get -w sees a change as it happens", async () => {
    const watcher = spawn(KUBECTL, ["get", "cm", "-w", "--output-watch-events"], { env: { ...process.env, KUBECONFIG: join(dataDir, "kubeconfig"), HOME: dir } });
    let out = "";
    watcher.stdout.on("data", (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    kubectl(["create", "-f", manifest("w.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n")]);
    const deadline = Date.now() + 10_000;
    while (!/ADDED\s+watched/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watcher.kill();
    expect(out).toMatch(/ADDED\s+watched/);
  });

  it("Ctrl-C stops it cleanly; started again on the same data dir, every object is there", async () => {
    expect(await stopUp(server!)).toBe(0);
    const restarted = await startUp();
    server = restarted.child;
    expect(restarted.output()).toContain("using certificates");
    expect(kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"]).out).toBe("3");
    expect(kubectl(["get", "cm", "racy", "-o", "jsonpath={.metadata.labels.x}"]).out).toBe("y");
  });
});
