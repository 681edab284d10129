// The fallback for resources without a printer: kube-apiserver's default table convertor
// (k8s.io/apiserver registry/rest). Two columns, NAME and CREATED AT, the latter an RFC 3339
// UTC timestamp of type "date" rather than a relative AGE.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { nameColumn, nameOf, type HasMeta } from "./common.js";
import { parseTime } from "./duration.js";

/** Go's Time.UTC().Format(time.RFC3339): whole seconds, "Z"; the zero time when unset. */
export function rfc3339(ts: string | null | undefined): string {
  const t = parseTime(ts);
  if (t === undefined) return "0001-01-01T00:00:00Z";
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const defaultPrinter: Printer = {
  columns: [nameColumn, column("Created At", "date", FIELD_DOCS["ObjectMeta.creationTimestamp"])],
  row: (obj: HasMeta) => ({ cells: [nameOf(obj), rfc3339(obj.metadata?.creationTimestamp)] }),
};
