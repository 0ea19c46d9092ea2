import { useRef, useState, type KeyboardEvent } from "react";
import { endpoints } from "../api/endpoints";
import { Link } from "../components/Link";
import { MonthNav } from "../components/MonthNav";
import { LoadError, Loading } from "../components/Status";
import { dayAfterKey, firstDay, lastDay, monthWeeks, plansInMonth, type CalendarDay, type CalendarSession } from "../lib/calendar";
import { addMonths, formatDay, monthLabel, monthOf, wallClock, type YearMonth } from "../lib/dates";
import { formatDistance, formatDuration, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession, useToday } from "../session";
import "./finding.css";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function calendarPath({ year, month }: YearMonth): string {
  return `/calendar/${year}/${String(month).padStart(2, "0")}`;
}

/** The sessions of the runner's plans that fall in the month. */
async function sessionsOf(m: YearMonth): Promise<CalendarSession[]> {
  const plans = plansInMonth(await endpoints.plans(), m);
  const first = firstDay(m);
  const last = lastDay(m);
  const details = await Promise.all(plans.map((p) => endpoints.plan(p.id)));
  return details.flatMap((plan) =>
    plan.weeks.flatMap((w) => w.sessions.filter((s) => s.date >= first && s.date <= last).map((s) => ({ ...s, plan_id: plan.id }))),
  );
}

const STATUS: Record<CalendarSession["status"], string> = {
  done: "done",
  partly_done: "partly done",
  missed: "missed",
  planned: "planned",
  skipped: "skipped",
};

function sessionText(s: CalendarSession, units: Units): string {
  const size =
    s.distance != null ? formatDistance(s.distance, units, 1) : s.duration != null ? formatDuration(s.duration) : "";
  return [`Plan: ${s.kind}`, size].filter(Boolean).join(" ");
}

function DayCell({ cell, today, focused, units }: { cell: CalendarDay; today: string; focused: boolean; units: Units }) {
  if (!cell.inMonth) return <td className="calendar__day calendar__day--outside" aria-hidden="true" />;
  const date = wallClock(cell.day);
  const empty = cell.runs.length === 0 && cell.sessions.length === 0;
  const classes = ["calendar__day", empty ? "calendar__day--empty" : "", cell.day === today ? "calendar__day--today" : ""];
  return (
    <td
      className={classes.filter(Boolean).join(" ")}
      data-day={cell.day}
      tabIndex={focused ? 0 : -1}
      aria-label={`${formatDay(cell.day)}${cell.day === today ? ", today" : ""}: ${
        empty ? "nothing" : [cell.runs.length && `${cell.runs.length} run${cell.runs.length > 1 ? "s" : ""}`, cell.sessions.length && `${cell.sessions.length} planned`].filter(Boolean).join(", ")
      }`}
    >
      <span className="calendar__date" aria-hidden="true">
        <span className="calendar__weekday">{WEEKDAYS[(date.getUTCDay() + 6) % 7].slice(0, 3)} </span>
        {date.getUTCDate()}
      </span>
      <ul className="calendar__items">
        {cell.runs.map((r) => (
          <li key={`r${r.id}`}>
            <Link to={`/runs/${r.id}`} className={r.excluded ? "calendar__run calendar__run--excluded" : "calendar__run"} title={r.title}>
              {formatDistance(r.distance, units, 1)} <span className="visually-hidden">{r.title}</span>
            </Link>
          </li>
        ))}
        {cell.sessions.map((s) => (
          <li key={`s${s.id}`}>
            <Link to={`/plans/${s.plan_id}`} className={`calendar__session calendar__session--${s.status}`}>
              {sessionText(s, units)} <span className="visually-hidden">({STATUS[s.status]})</span>
            </Link>
          </li>
        ))}
      </ul>
    </td>
  );
}

/** A month as a grid of weeks (a list of the days with something, on a phone): the runs,
 * each a link, and the sessions of the runner's plans. Arrow keys move between days, Home
 * and End to the week's ends; Tab goes through the links. */
export function CalendarPage({ month }: { month: YearMonth }) {
  const { units } = useSession();
  const today = useToday();
  const key = `${month.year}-${month.month}`;
  const runs = useApi(() => endpoints.runsOfMonth(month.year, month.month), `calendar-runs:${key}`);
  const sessions = useApi(() => sessionsOf(month), `calendar-sessions:${key}`);
  const inMonth = today >= firstDay(month) && today <= lastDay(month);
  const [focused, setFocused] = useState(inMonth ? today : firstDay(month));
  const table = useRef<HTMLTableElement>(null);

  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>("td[data-day]");
    const next = cell && dayAfterKey(cell.dataset.day!, e.key, month);
    if (!next) return;
    e.preventDefault();
    setFocused(next);
    table.current?.querySelector<HTMLElement>(`td[data-day="${next}"]`)?.focus();
  };

  const weeks = monthWeeks(month, runs.data ?? [], sessions.data ?? []);
  const count = runs.data?.length ?? 0;
  const total = (runs.data ?? []).reduce((a, r) => a + (r.excluded ? 0 : r.distance), 0);

  return (
    <>
      <h1>Calendar</h1>
      <MonthNav value={month} latest={addMonths(monthOf(today), 12)} onChange={(m) => navigate(calendarPath(m))} />
      <p>
        <Link to={`/runs/${month.year}/${String(month.month).padStart(2, "0")}`}>This month as a list</Link> ·{" "}
        <Link to="/runs/search">Find runs</Link>
      </p>
      {runs.loading && !runs.data ? (
        <Loading what={`Loading ${monthLabel(month)}`} />
      ) : runs.error ? (
        <LoadError error={runs.error} retry={runs.reload} />
      ) : (
        <>
          <p aria-live="polite">
            {count} {count === 1 ? "run" : "runs"}, {formatDistance(total, units, 1)} in {monthLabel(month)}
            {sessions.data && sessions.data.length > 0 && ` · ${sessions.data.filter((s) => s.kind !== "rest").length} plan sessions`}
          </p>
          {sessions.error && (
            <p className="notice notice--error">
              Your plan's sessions could not be loaded. <button type="button" className="link-button" onClick={sessions.reload}>Try again</button>
            </p>
          )}
          {count === 0 && !(sessions.data ?? []).some((s) => s.kind !== "rest") && (
            <p className="muted calendar__nothing">Nothing in {monthLabel(month)} yet.</p>
          )}
          <table className="calendar" ref={table} onKeyDown={onKeyDown}>
            <caption className="visually-hidden">{monthLabel(month)}: runs and plan sessions by day. Arrow keys move between days.</caption>
            <thead>
              <tr>
                {WEEKDAYS.map((d) => (
                  <th key={d} scope="col" abbr={d}>
                    {d.slice(0, 3)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {weeks.map((week) => (
                <tr key={week[0].day}>
                  {week.map((cell) => (
                    <DayCell key={cell.day} cell={cell} today={today} focused={cell.day === focused} units={units} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
