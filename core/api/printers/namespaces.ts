// Namespaces: NAME STATUS AGE, STATUS being the phase (Active / Terminating).
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

interface Namespace extends HasMeta {
  status?: { phase?: string };
}

export const namespacePrinter: Printer = {
  columns: [nameColumn, column("Status", "string", "The status of the namespace"), ageColumn],
  row: (ns: Namespace, now) => ({ cells: [nameOf(ns), ns.status?.phase ?? "", ageOf(ns, now)] }),
};
