import { lazy, Suspense, useMemo, useState } from "react";
import { endpoints } from "../api/endpoints";
import { ApiError } from "../api/client";
import type { Track } from "../api/types";
import { Link } from "../components/Link";
import { RunFitness } from "../components/HeartRateZones";
import { RunEditForm } from "../components/RunEditForm";
import { RunMerges } from "../components/RunMerges";
import { RunGear } from "../components/RunGear";
import { RunRecords } from "../components/RunRecords";
import { ShareLinks } from "../components/ShareLinks";
import { StreamSplits, TrackSplits } from "../components/Splits";
import { LoadError, Loading } from "../components/Status";
import { TrackOutline } from "../components/TrackOutline";
import { formatDateTime, localStart, zoneLabel } from "../lib/dates";
import { trackPoints } from "../lib/splits";
import { editedNote, workoutLabel } from "../lib/runEdits";
import { decodePolyline, type LatLng } from "../lib/polyline";
import { formatDistance, formatDuration, formatElevation, formatPace, paceOf } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession } from "../session";

const TrackMap = lazy(() => import("../components/TrackMap"));

function safeDecode(polyline: string | null | undefined): LatLng[] {
  if (!polyline) return [];
  try {
    return decodePolyline(polyline);
  } catch {
    return [];
  }
}

export function RunDetailPage({ id }: { id: number }) {
  const { units } = useSession();
  const run = useApi(() => endpoints.run(id), `run:${id}`);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  // Only file imports (and runs merged from one) have recorded points; for Strava runs the
  // polyline is the track.
  const hasTrack = run.data?.source === "file" || (run.data?.merged_from ?? []).some((m) => m.source === "file");
  const track = useApi<Track | null>(
    () => (hasTrack ? endpoints.track(id) : Promise.resolve(null)),
    `track:${id}:${hasTrack}:${run.data?.merged_from?.length ?? 0}`,
  );
  const points = useMemo<LatLng[]>(() => {
    if (track.data && track.data.points.length > 1) return trackPoints(track.data).map((p) => [p[1], p[2]] as LatLng);
    return safeDecode(run.data?.polyline);
  }, [track.data, run.data?.polyline]);

  if (run.loading && !run.data) return <Loading what="Loading the run" />;
  if (run.error) return <LoadError error={run.error} retry={run.reload} />;
  const r = run.data!;
  const mapLabel = `Map of the route of ${r.title}`;
  const monthPath = `/runs/${localStart(r).slice(0, 4)}/${localStart(r).slice(5, 7)}`; // its local month
  const kind = workoutLabel(r.workout_type);
  const note = editedNote(r.edited_fields);
  const remove = async () => {
    if (!window.confirm(`Delete ${r.title}? It leaves your totals and records${r.source === "strava" ? ", and Strava's next sync will not bring it back" : ""}.`)) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await endpoints.deleteRun(r.id);
      navigate(monthPath);
    } catch (err) {
      setDeleteError(err instanceof ApiError ? err.message : String(err));
      setDeleting(false);
    }
  };
  return (
    <>
      <p>
        <Link to={monthPath}>‹ Back to the month</Link>
      </p>
      <h1>
        {r.title}
        {kind && <span className="badge">{kind}</span>}
        {r.excluded && <span className="badge badge--muted">Excluded from statistics</span>}
      </h1>
      <p className="muted">
        {formatDateTime(localStart(r))} {zoneLabel(r)} · {r.sport_type} · {r.source === "strava" ? "from Strava" : r.source === "file" ? "uploaded file" : "entered by hand"}
      </p>
      {note && <p className="edited-note">{note}{r.source === "strava" ? " (kept when Strava syncs)" : ""}</p>}
      {saved && !editing && <p role="status">Saved. Totals, records, reports and plans already reflect it.</p>}
      {editing ? (
        <RunEditForm
          run={r}
          units={units}
          onSaved={() => {
            setEditing(false);
            setSaved(true);
            run.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div className="actions">
          <button type="button" className="button" onClick={() => { setSaved(false); setEditing(true); }}>
            Edit
          </button>
          <button type="button" className="button button--danger" onClick={remove} disabled={deleting}>
            Delete<span className="visually-hidden"> {r.title}</span>
          </button>
        </div>
      )}
      {deleteError && <p className="field__error" role="alert">{deleteError}</p>}
      <dl className="stats">
        <div><dt>Distance</dt><dd>{formatDistance(r.distance, units)}</dd></div>
        <div><dt>Moving time</dt><dd>{formatDuration(r.moving_time)}</dd></div>
        <div><dt>Pace</dt><dd>{formatPace(paceOf(r.distance, r.moving_time), units)}</dd></div>
        <div><dt>Elapsed</dt><dd>{formatDuration(r.elapsed_time)}</dd></div>
        {r.elevation_gain != null && <div><dt>Elevation gain</dt><dd>{formatElevation(r.elevation_gain, units)}</dd></div>}
        {r.average_hr != null && <div><dt>Average HR</dt><dd>{Math.round(r.average_hr)} bpm</dd></div>}
        {r.load && (
          <div>
            <dt>Training load</dt>
            <dd>
              {r.load.value != null ? (
                <Link to="/fitness" title={r.load.method === "pace" ? "From pace and your threshold pace" : "TRIMP, from heart rate"}>
                  {Math.round(r.load.value)}
                </Link>
              ) : (
                <span className="muted">none: {r.load.reason}</span>
              )}
            </dd>
          </div>
        )}
      </dl>
      {r.description && <p>{r.description}</p>}
      {points.length > 1 ? (
        <section className="card" aria-labelledby="map-title">
          <h2 id="map-title">Route</h2>
          <Suspense fallback={<TrackOutline points={points} label={mapLabel} />}>
            <TrackMap points={points} label={mapLabel} />
          </Suspense>
        </section>
      ) : (
        <p className="muted">This run has no recorded route.</p>
      )}
      {track.data && <TrackSplits track={track.data} units={units} />}
      {!hasTrack && r.source === "strava" && <StreamSplits runId={r.id} units={units} />}
      <RunGear run={r} units={units} onChanged={run.reload} />
      <RunRecords runId={r.id} units={units} />
      <RunFitness runId={r.id} units={units} />
      <RunMerges run={r} units={units} onChanged={(shown) => (shown === r.id ? run.reload() : navigate(`/runs/${shown}`))} />
      <ShareLinks target={{ run_id: r.id }} what={r.title} />
    </>
  );
}
