import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { gear, type Gear } from "../api/gear";
import type { Run } from "../api/types";
import { gearAlert } from "../lib/gear";
import { formatDistance, type Units } from "../lib/units";
import { Link } from "./Link";
import { SelectField } from "./Field";

/** The run page's shoes: the pair it was run in (its distance and alert) and a picker. */
export function RunGear({ run, units, onChanged }: { run: Run; units: Units; onChanged: () => void }) {
  const [pairs, setPairs] = useState<Gear[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const current = run.gear_id ?? null;
  useEffect(() => {
    gear.list().then(setPairs, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [current]);
  const choose = async (value: string) => {
    setError(null);
    setSaved(false);
    try {
      await gear.wear(run.id, value === "" ? null : Number(value));
      setSaved(true);
      onChanged();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  const worn = pairs?.find((p) => p.id === current) ?? null;
  const alert = worn ? gearAlert(worn, units) : null;
  // A retired pair stays listed for the run that wears it, not as a choice for others.
  const choices = (pairs ?? []).filter((p) => !p.retired || p.id === current);
  return (
    <section className="card" aria-labelledby="run-gear-title">
      <h2 id="run-gear-title">Shoes</h2>
      {pairs === null ? (
        !error && <p className="muted">Loading…</p>
      ) : pairs.length === 0 ? (
        <p className="muted">
          No shoes yet: add them in your <Link to="/profile">profile</Link>.
        </p>
      ) : (
        <>
          {worn && (
            <p>
              {worn.name}: {formatDistance(worn.distance, units, 1)} in all
            </p>
          )}
          {alert && <p className={worn?.alert === "past" ? "gear__alert gear__alert--past" : "gear__alert"}>{alert}</p>}
          <SelectField label="Run in" name="gear_id" value={current === null ? "" : String(current)}
            onChange={(e) => void choose(e.target.value)}
            hint={run.source === "strava" ? "Your choice is kept when Strava syncs." : undefined}>
            <option value="">No shoes</option>
            {choices.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.retired ? " (retired)" : ""}
              </option>
            ))}
          </SelectField>
          {saved && <p role="status">Saved.</p>}
        </>
      )}
      {error && <p className="field__error" role="alert">{error}</p>}
    </section>
  );
}
