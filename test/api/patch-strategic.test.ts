// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`). Expected results
// marked "kubectl" were produced by kubectl v1.32's own SMP engine (`kubectl patch --local`,
// the code kube-apiserver runs) on the same inputs; see shared/research/strategic-merge.md.
// Every input is deep-frozen, so a mutation of the caller's objects would throw.
import { describe, expect, it } from "vitest";
import {
  PatchError,
  SMP_KINDS,
  SMP_STRUCTS,
  strategicMergePatch,
  strategicMergePatchWithSchema,
  supportsStrategicMergePatch,
  type JsonObject,
  type JsonValue,
} from "../../core/api/patch/index.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The value at a dotted path ("spec.template.spec.containers.0.env"). */
function at(object: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const key of path.split(".")) {
    if (Array.isArray(current)) current = current[Number(key)];
    else current = current !== null && typeof current === "object" ? current[key] : undefined;
  }
  return current;
}

function patch(kind: string, original: JsonObject, body: JsonValue): JsonObject {
  return strategicMergePatch(kind, deepFreeze(original), deepFreeze(body));
}

function patchError(kind: string, original: JsonObject, body: JsonValue): PatchError {
  try {
    patch(kind, original, body);
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
}

/** A pod spec like the research's base Deployment. */
function podSpec(): JsonObject {
  return {
    containers: [
      {
        name: "app",
        image: "app:1",
        args: ["--a", "--b"],
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
        ports: [
          { containerPort: 80, name: "http" },
          { containerPort: 443, name: "https" },
        ],
        volumeMounts: [
          { name: "data", mountPath: "/data" },
          { name: "cfg", mountPath: "/etc/cfg" },
        ],
        resources: { limits: { cpu: "1", memory: "1Gi" } },
      },
      { name: "side", image: "side:1" },
    ],
    initContainers: [{ name: "init", image: "init:1", env: [{ name: "X", value: "1" }] }],
    tolerations: [
      { key: "a", operator: "Exists" },
      { key: "b", operator: "Exists" },
    ],
    volumes: [
      { name: "data", emptyDir: {} },
      { name: "cfg", configMap: { name: "cm" } },
    ],
    imagePullSecrets: [{ name: "regcred" }],
    nodeSelector: { disk: "ssd", zone: "a" },
  };
}

function objectMeta(): JsonObject {
  return {
    name: "web",
    labels: { app: "web", tier: "fe" },
    annotations: { note: "x" },
    finalizers: ["a/x", "b/y", "c/z"],
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u1" },
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-2", uid: "u2" },
    ],
  };
}

function deployment(): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(),
    spec: {
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: "web" } }, spec: podSpec() },
    },
    status: { conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True" }] },
  };
}

function pod(): JsonObject {
  return { apiVersion: "v1", kind: "Pod", metadata: objectMeta(), spec: podSpec() };
}

const T = "spec.template.spec";
const names = (list: JsonValue | undefined) => (list as JsonObject[]).map((item) => item.name);

