// PriorityClasses (scheduling.k8s.io): NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY.
// PREEMPTIONPOLICY is a default column (priority 0) upstream, even though it is only
// filled in for wide output there; the server always prints wide, so it always shows.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

interface PriorityClass extends HasMeta {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string | null;
}

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn,
    column("Value", "integer", FIELD_DOCS["PriorityClass.value"]),
    column("Global-Default", "boolean", FIELD_DOCS["PriorityClass.globalDefault"]),
    ageColumn,
    column("PreemptionPolicy", "string", FIELD_DOCS["PriorityClass.preemptionPolicy"]),
  ],
  row: (pc: PriorityClass, now) => ({
    cells: [nameOf(pc), pc.value ?? 0, pc.globalDefault ?? false, ageOf(pc, now), pc.preemptionPolicy ?? ""],
  }),
};
