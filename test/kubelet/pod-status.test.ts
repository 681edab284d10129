// The kubelet's pod status computation, table-driven: phases per restart policy, init
// containers and sidecars, waiting reasons, conditions with their reasons and messages, and
// the status manager's bookkeeping (lastTransitionTime, startTime, terminal phases).
import { describe, expect, it } from "vitest";
import { generatePodStatus, getPhase, statusEqual, type RuntimeContainer, type StatusInput } from "../../dist/core/kubelet/pod-status.js";
import type { Pod, PodStatus } from "../../dist/core/kubelet/types.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

interface PodShape {
  restartPolicy?: string;
  containers?: string[];
  init?: string[];
  sidecars?: string[];
  readinessGates?: string[];
}

function pod(shape: PodShape = {}, status: PodStatus = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1", resourceVersion: "1" },
    spec: {
      restartPolicy: shape.restartPolicy ?? "Always",
      containers: (shape.containers ?? ["c"]).map((name) => ({ name, image: "busybox" })),
      ...(shape.init || shape.sidecars
        ? {
            initContainers: [
              ...(shape.sidecars ?? []).map((name) => ({ name, image: "busybox", restartPolicy: "Always" })),
              ...(shape.init ?? []).map((name) => ({ name, image: "busybox" })),
            ],
          }
        : {}),
      ...(shape.readinessGates ? { readinessGates: shape.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
    },
    status: { phase: "Pending", qosClass: "BestEffort", ...status },
  };
}

let nextId = 0;
function running(name: string, restartCount = 0, at = T0): RuntimeContainer {
  return { id: `sim://${name}-${nextId++}`, name, image: "docker.io/library/busybox:latest", imageRef: "docker.io/library/busybox@sha256:abc", state: "running", createdAt: at, startedAt: at, restartCount };
}
function exited(name: string, exitCode: number, restartCount = 0, at = T0): RuntimeContainer {
  return { ...running(name, restartCount, at), state: "exited", exitCode, finishedAt: at + 1000, reason: exitCode === 0 ? "Completed" : "Error" };
}

function generate(p: Pod, containers: RuntimeContainer[], extra: Partial<StatusInput> = {}): PodStatus {
  return generatePodStatus({
    pod: p,
    runtime: { sandboxReady: true, ips: ["10.244.0.5"], containers },
    hostIPs: ["172.18.0.2"],
    now: T0 + 5000,
    ...extra,
  });
}

const cond = (s: PodStatus, type: string) => s.conditions!.find((c) => c.type === type)!;
const brief = (s: PodStatus, type: string) => {
  const c = cond(s, type);
  return [c.status, c.reason ?? "", c.message ?? ""].join("|");
};

describe("phase by restart policy (getPhase)", () => {
  const cases: { name: string; shape: PodShape; containers: RuntimeContainer[]; terminal?: boolean; phase: string }[] = [
    { name: "nothing started yet", shape: {}, containers: [], phase: "Pending" },
    { name: "running", shape: {}, containers: [running("c")], phase: "Running" },
    { name: "Always, exited 0: restarting", shape: { restartPolicy: "Always" }, containers: [exited("c", 0)], phase: "Running" },
    { name: "Always, exited 1: restarting", shape: { restartPolicy: "Always" }, containers: [exited("c", 1)], phase: "Running" },
    { name: "OnFailure, exited 0", shape: { restartPolicy: "OnFailure" }, containers: [exited("c", 0)], phase: "Succeeded" },
    { name: "OnFailure, exited 1: restarting", shape: { restartPolicy: "OnFailure" }, containers: [exited("c", 1)], phase: "Running" },
    { name: "Never, exited 0", shape: { restartPolicy: "Never" }, containers: [exited("c", 0)], phase: "Succeeded" },
    { name: "Never, exited 1", shape: { restartPolicy: "Never" }, containers: [exited("c", 1)], phase: "Failed" },
    { name: "Never, one of two still running", shape: { restartPolicy: "Never", containers: ["a", "b"] }, containers: [exited("a", 1), running("b")], phase: "Running" },
    { name: "one of two not started", shape: { containers: ["a", "b"] }, containers: [running("a")], phase: "Pending" },
    { name: "Always, terminal (deleted), exited 143", shape: { restartPolicy: "Always" }, containers: [exited("c", 143)], terminal: true, phase: "Failed" },
    { name: "Always, terminal, exited 0", shape: { restartPolicy: "Always" }, containers: [exited("c", 0)], terminal: true, phase: "Succeeded" },
    { name: "init running", shape: { init: ["i"] }, containers: [running("i")], phase: "Pending" },
    { name: "init failed, Never", shape: { init: ["i"], restartPolicy: "Never" }, containers: [exited("i", 1)], phase: "Failed" },
    { name: "init failed, Always: retried", shape: { init: ["i"] }, containers: [exited("i", 1)], phase: "Pending" },
    { name: "init done, app running", shape: { init: ["i"] }, containers: [exited("i", 0), running("c")], phase: "Running" },
    { name: "sidecar running, app running", shape: { sidecars: ["s"] }, containers: [running("s"), running("c")], phase: "Running" },
    { name: "sidecar running, app done (Never)", shape: { sidecars: ["s"], restartPolicy: "Never" }, containers: [running("s"), exited("c", 0)], phase: "Running" },
    { name: "sidecar stopped, app done (Never)", shape: { sidecars: ["s"], restartPolicy: "Never" }, containers: [exited("s", 143), exited("c", 0)], terminal: true, phase: "Succeeded" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(generate(pod(c.shape), c.containers, { podIsTerminal: c.terminal }).phase).toBe(c.phase);
    });
  }

  it("getPhase on API statuses: a waiting container that ran before counts as stopped", () => {
    const spec = pod({ restartPolicy: "OnFailure" }).spec;
    const waitingAfterCrash = {
      name: "c", ready: false, restartCount: 3, image: "busybox", imageID: "",
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1, startedAt: null, finishedAt: null } },
    };
    expect(getPhase(spec, [waitingAfterCrash], false, true)).toBe("Running");
    expect(getPhase(spec, [{ ...waitingAfterCrash, lastState: {} }], false, false)).toBe("Pending");
  });
});

