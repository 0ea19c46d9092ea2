import { startTransition, useEffect, useRef, useState } from "react";
import { endpoints } from "../api/endpoints";
import type { Records, Summary, Totals } from "../api/types";
import { Link } from "../components/Link";
import { RecordHistory } from "../components/RecordHistory";
import { PaceTrendChart, WeeklyDistanceChart } from "../components/charts";
import { EmptyState } from "../components/EmptyState";
import { NextWorkout } from "../components/NextWorkout";
import { NextRacePrediction } from "../components/RacePredictions";
import { RecentRuns } from "../components/RecentRuns";
import { LoadError, Loading } from "../components/Status";
import { formatDay, localStart, weeksAgoMonday } from "../lib/dates";
import { preloaded, weeklyKey } from "../lib/preload";
import { useRecentRuns } from "../lib/recentRuns";
import { ACTIVE, useStravaStatus } from "../lib/strava";
import { formatDistance, formatDuration, formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { useSession, useToday } from "../session";

function TotalsCard({ title, totals, units }: { title: string; totals: Totals; units: Units }) {
  return (
    <section className="card totals" aria-label={title}>
      <h3>{title}</h3>
      <p className="big">{formatDistance(totals.distance, units, 1)}</p>
      <dl>
        <dt>Runs</dt>
        <dd>{totals.count}</dd>
        <dt>Time</dt>
        <dd>{formatDuration(totals.moving_time)}</dd>
        <dt>Pace</dt>
        <dd>{formatPace(totals.average_pace, units)}</dd>
      </dl>
    </section>
  );
}

function RecordsList({ records, units }: { records: Records; units: Units }) {
  return (
    <section className="card" aria-labelledby="records-title">
      <h2 id="records-title">Personal records</h2>
      <table className="records">
        <thead>
          <tr>
            <th scope="col">Distance</th>
            <th scope="col">Time</th>
            <th scope="col">Pace</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {records.best_efforts.map(({ distance, label, best }) => (
            <tr key={distance}>
              <th scope="row">{label}</th>
              {best ? (
                <>
                  <td>{formatDuration(best.elapsed)}</td>
                  <td>{formatPace(best.pace, units)}</td>
                  <td>
                    <Link to={`/runs/${best.run_id}`}>{best.title}</Link> <span className="muted">{formatDay(localStart(best))}</span>
                  </td>
                </>
              ) : (
                <td colSpan={3} className="muted">
                  No record yet
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="plain">
        {records.longest_run && (
          <li>
            Longest run: <Link to={`/runs/${records.longest_run.run_id}`}>{records.longest_run.title}</Link>,{" "}
            {formatDistance(records.longest_run.distance, units)}
          </li>
        )}
        {records.biggest_week && (
          <li>
            Biggest week: {formatDistance(records.biggest_week.distance, units, 1)} (week of {formatDay(records.biggest_week.start)})
          </li>
        )}
        {records.biggest_month && (
          <li>
            Biggest month: {formatDistance(records.biggest_month.distance, units, 1)} ({records.biggest_month.start.slice(0, 7)})
          </li>
        )}
      </ul>
    </section>
  );
}

const SPANS = [12, 26, 52];

export function DashboardPage() {
  const { units, session } = useSession();
  const [weeks, setWeeks] = useState(12);
  const today = useToday();
  const summary = useApi<Summary>(() => preloaded("summary", endpoints.summary), "summary");
  const from = weeksAgoMonday(weeks, today);
  const series = useApi(() => preloaded(weeklyKey(from), () => endpoints.weeklyTotals(from)), weeklyKey(from));
  const records = useApi<Records>(() => preloaded("records", endpoints.records), "records");
  // Asked with the others, not once the summary is in: one round trip fewer before the
  // first screen (benchmarks.web, docs/performance.md).
  const recent = useRecentRuns();
  // What lies below the first screen (the pace trend, the records) is drawn after it, in a
  // transition a tap interrupts: on a slow phone it doubled the time to the first screen.
  const [belowFold, setBelowFold] = useState(false);
  const shown = !!summary.data;
  useEffect(() => {
    if (shown) startTransition(() => setBelowFold(true));
  }, [shown]);

  // During an import, follow it here too and refresh the figures as runs arrive.
  const importing = !!session?.strava?.sync_state && ACTIVE.has(session.strava.sync_state);
  const { status } = useStravaStatus(undefined, importing);
  const imported = status?.runs_imported;
  const { reload: reloadSummary } = summary;
  const { reload: reloadSeries } = series;
  const { reload: reloadRecords } = records;
  const seenImported = useRef<number | undefined>(undefined);
  useEffect(() => {
    const before = seenImported.current;
    seenImported.current = imported;
    if (before === undefined || imported === undefined || imported === before) return;
    reloadSummary();
    reloadSeries();
    reloadRecords();
  }, [imported, reloadSummary, reloadSeries, reloadRecords]);

  if (summary.loading && !summary.data) return <Loading what="Loading your dashboard" />;
  if (summary.error) return <LoadError error={summary.error} retry={summary.reload} />;
  const s = summary.data!;
  const connected = !!session?.strava?.connected;
  const syncing = status ? !!status.sync_state && ACTIVE.has(status.sync_state) : importing;

  return (
    <>
      <h1>Dashboard</h1>
      {syncing && (
        <p className="notice" role="status">
          Your Strava runs are being imported
          {status?.runs_imported ? ` (${status.runs_imported} so far)` : ""}. <Link to="/sync">See progress</Link>
        </p>
      )}
      {session?.strava?.sync_state === "reconnect" && (
        <p className="notice">
          Strava no longer accepts Runnerly's access: new runs wait until you{" "}
          <Link to="/sync">connect Strava again</Link>. Your runs are kept.
        </p>
      )}
      <NextWorkout units={units} />
      <NextRacePrediction units={units} />
      {s.all_time.count === 0 ? (
        <EmptyState stravaConnected={connected} />
      ) : (
        <>
          {/* Headings in order (h1, h2, h3) for those who move through a page by them. */}
          <h2 className="visually-hidden">Totals</h2>
          <div className="grid-3">
            <TotalsCard title="This week" totals={s.week} units={units} />
            <TotalsCard title="This month" totals={s.month} units={units} />
            <TotalsCard title="This year" totals={s.year} units={units} />
          </div>
          <RecentRuns recent={recent} units={units} />
          <section className="card" aria-labelledby="weekly-title">
            <div className="card__head">
              <h2 id="weekly-title">Weekly distance</h2>
              <div role="group" aria-label="Weeks shown" className="segmented">
                {SPANS.map((n) => (
                  <button key={n} type="button" aria-pressed={weeks === n} onClick={() => setWeeks(n)}>
                    {n} weeks
                  </button>
                ))}
              </div>
            </div>
            {series.error ? (
              <LoadError error={series.error} retry={series.reload} />
            ) : series.data ? (
              <WeeklyDistanceChart weeks={series.data.buckets} units={units} />
            ) : (
              <Loading />
            )}
          </section>
          {belowFold && (
            <section className="card" aria-labelledby="pace-title">
              <h2 id="pace-title">Pace trend</h2>
              {series.data && <PaceTrendChart weeks={series.data.buckets} units={units} />}
            </section>
          )}
          {!belowFold ? null : records.error ? (
            <LoadError error={records.error} retry={records.reload} />
          ) : records.data ? (
            <>
              <RecordsList records={records.data} units={units} />
              <RecordHistory records={records.data} units={units} />
            </>
          ) : (
            <Loading what="Loading records" />
          )}
        </>
      )}
    </>
  );
}
