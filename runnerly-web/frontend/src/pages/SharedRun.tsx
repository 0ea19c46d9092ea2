// The public page of a share link, /s/<token> (decision 65): drawn for anyone, logged in or
// not, from GET /api/web/shared/<token> alone. main.tsx renders it instead of the app, so no
// session is asked for and no cookie is set; the link's token is the only authority.
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { sharing, type Shared } from "../api/sharing";
import { SplitsTable } from "../components/Splits";
import { TrackOutline } from "../components/TrackOutline";
import { formatDay } from "../lib/dates";
import { documentTitle } from "../lib/pageTitle";
import { decodePolyline, type LatLng } from "../lib/polyline";
import { formatDistance, formatDuration, formatElevation, formatPace, paceOf } from "../lib/units";

const TrackMap = lazy(() => import("../components/TrackMap"));

const GONE = "This shared page does not exist or is no longer shared.";

function route(shared: Shared): LatLng[] {
  if (!shared.route) return [];
  try {
    return decodePolyline(shared.route.polyline);
  } catch {
    return [];
  }
}

/** Search engines are told twice (the X-Robots-Tag header too): a shared page is not for them. */
function useNoIndex(): void {
  useEffect(() => {
    const meta = document.createElement("meta");
    meta.name = "robots";
    meta.content = "noindex, nofollow";
    document.head.appendChild(meta);
    return () => meta.remove();
  }, []);
}

function RunView({ run }: { run: Shared }) {
  const points = useMemo(() => route(run), [run]);
  const units = "metric";
  const label = `Map of the route of ${run.title ?? "the run"}`;
  const splits = (run.splits ?? []).map((s) => ({ index: s.split, distance: s.distance, time: s.elapsed, pace: s.pace }));
  return (
    <>
      <h1>{run.title}</h1>
      <p className="muted">
        {run.date ? formatDay(run.date) : ""} · {run.sport_type} · shared from Runnerly
      </p>
      <dl className="stats">
        <div><dt>Distance</dt><dd>{formatDistance(run.distance, units)}</dd></div>
        <div><dt>Moving time</dt><dd>{formatDuration(run.moving_time)}</dd></div>
        <div><dt>Pace</dt><dd>{formatPace(run.pace ?? null, units)}</dd></div>
        <div><dt>Elapsed</dt><dd>{formatDuration(run.elapsed_time)}</dd></div>
        {run.elevation_gain != null && <div><dt>Elevation gain</dt><dd>{formatElevation(run.elevation_gain, units)}</dd></div>}
        {run.average_hr != null && <div><dt>Average HR</dt><dd>{Math.round(run.average_hr)} bpm</dd></div>}
        {run.max_hr != null && <div><dt>Max HR</dt><dd>{Math.round(run.max_hr)} bpm</dd></div>}
      </dl>
      {points.length > 1 ? (
        <section className="card" aria-labelledby="map-title">
          <h2 id="map-title">Route</h2>
          <Suspense fallback={<TrackOutline points={points} label={label} />}>
            <TrackMap points={points} label={label} />
          </Suspense>
          {run.route?.trimmed && <p className="muted">The start and end are hidden for the runner's privacy.</p>}
        </section>
      ) : (
        <p className="muted">The route is not shown.</p>
      )}
      <SplitsTable splits={splits} units={units} />
    </>
  );
}

function RaceView({ race }: { race: Shared }) {
  const units = "metric";
  return (
    <>
      <h1>{race.name}</h1>
      <p className="muted">{race.date ? formatDay(race.date) : ""} · race result shared from Runnerly</p>
      <dl className="stats">
        <div><dt>Distance</dt><dd>{formatDistance(race.distance, units)}</dd></div>
        <div><dt>Result</dt><dd>{race.result_time != null ? formatDuration(race.result_time) : "Not recorded"}</dd></div>
        {race.result_time != null && race.distance != null && (
          <div><dt>Pace</dt><dd>{formatPace(paceOf(race.distance, race.result_time), units)}</dd></div>
        )}
      </dl>
    </>
  );
}

export function SharedRunPage({ token }: { token: string }) {
  const [shared, setShared] = useState<Shared | null>(null);
  const [error, setError] = useState<string | null>(null);
  useNoIndex();
  useEffect(() => {
    sharing.shared(token).then(setShared, (e: unknown) =>
      setError(e instanceof ApiError && e.status === 404 ? GONE : e instanceof Error ? e.message : String(e)),
    );
  }, [token]);
  const title = shared ? (shared.kind === "race" ? shared.name : shared.title) : error ? "Not found" : null;
  useEffect(() => {
    document.title = documentTitle(title ?? null);
  }, [title]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <a href="/" className="brand">
          Runnerly
        </a>
      </header>
      <main id="main" tabIndex={-1}>
        {error ? (
          <>
            <h1>Not found</h1>
            <p role="alert">{error}</p>
          </>
        ) : !shared ? (
          <p role="status">Loading the shared page…</p>
        ) : shared.kind === "race" ? (
          <RaceView race={shared} />
        ) : (
          <RunView run={shared} />
        )}
      </main>
    </>
  );
}