describe("conditions", () => {
  const cases: { name: string; shape: PodShape; containers: RuntimeContainer[]; sandbox?: boolean; expect: Record<string, string> }[] = [
    {
      name: "before the sandbox",
      shape: {},
      containers: [],
      sandbox: false,
      expect: {
        PodReadyToStartContainers: "False||",
        Initialized: "True||",
        Ready: "False|ContainersNotReady|containers with unready status: [c]",
        ContainersReady: "False|ContainersNotReady|containers with unready status: [c]",
        PodScheduled: "True||",
      },
    },
    {
      name: "running",
      shape: {},
      containers: [running("c")],
      expect: { PodReadyToStartContainers: "True||", Initialized: "True||", Ready: "True||", ContainersReady: "True||" },
    },
    {
      name: "init containers pending",
      shape: { init: ["i1", "i2"] },
      containers: [running("i1")],
      expect: {
        Initialized: "False|ContainersNotInitialized|containers with incomplete status: [i1 i2]",
        Ready: "False|ContainersNotReady|containers with unready status: [c]",
      },
    },
    {
      name: "succeeded",
      shape: { restartPolicy: "Never" },
      containers: [exited("c", 0)],
      expect: { Initialized: "True|PodCompleted|", Ready: "False|PodCompleted|", ContainersReady: "False|PodCompleted|" },
    },
    {
      name: "failed",
      shape: { restartPolicy: "Never" },
      containers: [exited("c", 2)],
      expect: { Initialized: "True||", Ready: "False|PodFailed|", ContainersReady: "False|PodFailed|" },
    },
    {
      name: "two containers, one not started",
      shape: { containers: ["b", "a"] },
      containers: [running("b")],
      expect: { Ready: "False|ContainersNotReady|containers with unready status: [a]" },
    },
    {
      name: "a sidecar counts for readiness",
      shape: { sidecars: ["s"] },
      containers: [exited("s", 1), running("c")],
      expect: { ContainersReady: "False|ContainersNotReady|containers with unready status: [s]", Initialized: "True||" },
    },
    {
      name: "readiness gate missing",
      shape: { readinessGates: ["example.com/gate"] },
      containers: [running("c")],
      expect: { ContainersReady: "True||", Ready: 'False|ReadinessGatesNotReady|corresponding condition of pod readiness gate "example.com/gate" does not exist.' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = generate(pod(c.shape), c.containers, c.sandbox === false ? { runtime: { sandboxReady: false, ips: [], containers: c.containers } } : {});
      for (const [type, want] of Object.entries(c.expect)) expect(brief(s, type), type).toBe(want);
    });
  }

  it("come in the kubelet's order, each with lastProbeTime null; others are kept as they are", () => {
    const custom = { type: "example.com/gate", status: "True" as const, lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z" };
    const s = generate(pod({ readinessGates: ["example.com/gate"] }, { conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: ts(T0 - 1000) }, custom] }), [running("c")]);
    expect(s.conditions!.map((c) => c.type)).toEqual(["example.com/gate", "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]);
    expect(s.conditions![0]).toEqual(custom);
    expect(s.conditions!.every((c) => c.lastProbeTime === null)).toBe(true);
    expect(cond(s, "Ready").status).toBe("True");
    // PodScheduled keeps the binding's transition time.
    expect(cond(s, "PodScheduled").lastTransitionTime).toBe(ts(T0 - 1000));
  });

  it("lastTransitionTime moves only when a condition's status changes", () => {
    const first = generate(pod(), [], { now: T0 });
    const second = generate(pod({}, first), [running("c")], { now: T0 + 7000, previous: first });
    expect(cond(second, "Initialized").lastTransitionTime).toBe(ts(T0));
    expect(cond(second, "Ready").lastTransitionTime).toBe(ts(T0 + 7000));
    expect(second.startTime).toBe(ts(T0));
  });

  it("probe results decide started and ready (the probes seam)", () => {
    const s = generate(pod(), [running("c")], { probes: { ready: () => false } });
    expect(s.containerStatuses![0]).toMatchObject({ started: true, ready: false });
    expect(brief(s, "Ready")).toBe("False|ContainersNotReady|containers with unready status: [c]");
    const notStarted = generate(pod(), [running("c")], { probes: { started: () => false } });
    expect(notStarted.containerStatuses![0]).toMatchObject({ started: false, ready: false });
  });
});

describe("container statuses", () => {
  it("waiting ContainerCreating before the runtime has the container; PodInitializing with init containers", () => {
    expect(generate(pod(), []).containerStatuses![0]).toEqual({
      name: "c", state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, restartCount: 0, image: "busybox", imageID: "", started: false,
    });
    const s = generate(pod({ init: ["i"] }), []);
    expect(s.initContainerStatuses![0].state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(s.containerStatuses![0].state).toEqual({ waiting: { reason: "PodInitializing" } });
  });

  it("running: image and imageID from the runtime, containerID with its scheme", () => {
    const c = running("c", 0, T0);
    const s = generate(pod(), [c]).containerStatuses![0];
    expect(s).toEqual({
      name: "c", state: { running: { startedAt: ts(T0) } }, lastState: {}, ready: true, restartCount: 0,
      image: "docker.io/library/busybox:latest", imageID: "docker.io/library/busybox@sha256:abc", containerID: c.id, started: true,
    });
  });

  it("terminated: exit code, reason, times, containerID", () => {
    const c = exited("c", 0, 0, T0);
    const s = generate(pod({ restartPolicy: "Never" }), [c]).containerStatuses![0];
    expect(s.state).toEqual({ terminated: { exitCode: 0, reason: "Completed", startedAt: ts(T0), finishedAt: ts(T0 + 1000), containerID: c.id } });
    expect(s).toMatchObject({ ready: false, started: false });
  });

  it("init containers: completed ones are ready but not started", () => {
    const s = generate(pod({ init: ["i"] }), [exited("i", 0), running("c")]);
    expect(s.initContainerStatuses![0]).toMatchObject({ ready: true, started: false, state: { terminated: { exitCode: 0, reason: "Completed" } } });
  });

  const waiting: { reason: string; message: string }[] = [
    { reason: "ErrImagePull", message: "rpc error: code = NotFound desc = not found" },
    { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope": ErrImagePull: not found' },
    { reason: "ErrImageNeverPull", message: 'Container image "nope" is not present with pull policy of Never' },
    { reason: "CreateContainerError", message: "boom" },
  ];
  for (const w of waiting) {
    it(`waiting ${w.reason} from the start failure`, () => {
      const s = generate(pod(), [], { failures: new Map([["c", w]]) });
      expect(s.phase).toBe("Pending");
      expect(s.containerStatuses![0].state).toEqual({ waiting: w });
    });
  }

  it("CrashLoopBackOff: waiting, the last run as lastState, restartCount from the attempt", () => {
    const last = exited("c", 1, 3, T0);
    const s = generate(pod(), [last, exited("c", 1, 2, T0 - 60_000)], {
      failures: new Map([["c", { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=c pod=p_default(u1)" }]]),
    });
    const c = s.containerStatuses![0];
    expect(s.phase).toBe("Running");
    expect(c.restartCount).toBe(3);
    expect(c.state).toEqual({ waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=c pod=p_default(u1)" } });
    expect(c.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error", containerID: last.id });
  });

  it("a restarted container shows its previous run as lastState", () => {
    const s = generate(pod(), [running("c", 1, T0 + 2000), exited("c", 1, 0, T0)]).containerStatuses![0];
    expect(s.restartCount).toBe(1);
    expect(s.state.running).toBeDefined();
    expect(s.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
  });

  it("no restart, no waiting reason: restartPolicy Never keeps the terminated state", () => {
    const s = generate(pod({ restartPolicy: "Never" }), [exited("c", 1)], { failures: new Map([["c", { reason: "CrashLoopBackOff", message: "x" }]]) });
    expect(s.containerStatuses![0].state.terminated?.exitCode).toBe(1);
  });

  it("are sorted by name; init containers keep spec order", () => {
    const s = generate(pod({ containers: ["web", "app", "log"], init: ["z", "a"] }), []);
    expect(s.containerStatuses!.map((c) => c.name)).toEqual(["app", "log", "web"]);
    expect(s.initContainerStatuses!.map((c) => c.name)).toEqual(["z", "a"]);
  });

  it("a container that was running and vanished is reported stopped, not waiting", () => {
    const before = generate(pod(), [running("c")]);
    const after = generate(pod({}, before), [], { previous: before });
    expect(after.containerStatuses![0].lastState.terminated).toMatchObject({ exitCode: 137, reason: "ContainerStatusUnknown" });
    expect(after.containerStatuses![0].restartCount).toBe(1);
  });
});

describe("pod-level fields and the status manager's rules", () => {
  it("IPs, hostIP, startTime, qosClass", () => {
    const s = generate(pod(), [running("c")]);
    expect(s).toMatchObject({
      hostIP: "172.18.0.2", hostIPs: [{ ip: "172.18.0.2" }], podIP: "10.244.0.5", podIPs: [{ ip: "10.244.0.5" }],
      startTime: ts(T0 + 5000), qosClass: "BestEffort",
    });
  });

  it("a host-network pod has the node's IP", () => {
    const p = pod();
    p.spec.hostNetwork = true;
    expect(generate(p, [running("c")])).toMatchObject({ podIP: "172.18.0.2", podIPs: [{ ip: "172.18.0.2" }] });
  });

  it("a finished pod keeps its IP after the sandbox is gone", () => {
    const done = generate(pod({ restartPolicy: "Never" }), [exited("c", 0)], { podIsTerminal: true });
    const later = generate(pod({ restartPolicy: "Never" }, done), [exited("c", 0)], { previous: done, runtime: { sandboxReady: false, ips: [], containers: [exited("c", 0)] } });
    expect(later.podIP).toBe("10.244.0.5");
    expect(cond(later, "PodReadyToStartContainers").status).toBe("False");
  });

  it("a terminal phase is held back while containers may still run, and is sticky once written", () => {
    const p = pod({ restartPolicy: "Never" }, { phase: "Running" });
    expect(generate(p, [exited("c", 0)], { couldHaveRunningContainers: true }).phase).toBe("Running");
    expect(generate(p, [exited("c", 0)], { couldHaveRunningContainers: false }).phase).toBe("Succeeded");
    expect(generate(pod({}, { phase: "Succeeded" }), []).phase).toBe("Succeeded");
  });

  it("fields the kubelet does not own pass through", () => {
    const s = generate(pod({}, { nominatedNodeName: "n9" }), [running("c")]);
    expect(s.nominatedNodeName).toBe("n9");
  });

  it("statusEqual ignores key order and undefined fields", () => {
    const s = generate(pod(), [running("c")]);
    const shuffled = JSON.parse(JSON.stringify({ containerStatuses: s.containerStatuses, ...s, extra: undefined }));
    expect(statusEqual(s, shuffled)).toBe(true);
    expect(statusEqual(s, { ...shuffled, phase: "Pending" })).toBe(false);
  });
});
