// Months are handled as {year, month (1-12)} in UTC, as the API's month queries are.

export interface YearMonth {
  year: number;
  month: number;
}

export function addMonths({ year, month }: YearMonth, delta: number): YearMonth {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function currentMonth(now: Date = new Date()): YearMonth {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
}

/** The month a report opens on: the last one that is over (this one is still running). */
export function lastCompleteMonth(now: Date = new Date()): YearMonth {
  return addMonths(currentMonth(now), -1);
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

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The Monday `weeks - 1` weeks before this week's Monday (UTC): the start of a chart. */
export function weeksAgoMonday(weeks: number, now: Date = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - sinceMonday - 7 * (weeks - 1));
  return isoDate(d);
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
 * any browser): its naive `start_local` written as UTC, which the formatters below show
 * unchanged; runs without one (older answers) fall back to the UTC instant. */
export function localStart(run: { start_time: string; start_local?: string | null }): string {
  return run.start_local ? `${run.start_local}Z` : run.start_time;
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

export function formatDay(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", {
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
