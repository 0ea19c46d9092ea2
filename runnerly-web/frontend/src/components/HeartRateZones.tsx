// Heart-rate zones (Karvonen, from the profile's max and resting heart rate): time in each
// zone per week on the Fitness page, and per run on a run's page with its VDOT.
import { vo2max, type HeartRateZone } from "../api/vo2max";
import { formatDay } from "../lib/dates";
import { formatDistance, formatDuration, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { Link } from "./Link";
import { LoadError, Loading } from "./Status";

function bpm(zone: HeartRateZone): string {
  const share = `${Math.round(zone.reserve_from * 100)}–${Math.round(zone.reserve_to * 100)} % of reserve`;
  if (zone.from_bpm == null) return `under ${Math.round(zone.to_bpm)} bpm`;
  return `${Math.round(zone.from_bpm)}–${Math.round(zone.to_bpm)} bpm, ${share}`;
}

const NO_PROFILE = (
  <p className="muted">
    Zones need your maximum and resting heart rate: set them in your <Link to="/profile">profile</Link>.
  </p>
);

function ZoneBars({ zones, seconds }: { zones: HeartRateZone[]; seconds: number[] }) {
  const total = seconds.reduce((a, b) => a + b, 0);
  return (
    <table className="zones">
      <caption className="visually-hidden">Time in each heart-rate zone</caption>
      <thead>
        <tr>
          <th scope="col">Zone</th>
          <th scope="col">Time</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {zones.map((z, i) => (
          <tr key={z.zone}>
            <th scope="row">
              {z.name} <span className="muted">({bpm(z)})</span>
            </th>
            <td>{formatDuration(seconds[i])}</td>
            <td>{total > 0 ? `${Math.round((seconds[i] / total) * 100)} %` : "–"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function HeartRateZones() {
  const answer = useApi(vo2max.weeklyZones, "vo2max:zones");
  return (
    <section className="card" aria-labelledby="zones-title">
      <h2 id="zones-title">Heart-rate zones</h2>
      {answer.error ? (
        <LoadError error={answer.error} retry={answer.reload} />
      ) : !answer.data ? (
        <Loading what="Loading heart-rate zones" />
      ) : !answer.data.zones ? (
        NO_PROFILE
      ) : (
        <>
          <ZoneBars
            zones={answer.data.zones}
            seconds={answer.data.weeks.reduce((sum, w) => sum.map((s, i) => s + w.seconds[i]), [0, 0, 0, 0, 0, 0])}
          />
          <p className="muted">
            The last {answer.data.weeks.length} weeks, from {formatDay(answer.data.from)}:{" "}
            {answer.data.weeks.reduce((n, w) => n + w.runs_with_hr, 0)} runs with heart rate,{" "}
            {answer.data.weeks.reduce((n, w) => n + w.runs_without_hr, 0)} without (not in any zone). Zones by
            Karvonen: shares of the reserve between your resting and maximum heart rate.
          </p>
          <details className="chart-table">
            <summary>Each week</summary>
            <table>
              <caption>Time in zones per week</caption>
              <thead>
                <tr>
                  <th scope="col">Week of</th>
                  {answer.data.zones.map((z) => (
                    <th scope="col" key={z.zone}>{z.name}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {answer.data.weeks.map((w) => (
                  <tr key={w.week}>
                    <th scope="row">{formatDay(w.week)}</th>
                    {w.seconds.map((s, i) => (
                      <td key={i}>{formatDuration(s)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

/** A run's page: its VDOT (and how it was found) and its time in each zone. */
export function RunFitness({ runId, units }: { runId: number; units: Units }) {
  const answer = useApi(() => vo2max.run(runId), `vo2max:run:${runId}`);
  if (!answer.data) return null;
  const { vdot, heart_rate_zones: zones } = answer.data;
  return (
    <section className="card" aria-labelledby="run-fitness-title">
      <h2 id="run-fitness-title">VDOT and heart rate</h2>
      {vdot ? (
        <p>
          VDOT <strong>{vdot.vdot.toFixed(1)}</strong>{" "}
          <span className="muted">
            {vdot.method === "heart_rate"
              ? `from pace and heart rate${vdot.factor !== 1 ? ` (corrected ×${vdot.factor.toFixed(2)} by your races)` : ""}`
              : `from the best ${formatDistance(vdot.effort_distance ?? 0, units)} in it`}
            {vdot.method === "heart_rate" && vdot.by_time != null && `; ${vdot.by_time.toFixed(1)} by its best effort`}
          </span>
        </p>
      ) : (
        <p className="muted">No VDOT for this run (too short, not a run, or left out of your statistics).</p>
      )}
      {zones.missing === "profile" ? (
        NO_PROFILE
      ) : zones.missing === "heart_rate" || !zones.zones ? (
        <p className="muted">No heart-rate recording for this run: no time in zones.</p>
      ) : (
        <ZoneBars zones={zones.zones} seconds={zones.zones.map((z) => z.seconds ?? 0)} />
      )}
    </section>
  );
}