describe("strategicMergePatch: Deployment (vectors from kubectl's engine)", () => {
  it.each<[string, JsonValue, string, JsonValue]>([
    [
      "containers merge by name; new entries follow the patched entry before them",
      { spec: { template: { spec: { containers: [{ name: "app", image: "app:2" }, { name: "c3", image: "c3:1" }] } } } },
      `${T}.containers`,
      [{ ...(podSpec().containers as JsonObject[])[0], image: "app:2" }, { name: "c3", image: "c3:1" }, { name: "side", image: "side:1" }],
    ],
    ["$patch: delete removes a container", { spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } } }, `${T}.containers`, [
      (podSpec().containers as JsonObject[])[0] as JsonObject,
    ]],
    [
      "a {$patch: replace} element replaces the whole list with the other elements",
      { spec: { template: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } } } },
      `${T}.containers`,
      [{ name: "only", image: "x" }],
    ],
    [
      "env merges by name",
      { spec: { template: { spec: { containers: [{ name: "app", env: [{ name: "B", value: "20" }, { name: "C", value: "3" }] }] } } } },
      `${T}.containers.0.env`,
      [
        { name: "A", value: "1" },
        { name: "B", value: "20" },
        { name: "C", value: "3" },
      ],
    ],
    [
      "ports merge by containerPort",
      { spec: { template: { spec: { containers: [{ name: "app", ports: [{ containerPort: 80, name: "web" }, { containerPort: 8080 }] }] } } } },
      `${T}.containers.0.ports`,
      [{ containerPort: 80, name: "web" }, { containerPort: 8080 }, { containerPort: 443, name: "https" }],
    ],
    ["args are atomic", { spec: { template: { spec: { containers: [{ name: "app", args: ["--c"] }] } } } }, `${T}.containers.0.args`, ["--c"]],
    ["tolerations are atomic", { spec: { template: { spec: { tolerations: [{ key: "c", operator: "Exists" }] } } } }, `${T}.tolerations`, [
      { key: "c", operator: "Exists" },
    ]],
    [
      "a volume source switch without $retainKeys keeps both sources",
      { spec: { template: { spec: { volumes: [{ name: "cfg", secret: { secretName: "s" } }] } } } },
      `${T}.volumes`,
      [
        { name: "data", emptyDir: {} },
        { name: "cfg", configMap: { name: "cm" }, secret: { secretName: "s" } },
      ],
    ],
    [
      "$retainKeys on a volume drops the old source",
      { spec: { template: { spec: { volumes: [{ name: "cfg", secret: { secretName: "s" }, $retainKeys: ["name", "secret"] }] } } } },
      `${T}.volumes`,
      [
        { name: "data", emptyDir: {} },
        { name: "cfg", secret: { secretName: "s" } },
      ],
    ],
    ["strategy Recreate without $retainKeys keeps rollingUpdate", { spec: { strategy: { type: "Recreate" } } }, "spec.strategy", {
      type: "Recreate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    }],
    ["strategy Recreate with $retainKeys", { spec: { strategy: { type: "Recreate", $retainKeys: ["type"] } } }, "spec.strategy", { type: "Recreate" }],
    ["$deleteFromPrimitiveList/finalizers", { metadata: { "$deleteFromPrimitiveList/finalizers": ["b/y"] } }, "metadata.finalizers", ["a/x", "c/z"]],
    ["finalizers merge as a set, patch values first", { metadata: { finalizers: ["d/w", "a/x"] } }, "metadata.finalizers", ["d/w", "a/x", "b/y", "c/z"]],
    [
      "$setElementOrder/containers reorders the merged list",
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "side" }, { name: "app" }], containers: [{ name: "app", image: "app:3" }] } } } },
      `${T}.containers`,
      [{ name: "side", image: "side:1" }, { ...(podSpec().containers as JsonObject[])[0], image: "app:3" }],
    ],
    ["null deletes a label", { metadata: { labels: { tier: null } } }, "metadata.labels", { app: "web" }],
    ["$patch: replace on a map", { metadata: { labels: { $patch: "replace", x: "y" } } }, "metadata.labels", { x: "y" }],
    ["$patch: delete on a map empties it", { metadata: { labels: { $patch: "delete" } } }, "metadata.labels", {}],
    ["unknown fields are kept (validation is a later step)", { spec: { template: { spec: { containers: [{ name: "app", bogus: 1 }] } } } }, `${T}.containers.0.bogus`, 1],
  ])("%s", (_, body, path, expected) => {
    expect(at(patch("Deployment", deployment(), body), path)).toEqual(expected);
  });

  it("rejects an env entry without its merge key, with kube-apiserver's message", () => {
    const error = patchError("Deployment", deployment(), { spec: { template: { spec: { containers: [{ name: "app", env: [{ value: "nokey" }] }] } } } });
    expect(error.message).toBe("map: map[value:nokey] does not contain declared merge key: name");
    expect(error.code).toBe(422);
  });
});

