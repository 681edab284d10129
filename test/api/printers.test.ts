// Server-side Table printing, checked against what kube-apiserver 1.32 sends for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (column names, priorities and
// cell formats of pkg/printers/internalversion, duration.HumanDuration, includeObject).
import { describe, expect, it } from "vitest";
import { columnsFor, hasPrinter, humanDuration, printTable } from "../../core/api/printers/index.js";

const NOW = new Date("2024-06-01T12:00:00Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

/** An RFC 3339 timestamp `ms` milliseconds before NOW. */
function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(/\.000Z$/, "Z");
}

function meta(name: string, extra: Record<string, unknown> = {}) {
  return { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: ago(5 * M), ...extra };
}

/** The cells of one object's row. */
function cells(resource: string, obj: object): unknown[] {
  return printTable(resource, [obj], { now: NOW }).rows[0].cells;
}

/** Cells keyed by upper-cased column name, as kubectl shows them. */
function byColumn(resource: string, obj: object): Record<string, unknown> {
  const names = columnsFor(resource).map((c) => c.name.toUpperCase());
  const row = cells(resource, obj);
  expect(row).toHaveLength(names.length);
  return Object.fromEntries(names.map((n, i) => [n, row[i]]));
}

describe("humanDuration", () => {
  it.each([
    [-3 * S, "<invalid>"],
    [-2 * S, "<invalid>"],
    [-1999, "0s"], // up to one whole second of clock skew reads as now
    [-1 * S, "0s"],
    [0, "0s"],
    [999, "0s"],
    [5 * S, "5s"],
    [119 * S, "119s"],
    [2 * M, "2m"],
    [2 * M + 10 * S, "2m10s"],
    [9 * M + 59 * S, "9m59s"],
    [10 * M, "10m"],
    [10 * M + 30 * S, "10m"],
    [179 * M, "179m"],
    [3 * H, "3h"],
    [3 * H + 20 * M, "3h20m"],
    [7 * H + 59 * M, "7h59m"],
    [8 * H, "8h"],
    [8 * H + 30 * M, "8h"],
    [47 * H, "47h"],
    [48 * H, "2d"],
    [3 * D + 4 * H, "3d4h"],
    [7 * D + 23 * H, "7d23h"],
    [8 * D, "8d"],
    [8 * D + 5 * H, "8d"],
    [729 * D, "729d"],
    [2 * Y, "2y"],
    [2 * Y + 45 * D, "2y45d"],
    [7 * Y + 364 * D, "7y364d"],
    [8 * Y, "8y"],
    [10 * Y + 100 * D, "10y"],
  ])("%d ms → %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("Table envelope and includeObject", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta("web", { labels: { app: "web" }, resourceVersion: "42", managedFields: [{ manager: "kubectl" }] }),
    spec: { containers: [{ name: "c", image: "nginx" }] },
    status: { phase: "Running" },
  };

  it("is a meta.k8s.io/v1 Table with empty ListMeta for the caller to fill", () => {
    const t = printTable("pods", [pod], { now: NOW });
    expect(t.kind).toBe("Table");
    expect(t.apiVersion).toBe("meta.k8s.io/v1");
    expect(t.metadata).toEqual({});
    expect(t.rows).toHaveLength(1);
  });

  it("defaults to PartialObjectMetadata carrying the full metadata", () => {
    const row = printTable("pods", [pod], { now: NOW }).rows[0];
    expect(row.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata });
  });

  it("includeObject=Object puts the whole object in the row", () => {
    const row = printTable("pods", [pod], { now: NOW, includeObject: "Object" }).rows[0];
    expect(row.object).toEqual(pod);
  });

  it("includeObject=None leaves the object out", () => {
    const row = printTable("pods", [pod], { now: NOW, includeObject: "None" }).rows[0];
    expect(row).not.toHaveProperty("object");
  });

  it("an empty list is a Table with columns and no rows", () => {
    const t = printTable("pods", [], { now: NOW });
    expect(t.rows).toEqual([]);
    expect(t.columnDefinitions.length).toBe(9);
  });

  it("keeps the objects' order", () => {
    const t = printTable("configmaps", [{ metadata: meta("b") }, { metadata: meta("a") }], { now: NOW });
    expect(t.rows.map((r) => r.cells[0])).toEqual(["b", "a"]);
  });

  it("columnsFor returns copies", () => {
    columnsFor("pods")[0].name = "changed";
    expect(columnsFor("pods")[0].name).toBe("Name");
  });

  it("accepts group-qualified resource names", () => {
    expect(columnsFor("deployments.apps").map((c) => c.name)).toEqual(columnsFor("deployments").map((c) => c.name));
  });
});

