import { endpoints } from "../api/endpoints";
import type { Change, MonthlyReport } from "../api/types";
import { Link } from "../components/Link";
import { MonthNav } from "../components/MonthNav";
import { LoadError, Loading } from "../components/Status";
import { formatDay, localStart, monthLabel, monthOf, type YearMonth } from "../lib/dates";
import { formatDistance, formatDuration, formatElevation, formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession, useToday } from "../session";

function percent(c: Change): string {
  if (c.percent == null) return "";
  const sign = c.percent > 0 ? "+" : "";
  return ` (${sign}${Math.round(c.percent)}%)`;
}

export function ReportPage({ month }: { month: YearMonth }) {
  const { units } = useSession();
  const today = useToday();
  const report = useApi(() => endpoints.report(month.year, month.month), `report:${month.year}-${month.month}`);
  const go = (m: YearMonth) => navigate(`/reports/${m.year}/${String(m.month).padStart(2, "0")}`);
  return (
    <>
      <h1>Monthly report</h1>
      <p className="muted">The same report Runnerly sends by email at the start of each month.</p>
      <MonthNav value={month} latest={monthOf(today)} onChange={go} />
      {report.loading && !report.data ? (
        <Loading what={`Loading ${monthLabel(month)}`} />
      ) : report.error ? (
        <LoadError error={report.error} retry={report.reload} />
      ) : (
        <ReportBody report={report.data!} units={units} />
      )}
    </>
  );
}

function ReportBody({ report, units }: { report: MonthlyReport; units: Units }) {
  const t = report.totals;
  const p = report.previous_month;
  const c = report.comparison;
  if (report.runs_count === 0) return <p>No runs this month.</p>;
  const paceDelta = c.average_pace.delta;
  const span = `${formatDay(report.compared_with.from)} to ${formatDay(report.compared_with.to)}`;
  return (
    <article className="card report">
      {report.in_progress && (
        <p className="muted">
          This month is not over: it is compared with the same days of the previous month ({span}).
        </p>
      )}
      <table>
        <caption>This month against the one before</caption>
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col">{report.in_progress ? "So far" : "This month"}</th>
            <th scope="col">{report.in_progress ? `Previous month, ${span}` : "Previous month"}</th>
          </tr>
        </thead>
        <tbody>
          <tr><th scope="row">Runs</th><td>{t.count}{percent(c.count)}</td><td>{p.count}</td></tr>
          <tr><th scope="row">Distance</th><td>{formatDistance(t.distance, units, 1)}{percent(c.distance)}</td><td>{formatDistance(p.distance, units, 1)}</td></tr>
          <tr><th scope="row">Moving time</th><td>{formatDuration(t.moving_time)}{percent(c.moving_time)}</td><td>{formatDuration(p.moving_time)}</td></tr>
          <tr><th scope="row">Elevation gain</th><td>{formatElevation(t.elevation_gain, units)}</td><td>{formatElevation(p.elevation_gain, units)}</td></tr>
          <tr><th scope="row">Average pace</th><td>{formatPace(t.average_pace, units)}{paceDelta != null ? (paceDelta < 0 ? " (faster)" : paceDelta > 0 ? " (slower)" : "") : ""}</td><td>{formatPace(p.average_pace, units)}</td></tr>
        </tbody>
      </table>
      {report.records_set.length > 0 && (
        <section>
          <h2>Records set</h2>
          <ul>
            {report.records_set.map((r) => (
              <li key={r.distance}>
                {r.label}: {formatDuration(r.elapsed)} in <Link to={`/runs/${r.run_id}`}>{r.title}</Link>
                {r.improvement != null ? `, ${formatDuration(r.improvement)} faster than before` : " — your first"}
              </li>
            ))}
          </ul>
        </section>
      )}
      {report.longest_run && (
        <p>
          Longest run: <Link to={`/runs/${report.longest_run.run_id}`}>{report.longest_run.title}</Link>,{" "}
          {formatDistance(report.longest_run.distance, units)} on {formatDay(localStart(report.longest_run))}
        </p>
      )}
    </article>
  );
}
