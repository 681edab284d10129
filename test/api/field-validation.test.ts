// fieldValidation's unknown-field detection, with the protobuf layouts as schema.
import { describe, expect, it } from "vitest";
import { unknownFields } from "../../core/api/field-validation.js";

describe("unknownFields", () => {
  it("accepts real fields, inlined ones (a volume's source) and map values; reports typos with their path", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", labels: { a: "b" }, annotations: { x: "y" } },
      spec: {
        volumes: [{ name: "v", emptyDir: {} }, { name: "c", configMap: { name: "cfg" } }],
        containers: [{ name: "c", image: "busybox", resources: { limits: { cpu: "1" } }, ports: [{ containerPort: 80, protcol: "TCP" }] }],
        nodeSelectr: { disk: "ssd" },
      },
      status: { phase: "Pending" },
    };
    expect(unknownFields("v1", "Pod", pod)).toEqual(["spec.containers[0].ports[0].protcol", "spec.nodeSelectr"]);
  });

  it("says nothing about kinds without a layout", () => {
    expect(unknownFields("example.com/v1", "Widget", { anything: 1 })).toEqual([]);
  });
});
