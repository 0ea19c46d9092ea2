import type { Units } from "../lib/units";
import type { Loaded } from "../lib/useApi";
import type { RunPage } from "../api/types";
import { RunList } from "../pages/RunsMonth";
import { Link } from "./Link";
import { LoadError } from "./Status";

/** The dashboard's latest runs; `recent` is the page's, part of its first-screen call. */
export function RecentRuns({ recent, units }: { recent: Loaded<RunPage>; units: Units }) {
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
