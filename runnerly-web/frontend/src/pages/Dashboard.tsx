import { startTransition, useEffect, useRef, useState } from "react";
import { endpoints } from "../api/endpoints";
import { training } from "../api/training";
import type { NextSession, RacePredictions, Records, RunPage, Totals } from "../api/types";
import { vo2max } from "../api/vo2max";
import { Link } from "../components/Link";
import { RecordHistory } from "../components/RecordHistory";
import { PaceTrendChart, WeeklyDistanceChart } from "../components/charts";
import { EmptyState } from "../components/EmptyState";
import { NextWorkout } from "../components/NextWorkout";
import { NextRacePrediction } from "../components/RacePredictions";
import { RecentRuns } from "../components/RecentRuns";
import { LoadError, Loading } from "../components/Status";
import { formatDay, localStart, weeksAgoMonday } from "../lib/dates";
import { useDashboard, usePart } from "../lib/dashboard";
import { FIRST_WEEKS, weeklyKey } from "../lib/preload";
import { RECENT_RUNS } from "../lib/runSearch";
import { ACTIVE, useStravaStatus } from "../lib/strava";
import { formatDistance, formatDuration, formatPace, type Units } from "../lib/units";
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

const SPANS = [FIRST_WEEKS, 26, 52];
// Each panel's own operation, asked only when the runner retries a part the first screen
// could not hold.
const RECORDS = { key: "records", load: endpoints.records };
const RECENT = { key: "recent-runs", load: () => endpoints.searchRuns({ per_page: RECENT_RUNS }) };
const NEXT = { key: "training:next", load: training.next };
const PREDICTIONS = { key: "vo2max:predictions", load: vo2max.predictions };

export function DashboardPage() {
  const { units, session } = useSession();
  const [weeks, setWeeks] = useState(FIRST_WEEKS);
  const today = useToday();
  // The first screen in one call (decision 68): each panel takes its part of the answer.
  const first = useDashboard(weeksAgoMonday(FIRST_WEEKS, today));
  const from = weeksAgoMonday(weeks, today);
  // The page draws nothing without the summary: its failure is the first screen's.
  const summary = { ...first, data: first.data?.summary ?? null };
  // Another span of weeks is asked on its own; back at 12, the first screen's again.
  const series = usePart(first, "weekly_totals", (d) => d.weekly_totals, {
    key: weeklyKey(from),
    load: () => endpoints.weeklyTotals(from),
  }, weeks !== FIRST_WEEKS);
  const records = usePart<Records>(first, "records", (d) => d.records, RECORDS);
  const recent = usePart<RunPage>(first, "recent_runs", (d) => d.recent_runs, RECENT);
  const next = usePart<NextSession>(first, "next_session", (d) => d.next_session, NEXT);
  const predictions = usePart<RacePredictions>(first, "race_predictions", (d) => d.race_predictions, PREDICTIONS);
  // What lies below the first screen (the pace trend, the records) is drawn after it, in a
  // transition a tap interrupts: on a slow phone it doubled the time to the first screen.
  const [belowFold, setBelowFold] = useState(false);
  const shown = !!summary.data;
  useEffect(() => {
    if (shown) startTransition(() => setBelowFold(true));
  }, [shown]);

  // During an import, follow it here too and refresh the figures as runs arrive: the first
  // screen's call again, and each panel that asks on its own.
  const importing = !!session?.strava?.sync_state && ACTIVE.has(session.strava.sync_state);
  const { status } = useStravaStatus(undefined, importing);
  const imported = status?.runs_imported;
  const { reload: reloadFirst } = first;
  const { reload: reloadSeries, own: ownSeries } = series;
  const { reload: reloadRecords, own: ownRecords } = records;
  const { reload: reloadRecent, own: ownRecent } = recent;
  const seenImported = useRef<number | undefined>(undefined);
  useEffect(() => {
    const before = seenImported.current;
    seenImported.current = imported;
    if (before === undefined || imported === undefined || imported === before) return;
    reloadFirst();
    if (ownSeries) reloadSeries();
    if (ownRecords) reloadRecords();
    if (ownRecent) reloadRecent();
  }, [imported, reloadFirst, reloadSeries, ownSeries, reloadRecords, ownRecords, reloadRecent, ownRecent]);

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
      <NextWorkout units={units} answer={next} />
      <NextRacePrediction units={units} answer={predictions} />
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