describe("strategicMergePatch: patches kubectl apply sends (kubectl-observed)", () => {
  it("apply v1 → v2: finalizers, strategy, tolerations, volume source, env order", () => {
    const live: JsonObject = {
      metadata: { name: "d", finalizers: ["x.io/a", "x.io/b"], annotations: { "kubectl.kubernetes.io/last-applied-configuration": "v1" } },
      spec: {
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
        template: {
          spec: {
            containers: [{ name: "app", image: "app", env: [{ name: "A", value: "a" }, { name: "B", value: "b" }] }],
            tolerations: [
              { key: "t1", operator: "Exists" },
              { key: "t2", operator: "Exists" },
            ],
            volumes: [{ name: "v", configMap: { name: "cm" } }],
          },
        },
      },
    };
    const body = {
      metadata: {
        "$deleteFromPrimitiveList/finalizers": ["x.io/b"],
        "$setElementOrder/finalizers": ["x.io/a"],
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "v2" },
      },
      spec: {
        strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" },
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "app" }],
            "$setElementOrder/volumes": [{ name: "v" }],
            containers: [{ "$setElementOrder/env": [{ name: "B" }, { name: "A" }], name: "app" }],
            tolerations: [{ key: "t1", operator: "Exists" }],
            volumes: [{ $retainKeys: ["name", "secret"], configMap: null, name: "v", secret: { secretName: "s" } }],
          },
        },
      },
    };
    expect(patch("Deployment", live, body)).toEqual({
      metadata: { name: "d", finalizers: ["x.io/a"], annotations: { "kubectl.kubernetes.io/last-applied-configuration": "v2" } },
      spec: {
        strategy: { type: "Recreate" },
        template: {
          spec: {
            containers: [{ name: "app", image: "app", env: [{ name: "B", value: "b" }, { name: "A", value: "a" }] }],
            tolerations: [{ key: "t1", operator: "Exists" }],
            volumes: [{ name: "v", secret: { secretName: "s" } }],
          },
        },
      },
    });
  });

  it("apply: drop env, change a port, add a sidecar", () => {
    const live: JsonObject = {
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [{ name: "nginx", image: "nginx", env: [{ name: "E", value: "1" }], ports: [{ containerPort: 80 }] }],
          },
        },
      },
    };
    const body: JsonObject = {
      spec: {
        replicas: 3,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "nginx" }, { name: "sidecar" }],
            containers: [
              {
                "$setElementOrder/ports": [{ containerPort: 8080 }],
                env: null,
                name: "nginx",
                ports: [{ containerPort: 8080 }, { $patch: "delete", containerPort: 80 }],
              },
              { args: ["sleep", "inf"], image: "busybox", name: "sidecar" },
            ],
            tolerations: [{ key: "k", operator: "Exists" }],
          },
        },
      },
    };
    expect(patch("Deployment", live, body)).toEqual({
      spec: {
        replicas: 3,
        template: {
          spec: {
            containers: [
              { name: "nginx", image: "nginx", ports: [{ containerPort: 8080 }] },
              { args: ["sleep", "inf"], image: "busybox", name: "sidecar" },
            ],
            tolerations: [{ key: "k", operator: "Exists" }],
          },
        },
      },
    });
  });
});

describe("strategicMergePatch: pod template merge keys in every workload kind", () => {
  const template = (): JsonObject => ({ metadata: { labels: { app: "web" } }, spec: podSpec() });
  it.each<[string, JsonObject, string]>([
    ["Deployment", deployment(), T],
    ["ReplicaSet", { kind: "ReplicaSet", spec: { replicas: 1, template: template() } }, T],
    ["StatefulSet", { kind: "StatefulSet", spec: { serviceName: "s", template: template() } }, T],
    ["DaemonSet", { kind: "DaemonSet", spec: { template: template() } }, T],
    ["ReplicationController", { kind: "ReplicationController", spec: { template: template() } }, T],
    ["Job", { kind: "Job", spec: { template: template() } }, T],
    ["CronJob", { kind: "CronJob", spec: { schedule: "* * * * *", jobTemplate: { spec: { template: template() } } } }, `spec.jobTemplate.${T}`],
    ["PodTemplate", { kind: "PodTemplate", template: template() }, "template.spec"],
    ["Pod", pod(), "spec"],
  ])("%s", (kind, object, specPath) => {
    const nest = (inner: JsonObject): JsonObject =>
      specPath
        .split(".")
        .reverse()
        .reduce<JsonObject>((acc, key) => ({ [key]: acc }), inner);
    const result = patch(kind, object, nest({ containers: [{ name: "side", image: "side:2" }], initContainers: [{ name: "init2", image: "i" }] }));
    const spec = at(result, specPath) as JsonObject;
    expect(names(spec.containers)).toEqual(["app", "side"]);
    expect((spec.containers as JsonObject[])[1]).toEqual({ name: "side", image: "side:2" });
    expect(names(spec.initContainers)).toEqual(["init2", "init"]);
    expect((spec.containers as JsonObject[])[0]).toEqual((podSpec().containers as JsonObject[])[0]);
  });
});

