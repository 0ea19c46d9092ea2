// The calendar month view's layout: weeks Monday to Sunday (the app's week, as its weekly
// totals and plans count them), each day with its runs and its plan sessions.
import type { PlanSession, PlanSummary, Run } from "../api/types";
import { addDays, localStart, mondayOf, type Day, type YearMonth } from "./dates";

/** A plan session, with the plan it belongs to (for its link). */
export type CalendarSession = PlanSession & { plan_id: number };

export interface CalendarDay {
  day: Day;
  /** False for the days of the neighbouring months that fill the first and last weeks. */
  inMonth: boolean;
  runs: Run[];
  sessions: CalendarSession[];
}

export function firstDay({ year, month }: YearMonth): Day {
  return `${year}-${String(month).padStart(2, "0")}-01`;
}

export function lastDay(m: YearMonth): Day {
  const next = m.month === 12 ? { year: m.year + 1, month: 1 } : { year: m.year, month: m.month + 1 };
  return addDays(firstDay(next), -1);
}

/** The plans with a day in the month (a plan runs from its first Monday to race day). */
export function plansInMonth(plans: PlanSummary[], m: YearMonth): PlanSummary[] {
  const first = firstDay(m);
  const last = lastDay(m);
  return plans.filter((p) => p.start_date <= last && p.end_date >= first);
}

/** Whole weeks, Monday first, covering the month; runs on their local day, oldest first. */
export function monthWeeks(m: YearMonth, runs: Run[], sessions: CalendarSession[]): CalendarDay[][] {
  const first = firstDay(m);
  const last = lastDay(m);
  const runsOn = new Map<Day, Run[]>();
  for (const run of [...runs].sort((a, b) => localStart(a).localeCompare(localStart(b)))) {
    const day = localStart(run).slice(0, 10);
    runsOn.set(day, [...(runsOn.get(day) ?? []), run]);
  }
  const sessionsOn = new Map<Day, CalendarSession[]>();
  for (const s of sessions) if (s.kind !== "rest") sessionsOn.set(s.date, [...(sessionsOn.get(s.date) ?? []), s]);
  const weeks: CalendarDay[][] = [];
  for (let monday = mondayOf(first); monday <= last; monday = addDays(monday, 7)) {
    const week: CalendarDay[] = [];
    for (let i = 0; i < 7; i++) {
      const day = addDays(monday, i);
      const inMonth = day >= first && day <= last;
      week.push({ day, inMonth, runs: inMonth ? (runsOn.get(day) ?? []) : [], sessions: inMonth ? (sessionsOn.get(day) ?? []) : [] });
    }
    weeks.push(week);
  }
  return weeks;
}

/** The day an arrow key moves to, kept inside the month; null when the key moves nothing. */
export function dayAfterKey(day: Day, key: string, m: YearMonth): Day | null {
  const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
  let next: Day;
  if (key in step) next = addDays(day, step[key]);
  else if (key === "Home") next = mondayOf(day);
  else if (key === "End") next = addDays(mondayOf(day), 6);
  else return null;
  const first = firstDay(m);
  const last = lastDay(m);
  return next < first ? first : next > last ? last : next;
}
