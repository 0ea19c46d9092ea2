// What a run brought: the personal records it set, and whether they still stand. On the run
// page (its splits are in Splits.tsx).
import { endpoints } from "../api/endpoints";
import { formatDuration, formatPace, type Units } from "../lib/units";
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