describe("strategicMergePatch: Pod fields", () => {
  it.each<[string, JsonValue, string, JsonValue | undefined]>([
    ["initContainers merge by name", { spec: { initContainers: [{ name: "init", image: "init:2" }] } }, "spec.initContainers", [
      { name: "init", image: "init:2", env: [{ name: "X", value: "1" }] },
    ]],
    ["initContainer env merges by name", { spec: { initContainers: [{ name: "init", env: [{ name: "Y", value: "2" }] }] } }, "spec.initContainers.0.env", [
      { name: "Y", value: "2" },
      { name: "X", value: "1" },
    ]],
    ["ephemeralContainers (kubectl debug) merge by name", { spec: { ephemeralContainers: [{ name: "debugger", image: "busybox" }] } }, "spec.ephemeralContainers", [
      { name: "debugger", image: "busybox" },
    ]],
    [
      "volumeMounts merge by mountPath",
      { spec: { containers: [{ name: "app", volumeMounts: [{ name: "other", mountPath: "/data", readOnly: true }, { name: "new", mountPath: "/new" }] }] } },
      "spec.containers.0.volumeMounts",
      [
        { name: "other", mountPath: "/data", readOnly: true },
        { name: "new", mountPath: "/new" },
        { name: "cfg", mountPath: "/etc/cfg" },
      ],
    ],
    ["$patch: delete a volumeMount", { spec: { containers: [{ name: "app", volumeMounts: [{ mountPath: "/data", $patch: "delete" }] }] } }, "spec.containers.0.volumeMounts", [
      { name: "cfg", mountPath: "/etc/cfg" },
    ]],
    ["volumes merge by name", { spec: { volumes: [{ name: "tmp", emptyDir: { medium: "Memory" } }] } }, "spec.volumes", [
      { name: "tmp", emptyDir: { medium: "Memory" } },
      { name: "data", emptyDir: {} },
      { name: "cfg", configMap: { name: "cm" } },
    ]],
    ["$patch: delete a volume", { spec: { volumes: [{ name: "data", $patch: "delete" }] } }, "spec.volumes", [{ name: "cfg", configMap: { name: "cm" } }]],
    ["imagePullSecrets merge by name", { spec: { imagePullSecrets: [{ name: "other" }] } }, "spec.imagePullSecrets", [{ name: "other" }, { name: "regcred" }]],
    ["resources.limits is a map", { spec: { containers: [{ name: "app", resources: { limits: { cpu: "2", memory: null } } }] } }, "spec.containers.0.resources", {
      limits: { cpu: "2" },
    }],
    ["nodeSelector is a map", { spec: { nodeSelector: { zone: "b", disk: null } } }, "spec.nodeSelector", { zone: "b" }],
    ["command is atomic", { spec: { containers: [{ name: "side", command: ["sh"] }] } }, "spec.containers.1.command", ["sh"]],
    [
      "affinity terms are atomic",
      { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } } } },
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
      [{ matchExpressions: [] }],
    ],
    ["null deletes a whole list", { spec: { tolerations: null } }, "spec.tolerations", undefined],
    ["an empty merge list changes nothing", { spec: { containers: [] } }, "spec.containers.1.name", "side"],
    ["an empty atomic list replaces", { spec: { tolerations: [] } }, "spec.tolerations", []],
    ["ownerReferences merge by uid", { metadata: { ownerReferences: [{ uid: "u2", controller: true }] } }, "metadata.ownerReferences", [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u1" },
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-2", uid: "u2", controller: true },
    ]],
    ["$patch: delete an ownerReference", { metadata: { ownerReferences: [{ uid: "u1", $patch: "delete" }] } }, "metadata.ownerReferences", [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-2", uid: "u2" },
    ]],
    ["annotations merge", { metadata: { annotations: { other: "y" } } }, "metadata.annotations", { note: "x", other: "y" }],
    ["an explicit $patch: merge is the default", { metadata: { labels: { $patch: "merge", x: "y" } } }, "metadata.labels", { app: "web", tier: "fe", x: "y" }],
    ["a new list is taken from the patch, cleaned of directives", { spec: { hostAliases: [{ ip: "10.0.0.1", hostnames: ["a"], extra: null }] } }, "spec.hostAliases", [
      { ip: "10.0.0.1", hostnames: ["a"] },
    ]],
    ["a new map drops null members", { spec: { securityContext: { runAsUser: 1, fsGroup: null } } }, "spec.securityContext", { runAsUser: 1 }],
    ["a scalar replaced by a map", { spec: { containers: [{ name: "side", image: { weird: true } }] } }, "spec.containers.1.image", { weird: true }],
  ])("%s", (_, body, path, expected) => {
    expect(at(patch("Pod", pod(), body), path)).toEqual(expected);
  });

  it("topologySpreadConstraints merge by topologyKey", () => {
    const base = { spec: { topologySpreadConstraints: [{ topologyKey: "zone", maxSkew: 1 }, { topologyKey: "host", maxSkew: 1 }] } };
    const result = patch("Pod", base, { spec: { topologySpreadConstraints: [{ topologyKey: "host", maxSkew: 2 }] } });
    expect(at(result, "spec.topologySpreadConstraints")).toEqual([
      { topologyKey: "zone", maxSkew: 1 },
      { topologyKey: "host", maxSkew: 2 },
    ]);
  });

  it("status conditions and podIPs merge (patches to /status)", () => {
    const base = {
      status: {
        conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "True" }],
        podIPs: [{ ip: "10.0.0.1" }],
        containerStatuses: [{ name: "app", ready: false }, { name: "side", ready: true }],
      },
    };
    const result = patch("Pod", base, {
      status: { conditions: [{ type: "Ready", status: "True" }], podIPs: [{ ip: "fd00::1" }], containerStatuses: [{ name: "app", ready: true }] },
    });
    expect(result.status).toEqual({
      conditions: [{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }],
      podIPs: [{ ip: "fd00::1" }, { ip: "10.0.0.1" }],
      containerStatuses: [{ name: "app", ready: true }], // atomic for SMP
    });
  });
});

