// The DefaultTolerationSeconds admission plugin, through the API: pods that do not already
// tolerate node.kubernetes.io/not-ready and /unreachable NoExecute get a 300 s toleration
// for each, and tolerations that cover them (empty key, empty effect) are left alone.
import { afterEach, describe, expect, it } from "vitest";
import { R, type KubeObject } from "../../dist/core/controllers/client.js";
import { startControlPlane, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const notReady = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };
const unreachable = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };

async function tolerationsOf(name: string, tolerations?: object[]): Promise<unknown> {
  const pod = (await h!.client.create(R.pods, "default", {
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox" }], ...(tolerations ? { tolerations } : {}) },
  })) as KubeObject & { spec: { tolerations?: unknown } };
  return pod.spec.tolerations;
}

describe("DefaultTolerationSeconds admission", () => {
  it("adds not-ready and unreachable NoExecute tolerations of 300 s to a pod without them, not-ready first", async () => {
    h = await startControlPlane([]);
    expect(await tolerationsOf("plain")).toEqual([notReady, unreachable]);
  });

  it("keeps the pod's own tolerations first and adds only what is missing", async () => {
    h = await startControlPlane([]);
    const own = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 };
    const other = { key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" };
    expect(await tolerationsOf("own", [other, own])).toEqual([other, own, unreachable]);
  });

  it("counts a toleration with an empty effect, or an empty key, as covering the taint", async () => {
    h = await startControlPlane([]);
    const anyEffect = { key: "node.kubernetes.io/unreachable", operator: "Exists" };
    expect(await tolerationsOf("any-effect", [anyEffect])).toEqual([anyEffect, notReady]);
    const everything = { operator: "Exists" };
    expect(await tolerationsOf("everything", [everything])).toEqual([everything]);
  });

  it("does not count a toleration of the same key with another effect", async () => {
    h = await startControlPlane([]);
    const noSchedule = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" };
    expect(await tolerationsOf("no-schedule", [noSchedule])).toEqual([noSchedule, notReady, unreachable]);
  });
});
