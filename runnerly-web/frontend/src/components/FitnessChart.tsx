// Fitness, fatigue and form over the chosen span: three lines on one scale, a date axis, a
// tooltip per day (pointer or arrow keys), a sentence and a table for screen readers.
import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { useId, type PointerEvent } from "react";
import type { FitnessDay } from "../api/fitness";
import { HEIGHT, M, tickIndexes, useActive, useWidth } from "../lib/chartAxis";
import { formatDay } from "../lib/dates";
import { signed } from "../lib/fitness";
import { ChartTable, Plot, XAxis } from "./charts";

const SERIES = [
  { key: "fitness", label: "Fitness", className: "line line--fitness" },
  { key: "fatigue", label: "Fatigue", className: "line line--fatigue" },
  { key: "form", label: "Form", className: "line line--form" },
] as const;

function describe(day: FitnessDay): string {
  return `${formatDay(day.date)}: fitness ${day.fitness.toFixed(0)}, fatigue ${day.fatigue.toFixed(0)}, form ${signed(day.form)}, load ${day.load.toFixed(0)}`;
}

export function FitnessChart({ days }: { days: FitnessDay[] }) {
  const titleId = useId();
  const { ref, width } = useWidth<HTMLDivElement>();
  const { active, setActive, handlers } = useActive(days.length);
  if (days.length < 2) return null;
  const values = days.flatMap((d) => [d.fitness, d.fatigue, d.form]);
  const x = scaleLinear().domain([0, days.length - 1]).range([M.left, width - M.right]);
  const y = scaleLinear()
    .domain([Math.min(0, ...values), Math.max(10, ...values)])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const first = days[0];
  const last = days[days.length - 1];
  const description = `Fitness, fatigue and form per day from ${formatDay(first.date)} to ${formatDay(last.date)}; on ${formatDay(last.date)}: fitness ${last.fitness.toFixed(0)}, fatigue ${last.fatigue.toFixed(0)}, form ${signed(last.form)}.`;
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const at = Math.round(x.invert(e.clientX - e.currentTarget.getBoundingClientRect().left));
    setActive(Math.min(days.length - 1, Math.max(0, at)));
  };
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <ul className="chart__legend">
        {SERIES.map((s) => (
          <li key={s.key}>
            <svg width="18" height="8" aria-hidden="true">
              <line className={s.className} x1="0" x2="18" y1="4" y2="4" />
            </svg>{" "}
            {s.label}
          </li>
        ))}
      </ul>
      <div ref={ref}>
        <Plot title="Fitness, fatigue and form" width={width} handlers={handlers}
          tip={active == null ? null : describe(days[active])} tipX={active == null ? null : x(active)}>
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={titleId}
            onPointerMove={onPointerMove} onPointerLeave={() => setActive(null)}>
            {y.ticks(4).map((t) => (
              <g key={t}>
                <line className={t === 0 ? "grid grid--zero" : "grid"} x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
                <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">{t}</text>
              </g>
            ))}
            {SERIES.map((s) => (
              <path key={s.key} className={s.className}
                d={line<FitnessDay>().x((_, i) => x(i)).y((d) => y(d[s.key]))(days) ?? ""} />
            ))}
            {active != null && (
              <line className="chart__cursor" x1={x(active)} x2={x(active)} y1={M.top} y2={HEIGHT - M.bottom} />
            )}
            <XAxis width={width}
              labels={tickIndexes(days.length, width - M.left - M.right).map((i) => ({ x: x(i), day: days[i].date }))} />
          </svg>
        </Plot>
      </div>
      <ChartTable caption="Fitness, fatigue and form per day" head={["Day", "Fitness / fatigue / form (load)"]}
        rows={days.map((d) => [formatDay(d.date), `${d.fitness.toFixed(0)} / ${d.fatigue.toFixed(0)} / ${signed(d.form)} (${d.load.toFixed(0)})`])} />
    </figure>
  );
}
