// Where a run was merged from, and the runner's say over it: split a wrong merge apart,
// or merge a run recorded twice that Runnerly did not recognise. On the run page.
import { useState } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Run } from "../api/types";
import { formatDateTime, localStart, monthOf } from "../lib/dates";
import { mergedFromText } from "../lib/merges";
import { formatDistance, type Units } from "../lib/units";
import { FormMessage } from "./FormMessage";
import { Link } from "./Link";

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

export function RunMerges({ run, units, onChanged }: { run: Run; units: Units; onChanged: (runId: number) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [candidates, setCandidates] = useState<Run[] | null>(null);
  const [other, setOther] = useState("");
  const group = run.merged_from ?? [];
  const merged = group.length > 1 || run.merged_into != null;

  async function act(action: () => Promise<number>) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await action());
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  }

  async function openMerge() {
    setError(null);
    try {
      const { year, month } = monthOf(localStart(run)); // the month the runner lists it in
      const runs = await endpoints.runsOfMonth(year, month);
      setCandidates(runs.filter((r) => r.id !== run.id));
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <section className="card" aria-labelledby="merges-title">
      <h2 id="merges-title">Recorded twice?</h2>
      {group.length > 1 && <p>Merged from {mergedFromText(group)}: it counts once in your totals and records.</p>}
      {run.merged_into != null && (
        <p>
          This recording was merged into <Link to={`/runs/${run.merged_into}`}>another run</Link> and counts only there.
        </p>
      )}
      {merged ? (
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => act(async () => (await endpoints.splitRun(run.id)).items[0].id)}
        >
          Split apart
        </button>
      ) : candidates === null ? (
        <button type="button" className="button" onClick={openMerge}>
          Merge with another run…
        </button>
      ) : candidates.length === 0 ? (
        <p className="muted">No other run this month to merge with.</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (other) void act(async () => (await endpoints.mergeRun(run.id, Number(other))).id);
          }}
        >
          <label htmlFor="merge-other">The same run, recorded again</label>
          <select id="merge-other" value={other} onChange={(e) => setOther(e.target.value)}>
            <option value="">Choose a run…</option>
            {candidates.map((r) => (
              <option key={r.id} value={r.id}>
                {formatDateTime(localStart(r))} · {r.title} · {formatDistance(r.distance, units)}
              </option>
            ))}
          </select>
          <button type="submit" className="button button--primary" disabled={busy || !other}>
            Merge
          </button>
        </form>
      )}
      <FormMessage error={error} fields={[]} />
    </section>
  );
}
