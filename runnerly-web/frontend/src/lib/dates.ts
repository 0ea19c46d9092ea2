// The runner's calendar. The API sends days as date-only strings ("2026-03-02") and run
// starts as naive wall-clock times ("2026-03-02T07:30:00"). `new Date()` reads the first as
// UTC midnight and the second as the browser's local time, so formatting either with the
// browser's zone moves it a day for someone far from Greenwich. Here they are read from their
// figures into a Date that holds the same figures in UTC, and always formatted in UTC.
// "Today" is the runner's (the profile's zone, else the browser's), never the UTC date.

/** A calendar day, "YYYY-MM-DD". */
export type Day = string;

export interface YearMonth {
  year: number;
  month: number;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/** A day or a naive local time as its own figures (held in UTC); an instant (with Z or an
 * offset) as that instant, which the formatters below then show in UTC. */
export function wallClock(text: string): Date {
  const m = WALL_CLOCK.exec(text);
  if (!m) return new Date(text);
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function dayOf(d: Date): Day {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: Day, days: number): Day {
  const d = wallClock(day);
  d.setUTCDate(d.getUTCDate() + days);
  return dayOf(d);
}

/** The Monday of the (ISO) week `day` is in. */
export function mondayOf(day: Day): Day {
  return addDays(day, -((wallClock(day).getUTCDay() + 6) % 7));
}

function partsIn(zone: string | undefined, now: Date): Intl.DateTimeFormatPart[] {
  return new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
}

/** Today on the runner's calendar: in `zone` (the profile's), else the browser's zone. */
export function today(zone?: string | null, now: Date = new Date()): Day {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = partsIn(zone || undefined, now);
  } catch {
    parts = partsIn(undefined, now); // a zone this browser does not know
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The Monday `weeks - 1` weeks before the Monday of `day`'s week: the start of a chart. */
export function weeksAgoMonday(weeks: number, day: Day): Day {
  return addDays(mondayOf(day), -7 * (weeks - 1));
}

/** Weeks from the Monday of `day`'s week to the week of `until`, both included. */
export function weeksUntil(until: Day, day: Day): number {
  const days = (wallClock(until).getTime() - wallClock(mondayOf(day)).getTime()) / 86_400_000;
  return Math.floor(days / 7) + 1;
}

export function monthOf(day: Day): YearMonth {
  return { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)) };
}

export function addMonths({ year, month }: YearMonth, delta: number): YearMonth {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** The month a report opens on: the last one that is over (the month of `day` is still running). */
export function lastCompleteMonth(day: Day): YearMonth {
  return addMonths(monthOf(day), -1);
}

export function compareMonths(a: YearMonth, b: YearMonth): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}

export function monthLabel({ year, month }: YearMonth): string {
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString("en-GB", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** The browser's IANA zone (sent at sign-up: the runner's days and months). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** A run's start on the wall clock where it was run ("06:30" for a Paris morning run in
 * any browser): its naive `start_local`; runs without one (older answers) fall back to the
 * UTC instant. */
export function localStart(run: { start_time: string; start_local?: string | null }): string {
  return run.start_local || run.start_time;
}

/** "Europe/Paris", or the offset when the zone is unknown ("UTC+05:45"). */
export function zoneLabel(run: { timezone?: string | null; utc_offset?: number | null }): string {
  if (run.timezone) return run.timezone;
  const offset = run.utc_offset ?? 0;
  if (offset === 0) return "UTC";
  const minutes = Math.abs(offset) / 60;
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `UTC${offset < 0 ? "-" : "+"}${hh}:${mm}`;
}

/** "Mon 2 Mar": a day, or the day of a naive local time. */
export function formatDay(text: string): string {
  return wallClock(text).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
}

/** "Mon, 2 Mar 2026, 07:30": a naive local time as it reads, an instant in UTC. */
export function formatDateTime(text: string): string {
  return wallClock(text).toLocaleString("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  });
}

/** "in 12 days", "today", "3 days ago". */
export function countdown(daysToGo: number): string {
  if (daysToGo === 0) return "today";
  if (daysToGo === 1) return "tomorrow";
  if (daysToGo > 0) return `in ${daysToGo} days`;
  return daysToGo === -1 ? "yesterday" : `${-daysToGo} days ago`;
}
