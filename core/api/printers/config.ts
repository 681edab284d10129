// ConfigMaps (NAME DATA AGE), Secrets (NAME TYPE DATA AGE) and ServiceAccounts
// (NAME SECRETS AGE): counts are integer cells, not strings.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

function size(map: object | null | undefined): number {
  return map ? Object.keys(map).length : 0;
}

interface ConfigMap extends HasMeta {
  data?: Record<string, string> | null;
  binaryData?: Record<string, string> | null;
}

export const configMapPrinter: Printer = {
  columns: [nameColumn, column("Data", "string", FIELD_DOCS["ConfigMap.data"]), ageColumn],
  // DATA counts binary keys too.
  row: (cm: ConfigMap, now) => ({ cells: [nameOf(cm), size(cm.data) + size(cm.binaryData), ageOf(cm, now)] }),
};

interface Secret extends HasMeta {
  type?: string;
  data?: Record<string, string> | null;
}

export const secretPrinter: Printer = {
  columns: [
    nameColumn,
    column("Type", "string", FIELD_DOCS["Secret.type"]),
    column("Data", "string", FIELD_DOCS["Secret.data"]),
    ageColumn,
  ],
  // stringData never reaches storage (it is merged into data on write), so only data counts.
  row: (s: Secret, now) => ({ cells: [nameOf(s), s.type ?? "", size(s.data), ageOf(s, now)] }),
};

interface ServiceAccount extends HasMeta {
  secrets?: unknown[] | null;
}

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn, column("Secrets", "string", FIELD_DOCS["ServiceAccount.secrets"]), ageColumn],
  row: (sa: ServiceAccount, now) => ({ cells: [nameOf(sa), (sa.secrets ?? []).length, ageOf(sa, now)] }),
};