describe("column definitions", () => {
  // [name, priority] per column, in order, as printers.go (1.32) defines them.
  it.each<[string, [string, number][]]>([
    ["pods", [["Name", 0], ["Ready", 0], ["Status", 0], ["Restarts", 0], ["Age", 0], ["IP", 1], ["Node", 1], ["Nominated Node", 1], ["Readiness Gates", 1]]],
    ["namespaces", [["Name", 0], ["Status", 0], ["Age", 0]]],
    ["nodes", [["Name", 0], ["Status", 0], ["Roles", 0], ["Age", 0], ["Version", 0], ["Internal-IP", 1], ["External-IP", 1], ["OS-Image", 1], ["Kernel-Version", 1], ["Container-Runtime", 1]]],
    ["services", [["Name", 0], ["Type", 0], ["Cluster-IP", 0], ["External-IP", 0], ["Port(s)", 0], ["Age", 0], ["Selector", 1]]],
    ["endpoints", [["Name", 0], ["Endpoints", 0], ["Age", 0]]],
    ["endpointslices", [["Name", 0], ["AddressType", 0], ["Ports", 0], ["Endpoints", 0], ["Age", 0]]],
    ["configmaps", [["Name", 0], ["Data", 0], ["Age", 0]]],
    ["secrets", [["Name", 0], ["Type", 0], ["Data", 0], ["Age", 0]]],
    ["serviceaccounts", [["Name", 0], ["Secrets", 0], ["Age", 0]]],
    ["events", [["Last Seen", 0], ["Type", 0], ["Reason", 0], ["Object", 0], ["Subobject", 1], ["Source", 1], ["Message", 0], ["First Seen", 1], ["Count", 1], ["Name", 1]]],
    ["deployments", [["Name", 0], ["Ready", 0], ["Up-to-date", 0], ["Available", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]],
    ["replicasets", [["Name", 0], ["Desired", 0], ["Current", 0], ["Ready", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]],
    ["statefulsets", [["Name", 0], ["Ready", 0], ["Age", 0], ["Containers", 1], ["Images", 1]]],
    ["daemonsets", [["Name", 0], ["Desired", 0], ["Current", 0], ["Ready", 0], ["Up-to-date", 0], ["Available", 0], ["Node Selector", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]],
    ["jobs", [["Name", 0], ["Status", 0], ["Completions", 0], ["Duration", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]],
    ["cronjobs", [["Name", 0], ["Schedule", 0], ["Timezone", 0], ["Suspend", 0], ["Active", 0], ["Last Schedule", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]],
    ["persistentvolumes", [["Name", 0], ["Capacity", 0], ["Access Modes", 0], ["Reclaim Policy", 0], ["Status", 0], ["Claim", 0], ["StorageClass", 0], ["VolumeAttributesClass", 0], ["Reason", 0], ["Age", 0], ["VolumeMode", 1]]],
    ["persistentvolumeclaims", [["Name", 0], ["Status", 0], ["Volume", 0], ["Capacity", 0], ["Access Modes", 0], ["StorageClass", 0], ["VolumeAttributesClass", 0], ["Age", 0], ["VolumeMode", 1]]],
    ["ingresses", [["Name", 0], ["Class", 0], ["Hosts", 0], ["Address", 0], ["Ports", 0], ["Age", 0]]],
    ["leases", [["Name", 0], ["Holder", 0], ["Age", 0]]],
    ["rolebindings", [["Name", 0], ["Role", 0], ["Age", 0], ["Users", 1], ["Groups", 1], ["ServiceAccounts", 1]]],
    ["clusterrolebindings", [["Name", 0], ["Role", 0], ["Age", 0], ["Users", 1], ["Groups", 1], ["ServiceAccounts", 1]]],
    ["priorityclasses", [["Name", 0], ["Value", 0], ["Global-Default", 0], ["Age", 0], ["PreemptionPolicy", 0]]],
    ["roles", [["Name", 0], ["Created At", 0]]],
    ["clusterroles", [["Name", 0], ["Created At", 0]]],
    ["widgets.example.com", [["Name", 0], ["Created At", 0]]],
  ])("%s", (resource, expected) => {
    expect(columnsFor(resource).map((c) => [c.name, c.priority])).toEqual(expected);
  });

  it("every column serialises all five fields; only NAME has format \"name\"", () => {
    for (const resource of ["pods", "nodes", "events", "deployments", "jobs", "roles"]) {
      for (const c of columnsFor(resource)) {
        expect(Object.keys(c).sort()).toEqual(["description", "format", "name", "priority", "type"]);
        expect(c.description).not.toBe("");
        expect(c.format).toBe(c.name === "Name" ? "name" : "");
      }
    }
  });

  it("uses the upstream column types", () => {
    const types = (r: string) => Object.fromEntries(columnsFor(r).map((c) => [c.name, c.type]));
    expect(types("pods")).toMatchObject({ Ready: "string", Restarts: "string", Age: "string" });
    expect(types("replicasets")).toMatchObject({ Desired: "integer", Current: "integer", Ready: "integer" });
    expect(types("cronjobs")).toMatchObject({ Suspend: "boolean", Active: "integer" });
    expect(types("priorityclasses")).toMatchObject({ Value: "integer", "Global-Default": "boolean" });
    expect(types("roles")).toEqual({ Name: "string", "Created At": "date" });
  });

  it("carries the upstream descriptions", () => {
    const [name, ready] = columnsFor("pods");
    expect(name.description).toMatch(/^Name must be unique within a namespace\..*names#names$/);
    expect(ready.description).toBe("The aggregate readiness state of this pod for accepting traffic.");
    expect(columnsFor("pods")[4].description).toContain("It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system.");
  });

  it("knows which resources have their own printer", () => {
    expect(hasPrinter("pods")).toBe(true);
    expect(hasPrinter("roles")).toBe(false);
    expect(hasPrinter("customresourcedefinitions")).toBe(false);
  });
});

describe("default table (no printer)", () => {
  it("prints NAME and an RFC 3339 UTC CREATED AT", () => {
    expect(cells("roles", { metadata: meta("reader", { creationTimestamp: "2024-01-02T03:04:05Z" }) })).toEqual([
      "reader",
      "2024-01-02T03:04:05Z",
    ]);
  });

  it("normalises offsets and drops fractions, like Go's time.RFC3339", () => {
    expect(cells("clusterroles", { metadata: { name: "x", creationTimestamp: "2024-01-02T10:00:00.123+02:00" } })).toEqual([
      "x",
      "2024-01-02T08:00:00Z",
    ]);
  });

  it("prints Go's zero time when creationTimestamp is missing", () => {
    expect(cells("widgets", { metadata: { name: "w" } })).toEqual(["w", "0001-01-01T00:00:00Z"]);
  });
});

// ---- pods -------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function pod(spec: Obj, status: Obj, metadata: Obj = {}): Obj {
  return { metadata: { ...meta("p"), ...metadata }, spec: { containers: [{ name: "app", image: "img" }], ...spec }, status };
}

const running = { running: { startedAt: ago(4 * M) } };
const readyRunning = { name: "app", ready: true, started: true, restartCount: 0, state: running };

describe("pod READY / STATUS / RESTARTS", () => {
  it.each<[string, Obj, [string, string, string]]>([
    ["pending, nothing reported yet", pod({}, { phase: "Pending" }), ["0/1", "Pending", "0"]],
    [
      "container being created",
      pod({}, { phase: "Pending", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }),
      ["0/1", "ContainerCreating", "0"],
    ],
    ["running and ready", pod({}, { phase: "Running", containerStatuses: [readyRunning] }), ["1/1", "Running", "0"]],
    [
      "running but not ready",
      pod({}, { phase: "Running", containerStatuses: [{ ...readyRunning, ready: false }] }),
      ["0/1", "Running", "0"],
    ],
    [
      "one of two containers ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        { phase: "Running", containerStatuses: [{ ...readyRunning, name: "a" }, { ...readyRunning, name: "b", ready: false }] },
      ),
      ["1/2", "Running", "0"],
    ],
    [
      "crash loop with restarts and the last one 2m ago",
      pod({}, {
        phase: "Running",
        containerStatuses: [{
          name: "app",
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(2 * M) } },
        }],
      }),
      ["0/1", "CrashLoopBackOff", "3 (2m ago)"],
    ],
    [
      "restarts without a last termination time print bare",
      pod({}, { phase: "Running", containerStatuses: [{ ...readyRunning, restartCount: 3 }] }),
      ["1/1", "Running", "3"],
    ],
    [
      "the latest of several last terminations counts",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          containerStatuses: [
            { ...readyRunning, name: "a", restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * H) } } },
            { ...readyRunning, name: "b", restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * S) } } },
          ],
        },
      ),
      ["2/2", "Running", "3 (90s ago)"],
    ],
    [
      "completed",
      pod({}, { phase: "Succeeded", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] }),
      ["0/1", "Completed", "0"],
    ],
    [
      "failed with a reason",
      pod({}, { phase: "Failed", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } }] }),
      ["0/1", "Error", "0"],
    ],
    [
      "OOMKilled",
      pod({}, { phase: "Running", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] }),
      ["0/1", "OOMKilled", "0"],
    ],
    [
      "terminated without a reason: exit code",
      pod({}, { phase: "Running", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] }),
      ["0/1", "ExitCode:137", "0"],
    ],
    [
      "terminated without a reason: signal",
      pod({}, { phase: "Running", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] }),
      ["0/1", "Signal:9", "0"],
    ],
    [
      "one container completed while another runs, pod Ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [
            { name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
            { ...readyRunning, name: "b" },
          ],
        },
      ),
      ["1/2", "Running", "0"],
    ],
    [
      "one container completed while another runs, pod not Ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          conditions: [{ type: "Ready", status: "False" }],
          containerStatuses: [
            { name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
            { ...readyRunning, name: "b" },
          ],
        },
      ),
      ["1/2", "NotReady", "0"],
    ],
    [
      "the first container's reason wins (statuses are walked backwards)",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Pending",
          containerStatuses: [
            { name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff" } } },
            { name: "b", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
          ],
        },
      ),
      ["0/2", "ImagePullBackOff", "0"],
    ],
    ["evicted (pod-level reason)", pod({}, { phase: "Failed", reason: "Evicted" }), ["0/1", "Evicted", "0"]],
    ["node lost, not being deleted", pod({}, { phase: "Running", reason: "NodeLost" }), ["0/1", "NodeLost", "0"]],
    [
      "scheduling gated",
      pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }),
      ["0/1", "SchedulingGated", "0"],
    ],
    [
      "unschedulable stays Pending",
      pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] }),
      ["0/1", "Pending", "0"],
    ],
  ])("%s", (_title, p, [ready, status, restarts]) => {
    const row = byColumn("pods", p);
    expect([row.READY, row.STATUS, row.RESTARTS]).toEqual([ready, status, restarts]);
  });
});