describe("strategicMergePatch: other kinds", () => {
  it.each<[string, string, JsonObject, JsonValue, string, JsonValue]>([
    [
      "Service ports merge by port",
      "Service",
      { spec: { ports: [{ port: 80, targetPort: 8080, name: "http" }, { port: 443, name: "https" }], selector: { app: "web" } } },
      { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 8443, name: "alt" }] } },
      "spec.ports",
      [{ port: 80, targetPort: 9090, name: "http" }, { port: 8443, name: "alt" }, { port: 443, name: "https" }],
    ],
    [
      "Service ports: $patch delete by port",
      "Service",
      { spec: { ports: [{ port: 80 }, { port: 443 }] } },
      { spec: { ports: [{ port: 80, $patch: "delete" }] } },
      "spec.ports",
      [{ port: 443 }],
    ],
    ["Service selector is a map", "Service", { spec: { selector: { app: "web", v: "1" } } }, { spec: { selector: { v: "2" } } }, "spec.selector", { app: "web", v: "2" }],
    [
      "Service externalIPs are atomic",
      "Service",
      { spec: { externalIPs: ["1.1.1.1", "2.2.2.2"] } },
      { spec: { externalIPs: ["3.3.3.3"] } },
      "spec.externalIPs",
      ["3.3.3.3"],
    ],
    [
      "Node taints are atomic (no patchStrategy in k8s.io/api)",
      "Node",
      { spec: { taints: [{ key: "a", effect: "NoSchedule" }, { key: "b", effect: "NoExecute" }] } },
      { spec: { taints: [{ key: "a", effect: "NoExecute" }] } },
      "spec.taints",
      [{ key: "a", effect: "NoExecute" }],
    ],
    ["Node unschedulable (kubectl cordon)", "Node", { spec: { podCIDR: "10.0.0.0/24" } }, { spec: { unschedulable: true } }, "spec", {
      podCIDR: "10.0.0.0/24",
      unschedulable: true,
    }],
    ["Node podCIDRs merge as a set", "Node", { spec: { podCIDRs: ["10.0.0.0/24"] } }, { spec: { podCIDRs: ["fd00::/64", "10.0.0.0/24"] } }, "spec.podCIDRs", [
      "fd00::/64",
      "10.0.0.0/24",
    ]],
    [
      "Node addresses merge by type",
      "Node",
      { status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }, { type: "Hostname", address: "n1" }] } },
      { status: { addresses: [{ type: "InternalIP", address: "10.0.0.2" }] } },
      "status.addresses",
      [{ type: "InternalIP", address: "10.0.0.2" }, { type: "Hostname", address: "n1" }],
    ],
    [
      "Node conditions merge by type",
      "Node",
      { status: { conditions: [{ type: "Ready", status: "True" }, { type: "DiskPressure", status: "False" }] } },
      { status: { conditions: [{ type: "DiskPressure", status: "True" }] } },
      "status.conditions",
      [{ type: "Ready", status: "True" }, { type: "DiskPressure", status: "True" }],
    ],
    [
      "ConfigMap data merges, null deletes a key",
      "ConfigMap",
      { data: { "a.conf": "1", "b.conf": "2" } },
      { data: { "a.conf": "10", "b.conf": null, "c.conf": "3" } },
      "data",
      { "a.conf": "10", "c.conf": "3" },
    ],
    ["ConfigMap labels merge", "ConfigMap", { metadata: { labels: { a: "1" } } }, { metadata: { labels: { b: "2" } } }, "metadata.labels", { a: "1", b: "2" }],
    ["Secret finalizers merge as a set", "Secret", { metadata: { finalizers: ["x"] } }, { metadata: { finalizers: ["y"] } }, "metadata.finalizers", ["y", "x"]],
    ["ServiceAccount secrets merge by name", "ServiceAccount", { secrets: [{ name: "a" }] }, { secrets: [{ name: "b" }] }, "secrets", [{ name: "b" }, { name: "a" }]],
    [
      "ServiceAccount imagePullSecrets are atomic (unlike PodSpec's)",
      "ServiceAccount",
      { imagePullSecrets: [{ name: "a" }] },
      { imagePullSecrets: [{ name: "b" }] },
      "imagePullSecrets",
      [{ name: "b" }],
    ],
    [
      "PodDisruptionBudget selector is replaced whole",
      "PodDisruptionBudget",
      { spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } } },
      { spec: { selector: { matchExpressions: [{ key: "app", operator: "Exists" }] } } },
      "spec.selector",
      { matchExpressions: [{ key: "app", operator: "Exists" }] },
    ],
    [
      "Job status conditions merge by type",
      "Job",
      { status: { conditions: [{ type: "Suspended", status: "True" }] } },
      { status: { conditions: [{ type: "Complete", status: "True" }] } },
      "status.conditions",
      [{ type: "Complete", status: "True" }, { type: "Suspended", status: "True" }],
    ],
    [
      "Role rules are atomic",
      "Role",
      { rules: [{ verbs: ["get"], resources: ["pods"] }] },
      { rules: [{ verbs: ["list"], resources: ["pods"] }] },
      "rules",
      [{ verbs: ["list"], resources: ["pods"] }],
    ],
    ["CSINode drivers merge by name", "CSINode", { spec: { drivers: [{ name: "a", nodeID: "1" }] } }, { spec: { drivers: [{ name: "a", nodeID: "2" }] } }, "spec.drivers", [
      { name: "a", nodeID: "2" },
    ]],
  ])("%s", (_, kind, object, body, path, expected) => {
    expect(at(patch(kind, object, body), path)).toEqual(expected);
  });

  it("kubectl rollout restart adds a template annotation", () => {
    const body = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z" } } } } };
    const result = patch("Deployment", deployment(), body);
    expect(at(result, "spec.template.metadata")).toEqual({
      labels: { app: "web" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z" },
    });
    expect(at(result, T)).toEqual(podSpec());
  });

  it("kubectl set image changes one container only", () => {
    const result = patch("Deployment", deployment(), { spec: { template: { spec: { containers: [{ name: "side", image: "side:9" }] } } } });
    expect(names(at(result, `${T}.containers`))).toEqual(["app", "side"]);
    expect(at(result, `${T}.containers.1.image`)).toBe("side:9");
  });
});

