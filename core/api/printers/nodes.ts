// Nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
// CONTAINER-RUNTIME. STATUS reads only the Ready condition, plus SchedulingDisabled
// for a cordoned node.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

interface Node extends HasMeta {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

const wide = { priority: 1 };
const columns = [
  nameColumn,
  column("Status", "string", "The status of the node"),
  column("Roles", "string", "The roles of the node"),
  ageColumn,
  column("Version", "string", FIELD_DOCS["NodeSystemInfo.kubeletVersion"]),
  column("Internal-IP", "string", FIELD_DOCS["NodeStatus.addresses"], wide),
  column("External-IP", "string", FIELD_DOCS["NodeStatus.addresses"], wide),
  column("OS-Image", "string", FIELD_DOCS["NodeSystemInfo.osImage"], wide),
  column("Kernel-Version", "string", FIELD_DOCS["NodeSystemInfo.kernelVersion"], wide),
  column("Container-Runtime", "string", FIELD_DOCS["NodeSystemInfo.containerRuntimeVersion"], wide),
];

/** "Ready", "NotReady" or "Unknown" (no Ready condition yet), then ",SchedulingDisabled" if cordoned. */
export function nodeStatus(node: Node): string {
  // Later duplicates of a condition type win, as they do in Go's condition map.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").pop();
  const parts = [ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

/** Roles from node-role.kubernetes.io/<role> label keys and the kubernetes.io/role value, sorted. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function firstAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: Printer = {
  columns,
  row: (node: Node, now) => {
    const info = node.status?.nodeInfo ?? {};
    return {
      cells: [
        nameOf(node),
        nodeStatus(node),
        nodeRoles(node),
        ageOf(node, now),
        info.kubeletVersion ?? "",
        firstAddress(node, "InternalIP"),
        firstAddress(node, "ExternalIP"),
        info.osImage || "<unknown>",
        info.kernelVersion || "<unknown>",
        info.containerRuntimeVersion || "<unknown>",
      ],
    };
  },
};