describe("pod STATUS with init containers", () => {
  const twoInits = { initContainers: [{ name: "i1" }, { name: "i2" }] };
  const done = (name: string, restartCount = 0) => ({ name, ready: true, restartCount, state: { terminated: { exitCode: 0, reason: "Completed" } } });

  it.each<[string, Obj, [string, string, string]]>([
    [
      "first init container still waiting to start",
      pod({ initContainers: [{ name: "i1" }] }, {
        phase: "Pending",
        initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
      }),
      ["0/1", "Init:0/1", "0"],
    ],
    [
      "second of two init containers running",
      pod(twoInits, {
        phase: "Pending",
        initContainerStatuses: [done("i1"), { name: "i2", ready: false, restartCount: 0, state: running }],
        containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
      }),
      ["0/1", "Init:1/2", "0"],
    ],
    [
      "init container crash-looping, its restarts counted",
      pod(twoInits, {
        phase: "Pending",
        initContainerStatuses: [
          { name: "i1", ready: false, restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(30 * S) } } },
          { name: "i2", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
        ],
      }),
      ["0/1", "Init:CrashLoopBackOff", "4 (30s ago)"],
    ],
    [
      "init container failed with a reason",
      pod(twoInits, { phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } }] }),
      ["0/1", "Init:Error", "0"],
    ],
    [
      "init container failed without a reason",
      pod(twoInits, { phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] }),
      ["0/1", "Init:ExitCode:2", "0"],
    ],
    [
      "init container killed by a signal",
      pod(twoInits, { phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, signal: 15 } } }] }),
      ["0/1", "Init:Signal:15", "0"],
    ],
    [
      "after initialization, ordinary init restarts no longer count",
      pod(twoInits, {
        phase: "Running",
        conditions: [{ type: "Initialized", status: "True" }],
        initContainerStatuses: [done("i1", 2), done("i2")],
        containerStatuses: [readyRunning],
      }),
      ["1/1", "Running", "0"],
    ],
    [
      "a running sidecar counts towards READY and its restarts count",
      pod({ initContainers: [{ name: "proxy", restartPolicy: "Always" }] }, {
        phase: "Running",
        conditions: [{ type: "Initialized", status: "True" }],
        initContainerStatuses: [{ name: "proxy", ready: true, started: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * M) } } }],
        containerStatuses: [{ ...readyRunning, restartCount: 2 }],
      }),
      ["2/2", "Running", "3 (10m ago)"],
    ],
    [
      "a sidecar not yet started blocks initialization",
      pod({ initContainers: [{ name: "proxy", restartPolicy: "Always" }] }, {
        phase: "Pending",
        initContainerStatuses: [{ name: "proxy", ready: false, started: false, restartCount: 0, state: running }],
      }),
      ["0/2", "Init:0/1", "0"],
    ],
  ])("%s", (_title, p, [ready, status, restarts]) => {
    const row = byColumn("pods", p);
    expect([row.READY, row.STATUS, row.RESTARTS]).toEqual([ready, status, restarts]);
  });
});

