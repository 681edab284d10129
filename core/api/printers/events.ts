// Events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
// Note the wide columns sit between OBJECT and MESSAGE; kubectl hides them by priority.
// Accepts core/v1 Events and events.k8s.io/v1 Events (same storage, renamed fields).
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer } from "./table.js";
import { nameColumn, nameOf, type HasMeta } from "./common.js";
import { since } from "./duration.js";

interface ObjectReference {
  kind?: string;
  name?: string;
  fieldPath?: string;
}

interface Event extends HasMeta {
  apiVersion?: string;
  // core/v1 names
  involvedObject?: ObjectReference;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  message?: string;
  // events.k8s.io/v1 names for the same data
  regarding?: ObjectReference;
  deprecatedSource?: { component?: string; host?: string };
  deprecatedFirstTimestamp?: string | null;
  deprecatedLastTimestamp?: string | null;
  deprecatedCount?: number;
  note?: string;
  // shared
  type?: string;
  reason?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
  reportingController?: string;
  reportingComponent?: string;
  reportingInstance?: string;
}

const wide = { priority: 1 };
const columns = [
  column("Last Seen", "string", FIELD_DOCS["Event.lastTimestamp"]),
  column("Type", "string", FIELD_DOCS["Event.type"]),
  column("Reason", "string", FIELD_DOCS["Event.reason"]),
  column("Object", "string", FIELD_DOCS["Event.involvedObject"]),
  column("Subobject", "string", FIELD_DOCS["ObjectReference.fieldPath"], wide),
  column("Source", "string", FIELD_DOCS["Event.source"], wide),
  column("Message", "string", FIELD_DOCS["Event.message"]),
  column("First Seen", "string", FIELD_DOCS["Event.firstTimestamp"], wide),
  column("Count", "string", FIELD_DOCS["Event.count"], wide),
  { ...nameColumn, priority: 1 },
];

/** Reads either API version's field names. */
function normalize(ev: Event) {
  const v1 = ev.apiVersion !== "events.k8s.io/v1";
  return {
    regarding: (v1 ? ev.involvedObject : ev.regarding) ?? {},
    source: (v1 ? ev.source : ev.deprecatedSource) ?? {},
    first: v1 ? ev.firstTimestamp : ev.deprecatedFirstTimestamp,
    last: v1 ? ev.lastTimestamp : ev.deprecatedLastTimestamp,
    count: (v1 ? ev.count : ev.deprecatedCount) ?? 0,
    message: (v1 ? ev.message : ev.note) ?? "",
    controller: (v1 ? ev.reportingComponent : ev.reportingController) ?? "",
  };
}

function printEvent(ev: Event, now: Date) {
  const e = normalize(ev);
  // New-style events have only eventTime; old-style ones only first/last timestamps.
  const firstSeen = e.first ? since(e.first, now) : since(ev.eventTime, now);
  let lastSeen = e.last ? since(e.last, now) : firstSeen;
  let count = e.count;
  if (ev.series) {
    lastSeen = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // a singleton event in the new API carries no count
  }
  const kind = (e.regarding.kind ?? "").toLowerCase();
  const target = e.regarding.name ? `${kind}/${e.regarding.name}` : kind;
  const component = e.source.component || e.controller;
  const instance = e.source.host || ev.reportingInstance || "";
  const source = instance ? `${component}, ${instance}` : component;
  return {
    cells: [
      lastSeen,
      ev.type ?? "",
      ev.reason ?? "",
      target,
      e.regarding.fieldPath ?? "",
      source,
      e.message.trim(),
      firstSeen,
      count,
      nameOf(ev),
    ],
  };
}

export const eventPrinter: Printer = { columns, row: printEvent };
