// The Fitness page's race predictions (Daniels' VDOT tables and Riegel, side by side) and
// marathon shape, in the runner's units; and the dashboard's line for the next race.
import { vo2max, type RacePredictions as Predictions } from "../api/vo2max";
import { formatDay } from "../lib/dates";
import { formatDistance, formatDuration, formatPace, type Units } from "../lib/units";
import { useApi, type Loaded } from "../lib/useApi";
import { LoadError, Loading } from "./Status";

function timeAndPace(seconds: number | null, distance: number, units: Units) {
  if (seconds == null) return <span className="muted">–</span>;
  return (
    <>
      {formatDuration(seconds)} <span className="muted">({formatPace((seconds * 1000) / distance, units)})</span>
    </>
  );
}

function basis(data: Predictions, units: Units): string {
  const from = data.riegel_from;
  if (!from) return "Riegel needs an effort of 1.5 km or more in the last 12 weeks.";
  return `Riegel from your best recent effort: ${formatDistance(from.distance, units)} in ${formatDuration(from.elapsed)} on ${formatDay(from.start_time.slice(0, 10))}.`;
}

export function RacePredictions({ units }: { units: Units }) {
  const answer = useApi(vo2max.predictions, "vo2max:predictions");
  return (
    <section className="card" aria-labelledby="predictions-title">
      <h2 id="predictions-title">Race predictions</h2>
      {answer.error ? (
        <LoadError error={answer.error} retry={answer.reload} />
      ) : !answer.data ? (
        <Loading what="Loading predictions" />
      ) : (
        <>
          <table>
            <caption className="visually-hidden">Predicted race times</caption>
            <thead>
              <tr>
                <th scope="col">Distance</th>
                <th scope="col">By VDOT {answer.data.vdot != null && `(${answer.data.vdot.toFixed(1)})`}</th>
                <th scope="col">By Riegel</th>
              </tr>
            </thead>
            <tbody>
              {answer.data.predictions.map((p) => (
                <tr key={p.label}>
                  <th scope="row">{p.label}</th>
                  <td>{timeAndPace(p.vdot_time, p.distance, units)}</td>
                  <td>{timeAndPace(p.riegel_time, p.distance, units)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            By VDOT: Daniels' tables for your current VDOT. {basis(answer.data, units)}
          </p>
        </>
      )}
    </section>
  );
}

export function MarathonReadiness({ units }: { units: Units }) {
  const answer = useApi(vo2max.readiness, "vo2max:readiness");
  if (answer.error) return <LoadError error={answer.error} retry={answer.reload} />;
  if (!answer.data) return <Loading what="Loading marathon shape" />;
  const shape = answer.data.shape;
  return (
    <section className="card" aria-labelledby="shape-title">
      <h2 id="shape-title">Marathon shape</h2>
      {!shape ? (
        <p className="muted">Marathon shape needs a current VDOT: run, and it appears.</p>
      ) : (
        <>
          <p>
            <strong>{shape.percentage} %</strong> ready for a marathon at VDOT{" "}
            {shape.vdot.toFixed(1)}
          </p>
          <ul className="plain">
            <li>
              Weekly volume: {formatDistance(shape.week.km_per_week * 1000, units, 0)} a week over the last{" "}
              {Math.round(shape.week.days / 7)} weeks, of {formatDistance(shape.week.target_km_per_week * 1000, units, 0)}{" "}
              asked ({Math.round(shape.week.share * 100)} %, counts {Math.round(shape.week.weight * 100)} %)
            </li>
            <li>
              Long runs: {shape.long_runs.runs.length} over {formatDistance(shape.long_runs.min_km * 1000, units, 0)} in
              the last {Math.round(shape.long_runs.days / 7)} weeks, toward{" "}
              {formatDistance(shape.long_runs.target_km * 1000, units, 0)} ({Math.round(shape.long_runs.share * 100)} %,
              counts {Math.round(shape.long_runs.weight * 100)} %)
            </li>
          </ul>
          <p className="muted">Runalyze's marathon shape: recent weekly volume and long runs against what your VDOT asks.</p>
        </>
      )}
    </section>
  );
}

/** The dashboard's line under the coming race: its predicted time. `answer`: the
 * dashboard's first-screen part; without it, the line asks on its own. */
export function NextRacePrediction({ units, answer }: { units: Units; answer?: Loaded<Predictions> }) {
  const own = useApi(vo2max.predictions, answer ? null : "vo2max:predictions");
  const race = (answer ?? own).data?.next_race;
  if (!race || (race.vdot_time == null && race.riegel_time == null)) return null;
  return (
    <section className="card" aria-label="Predicted time for your next race">
      <p>
        <strong>{race.name}</strong> ({formatDistance(race.distance, units, 1)}, {formatDay(race.date)}): predicted{" "}
      {race.vdot_time != null && <>{formatDuration(race.vdot_time)} by VDOT</>}
      {race.vdot_time != null && race.riegel_time != null && " · "}
      {race.riegel_time != null && <>{formatDuration(race.riegel_time)} by Riegel</>}
      {race.goal_time != null && <span className="muted"> · goal {formatDuration(race.goal_time)}</span>}
      </p>
    </section>
  );
}