describe("strategicMergePatch: list ordering", () => {
  const base = (): JsonObject => ({ metadata: { finalizers: ["a", "b", "c"] }, spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] } });
  it.each<[string, JsonValue, string, JsonValue | undefined]>([
    ["$setElementOrder on a primitive list", { metadata: { "$setElementOrder/finalizers": ["c", "b", "a"] } }, "metadata.finalizers", ["c", "b", "a"]],
    [
      "$setElementOrder with a patched primitive list",
      { metadata: { "$setElementOrder/finalizers": ["d", "a", "b", "c"], finalizers: ["d"] } },
      "metadata.finalizers",
      ["d", "a", "b", "c"],
    ],
    [
      "server-only entries keep their place between ordered ones",
      { spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }] } },
      "spec.containers",
      [{ name: "b" }, { name: "c" }, { name: "a" }],
    ],
    [
      "$setElementOrder places a new entry",
      { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "new" }, { name: "b" }, { name: "c" }], containers: [{ name: "new" }] } },
      "spec.containers",
      [{ name: "a" }, { name: "new" }, { name: "b" }, { name: "c" }],
    ],
    ["patched entries follow the patch's order", { spec: { containers: [{ name: "c", x: 1 }, { name: "a", x: 1 }] } }, "spec.containers", [
      { name: "b" },
      { name: "c", x: 1 },
      { name: "a", x: 1 },
    ]],
    ["$deleteFromPrimitiveList with an added value", { metadata: { finalizers: ["d"], "$deleteFromPrimitiveList/finalizers": ["a", "zz"] } }, "metadata.finalizers", [
      "d",
      "b",
      "c",
    ]],
    ["$setElementOrder on a list the patch deletes", { spec: { "$setElementOrder/containers": [], containers: null } }, "spec.containers", undefined],
  ])("%s", (_, body, path, expected) => {
    expect(at(patch("Pod", base(), body), path)).toEqual(expected);
  });
});

