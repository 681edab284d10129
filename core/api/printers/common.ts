// Columns and cells nearly every printer shares: NAME first, AGE from creationTimestamp,
// and the wide CONTAINERS / IMAGES / SELECTOR trio of the workload controllers.
import type { ObjectMeta } from "../../types/meta.js";
import { FIELD_DOCS, CONTAINERS_DOC, IMAGES_DOC } from "./docs.js";
import { column, type TableColumnDefinition } from "./table.js";
import { since } from "./duration.js";

export const nameColumn: TableColumnDefinition = column("Name", "string", FIELD_DOCS["ObjectMeta.name"], { format: "name" });
export const ageColumn: TableColumnDefinition = column("Age", "string", FIELD_DOCS["ObjectMeta.creationTimestamp"]);
export const containersColumn: TableColumnDefinition = column("Containers", "string", CONTAINERS_DOC, { priority: 1 });
export const imagesColumn: TableColumnDefinition = column("Images", "string", IMAGES_DOC, { priority: 1 });

/** Anything with Kubernetes object metadata. */
export interface HasMeta {
  metadata?: ObjectMeta;
}

export function nameOf(obj: HasMeta): string {
  return obj.metadata?.name ?? "";
}

/** The AGE cell. */
export function ageOf(obj: HasMeta, now: Date): string {
  return since(obj.metadata?.creationTimestamp, now);
}
