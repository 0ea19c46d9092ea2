import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Race } from "../api/types";
import { Field } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Link } from "../components/Link";
import { ShareLinks } from "../components/ShareLinks";
import { LoadError, Loading } from "../components/Status";
import { countdown, formatDay } from "../lib/dates";
import { distanceLabel, formatDistance, formatDuration, formatPace, fromUnit, parseDuration, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession } from "../session";

function RaceForm({ units, onCreated }: { units: Units; onCreated: () => void }) {
  const [form, setForm] = useState({ name: "", date: "", distance: "", location: "", goal: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errors: { field: string; message: string }[] = [];
    const distance = Number(form.distance);
    if (!form.name.trim()) errors.push({ field: "name", message: "Give the race a name." });
    if (!form.date) errors.push({ field: "date", message: "Choose the race day." });
    if (!(distance > 0)) errors.push({ field: "distance", message: `Enter the distance in ${distanceLabel(units)}.` });
    const goal = form.goal.trim() ? parseDuration(form.goal) : null;
    if (form.goal.trim() && goal == null) errors.push({ field: "goal_time", message: "Write the goal as h:mm:ss or mm:ss." });
    if (errors.length) {
      setError(new ApiError(400, "invalid", "Please correct the fields marked below.", errors));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await endpoints.createRace({
        name: form.name.trim(),
        date: form.date,
        distance: Math.round(fromUnit(distance, units)),
        location: form.location.trim() || null,
        goal_time: goal,
      });
      setForm({ name: "", date: "", distance: "", location: "", goal: "" });
      onCreated();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => error?.fieldError(f);
  return (
    <form onSubmit={submit} noValidate className="card" aria-labelledby="add-race">
      <h2 id="add-race">Add a race</h2>
      <FormMessage error={error} fields={["name", "date", "distance", "location", "goal_time"]} />
      <Field label="Name" name="name" value={form.name} onChange={set("name")} error={fe("name")} />
      <Field label="Date" name="date" type="date" value={form.date} onChange={set("date")} error={fe("date")} />
      <Field label={`Distance (${distanceLabel(units)})`} name="distance" type="number" inputMode="decimal" step="any"
        min="0" value={form.distance} onChange={set("distance")} error={fe("distance")} hint="Half marathon: 21.0975 km, 13.1 mi." />
      <Field label="Location (optional)" name="location" value={form.location} onChange={set("location")} error={fe("location")} />
      <Field label="Goal time (optional)" name="goal_time" placeholder="1:45:00" value={form.goal} onChange={set("goal")}
        error={fe("goal_time")} hint="h:mm:ss or mm:ss" />
      <button type="submit" className="button button--primary" disabled={busy}>
        Add race
      </button>
    </form>
  );
}

function RaceItem({ race, units, onChanged }: { race: Race; units: Units; onChanged: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState(false);
  const act = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="card race">
      <h3>{race.name}</h3>
      <p>
        <strong>{countdown(race.days_to_go)}</strong> · {formatDay(race.date)} · {formatDistance(race.distance, units)}
        {race.location ? ` · ${race.location}` : ""}
      </p>
      {race.goal_time != null && (
        <p>
          Goal {formatDuration(race.goal_time)}, that is {formatPace(race.goal_pace, units)}
        </p>
      )}
      {error && <p className="field__error" role="alert">{error}</p>}
      <div className="actions">
        {race.days_to_go > 0 && (
          <button type="button" className="button" disabled={busy}
            onClick={() => act(async () => { const plan = await endpoints.generatePlan(race.id, {}); navigate(`/plans/${plan.id}`); })}>
            Make a training plan
          </button>
        )}
        <button type="button" className="button button--danger" disabled={busy}
          onClick={() => window.confirm(`Delete ${race.name} and its plans?`) && act(() => endpoints.deleteRace(race.id))}>
          Delete<span className="visually-hidden"> {race.name}</span>
        </button>
        {race.days_to_go <= 0 && (
          <button type="button" className="button" aria-expanded={sharing} onClick={() => setSharing((s) => !s)}>
            Share the result{" "}
            <span className="visually-hidden">of {race.name}</span>
          </button>
        )}
      </div>
      {sharing && <ShareLinks target={{ race_id: race.id }} what={race.name} />}
    </li>
  );
}

export function RacesPage() {
  const { units } = useSession();
  const races = useApi(() => endpoints.races(), "races");
  return (
    <>
      <h1>Races</h1>
      <p>
        <Link to="/plans">Your training plans</Link>
      </p>
      {races.loading && !races.data ? (
        <Loading what="Loading races" />
      ) : races.error ? (
        <LoadError error={races.error} retry={races.reload} />
      ) : races.data!.length === 0 ? (
        <p className="muted">No races yet. Add the next one you are training for, and Runnerly counts down to it.</p>
      ) : (
        <>
          {/* Headings in order (h1, h2, h3) for those who move through a page by them. */}
          <h2 className="visually-hidden">Your races</h2>
          <ul className="plain">
            {races.data!.map((r) => (
              <RaceItem key={r.id} race={r} units={units} onChanged={races.reload} />
            ))}
          </ul>
        </>
      )}
      <RaceForm units={units} onCreated={races.reload} />
    </>
  );
}
