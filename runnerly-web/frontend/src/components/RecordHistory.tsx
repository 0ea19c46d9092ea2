// How a personal record progressed: each run that beat the record before it, with its date.
// On the dashboard, under the records.
import { useState } from "react";
import { endpoints } from "../api/endpoints";
import type { Records } from "../api/types";
import { formatDay, localStart } from "../lib/dates";
import { formatDuration, formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { Link } from "./Link";
import { LoadError, Loading } from "./Status";

export function RecordHistory({ records, units }: { records: Records; units: Units }) {
  const held = records.best_efforts.filter((r) => r.best);
  const [distance, setDistance] = useState<number | null>(held[0]?.distance ?? null);
  const history = useApi(
    () => (distance == null ? Promise.resolve(null) : endpoints.recordHistory(distance)),
    `record-history:${distance}`,
  );
  if (held.length === 0) return null;
  return (
    <section className="card" aria-labelledby="record-history-title">
      <h2 id="record-history-title">How your records progressed</h2>
      <label className="field">
        <span className="field__label">Distance</span>
        <select value={distance ?? ""} onChange={(e) => setDistance(Number(e.target.value))}>
          {held.map((r) => (
            <option key={r.distance} value={r.distance}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {history.error ? (
        <LoadError error={history.error} retry={history.reload} />
      ) : history.data ? (
        <ol className="record-history">
          {history.data.items.map((e) => (
            <li key={e.run_id}>
              <span>{formatDay(localStart(e))}</span> <strong>{formatDuration(e.elapsed)}</strong>{" "}
              <span className="muted">{formatPace(e.pace, units)}</span> <Link to={`/runs/${e.run_id}`}>{e.title}</Link>
            </li>
          ))}
        </ol>
      ) : (
        <Loading what="Loading the history" />
      )}
    </section>
  );
}
