// A run's splits per km or mile, on the run page: from its recorded track (file runs, worked
// out here) or from its Strava streams (the dataservice's). Both show the same table.
import { useId } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { RunSplits, Track } from "../api/types";
import { computeSplits, trackPoints, type Split } from "../lib/splits";
import { formatDistance, formatDuration, formatPace, unitLength, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";

/** Splits in the runner's unit: metres covered, seconds taken, pace in seconds per km. */
export function SplitsTable({ splits, units }: { splits: Split[]; units: Units }) {
  const titleId = useId();
  if (splits.length === 0) return null;
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Splits</h2>
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
          {splits.map((s) => (
            <tr key={s.index}>
              <th scope="row">{s.index}</th>
              <td>{formatDistance(s.distance, units)}</td>
              <td>{formatDuration(s.time)}</td>
              <td>{formatPace(s.pace, units)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Splits of a recorded track (a file run, or a run merged from one). */
export function TrackSplits({ track, units }: { track: Track; units: Units }) {
  return <SplitsTable splits={computeSplits(trackPoints(track), unitLength(units))} units={units} />;
}

/** The API's splits, whose pace is per km or per mile as the list is, as the table's rows. */
function fromRunSplits(splits: RunSplits, units: Units): Split[] {
  const rows = units === "imperial" ? splits.mile : splits.km;
  const toPerKm = 1000 / unitLength(units);
  return rows.map((s) => ({ index: s.split, distance: s.distance, time: s.elapsed, pace: s.pace * toPerKm }));
}

/** Splits the dataservice computes from a run's Strava streams (no recorded track here);
 * nothing while the streams are not fetched (404). */
export function StreamSplits({ runId, units }: { runId: number; units: Units }) {
  const splits = useApi<RunSplits | null>(
    () =>
      endpoints.runSplits(runId).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    `run-splits:${runId}`,
  );
  if (!splits.data) return null;
  return <SplitsTable splits={fromRunSplits(splits.data, units)} units={units} />;
}
