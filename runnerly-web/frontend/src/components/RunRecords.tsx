// What a run brought: the personal records it set (and whether they still stand), and for
// a Strava run its splits from the activity's streams. On the run page.
import { endpoints } from "../api/endpoints";
import { ApiError } from "../api/client";
import type { RunSplits } from "../api/types";
import { formatDistance, formatDuration, formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";

export function RunRecords({ runId, units }: { runId: number; units: Units }) {
  const set = useApi(() => endpoints.runRecords(runId), `run-records:${runId}`);
  const items = set.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="card" aria-labelledby="run-records-title">
      <h2 id="run-records-title">Records set by this run</h2>
      <ul className="plain">
        {items.map((r) => (
          <li key={r.distance}>
            <strong>{r.label}</strong> in {formatDuration(r.elapsed)} ({formatPace(r.pace, units)})
            {r.current ? <span className="badge">Still your record</span> : <span className="muted"> · beaten since</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Splits the dataservice computes from a run's Strava streams (no recorded track here). */
export function StreamSplits({ runId, units }: { runId: number; units: Units }) {
  const splits = useApi<RunSplits | null>(
    () => endpoints.runSplits(runId).catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
    `run-splits:${runId}`,
  );
  if (!splits.data) return null;
  const rows = units === "imperial" ? splits.data.mile : splits.data.km;
  if (rows.length === 0) return null;
  const perKm = units === "imperial" ? 1000 / 1609.344 : 1;
  return (
    <section className="card" aria-labelledby="stream-splits-title">
      <h2 id="stream-splits-title">Splits</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{units === "imperial" ? "Mile" : "Km"}</th>
            <th scope="col">Distance</th>
            <th scope="col">Time</th>
            <th scope="col">Pace</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.split}>
              <th scope="row">{s.split}</th>
              <td>{formatDistance(s.distance, units)}</td>
              <td>{formatDuration(s.elapsed)}</td>
              <td>{formatPace(s.pace * perKm, units)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
