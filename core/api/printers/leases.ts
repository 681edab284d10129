// Leases (coordination.k8s.io): NAME HOLDER AGE.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

interface Lease extends HasMeta {
  spec?: { holderIdentity?: string | null };
}

export const leasePrinter: Printer = {
  columns: [nameColumn, column("Holder", "string", FIELD_DOCS["LeaseSpec.holderIdentity"]), ageColumn],
  row: (lease: Lease, now) => ({ cells: [nameOf(lease), lease.spec?.holderIdentity ?? "", ageOf(lease, now)] }),
};
