// Server-side printing: turns stored objects into the meta.k8s.io/v1 Table that
// kube-apiserver returns for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`,
// which is what `kubectl get` renders. One printer per resource (plural name); anything
// else gets the default NAME / CREATED AT table, as upstream.
import type { ObjectMeta } from "../../types/meta.js";
import type { PrintOptions, Printer, Table, TableColumnDefinition, TableRow } from "./table.js";
import { podPrinter } from "./pods.js";
import { namespacePrinter } from "./namespaces.js";
import { nodePrinter } from "./nodes.js";
import { endpointsPrinter, servicePrinter } from "./services.js";
import { endpointSlicePrinter } from "./endpointslices.js";
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from "./config.js";
import { eventPrinter } from "./events.js";
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from "./apps.js";
import { cronJobPrinter, jobPrinter } from "./batch.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from "./storage.js";
import { ingressPrinter } from "./ingresses.js";
import { leasePrinter } from "./leases.js";
import { clusterRoleBindingPrinter, roleBindingPrinter } from "./rbac.js";
import { priorityClassPrinter } from "./priorityclasses.js";
import { defaultPrinter } from "./default.js";

export type {
  IncludeObject,
  PartialObjectMetadata,
  PrintOptions,
  Printer,
  Table,
  TableColumnDefinition,
  TableRow,
  TableRowCondition,
} from "./table.js";
export { humanDuration } from "./duration.js";
export { defaultPrinter } from "./default.js";

const PRINTERS: Readonly<Record<string, Printer>> = {
  pods: podPrinter,
  namespaces: namespacePrinter,
  nodes: nodePrinter,
  services: servicePrinter,
  endpoints: endpointsPrinter,
  endpointslices: endpointSlicePrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  serviceaccounts: serviceAccountPrinter,
  events: eventPrinter,
  deployments: deploymentPrinter,
  replicasets: replicaSetPrinter,
  statefulsets: statefulSetPrinter,
  daemonsets: daemonSetPrinter,
  jobs: jobPrinter,
  cronjobs: cronJobPrinter,
  persistentvolumes: persistentVolumePrinter,
  persistentvolumeclaims: persistentVolumeClaimPrinter,
  ingresses: ingressPrinter,
  leases: leasePrinter,
  rolebindings: roleBindingPrinter,
  clusterrolebindings: clusterRoleBindingPrinter,
  priorityclasses: priorityClassPrinter,
  // roles and clusterroles deliberately absent: upstream prints them with the default table.
};

/** The printer for a plural resource name ("pods", or "deployments.apps"); the default one if none. */
export function printerFor(resource: string): Printer {
  const plural = resource.split(".")[0].toLowerCase();
  return Object.hasOwn(PRINTERS, plural) ? PRINTERS[plural] : defaultPrinter;
}

/** Whether a resource has its own printer (false: it prints NAME / CREATED AT). */
export function hasPrinter(resource: string): boolean {
  return printerFor(resource) !== defaultPrinter;
}

/** The Table's columnDefinitions for a resource, fresh copies the caller may change. */
export function columnsFor(resource: string): TableColumnDefinition[] {
  return printerFor(resource).columns.map((c) => ({ ...c }));
}

interface KubeObject {
  metadata?: ObjectMeta;
}

function rowObject(obj: KubeObject, include: PrintOptions["includeObject"]): TableRow["object"] {
  switch (include ?? "Metadata") {
    case "None":
      return undefined;
    case "Object":
      return obj;
    case "Metadata":
      return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata ?? {} };
  }
}

/**
 * One row per object, in the order given. A single GET and each watch event are Tables
 * too (of one row). metadata is left empty for the caller's resourceVersion / continue.
 */
export function printTable(resource: string, objects: readonly object[], options: PrintOptions): Table {
  const printer = printerFor(resource);
  const rows = objects.map((obj): TableRow => {
    const printed = printer.row(obj, options.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(obj as KubeObject, options.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: columnsFor(resource),
    rows,
  };
}