describe("pod deletion", () => {
  const deleting = { deletionTimestamp: ago(10 * S) };

  it("a running pod being deleted is Terminating", () => {
    expect(byColumn("pods", pod({}, { phase: "Running", containerStatuses: [readyRunning] }, deleting)).STATUS).toBe("Terminating");
  });

  it("a finished pod being deleted keeps its final status", () => {
    const p = pod({}, { phase: "Succeeded", containerStatuses: [{ name: "app", restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] }, deleting);
    expect(byColumn("pods", p).STATUS).toBe("Completed");
  });

  it("a pod on a lost node being deleted is Unknown", () => {
    expect(byColumn("pods", pod({}, { phase: "Running", reason: "NodeLost" }, deleting)).STATUS).toBe("Unknown");
  });
});

describe("pod row details", () => {
  it("prints AGE, IP, NODE, NOMINATED NODE and READINESS GATES", () => {
    const p = pod(
      { nodeName: "node-1", readinessGates: [{ conditionType: "example.com/lb" }, { conditionType: "example.com/dns" }] },
      {
        phase: "Running",
        podIP: "10.0.0.9",
        podIPs: [{ ip: "10.0.0.9" }, { ip: "fd00::9" }],
        conditions: [{ type: "example.com/lb", status: "True" }, { type: "example.com/dns", status: "False" }],
        containerStatuses: [readyRunning],
      },
    );
    expect(cells("pods", p)).toEqual(["p", "1/1", "Running", "0", "5m", "10.0.0.9", "node-1", "<none>", "1/2"]);
  });

  it("shows <none> for what is not there yet", () => {
    const row = byColumn("pods", pod({}, { phase: "Pending", nominatedNodeName: "node-2" }));
    expect([row.IP, row.NODE, row["NOMINATED NODE"], row["READINESS GATES"]]).toEqual(["<none>", "<none>", "node-2", "<none>"]);
  });

  it("falls back to podIP when podIPs is absent", () => {
    expect(byColumn("pods", pod({}, { phase: "Running", podIP: "10.1.1.1" })).IP).toBe("10.1.1.1");
  });

  it("AGE is <unknown> without a creationTimestamp", () => {
    expect(byColumn("pods", { metadata: { name: "x" }, spec: { containers: [] }, status: {} }).AGE).toBe("<unknown>");
  });

  it("rows of finished pods carry a Completed condition", () => {
    const rows = printTable("pods", [pod({}, { phase: "Succeeded" }), pod({}, { phase: "Failed" }), pod({}, { phase: "Running" })], { now: NOW }).rows;
    expect(rows[0].conditions).toEqual([{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
    expect(rows[1].conditions).toEqual([{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }]);
    expect(rows[2]).not.toHaveProperty("conditions");
  });
});

// ---- other core resources -----------------------------------------------------------------

describe("namespaces", () => {
  it("prints the phase", () => {
    expect(cells("namespaces", { metadata: meta("dev"), status: { phase: "Active" } })).toEqual(["dev", "Active", "5m"]);
    expect(cells("namespaces", { metadata: meta("old", { creationTimestamp: ago(400 * D) }), status: { phase: "Terminating" } })).toEqual(["old", "Terminating", "400d"]);
  });
});

describe("nodes", () => {
  const node = (extra: Obj = {}, status: Obj = {}, labels: Record<string, string> = {}) => ({
    metadata: meta("n1", { namespace: undefined, labels }),
    ...extra,
    status: {
      conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }],
      addresses: [{ type: "Hostname", address: "n1" }, { type: "InternalIP", address: "192.168.1.10" }],
      nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian GNU/Linux 12", kernelVersion: "6.1.0", containerRuntimeVersion: "containerd://1.7.0" },
      ...status,
    },
  });

  it("prints a ready node", () => {
    expect(cells("nodes", node({}, {}, { "node-role.kubernetes.io/control-plane": "" }))).toEqual([
      "n1", "Ready", "control-plane", "5m", "v1.32.0", "192.168.1.10", "<none>", "Debian GNU/Linux 12", "6.1.0", "containerd://1.7.0",
    ]);
  });

  it.each<[string, Obj, Obj, string]>([
    ["not ready", {}, { conditions: [{ type: "Ready", status: "False" }] }, "NotReady"],
    ["ready condition unknown", {}, { conditions: [{ type: "Ready", status: "Unknown" }] }, "NotReady"],
    ["no ready condition", {}, { conditions: [] }, "Unknown"],
    ["cordoned", { spec: { unschedulable: true } }, {}, "Ready,SchedulingDisabled"],
    ["cordoned and down", { spec: { unschedulable: true } }, { conditions: [{ type: "Ready", status: "False" }] }, "NotReady,SchedulingDisabled"],
  ])("STATUS when %s", (_t, extra, status, expected) => {
    expect(byColumn("nodes", node(extra, status)).STATUS).toBe(expected);
  });

  it("ROLES come sorted from role labels and the legacy kubernetes.io/role label", () => {
    const labels = { "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/": "", "kubernetes.io/role": "infra", "node-role.kubernetes.io/control-plane": "true" };
    expect(byColumn("nodes", node({}, {}, labels)).ROLES).toBe("control-plane,infra,worker");
    expect(byColumn("nodes", node()).ROLES).toBe("<none>");
  });

  it("wide cells fall back to <none> and <unknown>", () => {
    const row = byColumn("nodes", node({}, { addresses: [{ type: "ExternalIP", address: "1.2.3.4" }], nodeInfo: {} }));
    expect([row.VERSION, row["INTERNAL-IP"], row["EXTERNAL-IP"], row["OS-IMAGE"], row["KERNEL-VERSION"], row["CONTAINER-RUNTIME"]]).toEqual([
      "", "<none>", "1.2.3.4", "<unknown>", "<unknown>", "<unknown>",
    ]);
  });
});

describe("services", () => {
  const svc = (spec: Obj, status: Obj = {}) => ({ metadata: meta("web"), spec, status });

  it("ClusterIP with ports and a selector", () => {
    const s = svc({ type: "ClusterIP", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { tier: "fe", app: "web" } });
    expect(cells("services", s)).toEqual(["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "5m", "app=web,tier=fe"]);
  });

  it.each<[string, Obj, Obj, Partial<Record<string, string>>]>([
    ["NodePort", { type: "NodePort", clusterIPs: ["10.96.1.1"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] }, {}, { "EXTERNAL-IP": "<none>", "PORT(S)": "80:30080/TCP" }],
    ["ClusterIP with externalIPs", { type: "ClusterIP", clusterIP: "10.96.1.2", externalIPs: ["1.1.1.1", "2.2.2.2"] }, {}, { "CLUSTER-IP": "10.96.1.2", "EXTERNAL-IP": "1.1.1.1,2.2.2.2", "PORT(S)": "<none>", SELECTOR: "<none>" }],
    ["headless", { type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] }, {}, { "CLUSTER-IP": "None" }],
    ["LoadBalancer pending", { type: "LoadBalancer", clusterIPs: ["10.96.1.3"] }, {}, { "EXTERNAL-IP": "<pending>" }],
    [
      "LoadBalancer with addresses, sorted and de-duplicated, never clipped",
      { type: "LoadBalancer" },
      { loadBalancer: { ingress: [{ hostname: "lb.example.internal.long-name.test" }, { ip: "5.5.5.5" }, { ip: "5.5.5.5" }] } },
      { "EXTERNAL-IP": "5.5.5.5,lb.example.internal.long-name.test" },
    ],
    ["LoadBalancer plus externalIPs", { type: "LoadBalancer", externalIPs: ["9.9.9.9"] }, { loadBalancer: { ingress: [{ ip: "5.5.5.5" }] } }, { "EXTERNAL-IP": "5.5.5.5,9.9.9.9" }],
    ["ExternalName", { type: "ExternalName", externalName: "db.example.com" }, {}, { TYPE: "ExternalName", "CLUSTER-IP": "<none>", "EXTERNAL-IP": "db.example.com" }],
    ["type unset reads as ClusterIP", { clusterIP: "10.96.1.4" }, {}, { TYPE: "ClusterIP", "EXTERNAL-IP": "<none>" }],
    ["protocol unset reads as TCP", { type: "ClusterIP", ports: [{ port: 8080 }] }, {}, { "PORT(S)": "8080/TCP" }],
  ])("%s", (_t, spec, status, expected) => {
    expect(byColumn("services", svc(spec, status))).toMatchObject(expected);
  });
});

describe("endpoints", () => {
  const ep = (subsets?: Obj[]) => ({ metadata: meta("web"), ...(subsets ? { subsets } : {}) });
  const addrs = (...ips: string[]) => ips.map((ip) => ({ ip }));

  it.each<[string, Obj[] | undefined, string]>([
    ["no subsets", undefined, "<none>"],
    ["one address and port", [{ addresses: addrs("10.0.0.1"), ports: [{ port: 80 }] }], "10.0.0.1:80"],
    ["address × port, capped at three", [{ addresses: addrs("10.0.0.1", "10.0.0.2"), ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] }], "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."],
    ["headless without ports", [{ addresses: addrs("10.0.0.1", "10.0.0.2") }], "10.0.0.1,10.0.0.2"],
    ["IPv6 in brackets", [{ addresses: addrs("fd00::1"), ports: [{ port: 80 }] }], "[fd00::1]:80"],
    ["across subsets", [{ addresses: addrs("a", "b", "c"), ports: [{ port: 1 }] }, { addresses: addrs("d", "e"), ports: [{ port: 2 }] }], "a:1,b:1,c:1 + 2 more..."],
  ])("%s", (_t, subsets, expected) => {
    expect(byColumn("endpoints", ep(subsets)).ENDPOINTS).toBe(expected);
  });
});

describe("endpointslices", () => {
  it("prints address type, ports and endpoints", () => {
    const slice = {
      metadata: meta("web-abc"),
      addressType: "IPv4",
      ports: [{ name: "http", port: 80 }, { name: "metrics" }, {}],
      endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2", "10.0.0.3"] }, { addresses: ["10.0.0.4"] }],
    };
    expect(cells("endpointslices", slice)).toEqual(["web-abc", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "5m"]);
  });

  it("prints <unset> for no ports or endpoints", () => {
    expect(cells("endpointslices", { metadata: meta("e"), addressType: "IPv6" })).toEqual(["e", "IPv6", "<unset>", "<unset>", "5m"]);
  });
});

describe("configmaps, secrets, serviceaccounts", () => {
  it("counts configmap keys, binary ones included, as integers", () => {
    expect(cells("configmaps", { metadata: meta("cfg"), data: { a: "1", b: "2" }, binaryData: { c: "AA==" } })).toEqual(["cfg", 3, "5m"]);
    expect(cells("configmaps", { metadata: meta("empty") })).toEqual(["empty", 0, "5m"]);
  });

  it("prints the secret type and key count", () => {
    expect(cells("secrets", { metadata: meta("tls"), type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } })).toEqual(["tls", "kubernetes.io/tls", 2, "5m"]);
  });

  it("counts a service account's secrets", () => {
    expect(cells("serviceaccounts", { metadata: meta("default") })).toEqual(["default", 0, "5m"]);
    expect(cells("serviceaccounts", { metadata: meta("bot"), secrets: [{ name: "bot-token" }] })).toEqual(["bot", 1, "5m"]);
  });
});

describe("events", () => {
  it("prints a core/v1 event with the wide columns between OBJECT and MESSAGE", () => {
    const ev = {
      apiVersion: "v1",
      kind: "Event",
      metadata: meta("web.17a"),
      involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      reason: "Pulled",
      type: "Normal",
      message: "  Successfully pulled image \"nginx\"\n",
      source: { component: "kubelet", host: "node-1" },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
    };
    expect(cells("events", ev)).toEqual([
      "30s", "Normal", "Pulled", "pod/web", "spec.containers{app}", "kubelet, node-1", "Successfully pulled image \"nginx\"", "10m", 4, "web.17a",
    ]);
  });

  it("uses eventTime, the reporting controller and count 1 for a new-style singleton event", () => {
    const ev = { metadata: meta("e"), involvedObject: { kind: "Node" }, type: "Warning", reason: "X", message: "m", eventTime: "2024-06-01T11:59:50.123456Z", reportingComponent: "kube-scheduler" };
    const row = byColumn("events", ev);
    expect([row["LAST SEEN"], row.OBJECT, row.SOURCE, row["FIRST SEEN"], row.COUNT]).toEqual(["9s", "node", "kube-scheduler", "9s", 1]);
  });

  it("takes LAST SEEN and COUNT from a series", () => {
    const ev = { metadata: meta("e"), involvedObject: { kind: "Pod", name: "p" }, eventTime: ago(1 * H), series: { count: 7, lastObservedTime: ago(3 * M) } };
    const row = byColumn("events", ev);
    expect([row["LAST SEEN"], row["FIRST SEEN"], row.COUNT]).toEqual(["3m", "60m", 7]);
  });

  it("reads events.k8s.io/v1 field names", () => {
    const ev = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: meta("e2"),
      regarding: { kind: "Deployment", name: "web" },
      note: "Scaled up replica set web-abc to 3",
      reason: "ScalingReplicaSet",
      type: "Normal",
      reportingController: "deployment-controller",
      deprecatedFirstTimestamp: ago(2 * H),
      deprecatedLastTimestamp: ago(5 * M),
      deprecatedCount: 2,
    };
    expect(cells("events", ev)).toEqual([
      "5m", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller", "Scaled up replica set web-abc to 3", "120m", 2, "e2",
    ]);
  });
});

