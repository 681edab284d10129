// EndpointSlices (discovery.k8s.io): NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";
import { listWithMore } from "./format.js";

interface EndpointSlice extends HasMeta {
  addressType?: string;
  ports?: { name?: string | null; port?: number | null }[] | null;
  endpoints?: { addresses?: string[] }[] | null;
}

/** A port prints as its number, else its name, else "*" (all ports). */
function portText(p: { name?: string | null; port?: number | null }): string {
  if (p.port !== undefined && p.port !== null) return String(p.port);
  if (p.name !== undefined && p.name !== null) return p.name;
  return "*";
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn,
    column("AddressType", "string", FIELD_DOCS["EndpointSlice.addressType"]),
    column("Ports", "string", FIELD_DOCS["EndpointSlice.ports"]),
    column("Endpoints", "string", FIELD_DOCS["EndpointSlice.endpoints"]),
    ageColumn,
  ],
  row: (slice: EndpointSlice, now) => ({
    cells: [
      nameOf(slice),
      slice.addressType ?? "",
      listWithMore((slice.ports ?? []).map(portText), 3, "<unset>"),
      listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? []), 3, "<unset>"),
      ageOf(slice, now),
    ],
  }),
};
