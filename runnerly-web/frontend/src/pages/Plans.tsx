import { endpoints } from "../api/endpoints";
import type { PlanWeek } from "../api/types";
import { LoadError, Loading } from "../components/Status";
import { formatDay } from "../lib/dates";
import { formatDistance, formatDuration, formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { Link } from "../router";
import { useSession } from "../session";

export function PlansPage() {
  const plans = useApi(() => endpoints.plans(), "plans");
  return (
    <>
      <h1>Training plans</h1>
      {plans.loading && !plans.data ? (
        <Loading what="Loading plans" />
      ) : plans.error ? (
        <LoadError error={plans.error} retry={plans.reload} />
      ) : plans.data!.length === 0 ? (
        <p className="muted">
          No plan yet. Add a race on the <Link to="/races">races page</Link> and choose “Make a training plan”.
        </p>
      ) : (
        <ul className="plain">
          {plans.data!.map((p) => (
            <li key={p.id} className="card">
              <Link to={`/plans/${p.id}`}>{p.name}</Link>{" "}
              <span className="muted">
                {formatDay(p.start_date)} → {formatDay(p.end_date)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function WeekRow({ week, units, today }: { week: PlanWeek; units: Units; today: string }) {
  const ratio = week.planned_distance > 0 ? week.done.distance / week.planned_distance : 0;
  const past = week.end < today;
  const current = week.start <= today && today <= week.end;
  return (
    <li className={current ? "card plan-week plan-week--current" : "card plan-week"}>
      <h3>
        Week {week.week} <span className="muted">{formatDay(week.start)}</span>
        {current && <span className="badge">this week</span>}
      </h3>
      <p>
        Planned {formatDistance(week.planned_distance, units, 1)} · done {formatDistance(week.done.distance, units, 1)} in{" "}
        {week.done.runs} {week.done.runs === 1 ? "run" : "runs"}
      </p>
      <meter min={0} max={1} low={0.6} high={0.9} optimum={1} value={Math.min(ratio, 1)}
        aria-label={`Week ${week.week}: ${Math.round(ratio * 100)}% of the planned distance done`}>
        {Math.round(ratio * 100)}%
      </meter>
      {past && ratio < 0.6 && week.planned_distance > 0 && <p className="muted">Less than planned — that is fine now and then.</p>}
      <ul className="sessions">
        {week.sessions.map((s) => (
          <li key={s.id}>
            <span className="kind">{formatDay(s.date)} · {s.kind}</span>
            {s.distance != null && ` ${formatDistance(s.distance, units, 1)}`}
            {s.duration != null && ` ${formatDuration(s.duration)}`}
            {s.target_pace != null && ` at ${formatPace(s.target_pace, units)}`}
            {s.notes && <span className="muted"> — {s.notes}</span>}
          </li>
        ))}
      </ul>
    </li>
  );
}

export function PlanPage({ id }: { id: number }) {
  const { units } = useSession();
  const plan = useApi(() => endpoints.plan(id), `plan:${id}`);
  if (plan.loading && !plan.data) return <Loading what="Loading the plan" />;
  if (plan.error) return <LoadError error={plan.error} retry={plan.reload} />;
  const p = plan.data!;
  const today = new Date().toISOString().slice(0, 10);
  const planned = p.weeks.reduce((a, w) => a + w.planned_distance, 0);
  const done = p.weeks.reduce((a, w) => a + w.done.distance, 0);
  return (
    <>
      <p>
        <Link to="/plans">‹ All plans</Link>
      </p>
      <h1>{p.name}</h1>
      <p>
        Toward {p.race.name} on {formatDay(p.race.date)}. Planned {formatDistance(planned, units, 0)}, done{" "}
        {formatDistance(done, units, 0)} so far.
      </p>
      <ol className="plain">
        {p.weeks.map((w) => (
          <WeekRow key={w.week} week={w} units={units} today={today} />
        ))}
      </ol>
    </>
  );
}