// ---- apps ---------------------------------------------------------------------------------

const template = { spec: { containers: [{ name: "web", image: "nginx:1.27" }, { name: "log", image: "busybox" }] } };

describe("deployments", () => {
  it("prints READY as ready/desired and the wide trio", () => {
    const d = {
      metadata: meta("web"),
      spec: { replicas: 3, selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back", "front"] }, { key: "canary", operator: "DoesNotExist" }] }, template },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(cells("deployments", d)).toEqual(["web", "2/3", 3, 2, "5m", "web,log", "nginx:1.27,busybox", "app=web,!canary,tier in (back,front,front)"]);
  });

  it("a fresh deployment without status or replicas (defaulted to 1)", () => {
    expect(cells("deployments", { metadata: meta("new"), spec: { selector: {}, template: { spec: { containers: [] } } } })).toEqual([
      "new", "0/1", 0, 0, "5m", "", "", "",
    ]);
  });

  it("an invalid selector prints <invalid>", () => {
    const d = { metadata: meta("bad"), spec: { selector: { matchExpressions: [{ key: "a", operator: "In", values: [] }] } } };
    expect(byColumn("deployments", d).SELECTOR).toBe("<invalid>");
  });
});

describe("replicasets, statefulsets, daemonsets", () => {
  it("replicasets print integer counts", () => {
    const rs = { metadata: meta("web-abc"), spec: { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "abc" } }, template }, status: { replicas: 3, readyReplicas: 1 } };
    expect(cells("replicasets", rs)).toEqual(["web-abc", 3, 3, 1, "5m", "web,log", "nginx:1.27,busybox", "app=web,pod-template-hash=abc"]);
  });

  it("an empty replicaset selector prints <none>, an invalid one <error>", () => {
    expect(byColumn("replicasets", { metadata: meta("a"), spec: { replicas: 0, selector: {} } }).SELECTOR).toBe("<none>");
    expect(byColumn("replicasets", { metadata: meta("b"), spec: { selector: { matchExpressions: [{ key: "k", operator: "Exists", values: ["v"] }] } } }).SELECTOR).toBe("<error>");
  });

  it("statefulsets print READY as ready/desired", () => {
    expect(cells("statefulsets", { metadata: meta("db"), spec: { replicas: 3, template }, status: { readyReplicas: 1 } })).toEqual(["db", "1/3", "5m", "web,log", "nginx:1.27,busybox"]);
  });

  it("daemonsets print counts and the node selector", () => {
    const ds = {
      metadata: meta("agent"),
      spec: { selector: { matchLabels: { app: "agent" } }, template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "a", image: "agent:1" }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    expect(cells("daemonsets", ds)).toEqual(["agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "5m", "a", "agent:1", "app=agent"]);
    expect(byColumn("daemonsets", { metadata: meta("x"), spec: {} })["NODE SELECTOR"]).toBe("<none>");
  });
});

// ---- batch --------------------------------------------------------------------------------

describe("jobs", () => {
  const job = (spec: Obj, status: Obj, metadata: Obj = {}) => ({ metadata: { ...meta("pi"), ...metadata }, spec: { template, ...spec }, status });

  it("prints a complete job", () => {
    const j = job(
      { completions: 1, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } } },
      { succeeded: 1, startTime: ago(5 * M), completionTime: ago(5 * M - 42 * S), conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] },
    );
    expect(cells("jobs", j)).toEqual(["pi", "Complete", "1/1", "42s", "5m", "web,log", "nginx:1.27,busybox", "batch.kubernetes.io/controller-uid=u1"]);
  });

  it.each<[string, Obj, Obj, string]>([
    ["running", {}, { conditions: [] }, "Running"],
    ["failed", {}, { conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True" }] }, "Failed"],
    ["failure target only", {}, { conditions: [{ type: "FailureTarget", status: "True" }] }, "FailureTarget"],
    ["suspended", {}, { conditions: [{ type: "Suspended", status: "True" }] }, "Suspended"],
    ["resumed (Suspended False)", {}, { conditions: [{ type: "Suspended", status: "False" }] }, "Running"],
    ["being deleted", { deletionTimestamp: ago(S) }, { conditions: [{ type: "Suspended", status: "True" }] }, "Terminating"],
    ["complete and being deleted", { deletionTimestamp: ago(S) }, { conditions: [{ type: "Complete", status: "True" }] }, "Complete"],
  ])("STATUS when %s", (_t, metadata, status, expected) => {
    expect(byColumn("jobs", job({}, status, metadata)).STATUS).toBe(expected);
  });

  it.each<[string, Obj, Obj, string]>([
    ["completions set", { completions: 5 }, { succeeded: 2 }, "2/5"],
    ["no completions", {}, {}, "0/1"],
    ["no completions, parallel", { parallelism: 3 }, { succeeded: 1 }, "1/1 of 3"],
    ["no completions, parallelism 1", { parallelism: 1 }, {}, "0/1"],
  ])("COMPLETIONS with %s", (_t, spec, status, expected) => {
    expect(byColumn("jobs", job(spec, status)).COMPLETIONS).toBe(expected);
  });

  it("DURATION is empty before the start and runs to now while active", () => {
    expect(byColumn("jobs", job({}, {})).DURATION).toBe("");
    expect(byColumn("jobs", job({}, { startTime: ago(3 * M + 5 * S) })).DURATION).toBe("3m5s");
  });
});

describe("cronjobs", () => {
  it("prints schedule, time zone, suspend, active and last schedule", () => {
    const cj = {
      metadata: meta("nightly", { creationTimestamp: ago(3 * D) }),
      spec: { schedule: "0 3 * * *", timeZone: "Europe/Paris", suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: "nightly-1" }], lastScheduleTime: ago(9 * H) },
    };
    expect(cells("cronjobs", cj)).toEqual(["nightly", "0 3 * * *", "Europe/Paris", "False", 1, "9h", "3d", "web,log", "nginx:1.27,busybox", "<none>"]);
  });

  it("prints placeholders for what is unset", () => {
    const row = byColumn("cronjobs", { metadata: meta("c"), spec: { schedule: "*/5 * * * *", suspend: true } });
    expect([row.TIMEZONE, row.SUSPEND, row.ACTIVE, row["LAST SCHEDULE"]]).toEqual(["<none>", "True", 0, "<none>"]);
    expect(byColumn("cronjobs", { metadata: meta("d"), spec: {} }).SUSPEND).toBe("<unset>");
  });
});

