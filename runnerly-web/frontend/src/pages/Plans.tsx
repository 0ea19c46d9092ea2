import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import { training, type SessionChange, type TrackedPlan, type TrackedSession, type TrackedWeek } from "../api/training";
import type { SessionKind } from "../api/types";
import { Field, SelectField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Link } from "../components/Link";
import { LoadError, Loading } from "../components/Status";
import { formatDay, weeksUntil } from "../lib/dates";
import { distanceLabel, formatDistance, formatDuration, formatPace, fromUnit, parsePace, toUnit, workoutText, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession, useToday } from "../session";

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

const KINDS: SessionKind[] = ["easy", "long", "tempo", "intervals", "recovery", "cross", "rest", "race"];

const STATUS_LABELS: Record<TrackedSession["status"], string> = {
  done: "Done",
  partly_done: "Partly done",
  missed: "Missed",
  skipped: "Skipped",
  planned: "",
};

function paceField(secondsPerKm: number | null, units: Units): string {
  if (secondsPerKm == null) return "";
  return formatPace(secondsPerKm, units).split(" ")[0];
}

function WorkoutEditor({ plan, item, units, onSaved, onCancel }: {
  plan: TrackedPlan; item: TrackedSession; units: Units; onSaved: (plan: TrackedPlan) => void; onCancel: () => void;
}) {
  const [form, setForm] = useState({
    date: item.date,
    kind: item.kind,
    distance: item.distance != null ? String(Number(toUnit(item.distance, units).toFixed(2))) : "",
    pace: paceField(item.target_pace, units),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [paceError, setPaceError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const change: SessionChange = {};
    if (form.date !== item.date) change.date = form.date;
    if (form.kind !== item.kind) change.kind = form.kind;
    const distance = form.distance.trim() === "" || form.kind === "rest" ? null : fromUnit(Number(form.distance), units);
    if (distance !== item.distance && !(distance != null && item.distance != null && Math.abs(distance - item.distance) < 1)) {
      change.distance = distance == null ? null : Math.round(distance);
    }
    let pace: number | null = null;
    if (form.pace.trim() !== "" && form.kind !== "rest") {
      pace = parsePace(form.pace, units);
      if (pace == null) {
        setPaceError(`Write the pace as m:ss per ${distanceLabel(units)}.`);
        return;
      }
    }
    setPaceError(undefined);
    if (pace !== item.target_pace && form.pace !== paceField(item.target_pace, units)) change.target_pace = pace;
    if (Object.keys(change).length === 0) return onCancel();
    setBusy(true);
    setError(null);
    try {
      onSaved(await training.changeSession(plan.id, item.id, change));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => error?.fieldError(f);
  return (
    <form onSubmit={submit} noValidate className="session-editor" aria-label={`Change the session of ${formatDay(item.date)}`}>
      <FormMessage error={error} fields={["date", "kind", "distance", "target_pace"]} />
      <Field label="Day" name="date" type="date" min={plan.start_date} max={plan.end_date} value={form.date}
        onChange={set("date")} error={fe("date")} />
      <SelectField label="Kind" name="kind" value={form.kind} onChange={set("kind")} error={fe("kind")}>
        {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
      </SelectField>
      <Field label={`Distance (${distanceLabel(units)})`} name="distance" type="number" inputMode="decimal" step="any" min="0"
        value={form.distance} onChange={set("distance")} error={fe("distance")} disabled={form.kind === "rest"} />
      <Field label={`Pace (per ${distanceLabel(units)}, optional)`} name="pace" placeholder="5:00" value={form.pace}
        onChange={set("pace")} error={paceError ?? fe("target_pace")} disabled={form.kind === "rest"} />
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={busy}>Save</button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}

function WorkoutRow({ plan, item, units, onSaved }: {
  plan: TrackedPlan; item: TrackedSession; units: Units; onSaved: (plan: TrackedPlan) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggleSkip = async () => {
    setBusy(true);
    setError(null);
    try {
      onSaved(await training.changeSession(plan.id, item.id, { skipped: !item.skipped }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const label = STATUS_LABELS[item.status];
  const day = formatDay(item.date);
  return (
    <li className={`session session--${item.status}`}>
      <span className="kind">{day} · {item.kind}</span>
      {item.distance != null && ` ${formatDistance(item.distance, units, 1)}`}
      {item.duration != null && ` ${formatDuration(item.duration)}`}
      {item.target_pace != null && ` at ${formatPace(item.target_pace, units)}`}
      {label && <span className={item.status === "done" ? "badge" : "badge badge--muted"}>{label}</span>}
      {item.run && (
        <span className="muted">
          {" "}— <Link to={`/runs/${item.run.id}`}>{formatDistance(item.run.distance, units, 1)} on {formatDay(item.run.date)}</Link>
        </span>
      )}
      {item.moved_from && <span className="muted"> (moved from {formatDay(item.moved_from)})</span>}
      {item.edited && <span className="muted"> (changed by you)</span>}
      {item.notes && <span className="muted"> — {workoutText(item.notes, units)}</span>}
      {error && <p className="field__error" role="alert">{error}</p>}
      {item.kind !== "race" && !editing && (
        <span className="actions actions--inline">
          <button type="button" className="button button--small" disabled={busy} onClick={() => setEditing(true)}
            aria-label={`Change the session of ${day}`}>
            Change
          </button>
          {item.kind !== "rest" && item.status !== "done" && (
            <button type="button" className="button button--small" disabled={busy} onClick={toggleSkip}
              aria-label={`${item.skipped ? "Unskip" : "Skip"} the session of ${day}`}>
              {item.skipped ? "Unskip" : "Skip"}
            </button>
          )}
        </span>
      )}
      {editing && (
        <WorkoutEditor plan={plan} item={item} units={units} onCancel={() => setEditing(false)}
          onSaved={(p) => { setEditing(false); onSaved(p); }} />
      )}
    </li>
  );
}

function WeekRow({ plan, week, units, today, onSaved }: {
  plan: TrackedPlan; week: TrackedWeek; units: Units; today: string; onSaved: (plan: TrackedPlan) => void;
}) {
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
          <WorkoutRow key={s.id} plan={plan} item={s} units={units} onSaved={onSaved} />
        ))}
      </ul>
    </li>
  );
}

export function PlanPage({ id }: { id: number }) {
  const { units } = useSession();
  const today = useToday();
  const loaded = useApi(() => training.plan(id), `plan:${id}`);
  const [changed, setChanged] = useState<TrackedPlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (loaded.loading && !loaded.data) return <Loading what="Loading the plan" />;
  if (loaded.error) return <LoadError error={loaded.error} retry={loaded.reload} />;
  const p = changed && changed.id === id ? changed : loaded.data!;
  const planned = p.weeks.reduce((a, w) => a + w.planned_distance, 0);
  const done = p.weeks.reduce((a, w) => a + w.done.distance, 0);
  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  // As long as it was (4 weeks at least), but no longer than the weeks left: weeks gone
  // cannot be trained.
  const left = weeksUntil(p.race.date, today); // this week and race week included
  const weeks = Math.max(4, Math.min(p.weeks.length, left));
  const regenerate = () =>
    window.confirm("Generate this plan again from your latest runs? Its sessions, and your changes to them, are replaced.") &&
    act(async () => setChanged(await training.generate(p.race_id, { weeks })));
  const remove = () =>
    window.confirm(`Delete the plan “${p.name}”? The race stays.`) &&
    act(async () => {
      await training.deletePlan(p.id);
      navigate("/plans");
    });
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
      {error && <p className="field__error" role="alert">{error}</p>}
      <div className="actions">
        {left >= 4 && (
          <button type="button" className="button" disabled={busy} onClick={regenerate}>Generate again</button>
        )}
        <button type="button" className="button button--danger" disabled={busy} onClick={remove}>Delete plan</button>
      </div>
      {/* Headings in order (h1, h2, h3) for those who move through a page by them. */}
      <h2 className="visually-hidden">Weeks of the plan</h2>
      <ol className="plain">
        {p.weeks.map((w) => (
          <WeekRow key={w.week} plan={p} week={w} units={units} today={today} onSaved={setChanged} />
        ))}
      </ol>
    </>
  );
}
