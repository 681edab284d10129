// Cron schedules as Kubernetes' CronJob controller parses them (robfig/cron's ParseStandard):
// the five fields, names, steps, "?", the @ descriptors, errors as Events print them, and
// next-run times in IANA time zones — across daylight-saving changes.
import { describe, expect, it } from "vitest";
import {
  CronError,
  TimeZone,
  formatRFC1123Z,
  parseCronJobSchedule,
  parseGoDuration,
  parseStandard,
} from "../../dist/core/controllers/cron-schedule.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(".000Z", "Z"));
const at = (text: string) => Date.parse(text);

describe("parseStandard: next run (UTC)", () => {
  // 2026-01-01 is a Thursday.
  it.each([
    ["*/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"],
    ["*/5 * * * *", "2026-01-01T00:03:30.250Z", "2026-01-01T00:05:00Z"],
    ["0 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"],
    ["15 14 1 * *", "2026-01-01T00:00:00Z", "2026-01-01T14:15:00Z"],
    ["0 22 * * 1-5", "2026-01-01T00:00:00Z", "2026-01-01T22:00:00Z"],
    ["0 22 * * 1-5", "2026-01-02T23:00:00Z", "2026-01-05T22:00:00Z"],
    ["30 6-16/4 * * 1-5", "2026-01-01T07:00:00Z", "2026-01-01T10:30:00Z"],
    ["5/20 * * * *", "2026-01-01T00:06:00Z", "2026-01-01T00:25:00Z"],
    ["0,30 9-10 * * *", "2026-01-01T09:31:00Z", "2026-01-01T10:00:00Z"],
    ["0 9 * * mon", "2026-01-01T00:00:00Z", "2026-01-05T09:00:00Z"],
    ["0 9 * * SUN-tue", "2026-01-01T00:00:00Z", "2026-01-04T09:00:00Z"],
    ["0 0 1 jan,jul *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"],
    ["0 0 1 JUL-aug *", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"],
    // Both day fields restricted: either may match (Friday the 2nd comes before the 13th).
    ["0 0 13 * fri", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    // One of them "*" or "?": both must match.
    ["0 0 13 * *", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z"],
    ["0 0 ? * *", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    ["0 0 */10 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    ["0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"],
    ["59 23 31 12 *", "2026-01-01T00:00:00Z", "2026-12-31T23:59:00Z"],
    ["@yearly", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ["@annually", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ["@monthly", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"],
    ["@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"],
    ["@daily", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    ["@midnight", "2026-01-01T12:00:00Z", "2026-01-02T00:00:00Z"],
    ["@hourly", "2026-01-01T00:59:59Z", "2026-01-01T01:00:00Z"],
    ["@every 90m", "2026-01-01T00:00:00.500Z", "2026-01-01T01:30:00Z"],
    ["@every 1h30m10s", "2026-01-01T00:00:00Z", "2026-01-01T01:30:10Z"],
    ["@every 100ms", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"],
  ])("%s after %s → %s", (spec, from, want) => {
    expect(iso(parseStandard(spec).next(at(from)))).toBe(want);
  });

  it("finds no run for a date that never comes (within five years, as robfig)", () => {
    expect(parseStandard("0 0 31 2 *").next(at("2026-01-01T00:00:00Z"))).toBeNull();
    expect(parseStandard("0 0 30 2 *").next(at("2026-01-01T00:00:00Z"))).toBeNull();
  });

  it("walks consecutive runs", () => {
    const s = parseStandard("*/20 1 * * *");
    const runs: (string | null)[] = [];
    let t = at("2026-01-01T00:00:00Z");
    for (let i = 0; i < 4; i++) runs.push(iso((t = s.next(t)!)));
    expect(runs).toEqual(["2026-01-01T01:00:00Z", "2026-01-01T01:20:00Z", "2026-01-01T01:40:00Z", "2026-01-02T01:00:00Z"]);
  });
});

describe("parseStandard: errors (robfig's messages, shown in CronJob Events)", () => {
  it.each([
    ["", "empty spec string"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["0 * * * * *", "expected exactly 5 fields, found 6: [0 * * * * *]"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* 24 * * *", "end of range (24) above maximum (23): 24"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["* * * 13 *", "end of range (13) above maximum (12): 13"],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ["@fortnightly", "unrecognized descriptor: @fortnightly"],
    ["@every 5x", 'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"'],
    ["@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ["TZ=Mars/Olympus 0 9 * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"],
  ])("%j → %s", (spec, message) => {
    expect(() => parseStandard(spec)).toThrow(CronError);
    expect(() => parseStandard(spec)).toThrow(message);
  });
});

describe("time zones", () => {
  it.each([
    // 09:00 in Tokyo is midnight UTC.
    ["0 9 * * *", "Asia/Tokyo", "2025-12-31T12:00:00Z", "2026-01-01T00:00:00Z"],
    ["0 0 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01T18:30:00Z"],
    // New York: EST (UTC-5) in winter, EDT (UTC-4) in summer.
    ["0 9 * * *", "America/New_York", "2026-01-01T00:00:00Z", "2026-01-01T14:00:00Z"],
    ["0 9 * * *", "America/New_York", "2026-07-01T00:00:00Z", "2026-07-01T13:00:00Z"],
    // 2026-03-08 02:30 does not exist in New York (02:00 → 03:00): robfig skips that day.
    ["30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-09T06:30:00Z"],
    // A daily 03:00 run on the day of the jump is still at 03:00 EDT.
    ["0 3 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"],
    // 2026-11-01 01:30 happens twice (EDT, then EST): robfig runs at both.
    ["30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"],
    ["30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"],
    ["@daily", "Europe/Berlin", "2026-06-15T12:00:00Z", "2026-06-15T22:00:00Z"],
  ])("%s in %s after %s → %s", (spec, zone, from, want) => {
    expect(iso(parseCronJobSchedule(spec, zone).next(at(from)))).toBe(want);
  });

  it("takes TZ= and CRON_TZ= prefixes in the schedule itself", () => {
    expect(iso(parseStandard("TZ=Asia/Tokyo 0 9 * * *").next(at("2025-12-31T12:00:00Z")))).toBe("2026-01-01T00:00:00Z");
    expect(iso(parseStandard("CRON_TZ=Asia/Tokyo @daily").next(at("2025-12-31T12:00:00Z")))).toBe("2025-12-31T15:00:00Z");
  });

  it.each([
    ["Mars/Olympus", "unknown time zone Mars/Olympus"],
    ["america/new_york", "unknown time zone america/new_york"],
    ["+05:00", "unknown time zone +05:00"],
    ["Europe/../Paris", "unknown time zone Europe/../Paris"],
  ])("rejects %s", (zone, message) => {
    expect(() => TimeZone.load(zone)).toThrow(message);
    expect(() => parseCronJobSchedule("* * * * *", zone)).toThrow(message);
  });

  it("treats no zone, \"\", UTC and Local as UTC", () => {
    for (const zone of [undefined, null, "", "UTC", "Local"]) expect(TimeZone.load(zone).name).toBe("UTC");
    expect(TimeZone.load("Etc/UTC").offsetMs(at("2026-01-01T00:00:00Z"))).toBe(0);
  });

  it.each([
    ["UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
    ["Asia/Tokyo", "2026-01-01T00:00:00Z", "2026-01-01T09:00:00+09:00"],
    ["America/St_Johns", "2026-01-01T00:00:00Z", "2025-12-31T20:30:00-03:30"],
    ["America/New_York", "2026-07-01T13:00:00Z", "2026-07-01T09:00:00-04:00"],
  ])("formats RFC 3339 in %s", (zone, utc, want) => {
    expect(TimeZone.load(zone).formatRFC3339(at(utc))).toBe(want);
  });

  it("formats RFC 1123Z in UTC, as MissSchedule does", () => {
    expect(formatRFC1123Z(at("2026-01-01T00:05:00Z"))).toBe("Thu, 01 Jan 2026 00:05:00 +0000");
  });
});

describe("parseGoDuration", () => {
  it.each([
    ["90s", 90_000],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    ["250ms", 250],
    ["-1m", -60_000],
    ["0", 0],
  ])("%s = %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it("rejects what Go rejects", () => {
    expect(() => parseGoDuration("")).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration("h")).toThrow('time: invalid duration "h"');
    expect(() => parseGoDuration("3d")).toThrow('time: unknown unit "d" in duration "3d"');
  });
});