// ---- storage, networking, coordination, rbac, scheduling -----------------------------------

describe("persistentvolumes", () => {
  it("prints a bound volume", () => {
    const pv = {
      metadata: meta("pv1", { namespace: undefined }),
      spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", claimRef: { namespace: "default", name: "data" }, storageClassName: "standard", volumeMode: "Filesystem" },
      status: { phase: "Bound" },
    };
    expect(cells("persistentvolumes", pv)).toEqual(["pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "standard", "<unset>", "", "5m", "Filesystem"]);
  });

  it("prints Terminating, the beta class annotation and a failure reason", () => {
    const pv = {
      metadata: meta("pv2", { deletionTimestamp: ago(S), annotations: { "volume.beta.kubernetes.io/storage-class": "legacy" } }),
      spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadOnlyMany", "ReadWriteOncePod"], storageClassName: "ignored", volumeAttributesClassName: "gold" },
      status: { phase: "Failed", reason: "RecyclerFailed" },
    };
    const row = byColumn("persistentvolumes", pv);
    expect([row["ACCESS MODES"], row.STATUS, row.CLAIM, row.STORAGECLASS, row.VOLUMEATTRIBUTESCLASS, row.REASON, row.VOLUMEMODE]).toEqual([
      "ROX,RWOP", "Terminating", "", "legacy", "gold", "RecyclerFailed", "<unset>",
    ]);
  });
});

describe("persistentvolumeclaims", () => {
  it("prints a bound claim", () => {
    const pvc = {
      metadata: meta("data"),
      spec: { volumeName: "pv1", storageClassName: "standard", resources: { requests: { storage: "5Gi" } } },
      status: { phase: "Bound", capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"] },
    };
    expect(cells("persistentvolumeclaims", pvc)).toEqual(["data", "Bound", "pv1", "10Gi", "RWO", "standard", "<unset>", "5m", "<unset>"]);
  });

  it("a pending claim shows no capacity or access modes", () => {
    const pvc = { metadata: meta("wait"), spec: { accessModes: ["ReadWriteOnce"], volumeMode: "Block" }, status: { phase: "Pending" } };
    expect(cells("persistentvolumeclaims", pvc)).toEqual(["wait", "Pending", "", "", "", "", "<unset>", "5m", "Block"]);
  });
});

describe("ingresses", () => {
  const ing = (spec: Obj, status: Obj = {}) => ({ metadata: meta("web"), spec, status });

  it("prints class, hosts, address and ports", () => {
    const i = ing(
      { ingressClassName: "nginx", rules: [{ host: "a.example.com" }, { host: "b.example.com" }], tls: [{ hosts: ["a.example.com"] }] },
      { loadBalancer: { ingress: [{ ip: "5.6.7.8" }, { hostname: "lb.example.com" }] } },
    );
    expect(cells("ingresses", i)).toEqual(["web", "nginx", "a.example.com,b.example.com", "5.6.7.8,lb.example.com", "80, 443", "5m"]);
  });

  it.each<[string, Obj[] | undefined, string]>([
    ["no rules", undefined, "*"],
    ["rules without hosts", [{}, {}], "*"],
    ["more than three rules", [{ host: "a" }, { host: "b" }, {}, { host: "d" }, { host: "e" }], "a,b,d + 2 more..."],
  ])("HOSTS with %s", (_t, rules, expected) => {
    const row = byColumn("ingresses", ing(rules ? { rules } : {}));
    expect(row.HOSTS).toBe(expected);
    expect([row.CLASS, row.ADDRESS, row.PORTS]).toEqual(["<none>", "", "80"]);
  });
});

describe("leases, bindings, priority classes", () => {
  it("leases print the holder", () => {
    expect(cells("leases", { metadata: meta("kube-scheduler"), spec: { holderIdentity: "node-1_abc" } })).toEqual(["kube-scheduler", "node-1_abc", "5m"]);
    expect(cells("leases", { metadata: meta("free"), spec: {} })).toEqual(["free", "", "5m"]);
  });

  it("rolebindings print the role and subjects by kind", () => {
    const rb = {
      metadata: meta("read"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "User", name: "alice" },
        { kind: "ServiceAccount", name: "bot", namespace: "ci" },
        { kind: "Group", name: "devs" },
        { kind: "User", name: "bob" },
        { kind: "ServiceAccount", name: "deployer", namespace: "ci" },
      ],
    };
    expect(cells("rolebindings", rb)).toEqual(["read", "ClusterRole/view", "5m", "alice, bob", "devs", "ci/bot, ci/deployer"]);
  });

  it("clusterrolebindings without subjects print empty subject cells", () => {
    const crb = { metadata: meta("admin"), roleRef: { kind: "ClusterRole", name: "cluster-admin" } };
    expect(cells("clusterrolebindings", crb)).toEqual(["admin", "ClusterRole/cluster-admin", "5m", "", "", ""]);
  });

  it("priorityclasses print value, default flag and preemption policy", () => {
    const pc = { metadata: meta("system-node-critical"), value: 2000001000, globalDefault: false, preemptionPolicy: "PreemptLowerPriority" };
    expect(cells("priorityclasses", pc)).toEqual(["system-node-critical", 2000001000, false, "5m", "PreemptLowerPriority"]);
    expect(cells("priorityclasses", { metadata: meta("low"), value: -10, globalDefault: true })).toEqual(["low", -10, true, "5m", ""]);
  });
});
