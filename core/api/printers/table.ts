// The meta.k8s.io/v1 Table wire shape, as kube-apiserver sends it for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, plus the printer contract
// every resource family implements.
import type { ObjectMeta } from "../../types/meta.js";

/** One column. Go serialises every field (no omitempty), so `format` is "" and `priority` 0 when unset. */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: "string", "integer", "number", "boolean" or "date". */
  type: string;
  /** "name" marks the column kubectl uses for `-o name`-like output; otherwise "". */
  format: string;
  description: string;
  /** 0: shown by default; 1 and up: shown only with `-o wide`. */
  priority: number;
}

/** metav1.TableRowCondition: set on rows of finished pods (type "Completed"). */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** Absent with includeObject=None. */
  object?: PartialObjectMetadata | object;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  /** ListMeta: the caller fills resourceVersion / continue / remainingItemCount. */
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = "None" | "Object" | "Metadata";

export interface PrintOptions {
  /** The clock: AGE and every other "time since" cell is measured against it. */
  now: Date;
  /** What rows[].object carries; kube-apiserver's default is "Metadata". */
  includeObject?: IncludeObject;
}

/** The cells of one object's row, and optional row conditions. */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/**
 * A resource family's printer. Cells always include the wide (priority > 0) columns:
 * the real server generates them with Wide=true and kubectl drops what it does not show.
 */
export interface Printer {
  columns: readonly TableColumnDefinition[];
  // Method syntax on purpose: its parameter is checked bivariantly, so each printer can
  // declare the minimal shape it reads while the registry hands it any parsed JSON object.
  row(obj: object, now: Date): PrintedRow;
}

/** A column definition with the defaults Go would serialise. */
export function column(
  name: string,
  type: string,
  description: string,
  extra: { priority?: number; format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: extra.format ?? "", description, priority: extra.priority ?? 0 };
}
