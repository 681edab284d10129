// Cron schedules as the CronJob controller reads them (robfig/cron v3's ParseStandard):
// five fields "minute hour day-of-month month day-of-week" with lists, ranges, steps, month
// and weekday names and "?"; the descriptors @yearly @annually @monthly @weekly @daily
// @midnight @hourly and "@every <duration>"; a "TZ=" / "CRON_TZ=" prefix. Next-run times
// are computed in an IANA time zone through Intl.DateTimeFormat (no tz database of our
// own), with robfig's walk over months, days, hours and minutes — including its handling
// of daylight-saving gaps and overlaps. Without a zone, schedules run in UTC (the
// kube-controller-manager's local zone in a container).
//
// Error messages are robfig's and Go's, since kubectl users see them in Events.

export class CronError extends Error {}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) };
const DOW: Bounds = { min: 0, max: 6, names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])) };

/** One field: which values match, and whether it was "*" / "?" (robfig's star bit). */
interface Field {
  allowed: boolean[];
  star: boolean;
}

// ---------------------------------------------------------------------------------------
// Time zones

interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

/** Milliseconds of a wall-clock time read as UTC; years below 100 are not shifted to 19xx. */
function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** An IANA time zone (or UTC), as Go's *time.Location is used by the schedule walk. */
export class TimeZone {
  private readonly format: Intl.DateTimeFormat | null;
  /** UTC offsets by minute, computed through Intl once each. */
  private readonly offsets = new Map<number, number>();

  private constructor(readonly name: string, format: Intl.DateTimeFormat | null) {
    this.format = format;
  }

  static readonly UTC = new TimeZone("UTC", null);

