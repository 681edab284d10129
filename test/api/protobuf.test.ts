// Kubernetes protobuf request bodies (what kubectl's typed-client commands send)
// decoded to the JSON object Kubernetes shows for them. Bodies are built with a
// tiny schema-free encoder below, written field by field the way client-go's
// generated marshallers do (every non-pointer field, even when empty), and a few
// are real kubectl v1.32 bodies, byte for byte. Expected JSON is what
// `kubectl create ... --dry-run=client -o json` prints for the same object.
import { describe, expect, it } from "vitest";
import {
  decodeKubernetesProtobuf,
  decodeMessage,
  formatGoDuration,
  isKubernetesProtobuf,
  messageForKind,
  readKubernetesProtobufEnvelope,
  ProtobufDecodeError,
  WireReader,
} from "../../core/api/protobuf/index.js";

// --- a tiny protobuf encoder -------------------------------------------------

type Bytes = Uint8Array;
const utf8 = new TextEncoder();

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const cat = (...parts: (Bytes | number[])[]): Bytes => {
  const all: number[] = [];
  for (const p of parts) all.push(...p);
  return Uint8Array.from(all);
};
const key = (no: number, wireType: number) => varint(no * 8 + wireType);
/** varint field (int32, int64, bool, enum) */
const int = (no: number, n: number | bigint | boolean) => cat(key(no, 0), varint(typeof n === "boolean" ? (n ? 1 : 0) : n));
/** length-delimited field holding raw bytes */
const bytes = (no: number, b: Bytes | number[]) => cat(key(no, 2), varint(b.length), b);
/** string field */
const str = (no: number, s: string) => bytes(no, utf8.encode(s));
/** embedded message field */
const msg = (no: number, ...parts: Bytes[]) => bytes(no, cat(...parts));
/** one entry of a map<string,string> / map<string,bytes> field */
const entry = (no: number, k: string, v: string | Bytes) => msg(no, str(1, k), typeof v === "string" ? str(2, v) : bytes(2, v));
/** one entry of a map<string,Message> field */
const entryMsg = (no: number, k: string, ...value: Bytes[]) => msg(no, str(1, k), msg(2, ...value));
const fixed32 = (no: number) => cat(key(no, 5), [1, 2, 3, 4]);
const fixed64 = (no: number) => cat(key(no, 1), [1, 2, 3, 4, 5, 6, 7, 8]);

/** "k8s\0" + runtime.Unknown{typeMeta, raw, contentEncoding "", contentType ""}, as client-go writes it. */
const body = (apiVersion: string, kind: string, ...raw: Bytes[]) =>
  cat([0x6b, 0x38, 0x73, 0x00], msg(1, str(1, apiVersion), str(2, kind)), msg(2, ...raw), str(3, ""), str(4, ""));

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

/** ObjectMeta as the generated marshaller writes it: all non-pointer fields, maps sorted. */
function objectMeta(o: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; extra?: Bytes[] } = {}) {
  return cat(
    str(1, o.name ?? ""), str(2, o.generateName ?? ""), str(3, o.namespace ?? ""), str(4, ""), str(5, ""), str(6, ""),
    int(7, 0), msg(8),
    ...Object.keys(o.labels ?? {}).sort().map((k) => entry(11, k, o.labels![k]!)),
    ...Object.keys(o.annotations ?? {}).sort().map((k) => entry(12, k, o.annotations![k]!)),
    ...(o.extra ?? []),
  );
}

/** A core/v1 Container: name, image, command, ports; every other non-pointer field empty. */
function container(name: string, image: string, o: { command?: string[]; ports?: Bytes[] } = {}) {
  return cat(
    str(1, name), str(2, image), ...(o.command ?? []).map((c) => str(3, c)), str(5, ""),
    ...(o.ports ?? []).map((p) => msg(6, p)), msg(8),
    str(13, ""), str(14, ""), int(16, false), int(17, false), int(18, false), str(20, ""),
  );
}