describe("strategicMergePatch: invalid patches", () => {
  it.each<[string, string, JsonValue, number, string]>([
    ["a merge-list entry without its merge key", "Pod", { spec: { containers: [{ image: "x" }] } }, 422, "map: map[image:x] does not contain declared merge key: name"],
    ["a $patch: delete entry without its merge key", "Pod", { spec: { volumes: [{ $patch: "delete" }] } }, 422, "map: map[$patch:delete] does not contain declared merge key: name"],
    ["an unknown $patch on a map", "Pod", { metadata: { labels: { $patch: "bogus" } } }, 400, "unknown patch type: bogus in map: map[$patch:bogus]"],
    ["an unknown $patch in a list", "Pod", { spec: { containers: [{ name: "a", $patch: "bogus" }] } }, 400, "unknown patch type: bogus"],
    ["$patch: merge in a list", "Pod", { spec: { containers: [{ $patch: "merge" }] } }, 400, "merging lists cannot yet be specified in the patch"],
    ["$retainKeys that is not a list", "Deployment", { spec: { strategy: { $retainKeys: "type" } } }, 400, "invalid patch format of retainKeys"],
    ["$retainKeys missing a key the patch sets", "Deployment", { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: {} } } }, 400, "invalid patch format of retainKeys"],
    ["$deleteFromPrimitiveList that is not a list", "Pod", { metadata: { "$deleteFromPrimitiveList/finalizers": "a" } }, 400, "invalid patch format of primitive list"],
    ["$setElementOrder that is not a list", "Pod", { spec: { "$setElementOrder/containers": { name: "a" } } }, 400, "invalid patch format of setElementOrder list"],
    [
      "$setElementOrder that contradicts the patch list",
      "Pod",
      { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ name: "b" }, { name: "a" }] } },
      400,
      "doesn't match $setElementOrder/ list",
    ],
    ["$setElementOrder missing a patched entry", "Pod", { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "z" }] } }, 400, "The order in patch list"],
    ["a list of lists in a merge list", "Pod", { metadata: { finalizers: [["a"]] } }, 422, "lists of lists are not supported"],
    ["a body that is not an object", "Pod", ["a"], 400, "invalid JSON document"],
  ])("rejects %s", (_, kind, body, code, message) => {
    const error = patchError(kind, { metadata: { finalizers: ["a"] }, spec: { containers: [{ name: "a" }, { name: "b" }] } }, body);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it("answers 415 for kinds without patch metadata, as for custom resources", () => {
    const error = patchError("Widget", { spec: {} }, { spec: { a: 1 } });
    expect(error.code).toBe(415);
    expect(error.reason).toBe("UnsupportedMediaType");
    expect(error.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    expect(supportsStrategicMergePatch("Widget")).toBe(false);
    expect(supportsStrategicMergePatch("Deployment")).toBe(true);
  });
});

describe("strategicMergePatch: the schema is data", () => {
  it("every kind points at a described struct, and every field type exists", () => {
    for (const struct of Object.values(SMP_KINDS)) expect(SMP_STRUCTS).toHaveProperty([struct]);
    for (const fields of Object.values(SMP_STRUCTS)) {
      for (const meta of Object.values(fields)) {
        if (meta.type !== undefined) expect(SMP_STRUCTS).toHaveProperty([meta.type]);
        if (meta.mergeKey !== undefined) expect(meta.strategy).toBe("merge");
      }
    }
  });

  it.each<[string, string, string | undefined]>([
    ["PodSpec", "containers", "name"],
    ["PodSpec", "initContainers", "name"],
    ["PodSpec", "volumes", "name"],
    ["Container", "env", "name"],
    ["Container", "ports", "containerPort"],
    ["Container", "volumeMounts", "mountPath"],
    ["ServiceSpec", "ports", "port"],
    ["ObjectMeta", "ownerReferences", "uid"],
    ["ObjectMeta", "finalizers", undefined],
  ])("%s.%s merges by %s", (struct, field, mergeKey) => {
    expect(SMP_STRUCTS[struct]?.[field]).toMatchObject({ strategy: "merge" });
    expect(SMP_STRUCTS[struct]?.[field]?.mergeKey).toBe(mergeKey);
  });

  it.each([["PodSpec", "tolerations"], ["NodeSpec", "taints"], ["Container", "args"], ["Container", "envFrom"]])("%s.%s is atomic", (struct, field) => {
    expect(SMP_STRUCTS[struct]?.[field]?.strategy).toBeUndefined();
  });

  it("a caller-supplied schema drives the merge (e.g. a host's own kinds)", () => {
    const structs = { Thing: { items: { strategy: "merge", mergeKey: "id" } } } as const;
    const result = strategicMergePatchWithSchema(structs, "Thing", { items: [{ id: 1, v: "a" }] }, { items: [{ id: 2, v: "b" }, { id: 1, v: "c" }] });
    expect(result).toEqual({ items: [{ id: 2, v: "b" }, { id: 1, v: "c" }] });
    // Without a root struct every list is atomic and every map merges.
    expect(strategicMergePatchWithSchema(structs, undefined, { items: [{ id: 1 }], m: { a: 1 } }, { items: [{ id: 2 }], m: { b: 2 } })).toEqual({
      items: [{ id: 2 }],
      m: { a: 1, b: 2 },
    });
  });
});

describe("strategicMergePatch never changes its inputs", () => {
  it("returns objects that share nothing with the inputs", () => {
    const original = deployment();
    const body = { spec: { template: { spec: { containers: [{ name: "new", env: [{ name: "A", value: "1" }] }] } } } };
    const result = strategicMergePatch("Deployment", original, body);
    const resultContainers = at(result, `${T}.containers`) as JsonObject[];
    resultContainers.push({ name: "mutated" });
    (resultContainers[0]?.env as JsonObject[]).pop();
    (at(result, "metadata.labels") as JsonObject).x = "y";
    expect(original).toEqual(deployment());
    expect(body.spec.template.spec.containers[0]?.env).toHaveLength(1);
  });
});
