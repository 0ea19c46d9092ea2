import { endpoints } from "../api/endpoints";
import { RECENT_RUNS } from "../lib/runSearch";
import type { Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { RunList } from "../pages/RunsMonth";
import { Link } from "./Link";
import { LoadError } from "./Status";

/** The dashboard's latest runs: the run search, newest first, one short page. */
export function RecentRuns({ units }: { units: Units }) {
  const recent = useApi(() => endpoints.searchRuns({ per_page: RECENT_RUNS }), "recent-runs");
  return (
    <section className="card recent-runs" aria-labelledby="recent-title">
      <div className="card__head">
        <h2 id="recent-title">Recent activities</h2>
        <Link to="/runs/search">All runs</Link>
      </div>
      {recent.error ? (
        <LoadError error={recent.error} retry={recent.reload} />
      ) : recent.data ? (
        <RunList runs={recent.data.items} units={units} />
      ) : (
        <p className="loading">Loading your latest runs…</p>
      )}
    </section>
  );
}
