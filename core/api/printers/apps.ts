// apps/v1 controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets. Their wide
// columns list the pod template's containers and images, and (except StatefulSets) the
// selector.
import type { LabelSelector } from "../../types/meta.js";
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, containersColumn, imagesColumn, nameColumn, nameOf, type HasMeta } from "./common.js";
import { containerCells, formatLabels, formatLabelSelector, labelSelectorString, type NamedImage } from "./format.js";

interface PodTemplate {
  spec?: { containers?: NamedImage[]; nodeSelector?: Record<string, string> | null };
}

interface Controller extends HasMeta {
  spec?: { replicas?: number; selector?: LabelSelector | null; template?: PodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

/** spec.replicas, which the API server defaults to 1 before storing. */
function desired(obj: Controller): number {
  return obj.spec?.replicas ?? 1;
}

function templateCells(obj: Controller): [string, string] {
  return containerCells(obj.spec?.template?.spec?.containers);
}

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", FIELD_DOCS["DeploymentStatus.updatedReplicas"]),
    column("Available", "string", FIELD_DOCS["DeploymentStatus.availableReplicas"]),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "string", FIELD_DOCS["DeploymentSpec.selector"], { priority: 1 }),
  ],
  row: (d: Controller, now) => ({
    cells: [
      nameOf(d),
      `${d.status?.readyReplicas ?? 0}/${desired(d)}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      ageOf(d, now),
      ...templateCells(d),
      // Deployments print the selector's plain String(): "" (not "<none>") when empty.
      labelSelectorString(d.spec?.selector) ?? "<invalid>",
    ],
  }),
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn,
    column("Desired", "integer", FIELD_DOCS["ReplicaSetSpec.replicas"]),
    column("Current", "integer", FIELD_DOCS["ReplicaSetStatus.replicas"]),
    column("Ready", "integer", FIELD_DOCS["ReplicaSetStatus.readyReplicas"]),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "string", FIELD_DOCS["ReplicaSetSpec.selector"], { priority: 1 }),
  ],
  row: (rs: Controller, now) => ({
    cells: [
      nameOf(rs),
      desired(rs),
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      ageOf(rs, now),
      ...templateCells(rs),
      formatLabelSelector(rs.spec?.selector),
    ],
  }),
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn, column("Ready", "string", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn],
  row: (sts: Controller, now) => ({
    cells: [nameOf(sts), `${sts.status?.readyReplicas ?? 0}/${desired(sts)}`, ageOf(sts, now), ...templateCells(sts)],
  }),
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column("Desired", "integer", FIELD_DOCS["DaemonSetStatus.desiredNumberScheduled"]),
    column("Current", "integer", FIELD_DOCS["DaemonSetStatus.currentNumberScheduled"]),
    column("Ready", "integer", FIELD_DOCS["DaemonSetStatus.numberReady"]),
    column("Up-to-date", "integer", FIELD_DOCS["DaemonSetStatus.updatedNumberScheduled"]),
    column("Available", "integer", FIELD_DOCS["DaemonSetStatus.numberAvailable"]),
    column("Node Selector", "string", FIELD_DOCS["PodSpec.nodeSelector"]),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "string", FIELD_DOCS["DaemonSetSpec.selector"], { priority: 1 }),
  ],
  row: (ds: Controller, now) => {
    const s = ds.status ?? {};
    return {
      cells: [
        nameOf(ds),
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        ageOf(ds, now),
        ...templateCells(ds),
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};
