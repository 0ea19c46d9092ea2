import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { gear, type Gear, type GearWrite } from "../api/gear";
import { distanceInput, distanceText, gearAlert, gearMake } from "../lib/gear";
import { distanceLabel, formatDistance, type Units } from "../lib/units";
import { useSession } from "../session";
import { Field } from "./Field";
import { FormMessage } from "./FormMessage";

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

const FIELDS = ["name", "brand", "model", "retire_distance", "start_distance", "is_default"];

interface FormState {
  name: string;
  brand: string;
  model: string;
  retire: string;
  start: string;
  isDefault: boolean;
}

function formOf(pair: Gear | null, units: Units): FormState {
  return {
    name: pair?.name ?? "",
    brand: pair?.brand ?? "",
    model: pair?.model ?? "",
    retire: pair ? distanceText(pair.retire_distance, units) : units === "imperial" ? "400" : "700",
    start: pair ? distanceText(pair.start_distance, units) : "",
    isDefault: pair?.is_default ?? false,
  };
}

/** The form's body, or the fields it cannot send (a distance that is not a number). */
function bodyOf(form: FormState, units: Units): GearWrite | ApiError {
  const retire = distanceInput(form.retire, units);
  const start = distanceInput(form.start, units);
  const bad = [
    ...(Number.isNaN(retire) ? ["retire_distance"] : []),
    ...(Number.isNaN(start) ? ["start_distance"] : []),
  ];
  if (bad.length) {
    return new ApiError(400, "invalid", "Please correct the fields marked below.", bad.map((field) => ({ field, message: "Enter a distance." })));
  }
  return {
    name: form.name,
    brand: form.brand.trim() || null,
    model: form.model.trim() || null,
    retire_distance: retire === null ? null : Math.round(retire),
    start_distance: start === null ? 0 : Math.round(start),
    is_default: form.isDefault,
  };
}

function GearForm({ pair, units, onSaved, onCancel }: { pair: Gear | null; units: Units; onSaved: () => void; onCancel?: () => void }) {
  const [form, setForm] = useState<FormState>(() => formOf(pair, units));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const unit = distanceLabel(units);
  const set = (k: keyof FormState) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = bodyOf(form, units);
    if (body instanceof ApiError) {
      setError(body);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (pair) await gear.update(pair.id, body);
      else await gear.create(body);
      if (!pair) setForm(formOf(null, units));
      onSaved();
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => error?.fieldError(f);
  const title = pair ? `Edit ${pair.name}` : "Add a pair";
  return (
    <form onSubmit={submit} noValidate className="gear-form" aria-label={title}>
      {!pair && <h3>Add a pair</h3>}
      <FormMessage error={error} fields={FIELDS} />
      <Field label="Name" name="name" value={form.name} onChange={set("name")} error={fe("name")} required />
      <Field label="Brand" name="brand" value={form.brand} onChange={set("brand")} error={fe("brand")} />
      <Field label="Model" name="model" value={form.model} onChange={set("model")} error={fe("model")} />
      <Field label={`Retire at (${unit})`} name="retire_distance" type="number" inputMode="decimal" step="any"
        value={form.retire} onChange={set("retire")} error={fe("retire_distance")}
        hint="You are told when the pair is within 50 km of it, and once past it. Empty: never." />
      <Field label={`Distance before Runnerly (${unit})`} name="start_distance" type="number" inputMode="decimal" step="any"
        value={form.start} onChange={set("start")} error={fe("start_distance")}
        hint="For a pair bought used or worn before: added to its runs here." />
      <div className="field field--check">
        <label>
          <input type="checkbox" name="is_default" checked={form.isDefault}
            onChange={(e) => setForm((f) => ({ ...f, isDefault: e.target.checked }))} />
          {" "}My default pair (uploaded files and runs entered by hand get it)
        </label>
      </div>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={busy || !form.name.trim()}>
          {pair ? "Save" : "Add pair"}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function GearItem({ pair, units, onChanged }: { pair: Gear; units: Units; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const alert = gearAlert(pair, units);
  const make = gearMake(pair);
  const act = async (change: () => Promise<unknown>) => {
    setError(null);
    try {
      await change();
      onChanged();
    } catch (err) {
      setError(toError(err));
    }
  };
  if (editing) {
    return (
      <li className="gear">
        <GearForm pair={pair} units={units} onSaved={() => { setEditing(false); onChanged(); }} onCancel={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className={pair.retired ? "gear gear--retired" : "gear"}>
      <p className="gear__name">
        <strong>{pair.name}</strong>
        {make && <span className="muted"> · {make}</span>}
        {pair.is_default && <span className="badge">Default</span>}
        {pair.retired && <span className="badge badge--muted">Retired</span>}
      </p>
      <p>
        {formatDistance(pair.distance, units, 1)} · {pair.runs} run{pair.runs === 1 ? "" : "s"}
        {pair.retire_distance != null && <> of {formatDistance(pair.retire_distance, units, 0)}</>}
      </p>
      {pair.retire_distance != null && !pair.retired && (
        <progress max={pair.retire_distance} value={Math.min(pair.distance, pair.retire_distance)}
          aria-label={`${pair.name}: ${Math.round((100 * pair.distance) / pair.retire_distance)}% of its retirement distance`} />
      )}
      {alert && <p className={pair.alert === "past" ? "gear__alert gear__alert--past" : "gear__alert"}>{alert}</p>}
      <FormMessage error={error} fields={[]} />
      <div className="actions">
        <button type="button" className="button" onClick={() => setEditing(true)}>
          Edit <span className="visually-hidden">{pair.name}</span>
        </button>
        {!pair.retired && !pair.is_default && (
          <button type="button" className="button" onClick={() => act(() => gear.update(pair.id, { is_default: true }))}>
            Make default <span className="visually-hidden">({pair.name})</span>
          </button>
        )}
        <button type="button" className="button" onClick={() => act(() => gear.update(pair.id, { retired: !pair.retired }))}>
          {pair.retired ? "Back in use" : "Retire"} <span className="visually-hidden">{pair.name}</span>
        </button>
        {pair.runs === 0 && (
          <button type="button" className="button button--danger"
            onClick={() => window.confirm(`Delete ${pair.name}?`) && act(() => gear.remove(pair.id))}>
            Delete <span className="visually-hidden">{pair.name}</span>
          </button>
        )}
      </div>
    </li>
  );
}

/** The profile's "Shoes": each pair's distance in the runner's units, how near it is to the
 * distance the runner retires it at, and adding, editing, retiring, the default pair. */
export function GearSection() {
  const { units } = useSession();
  const [pairs, setPairs] = useState<Gear[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = () => gear.list().then(setPairs, (e: unknown) => setError(toError(e)));
  useEffect(() => {
    void load();
  }, []);
  return (
    <section className="card" aria-labelledby="gear-title">
      <h2 id="gear-title">Shoes</h2>
      <p>
        Each pair’s distance is its runs’ (runs left out of statistics do not count). Strava runs bring their shoes;
        uploaded files get your default pair; change a run’s pair on its page.
      </p>
      <FormMessage error={error} fields={[]} />
      {pairs === null ? (
        !error && <p className="muted">Loading…</p>
      ) : pairs.length === 0 ? (
        <p className="muted">No shoes yet.</p>
      ) : (
        <ul className="gear-list">
          {pairs.map((p) => (
            <GearItem key={`${p.id}:${p.updated_at ?? ""}`} pair={p} units={units} onChanged={() => void load()} />
          ))}
        </ul>
      )}
      <GearForm pair={null} units={units} onSaved={() => void load()} />
    </section>
  );
}