  /**
   * time.LoadLocation: "" and "UTC" are UTC; "Local" is the controller's own zone (UTC
   * here); anything else must be an IANA name, spelled exactly ("unknown time zone X").
   */
  static load(name: string | null | undefined): TimeZone {
    if (name == null || name === "" || name === "UTC" || name === "Local") return TimeZone.UTC;
    const cached = zones.get(name);
    if (cached) return cached;
    // Intl also takes offsets ("+05:00") and any letter case; Go's tz database lookup does not.
    if (/^[+-]/.test(name) || name.includes(":") || name.split("/").some((p) => p === "" || p === "." || p === "..")) {
      throw new CronError(`unknown time zone ${name}`);
    }
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone: name,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        era: "short",
      });
    } catch {
      throw new CronError(`unknown time zone ${name}`);
    }
    const resolved = format.resolvedOptions().timeZone;
    if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) throw new CronError(`unknown time zone ${name}`);
    const zone = new TimeZone(name, format);
    if (zones.size > 64) zones.clear();
    zones.set(name, zone);
    return zone;
  }

  /** Offset from UTC (ms, east positive) in effect at instant `utc`. */
  offsetMs(utc: number): number {
    if (!this.format) return 0;
    const minute = Math.floor(utc / MINUTE);
    let offset = this.offsets.get(minute);
    if (offset === undefined) {
      const at = minute * MINUTE;
      const parts: Record<string, string> = {};
      for (const p of this.format.formatToParts(new Date(at))) parts[p.type] = p.value;
      let year = Number(parts.year);
      if (parts.era === "BC" || parts.era === "B") year = 1 - year;
      const wall = wallMs(year, Number(parts.month), Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
      offset = wall - at;
      if (this.offsets.size > 20_000) this.offsets.clear();
      this.offsets.set(minute, offset);
    }
    return offset;
  }

  /** The wall-clock fields of instant `utc` in this zone (t.In(loc)). */
  fields(utc: number): LocalTime {
    const d = new Date(utc + this.offsetMs(utc));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }

  /**
   * time.Date in this zone: out-of-range fields normalise (month 13 is January next year);
   * a wall time skipped by a DST jump or repeated by a fall-back resolves as Go does — by
   * the offset in effect just before the transition.
   */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const wall = wallMs(year, month, day, hour, minute, second);
    const guess = this.offsetMs(wall);
    const utc = wall - guess;
    const actual = this.offsetMs(utc);
    return actual === guess ? utc : wall - actual;
  }

  /** RFC 3339 with this zone's offset ("Z" for UTC), as Go's time.RFC3339 formats it. */
  formatRFC3339(utc: number): string {
    const offset = this.offsetMs(utc);
    const local = new Date(Math.floor(utc / SECOND) * SECOND + offset).toISOString().replace(/\.\d{3}Z$/, "");
    if (offset === 0) return `${local}Z`;
    const minutes = Math.round(Math.abs(offset) / MINUTE);
    const sign = offset < 0 ? "-" : "+";
    return `${local}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  }
}

const zones = new Map<string, TimeZone>();

const pad = (n: number) => String(n).padStart(2, "0");

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), as MissSchedule prints it. */
export function formatRFC1123Z(utc: number): string {
  const d = new Date(utc);
  return `${WEEKDAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTH_ABBR[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

// ---------------------------------------------------------------------------------------
// Schedules

export interface Schedule {
  /** The first activation strictly after `after` (ms), or null when none comes within five years. */
  next(after: number): number | null;
  readonly timeZone: TimeZone;
}

/** robfig's SpecSchedule: seconds are always 0 in the standard five-field form. */
class SpecSchedule implements Schedule {
  constructor(
    private readonly minute: Field,
    private readonly hour: Field,
    private readonly dom: Field,
    private readonly month: Field,
    private readonly dow: Field,
    readonly timeZone: TimeZone,
  ) {}

  /**
   * Day-of-month and day-of-week: if either is "*", both must match (so "*" means "any");
   * when both are restricted, either may match — cron's classic rule.
   */
  private dayMatches(t: LocalTime): boolean {
    const domMatch = this.dom.allowed[t.day] === true;
    const dowMatch = this.dow.allowed[t.weekday] === true;
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(after: number): number | null {
    const z = this.timeZone;
    // The earliest candidate is the next whole second.
    let t = Math.floor(after / SECOND) * SECOND + SECOND;
    let f = z.fields(t);
    const yearLimit = f.year + 5;
    // Once a field has been advanced, the smaller ones start from their minimum.
    let added = false;
    wrap: for (;;) {
      f = z.fields(t);
      if (f.year > yearLimit) return null;

      while (!this.month.allowed[f.month]) {
        if (!added) {
          added = true;
          t = z.date(f.year, f.month, 1, 0, 0, 0);
          f = z.fields(t);
        }
        t = z.date(f.year, f.month + 1, f.day, f.hour, f.minute, f.second);
        f = z.fields(t);
        if (f.month === 1) continue wrap;
      }

      while (!this.dayMatches(f)) {
        if (!added) {
          added = true;
          t = z.date(f.year, f.month, f.day, 0, 0, 0);
          f = z.fields(t);
        }
        t = z.date(f.year, f.month, f.day + 1, f.hour, f.minute, f.second);
        f = z.fields(t);
        // A DST change moved midnight: back to 00:00 of the intended day.
        if (f.hour !== 0) {
          t += f.hour > 12 ? (24 - f.hour) * HOUR : -f.hour * HOUR;
          f = z.fields(t);
        }
        if (f.day === 1) continue wrap;
      }

      while (!this.hour.allowed[f.hour]) {
        if (!added) {
          added = true;
          t = z.date(f.year, f.month, f.day, f.hour, 0, 0);
          f = z.fields(t);
        }
        t += HOUR;
        f = z.fields(t);
        if (f.hour === 0) continue wrap;
      }

      while (!this.minute.allowed[f.minute]) {
        if (!added) {
          added = true;
          t = Math.floor(t / MINUTE) * MINUTE;
        }
        t += MINUTE;
        f = z.fields(t);
        if (f.minute === 0) continue wrap;
      }

      while (f.second !== 0) {
        if (!added) {
          added = true;
          t = Math.floor(t / SECOND) * SECOND;
        }
        t += SECOND;
        f = z.fields(t);
        if (f.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** "@every <duration>": a fixed delay (at least a second, whole seconds) after each run. */
class ConstantDelaySchedule implements Schedule {
  readonly timeZone = TimeZone.UTC;
  constructor(private readonly delayMs: number) {}

  next(after: number): number | null {
    return Math.floor(after / SECOND) * SECOND + this.delayMs;
  }
}

/** Go's strconv.Atoi as robfig calls it. */
function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined ? named : mustParseInt(expr);
}

/** One comma-separated part: "*", "?", "n", "a-b", each optionally "/step". */
function parseRange(expr: string, r: Bounds, into: Field): void {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "n/step" means "n-max/step".
    if (single) end = r.max;
    // "*/2" is a restriction, not "any".
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.allowed[v] = true;
  if (star) into.star = true;
}

function parseField(expr: string, r: Bounds): Field {
  const field: Field = { allowed: [], star: false };
  for (const part of expr.split(",")) parseRange(part, r, field);
  return field;
}

function all(r: Bounds): Field {
  const field: Field = { allowed: [], star: true };
  for (let v = r.min; v <= r.max; v++) field.allowed[v] = true;
  return field;
}

function only(value: number): Field {
  const field: Field = { allowed: [], star: false };
  field.allowed[value] = true;
  return field;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: SECOND, m: MINUTE, h: HOUR };

/** Go's time.ParseDuration ("1h30m", "90s", "1.5h"), in milliseconds. */
export function parseGoDuration(text: string): number {
  const invalid = () => new CronError(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let total = 0;
  while (s !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (number[0] === "" || number[0] === ".") throw invalid();
    s = s.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === "") throw new CronError(`time: missing unit in duration ${JSON.stringify(text)}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new CronError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    total += Number(number[0]) * scale;
    s = s.slice(unit.length);
  }
  return sign * total;
}

function parseDescriptor(descriptor: string, zone: TimeZone): Schedule {
  switch (descriptor) {
    case "@yearly":
    case "@annually":
      return new SpecSchedule(only(0), only(0), only(1), only(1), all(DOW), zone);
    case "@monthly":
      return new SpecSchedule(only(0), only(0), only(1), all(MONTHS), all(DOW), zone);
    case "@weekly":
      return new SpecSchedule(only(0), only(0), all(DOM), all(MONTHS), only(0), zone);
    case "@daily":
    case "@midnight":
      return new SpecSchedule(only(0), only(0), all(DOM), all(MONTHS), all(DOW), zone);
    case "@hourly":
      return new SpecSchedule(only(0), all(HOURS), all(DOM), all(MONTHS), all(DOW), zone);
  }
  const every = "@every ";
  if (descriptor.startsWith(every)) {
    let delay: number;
    try {
      delay = parseGoDuration(descriptor.slice(every.length));
    } catch (err) {
      throw new CronError(`failed to parse duration ${descriptor}: ${(err as Error).message}`);
    }
    // robfig's Every: at least one second, rounded down to whole seconds.
    return new ConstantDelaySchedule(delay < SECOND ? SECOND : delay - (delay % SECOND));
  }
  throw new CronError(`unrecognized descriptor: ${descriptor}`);
}

/**
 * cron.ParseStandard. `zone` is where the schedule runs unless the spec names its own with
 * "TZ=" / "CRON_TZ=". Throws CronError with robfig's message for an invalid spec.
 */
export function parseStandard(spec: string, zone: TimeZone = TimeZone.UTC): Schedule {
  if (spec.length === 0) throw new CronError("empty spec string");
  let rest = spec;
  if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
    const space = rest.indexOf(" ");
    const eq = rest.indexOf("=");
    const name = space < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, space);
    try {
      zone = TimeZone.load(name);
    } catch (err) {
      throw new CronError(`provided bad location ${name}: ${(err as Error).message}`);
    }
    rest = space < 0 ? "" : rest.slice(space).trim();
  }
  if (rest.startsWith("@")) return parseDescriptor(rest, zone);
  const fields = rest.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  return new SpecSchedule(
    parseField(fields[0], MINUTES),
    parseField(fields[1], HOURS),
    parseField(fields[2], DOM),
    parseField(fields[3], MONTHS),
    parseField(fields[4], DOW),
    zone,
  );
}

/**
 * A CronJob's schedule in its spec.timeZone (formatSchedule + cron.ParseStandard). Throws
 * CronError for an unknown time zone or an unparseable schedule.
 */
export function parseCronJobSchedule(schedule: string, timeZone?: string | null): Schedule {
  // A schedule carrying its own TZ= wins (upstream warns that this is unsupported).
  if (schedule.includes("TZ")) return parseStandard(schedule);
  return parseStandard(schedule, TimeZone.load(timeZone));
}
