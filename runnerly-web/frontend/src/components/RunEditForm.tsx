import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Run } from "../api/types";
import { changesOf, formOf, SPORTS, WORKOUT_TYPES, type EditForm } from "../lib/runEdits";
import { distanceLabel, type Units } from "../lib/units";
import { Field, SelectField, TextAreaField } from "./Field";
import { FormMessage } from "./FormMessage";

const FIELDS = ["title", "description", "sport_type", "workout_type", "distance", "excluded"];

/** Corrects a run: sends only what changed, shows the API's messages beside their fields. */
export function RunEditForm({
  run,
  units,
  onSaved,
  onCancel,
}: {
  run: Run;
  units: Units;
  onSaved: (run: Run) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<EditForm>(() => formOf(run, units));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set =
    (k: keyof EditForm) =>
    (e: { target: { value: string } }) =>
      setForm((f) => ({ ...f, [k]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { changes, problems } = changesOf(run, form, units);
    if (problems.length) {
      setError(new ApiError(400, "invalid", "Please correct the fields marked below.", problems));
      return;
    }
    if (Object.keys(changes).length === 0) {
      onCancel(); // nothing changed: nothing to send
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await endpoints.updateRun(run.id, changes));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => error?.fieldError(f);
  // A sport Strava named that the list lacks stays choosable.
  const sports = SPORTS.includes(run.sport_type) ? SPORTS : [run.sport_type, ...SPORTS];
  return (
    <form onSubmit={submit} noValidate className="card" aria-labelledby="edit-run">
      <h2 id="edit-run">Edit the run</h2>
      <FormMessage error={error} fields={FIELDS} />
      <Field label="Title" name="title" value={form.title} onChange={set("title")} error={fe("title")} maxLength={255} />
      <TextAreaField label="Description" name="description" rows={3} value={form.description}
        onChange={set("description")} error={fe("description")} />
      <SelectField label="Sport" name="sport_type" value={form.sport_type} onChange={set("sport_type")} error={fe("sport_type")}>
        {sports.map((s) => (
          <option key={s} value={s}>{s}</option>
        ))}
      </SelectField>
      <SelectField label="Workout type" name="workout_type" value={form.workout_type} onChange={set("workout_type")}
        error={fe("workout_type")}>
        <option value="">Ordinary run</option>
        {WORKOUT_TYPES.map((t) => (
          <option key={t.value} value={t.value}>{t.label}</option>
        ))}
      </SelectField>
      <Field label={`Distance (${distanceLabel(units)})`} name="distance" type="number" inputMode="decimal" step="any"
        min="0" value={form.distance} onChange={set("distance")} error={fe("distance")}
        hint="Correct GPS drift here; the pace and your totals follow." />
      <div className="field field--check">
        <label>
          <input type="checkbox" name="excluded" checked={form.excluded}
            onChange={(e) => setForm((f) => ({ ...f, excluded: e.target.checked }))} />{" "}
          Exclude from statistics
        </label>
        <p className="field__hint">The run stays listed, but no total, record, report or plan counts it.</p>
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          Save
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
