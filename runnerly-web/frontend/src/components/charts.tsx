// Charts drawn as SVG with d3-scale and d3-shape (a few KB) rather than a charting library;
// each comes with a sentence for screen readers and the same figures as a table.
import { scaleBand, scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { useId } from "react";
import type { PeriodTotals } from "../api/types";
import { formatDay } from "../lib/dates";
import { distanceLabel, formatDistance, formatPace, paceInUnit, toUnit, type Units } from "../lib/units";

const WIDTH = 640;
const HEIGHT = 220;
const M = { top: 12, right: 12, bottom: 28, left: 44 };

function ChartTable({ caption, rows, head }: { caption: string; head: [string, string]; rows: [string, string][] }) {
  return (
    <details className="chart-table">
      <summary>Show as a table</summary>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head[0]}</th>
            <th scope="col">{head[1]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([a, b], i) => (
            <tr key={i}>
              <th scope="row">{a}</th>
              <td>{b}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function WeeklyDistanceChart({ weeks, units }: { weeks: PeriodTotals[]; units: Units }) {
  const titleId = useId();
  const values = weeks.map((w) => toUnit(w.distance, units));
  const max = Math.max(1, ...values);
  const x = scaleBand<number>()
    .domain(weeks.map((_, i) => i))
    .range([M.left, WIDTH - M.right])
    .padding(0.2);
  const y = scaleLinear().domain([0, max]).nice().range([HEIGHT - M.bottom, M.top]);
  const total = values.reduce((a, b) => a + b, 0);
  const average = weeks.length ? total / weeks.length : 0;
  const label = distanceLabel(units);
  const description = `Distance per week over the last ${weeks.length} weeks: ${average.toFixed(1)} ${label} a week on average, ${max.toFixed(1)} ${label} at most.`;
  const tickEvery = Math.ceil(weeks.length / 6);
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        {y.ticks(4).map((t) => (
          <g key={t}>
            <line className="grid" x1={M.left} x2={WIDTH - M.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {weeks.map((w, i) => (
          <rect
            key={w.start}
            className="bar"
            x={x(i)}
            width={x.bandwidth()}
            y={y(values[i])}
            height={Math.max(0, HEIGHT - M.bottom - y(values[i]))}
          >
            <title>{`Week of ${formatDay(w.start)}: ${formatDistance(w.distance, units, 1)}`}</title>
          </rect>
        ))}
        {weeks.map((w, i) =>
          i % tickEvery === 0 ? (
            <text key={w.start} className="axis" x={(x(i) ?? 0) + x.bandwidth() / 2} y={HEIGHT - 8} textAnchor="middle">
              {w.start.slice(5)}
            </text>
          ) : null,
        )}
      </svg>
      <ChartTable
        caption="Distance per week"
        head={["Week of", "Distance"]}
        rows={weeks.map((w) => [formatDay(w.start), formatDistance(w.distance, units, 1)])}
      />
    </figure>
  );
}

export function PaceTrendChart({ weeks, units }: { weeks: PeriodTotals[]; units: Units }) {
  const titleId = useId();
  const points = weeks
    .map((w, i) => ({ i, start: w.start, pace: w.average_pace }))
    .filter((p): p is { i: number; start: string; pace: number } => p.pace != null && p.pace > 0);
  if (points.length < 2) {
    return <p className="muted">The pace trend appears once you have runs in two different weeks.</p>;
  }
  const paces = points.map((p) => paceInUnit(p.pace, units));
  const x = scaleLinear()
    .domain([0, Math.max(1, weeks.length - 1)])
    .range([M.left, WIDTH - M.right]);
  // Faster is better, so faster paces (smaller numbers) sit higher.
  const y = scaleLinear()
    .domain([Math.min(...paces) * 0.97, Math.max(...paces) * 1.03])
    .range([M.top, HEIGHT - M.bottom]);
  const path = line<number>()
    .x((_, k) => x(points[k].i))
    .y((p) => y(p))(paces);
  const first = points[0].pace;
  const last = points[points.length - 1].pace;
  const trend = last < first ? "faster" : last > first ? "slower" : "unchanged";
  const description = `Average pace per week: ${formatPace(first, units)} in the first week with runs, ${formatPace(last, units)} in the latest (${trend}).`;
  const mmss = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        {y.ticks(4).map((t) => (
          <g key={t}>
            <line className="grid" x1={M.left} x2={WIDTH - M.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
              {mmss(t)}
            </text>
          </g>
        ))}
        <path className="line" d={path ?? ""} />
        {points.map((p, k) => (
          <circle key={p.start} className="dot" cx={x(p.i)} cy={y(paces[k])} r={3}>
            <title>{`Week of ${formatDay(p.start)}: ${formatPace(p.pace, units)}`}</title>
          </circle>
        ))}
      </svg>
      <ChartTable
        caption="Average pace per week"
        head={["Week of", "Pace"]}
        rows={points.map((p) => [formatDay(p.start), formatPace(p.pace, units)])}
      />
    </figure>
  );
}
