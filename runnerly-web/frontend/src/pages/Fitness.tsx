// The Fitness page: training load, fitness, fatigue and form over a chosen span (decision 61),
// then the VDOT sections (decision 62). Each section is its own component: add one to
// SECTIONS, in the order the page shows them.
import type { ReactNode } from "react";
import { fitness, type Fitness } from "../api/fitness";
import { FitnessChart } from "../components/FitnessChart";
import { HeartRateZones } from "../components/HeartRateZones";
import { Link } from "../components/Link";
import { MarathonReadiness, RacePredictions } from "../components/RacePredictions";
import { LoadError, Loading } from "../components/Status";
import { VdotTrend } from "../components/VdotTrend";
import { SPANS, formWords, signed, spanOf, type Span } from "../lib/fitness";
import { formatPace, type Units } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession } from "../session";
import "./fitness.css";

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function Settings({ settings, units }: { settings: Fitness["settings"]; units: Units }) {
  const heart = settings.max_hr != null && settings.rest_hr != null;
  return (
    <p className="fitness__settings">
      Loads come from heart rate{" "}
      {heart ? `(max ${settings.max_hr}, resting ${settings.rest_hr} bpm)` : "(set your max and resting heart rate)"}, and
      for runs without it from your threshold pace{" "}
      {settings.threshold_pace == null
        ? "(set one, or your VO2max)"
        : `(${formatPace(settings.threshold_pace, units)}${settings.threshold_from === "vo2max" ? ", from your VO2max" : ""})`}
      . <Link to="/profile">Change them in your profile</Link>.
    </p>
  );
}

function TrainingLoad({ span, units }: { span: Span; units: Units }) {
  const answer = useApi(() => fitness.days(), "fitness:today");
  const today = answer.data?.today;
  const days = useApi(
    () => (today ? fitness.days(addDays(today, 1 - span.days), today) : Promise.resolve(null)),
    `fitness:${today}:${span.key}`,
  );
  const error = answer.error ?? days.error;
  const shown = days.data?.days ?? null;
  const now = shown?.[shown.length - 1];
  return (
    <section className="card" aria-labelledby="load-title">
      <h2 id="load-title">Fitness and fatigue</h2>
      <div className="fitness__spans" role="group" aria-label="Span">
        {SPANS.map((s) => (
          <button key={s.key} type="button" className="button" aria-pressed={s.key === span.key}
            onClick={() => navigate(`/fitness?span=${s.key}`, { replace: true })}>
            {s.label}
          </button>
        ))}
      </div>
      {error ? (
        <LoadError error={error} retry={answer.error ? answer.reload : days.reload} />
      ) : !shown || !now || !answer.data ? (
        <Loading what="Loading your training load" />
      ) : (
        <>
          <p className="fitness__today" role="status">
            Fitness <strong>{now.fitness.toFixed(0)}</strong>, fatigue <strong>{now.fatigue.toFixed(0)}</strong>, form{" "}
            <strong>{signed(now.form)}</strong>: {formWords(now.form)}.
          </p>
          <p className="muted">
            Fitness is your training load averaged over {answer.data.fitness_days} days, fatigue over{" "}
            {answer.data.fatigue_days}; form is yesterday’s fitness minus yesterday’s fatigue.
          </p>
          <FitnessChart days={shown} />
          <Settings settings={answer.data.settings} units={units} />
        </>
      )}
    </section>
  );
}

const SECTIONS: ((units: Units) => ReactNode)[] = [
  () => <VdotTrend key="vdot" />,
  (units) => <RacePredictions key="predictions" units={units} />,
  (units) => <MarathonReadiness key="readiness" units={units} />,
  () => <HeartRateZones key="zones" />,
];

export function FitnessPage({ query }: { query: string }) {
  const { units } = useSession();
  return (
    <>
      <h1>Fitness</h1>
      <TrainingLoad span={spanOf(query)} units={units} />
      {SECTIONS.map((section) => section(units))}
    </>
  );
}