/** A core/v1 PodSpec with its containers, all other non-pointer fields empty. */
function podSpec(restartPolicy: string, ...containers: Bytes[]) {
  return cat(
    ...containers.map((c) => msg(2, c)),
    str(3, restartPolicy), str(6, ""), str(8, ""), str(9, ""), str(10, ""),
    int(11, false), int(12, false), int(13, false), str(16, ""), str(17, ""), str(19, ""), str(24, ""),
  );
}

// --- tests -------------------------------------------------------------------

describe("decodeKubernetesProtobuf", () => {
  it("decodes a ConfigMap with data and labels", () => {
    const b = body("v1", "ConfigMap",
      msg(1, objectMeta({ name: "settings", namespace: "team-a", labels: { app: "web", tier: "front" } })),
      entry(2, "a", "1"), entry(2, "greeting", "héllo"),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: "team-a", creationTimestamp: null, labels: { app: "web", tier: "front" } },
      data: { a: "1", greeting: "héllo" },
    });
  });

  it("keeps a pointer field sent as false, base64-encodes binaryData, and skips unknown fields", () => {
    const b = body("v1", "ConfigMap",
      msg(1, objectMeta({ name: "cm" })),
      entry(3, "blob", Uint8Array.of(0, 1, 0xff, 0xfe)),
      int(4, false),
      int(99, 7), str(98, "future"), fixed32(97), fixed64(96), msg(95, str(1, "x")),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "ConfigMap",
      metadata: { name: "cm", creationTimestamp: null },
      immutable: false,
      binaryData: { blob: "AAH//g==" },
    });
  });

  it("decodes a Secret with binary data, type and stringData", () => {
    const b = body("v1", "Secret",
      msg(1, objectMeta({ name: "creds", annotations: { note: "x" } })),
      entry(2, "key.bin", Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x00)), entry(2, "empty", new Uint8Array(0)),
      str(3, "Opaque"),
      entry(4, "plain", "text"),
      int(5, true),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "Secret",
      metadata: { name: "creds", creationTimestamp: null, annotations: { note: "x" } },
      immutable: true,
      data: { "key.bin": "3q2+7wA=", empty: "" },
      stringData: { plain: "text" },
      type: "Opaque",
    });
  });

  it("decodes a real kubectl body: create secret generic sb --from-file=bin.dat", () => {
    const real = hex("6b3873000a0c0a027631120653656372657412270a120a02736212001a0022002a00320038004200120f0a0762696e2e64617412040001fffe1a001a002200");
    expect(decodeKubernetesProtobuf(real)).toStrictEqual({
      apiVersion: "v1", kind: "Secret",
      metadata: { name: "sb", creationTimestamp: null },
      data: { "bin.dat": "AAH//g==" },
    });
  });

  it("decodes a Namespace (empty spec and status stay as {})", () => {
    const b = body("v1", "Namespace", msg(1, objectMeta({ name: "dev" })), msg(2), msg(3, str(1, "")));
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "Namespace", metadata: { name: "dev", creationTimestamp: null }, spec: {}, status: {},
    });
  });

  it("decodes full ObjectMeta: times, owner references, finalizers, generation", () => {
    const b = body("v1", "ServiceAccount",
      msg(1, objectMeta({
        name: "builder", namespace: "ci",
        extra: [
          msg(9, int(1, 1767323045), int(2, 500)),
          int(10, 30),
          msg(13, str(1, "Deployment"), str(3, "web"), str(4, "0b5c-11"), str(5, "apps/v1"), int(6, true), int(7, false)),
          str(14, "example.com/cleanup"), str(14, "kubernetes"),
        ],
      })),
      msg(3, str(1, "regcred")),
      int(4, false),
    );
    // creationTimestamp sent as a real time replaces the empty one
    const withTime = body("v1", "ServiceAccount", msg(1, str(1, "t"), msg(8, int(1, 1767323045)), int(7, 3), str(5, "uid-1"), str(6, "42")));
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "ServiceAccount",
      metadata: {
        name: "builder", namespace: "ci", creationTimestamp: null,
        deletionTimestamp: "2026-01-02T03:04:05Z",
        deletionGracePeriodSeconds: 30,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "0b5c-11", controller: true, blockOwnerDeletion: false }],
        finalizers: ["example.com/cleanup", "kubernetes"],
      },
      imagePullSecrets: [{ name: "regcred" }],
      automountServiceAccountToken: false,
    });
    expect(decodeKubernetesProtobuf(withTime)).toStrictEqual({
      apiVersion: "v1", kind: "ServiceAccount",
      metadata: { name: "t", uid: "uid-1", resourceVersion: "42", generation: 3, creationTimestamp: "2026-01-02T03:04:05Z" },
    });
  });

  it("decodes a Deployment exactly as `kubectl create deployment web --image=busybox --replicas=2 --port=80` sends it", () => {
    const labels = { app: "web" };
    const built = body("apps/v1", "Deployment",
      msg(1, objectMeta({ name: "web", labels })),
      msg(2,
        int(1, 2),
        msg(2, entry(1, "app", "web")),
        msg(3,
          msg(1, objectMeta({ labels })),
          msg(2, podSpec("", container("busybox", "busybox", {
            ports: [cat(str(1, ""), int(2, 0), int(3, 80), str(4, ""), str(5, ""))],
          })))),
        msg(4, str(1, "")),
        int(5, 0), int(7, false),
      ),
      msg(3, int(1, 0), int(2, 0), int(3, 0), int(4, 0), int(5, 0), int(7, 0)),
    );
    // The bytes kubectl v1.32 actually sends for that command.
    const real = hex(
      "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bc010a1f0a0377656212001a0022002a003200380042005a0a0a03617070120377" +
      "6562128a010802120c0a0a0a0361707012037765621a700a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125012320a076275" +
      "7379626f78120762757379626f782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a00520058006000680082" +
      "01008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
    );
    expect(built).toStrictEqual(real);
    expect(decodeKubernetesProtobuf(real)).toStrictEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", creationTimestamp: null, labels: { app: "web" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: "web" } },
          spec: { containers: [{ name: "busybox", image: "busybox", ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it("decodes Deployment strategy, IntOrString, resources (Quantity maps), env, volumes and security context", () => {
    const b = body("apps/v1", "Deployment",
      msg(1, objectMeta({ name: "api" })),
      msg(2,
        int(1, 0), // replicas: 0 is a pointer value that was set
        msg(2, msg(2, str(1, "tier"), str(2, "In"), str(3, "a"), str(3, "b"))),
        msg(3, msg(1, objectMeta()), msg(2,
          msg(2, cat(
            str(1, "app"), str(2, "nginx:1.27"), str(3, "nginx"), str(4, "-g"), str(4, "daemon off;"), str(5, "/srv"),
            msg(6, str(1, "http"), int(3, 8080), str(4, "TCP")),
            msg(7, str(1, "MODE"), str(2, "prod")),
            msg(7, str(1, "TOKEN"), msg(3, msg(4, msg(1, str(1, "tok")), str(2, "value"), int(3, true)))),
            msg(8, entryMsg(1, "cpu", str(1, "500m")), entryMsg(1, "memory", str(1, "128Mi")), entryMsg(2, "cpu", str(1, "250m"))),
            msg(9, str(1, "conf"), int(2, true), str(3, "/etc/conf")),
            str(13, "/dev/termination-log"), str(14, "IfNotPresent"), str(20, "File"),
          )),
          msg(1, str(1, "conf"), msg(2, msg(19, msg(1, str(1, "app-config")), int(3, 420)))),
          str(3, "Always"), int(4, 30), str(6, "ClusterFirst"), str(19, "default-scheduler"),
          msg(14, int(2, 0), bytes(4, [...varint(1000), ...varint(2000)]), int(4, 3000), int(5, 0)), // packed, then unpacked
        )),
        msg(4, str(1, "RollingUpdate"), msg(2, msg(1, int(1, 1), str(3, "25%")), msg(2, int(1, 0), int(2, 0)))),
        int(6, 10), int(9, 600),
      ),
      msg(3),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "apps/v1", kind: "Deployment",
      metadata: { name: "api", creationTimestamp: null },
      spec: {
        replicas: 0,
        selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] },
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            volumes: [{ name: "conf", configMap: { name: "app-config", defaultMode: 420 } }],
            containers: [{
              name: "app", image: "nginx:1.27", command: ["nginx"], args: ["-g", "daemon off;"], workingDir: "/srv",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              env: [
                { name: "MODE", value: "prod" },
                { name: "TOKEN", valueFrom: { secretKeyRef: { name: "tok", key: "value", optional: true } } },
              ],
              resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "250m" } },
              volumeMounts: [{ name: "conf", readOnly: true, mountPath: "/etc/conf" }],
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
              imagePullPolicy: "IfNotPresent",
            }],
            restartPolicy: "Always",
            terminationGracePeriodSeconds: 30,
            dnsPolicy: "ClusterFirst",
            securityContext: { runAsUser: 0, supplementalGroups: [1000, 2000, 3000], fsGroup: 0 },
            schedulerName: "default-scheduler",
          },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 0 } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {},
    });
  });

  it("decodes a Service with a named target port", () => {
    const b = body("v1", "Service",
      msg(1, objectMeta({ name: "web", labels: { app: "web" } })),
      msg(2,
        msg(1, str(1, "http"), str(2, "TCP"), int(3, 80), msg(4, int(1, 1), int(2, 0), str(3, "http-web")), int(5, 0)),
        entry(2, "app", "web"), str(3, "None"), str(4, "ClusterIP"), str(17, "SingleStack"),
      ),
      msg(3, msg(1)),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "Service",
      metadata: { name: "web", creationTimestamp: null, labels: { app: "web" } },
      spec: {
        ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http-web" }],
        selector: { app: "web" }, clusterIP: "None", type: "ClusterIP", ipFamilyPolicy: "SingleStack",
      },
      status: { loadBalancer: {} },
    });
  });

  it("decodes a real kubectl body: create deployment multi --image=nginx --image=redis", () => {
    const real = hex(
      "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412d9010a230a056d756c746912001a0022002a003200380042005a0c0a0361707012056d" +
      "756c746912a3010801120e0a0c0a0361707012056d756c74691a86010a1e0a0012001a0022002a003200380042005a0c0a0361707012056d756c7469126412" +
      "220a056e67696e7812056e67696e782a0042006a007200800100880100900100a2010012220a057265646973120572656469732a0042006a00720080010088" +
      "0100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200",
    );
    const web = { app: "multi" };
    expect(decodeKubernetesProtobuf(real)).toStrictEqual({
      apiVersion: "apps/v1", kind: "Deployment",
      metadata: { name: "multi", creationTimestamp: null, labels: web },
      spec: {
        replicas: 1,
        selector: { matchLabels: web },
        template: {
          metadata: { creationTimestamp: null, labels: web },
          spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }, { name: "redis", image: "redis", resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it("decodes real kubectl bodies: create quota (Quantity) and create pdb (IntOrString, non-omitempty status)", () => {
    const quota = hex(
      "6b3873000a130a027631120d5265736f7572636551756f7461124d0a120a02713112001a0022002a0032003800420012350a0a0a0363707512030a01310a" +
      "0e0a066d656d6f727912040a0231470a0b0a04706f647312030a0132120a426573744566666f72741a001a002200",
    );
    const pdb = hex(
      "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123b0a140a047064623112001a0022002a0032003800420012" +
      "170a09080110001a03353025120a0a080a036170701201781a0a080018002000280030001a002200",
    );
    expect(decodeKubernetesProtobuf(quota)).toStrictEqual({
      apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q1", creationTimestamp: null },
      spec: { hard: { cpu: "1", memory: "1G", pods: "2" }, scopes: ["BestEffort"] },
      status: {},
    });
    expect(decodeKubernetesProtobuf(pdb)).toStrictEqual({
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb1", creationTimestamp: null },
      spec: { minAvailable: "50%", selector: { matchLabels: { app: "x" } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    });
  });

  it("decodes a Job as `kubectl create job j1 --image=busybox -- echo hi` sends it, plus pointer zeros", () => {
    const job = (specExtra: Bytes[]) => body("batch/v1", "Job",
      msg(1, objectMeta({ name: "j1" })),
      msg(2, ...specExtra, msg(6, msg(1, objectMeta()), msg(2, podSpec("Never", container("j1", "busybox", { command: ["echo", "hi"] }))))),
      msg(3, int(4, 0), int(5, 0), int(6, 0), str(7, "")),
    );
    const expected = (spec: Record<string, unknown>) => ({
      apiVersion: "batch/v1", kind: "Job",
      metadata: { name: "j1", creationTimestamp: null },
      spec: {
        ...spec,
        template: {
          metadata: { creationTimestamp: null },
          spec: { containers: [{ name: "j1", image: "busybox", command: ["echo", "hi"], resources: {} }], restartPolicy: "Never" },
        },
      },
      status: {},
    });
    expect(decodeKubernetesProtobuf(job([]))).toStrictEqual(expected({}));
    expect(decodeKubernetesProtobuf(job([int(1, 2), int(2, 4), int(7, 0), int(8, 100), int(10, false), str(9, "NonIndexed")])))
      .toStrictEqual(expected({ parallelism: 2, completions: 4, backoffLimit: 0, ttlSecondsAfterFinished: 100, completionMode: "NonIndexed", suspend: false }));
  });

  it("decodes a CronJob as `kubectl create cronjob cj1 --image=busybox --schedule='*/5 * * * *' -- date` sends it", () => {
    const b = body("batch/v1", "CronJob",
      msg(1, objectMeta({ name: "cj1" })),
      msg(2,
        str(1, "*/5 * * * *"), str(3, ""),
        msg(5, msg(1, objectMeta({ name: "cj1" })), msg(2,
          msg(6, msg(1, objectMeta()), msg(2, podSpec("OnFailure", container("cj1", "busybox", { command: ["date"] })))))),
      ),
      msg(3),
    );
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "batch/v1", kind: "CronJob",
      metadata: { name: "cj1", creationTimestamp: null },
      spec: {
        schedule: "*/5 * * * *",
        jobTemplate: {
          metadata: { name: "cj1", creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: { containers: [{ name: "cj1", image: "busybox", command: ["date"], resources: {} }], restartPolicy: "OnFailure" },
            },
          },
        },
      },
      status: {},
    });
  });

  it("decodes a Role and a RoleBinding", () => {
    const role = body("rbac.authorization.k8s.io/v1", "Role",
      msg(1, objectMeta({ name: "pod-reader", namespace: "dev" })),
      msg(2, str(1, "get"), str(1, "list"), str(2, ""), str(3, "pods"), str(3, "pods/log")),
      msg(2, str(1, "get"), str(5, "/healthz")),
    );
    expect(decodeKubernetesProtobuf(role)).toStrictEqual({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role",
      metadata: { name: "pod-reader", namespace: "dev", creationTimestamp: null },
      rules: [
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"] },
        { verbs: ["get"], nonResourceURLs: ["/healthz"] },
      ],
    });
    const binding = body("rbac.authorization.k8s.io/v1", "RoleBinding",
      msg(1, objectMeta({ name: "rb1" })),
      msg(2, str(1, "User"), str(2, "rbac.authorization.k8s.io"), str(3, "alice"), str(4, "")),
      msg(2, str(1, "ServiceAccount"), str(2, ""), str(3, "sa1"), str(4, "default")),
      msg(3, str(1, "rbac.authorization.k8s.io"), str(2, "Role"), str(3, "pod-reader")),
    );
    expect(decodeKubernetesProtobuf(binding)).toStrictEqual({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding",
      metadata: { name: "rb1", creationTimestamp: null },
      subjects: [
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
        { kind: "ServiceAccount", name: "sa1", namespace: "default" },
      ],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    });
  });

  it("decodes a ClusterRole with an aggregation rule and a ClusterRoleBinding", () => {
    const cr = body("rbac.authorization.k8s.io/v1", "ClusterRole",
      msg(1, objectMeta({ name: "agg" })),
      msg(3, msg(1, entry(1, "rbac.example.com/aggregate", "true"))),
    );
    expect(decodeKubernetesProtobuf(cr)).toStrictEqual({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
      metadata: { name: "agg", creationTimestamp: null },
      rules: null, // `json:"rules"` without omitempty: Go writes null for none
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.example.com/aggregate": "true" } }] },
    });
    const crb = body("rbac.authorization.k8s.io/v1", "ClusterRoleBinding",
      msg(1, objectMeta({ name: "crb1" })),
      msg(2, str(1, "Group"), str(2, "rbac.authorization.k8s.io"), str(3, "devs"), str(4, "")),
      msg(3, str(1, "rbac.authorization.k8s.io"), str(2, "ClusterRole"), str(3, "view")),
    );
    expect(decodeKubernetesProtobuf(crb)).toStrictEqual({
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding",
      metadata: { name: "crb1", creationTimestamp: null },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    });
  });

  it("decodes a PriorityClass, with value always present and negative values", () => {
    const pc = body("scheduling.k8s.io/v1", "PriorityClass",
      msg(1, objectMeta({ name: "high" })), int(2, 1000), int(3, false), str(4, "high"), str(5, "PreemptLowerPriority"));
    expect(decodeKubernetesProtobuf(pc)).toStrictEqual({
      apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass",
      metadata: { name: "high", creationTimestamp: null },
      value: 1000, description: "high", preemptionPolicy: "PreemptLowerPriority",
    });
    const low = body("scheduling.k8s.io/v1", "PriorityClass", msg(1, objectMeta({ name: "low" })), int(2, -5), int(3, true));
    expect(decodeKubernetesProtobuf(low)).toStrictEqual({
      apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass",
      metadata: { name: "low", creationTimestamp: null }, value: -5, globalDefault: true,
    });
    const none = body("scheduling.k8s.io/v1", "PriorityClass", msg(1, objectMeta({ name: "zero" })));
    expect(decodeKubernetesProtobuf(none)).toMatchObject({ value: 0 });
  });

  it("takes the last of repeated scalar occurrences and merges repeated message occurrences", () => {
    const b = body("v1", "ConfigMap", msg(1, str(1, "first")), msg(1, str(1, "second"), str(3, "ns")), int(4, true), int(4, false));
    expect(decodeKubernetesProtobuf(b)).toStrictEqual({
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "second", namespace: "ns", creationTimestamp: null }, immutable: false,
    });
  });
});

describe("errors", () => {
  const valid = body("v1", "Namespace", msg(1, objectMeta({ name: "dev" })), msg(2), msg(3, str(1, "")));

  it("rejects a body without the k8s\\0 magic", () => {
    expect(() => decodeKubernetesProtobuf(utf8.encode('{"kind":"Namespace"}'))).toThrow(ProtobufDecodeError);
    expect(() => decodeKubernetesProtobuf(utf8.encode('{"kind":"Namespace"}'))).toThrow(/magic/);
    expect(() => decodeKubernetesProtobuf(Uint8Array.of(0x6b, 0x38))).toThrow(/magic/);
    expect(isKubernetesProtobuf(valid)).toBe(true);
    expect(isKubernetesProtobuf(utf8.encode("k8s"))).toBe(false);
  });

  it("rejects truncated data at every cut point", () => {
    for (let cut = 5; cut < valid.length; cut++) {
      const truncated = valid.subarray(0, cut);
      let error: unknown;
      try {
        decodeKubernetesProtobuf(truncated);
      } catch (e) {
        error = e;
      }
      // A cut that falls between two whole envelope fields leaves a shorter valid envelope.
      if (error !== undefined) {
        expect(error).toBeInstanceOf(ProtobufDecodeError);
      }
    }
    const cutInsideRaw = valid.subarray(0, valid.length - 10);
    expect(() => decodeKubernetesProtobuf(cutInsideRaw)).toThrow(/truncated/);
  });

  it("rejects a kind it does not know, with Kubernetes' message", () => {
    expect(() => decodeKubernetesProtobuf(body("v1", "Foo", msg(1)))).toThrow(new ProtobufDecodeError('no kind "Foo" is registered for version "v1"'));
    expect(() => decodeKubernetesProtobuf(body("apps/v9", "Deployment"))).toThrow('no kind "Deployment" is registered for version "apps/v9"');
    expect(() => decodeKubernetesProtobuf(body("v1", ""))).toThrow(/Kind/);
  });

  it("rejects a wrong wire type, a malformed varint and a content encoding it cannot read", () => {
    expect(() => decodeKubernetesProtobuf(body("v1", "ConfigMap", int(1, 5)))).toThrow(/wrong wire type 0 for field metadata/);
    expect(() => decodeKubernetesProtobuf(body("v1", "ConfigMap", Uint8Array.of(0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))))
      .toThrow(/malformed varint/);
    const gz = cat([0x6b, 0x38, 0x73, 0x00], msg(1, str(1, "v1"), str(2, "ConfigMap")), msg(2), str(3, "gzip"));
    expect(() => decodeKubernetesProtobuf(gz)).toThrow(/content encoding "gzip"/);
  });
});

describe("pieces", () => {
  it("reads the envelope without decoding raw", () => {
    const env = readKubernetesProtobufEnvelope(body("batch/v1", "Job", str(1, "x")));
    expect(env).toMatchObject({ apiVersion: "batch/v1", kind: "Job", contentEncoding: "", contentType: "" });
    expect([...env.raw]).toEqual([...str(1, "x")]);
    expect(messageForKind("apps/v1", "Deployment")).toBe("apps.v1.Deployment");
    expect(messageForKind("v1", "toString")).toBeUndefined();
  });

  it("reads 64-bit and negative varints", () => {
    const r = new WireReader(cat(varint(-1), varint(2n ** 40n + 7n), varint(-(2n ** 40n)), varint(2n ** 63n - 1n), varint(300)));
    expect(r.readInt32()).toBe(-1);
    expect(r.readInt64()).toBe(2 ** 40 + 7);
    expect(r.readInt64()).toBe(-(2 ** 40));
    expect(r.readInt64BigInt()).toBe(2n ** 63n - 1n);
    expect(r.readUint()).toBe(300);
    expect(r.done).toBe(true);
  });

  it("formats Time, MicroTime, Duration, Quantity and IntOrString like Go", () => {
    expect(decodeMessage("meta.v1.Time", cat(int(1, 1767323045), int(2, 999_999_999)))).toBe("2026-01-02T03:04:05Z");
    expect(decodeMessage("meta.v1.Time", cat(int(1, 0)))).toBe("1970-01-01T00:00:00Z");
    expect(decodeMessage("meta.v1.Time", new Uint8Array(0))).toBeNull();
    expect(decodeMessage("meta.v1.MicroTime", cat(int(1, 1767323045), int(2, 123_456_789)))).toBe("2026-01-02T03:04:05.123456Z");
    expect(decodeMessage("meta.v1.Duration", int(1, 3_723_500_000_000n))).toBe("1h2m3.5s");
    expect(formatGoDuration(1_500_000n)).toBe("1.5ms");
    expect(formatGoDuration(0n)).toBe("0s");
    expect(formatGoDuration(-90_000_000_000n)).toBe("-1m30s");
    expect(decodeMessage("resource.Quantity", str(1, "1Gi"))).toBe("1Gi");
    expect(decodeMessage("resource.Quantity", new Uint8Array(0))).toBe("0");
    expect(decodeMessage("intstr.IntOrString", cat(int(1, 0), int(2, 8080), str(3, "")))).toBe(8080);
    expect(decodeMessage("intstr.IntOrString", cat(int(1, 1), int(2, 0), str(3, "25%")))).toBe("25%");
  });
});
