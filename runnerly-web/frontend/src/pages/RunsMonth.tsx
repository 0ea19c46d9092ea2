import { endpoints } from "../api/endpoints";
import type { Run } from "../api/types";
import { Link } from "../components/Link";
import { MonthNav } from "../components/MonthNav";
import { LoadError, Loading } from "../components/Status";
import { formatDay, localStart, monthLabel, monthOf, type YearMonth } from "../lib/dates";
import { workoutLabel } from "../lib/runEdits";
import { formatDistance, formatDuration, formatPace, paceOf, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession, useToday } from "../session";

function monthPath({ year, month }: YearMonth): string {
  return `/runs/${year}/${String(month).padStart(2, "0")}`;
}

export function RunList({ runs, units }: { runs: Run[]; units: Units }) {
  return (
    <ol className="run-list">
      {runs.map((r) => (
        <li key={r.id}>
          <Link to={`/runs/${r.id}`} className={r.excluded ? "run-list__item run-list__item--excluded" : "run-list__item"}>
            <span className="run-list__title">
              {r.title}
              {workoutLabel(r.workout_type) && <span className="badge">{workoutLabel(r.workout_type)}</span>}
              {r.excluded && <span className="badge badge--muted">Excluded</span>}
            </span>
            <span className="muted">{formatDay(localStart(r))}</span>
            <span className="run-list__figures">
              <span>{formatDistance(r.distance, units)}</span>
              <span>{formatDuration(r.moving_time)}</span>
              <span>{formatPace(paceOf(r.distance, r.moving_time), units)}</span>
            </span>
          </Link>
        </li>
      ))}
    </ol>
  );
}

export function RunsMonthPage({ month }: { month: YearMonth }) {
  const { units } = useSession();
  const today = useToday();
  const key = `${month.year}-${month.month}`;
  const runs = useApi(() => endpoints.runsOfMonth(month.year, month.month), key);
  // An excluded run is listed, but counts in no total: this one included.
  const total = (runs.data ?? []).reduce((a, r) => a + (r.excluded ? 0 : r.distance), 0);
  // The API lists a month oldest first; a runner looks for the latest first.
  const newestFirst = [...(runs.data ?? [])].sort((a, b) => b.start_time.localeCompare(a.start_time));

  return (
    <>
      <h1>Runs</h1>
      <MonthNav value={month} latest={monthOf(today)} onChange={(m) => navigate(monthPath(m))} />
      <p>
        <Link to="/runs/search">Find runs</Link> ·{" "}
        <Link to={`/calendar/${month.year}/${String(month.month).padStart(2, "0")}`}>{monthLabel(month)} as a calendar</Link>
      </p>
      {runs.loading && !runs.data ? (
        <Loading what={`Loading ${monthLabel(month)}`} />
      ) : runs.error ? (
        <LoadError error={runs.error} retry={runs.reload} />
      ) : newestFirst.length === 0 ? (
        <p className="muted">
          No runs in {monthLabel(month)}. <Link to="/upload">Upload a file</Link>
        </p>
      ) : (
        <>
          <p aria-live="polite">
            {newestFirst.length} {newestFirst.length === 1 ? "run" : "runs"}, {formatDistance(total, units, 1)} in{" "}
            {monthLabel(month)}
          </p>
          <RunList runs={newestFirst} units={units} />
        </>
      )}
    </>
  );
}
