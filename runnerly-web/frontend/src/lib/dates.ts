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
