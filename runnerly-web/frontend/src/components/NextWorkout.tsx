import type { NextSession } from "../api/types";
import { training } from "../api/training";
import { countdown, formatDay } from "../lib/dates";
import { formatDistance, formatDuration, formatPace, workoutText, type Units } from "../lib/units";
import { useApi, type Loaded } from "../lib/useApi";
import { useToday } from "../session";
import { Link } from "./Link";

/** The dashboard's card: the coming race, and the next workout of its plan still to do
 * (the API's `session`). `answer`: the dashboard's first-screen part; without it, the card
 * asks on its own. */
export function NextWorkout({ units, answer }: { units: Units; answer?: Loaded<NextSession> }) {
  const own = useApi(training.next, answer ? null : "training:next");
  const next = answer ?? own;
  const today = useToday();
  if (!next.data || !next.data.race) return null;
  const { race, plan, session: workout } = next.data;
  return (
    <section className="card next-session" aria-labelledby="next-session-title">
      <h2 id="next-session-title">Coming up</h2>
      <p>
        <strong>{race.name}</strong> {countdown(race.days_to_go)} · {formatDay(race.date)} ·{" "}
        {formatDistance(race.distance, units, 1)}
      </p>
      {workout ? (
        <p>
          Next session{workout.date === today ? " (today)" : ""}: {formatDay(workout.date)} · {workout.kind}
          {workout.distance != null && ` ${formatDistance(workout.distance, units, 1)}`}
          {workout.duration != null && workout.kind !== "race" && ` ${formatDuration(workout.duration)}`}
          {workout.target_pace != null && ` at ${formatPace(workout.target_pace, units)}`}
          {workout.notes && <span className="muted"> — {workoutText(workout.notes, units)}</span>}
          {plan && (
            <>
              {" "}
              <Link to={`/plans/${plan.id}`}>Open the plan</Link>
            </>
          )}
        </p>
      ) : plan ? (
        <p>
          Nothing left to do in <Link to={`/plans/${plan.id}`}>{plan.name}</Link> before race day.
        </p>
      ) : (
        <p className="muted">
          No plan toward it yet: make one on the <Link to="/races">races page</Link>.
        </p>
      )}
    </section>
  );
}
