// Charts drawn as SVG with d3-scale and d3-shape (a few KB) rather than a charting library;
// each comes with a sentence for screen readers and the same figures as a table.
//
// The SVG is drawn at the width its box has (measured), one unit a CSS pixel, rather than
// scaled from a fixed viewBox: scaled, 11 px labels came out at 6 px on a 390 px phone.
// Dates label the x axis, as many as fit without touching. Each week's figure shows in a
// tooltip on hover, and from the keyboard: the plot takes focus and the arrow keys move
// from week to week, the tooltip being a live region.
import { scaleBand, scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { useId, type PointerEvent, type ReactNode } from "react";
import type { PeriodTotals } from "../api/types";
import { HEIGHT, M, shortDay, tickIndexes, useActive, useWidth } from "../lib/chartAxis";
import { formatDay } from "../lib/dates";
import { distanceLabel, formatDistance, formatPace, paceInUnit, toUnit, type Units } from "../lib/units";

export function ChartTable({ caption, rows, head }: { caption: string; head: [string, string]; rows: [string, string][] }) {
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

interface PlotProps {
  title: string;
  tip: string | null;
  tipX: number | null;
  width: number;
  handlers: ReturnType<typeof useActive>["handlers"];
}

/** The focusable frame around a chart's SVG, with its tooltip. */
export function Plot({ title, tip, tipX, width, handlers, children }: PlotProps & { children: ReactNode }) {
  const left = tipX == null ? 0 : Math.min(Math.max(tipX, 80), Math.max(80, width - 80));
  return (
    <div className="chart__plot" tabIndex={0} role="group" aria-label={`${title}: use the arrow keys to read each week`} {...handlers}>
      {children}
      {/* Always there, so that screen readers announce what comes into it. */}
      <div className={tip == null ? "chart__tip chart__tip--empty" : "chart__tip"} role="status" style={{ left }}>
        {tip}
      </div>
    </div>
  );
}

export function XAxis({ labels, width }: { labels: { x: number; day: string }[]; width: number }) {
  return (
    <g className="x-axis">
      <line className="grid" x1={M.left} x2={width - M.right} y1={HEIGHT - M.bottom} y2={HEIGHT - M.bottom} />
      {labels.map(({ x, day }) => (
        <text key={day} className="axis" x={x} y={HEIGHT - 10} textAnchor="middle">
          {shortDay(day)}
        </text>
      ))}
    </g>
  );
}

export function WeeklyDistanceChart({ weeks, units }: { weeks: PeriodTotals[]; units: Units }) {
  const titleId = useId();
  const { ref, width } = useWidth<HTMLDivElement>();
  const { active, setActive, handlers } = useActive(weeks.length);
  const values = weeks.map((w) => toUnit(w.distance, units));
  const max = Math.max(1, ...values);
  const x = scaleBand<number>()
    .domain(weeks.map((_, i) => i))
    .range([M.left, width - M.right])
    .padding(0.2);
  const y = scaleLinear().domain([0, max]).nice().range([HEIGHT - M.bottom, M.top]);
  const total = values.reduce((a, b) => a + b, 0);
  const average = weeks.length ? total / weeks.length : 0;
  const label = distanceLabel(units);
  const description = `Distance per week over the last ${weeks.length} weeks: ${average.toFixed(1)} ${label} a week on average, ${max.toFixed(1)} ${label} at most.`;
  const centre = (i: number) => (x(i) ?? 0) + x.bandwidth() / 2;
  const tipFor = (i: number) => `Week of ${formatDay(weeks[i].start)}: ${formatDistance(weeks[i].distance, units, 1)}`;
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const i = Math.floor((e.clientX - box.left - M.left) / x.step());
    setActive(i >= 0 && i < weeks.length ? i : null);
  };
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <div ref={ref}>
        <Plot title="Distance per week" width={width} handlers={handlers}
          tip={active == null ? null : tipFor(active)} tipX={active == null ? null : centre(active)}>
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={titleId}
            onPointerMove={onPointerMove} onPointerLeave={() => setActive(null)}>
            {y.ticks(4).map((t) => (
              <g key={t}>
                <line className="grid" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
                <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                  {t}
                </text>
              </g>
            ))}
            {weeks.map((w, i) => (
              <rect
                key={w.start}
                className={i === active ? "bar bar--active" : "bar"}
                x={x(i)}
                width={x.bandwidth()}
                y={y(values[i])}
                height={Math.max(0, HEIGHT - M.bottom - y(values[i]))}
              />
            ))}
            <XAxis width={width} labels={tickIndexes(weeks.length, width - M.left - M.right).map((i) => ({ x: centre(i), day: weeks[i].start }))} />
          </svg>
        </Plot>
      </div>
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
  const { ref, width } = useWidth<HTMLDivElement>();
  const points = weeks
    .map((w, i) => ({ i, start: w.start, pace: w.average_pace }))
    .filter((p): p is { i: number; start: string; pace: number } => p.pace != null && p.pace > 0);
  const { active, setActive, handlers } = useActive(points.length);
  if (points.length < 2) {
    return <p className="muted">The pace trend appears once you have runs in two different weeks.</p>;
  }
  const paces = points.map((p) => paceInUnit(p.pace, units));
  const x = scaleLinear()
    .domain([0, Math.max(1, weeks.length - 1)])
    .range([M.left, width - M.right]);
  // Faster is better, so faster paces (smaller numbers) sit higher.
  const y = scaleLinear()
    .domain([Math.min(...paces) * 0.97, Math.max(...paces) * 1.03])
    .range([M.top, HEIGHT - M.bottom]);
  const path = line<number>()
    .x((_, k) => x(points[k].i))
    .y((p) => y(p))(paces);
  const first = points[0];
  const last = points[points.length - 1];
  const trend = last.pace < first.pace ? "faster" : last.pace > first.pace ? "slower" : "unchanged";
  const description = `Average pace per week: ${formatPace(first.pace, units)} in the week of ${formatDay(first.start)}, ${formatPace(last.pace, units)} in the week of ${formatDay(last.start)} (${trend}).`;
  const mmss = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const at = x.invert(e.clientX - box.left);
    let nearest = 0;
    points.forEach((p, k) => {
      if (Math.abs(p.i - at) < Math.abs(points[nearest].i - at)) nearest = k;
    });
    setActive(nearest);
  };
  const tip = active == null ? null : `Week of ${formatDay(points[active].start)}: ${formatPace(points[active].pace, units)}`;
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <div ref={ref}>
        <Plot title="Average pace per week" width={width} handlers={handlers} tip={tip}
          tipX={active == null ? null : x(points[active].i)}>
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={titleId}
            onPointerMove={onPointerMove} onPointerLeave={() => setActive(null)}>
            {y.ticks(4).map((t) => (
              <g key={t}>
                <line className="grid" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
                <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                  {mmss(t)}
                </text>
              </g>
            ))}
            <path className="line" d={path ?? ""} />
            {points.map((p, k) => (
              <circle key={p.start} className={k === active ? "dot dot--active" : "dot"} cx={x(p.i)} cy={y(paces[k])}
                r={k === active ? 6 : 3.5} />
            ))}
            <XAxis width={width} labels={tickIndexes(weeks.length, width - M.left - M.right).map((i) => ({ x: x(i), day: weeks[i].start }))} />
          </svg>
        </Plot>
      </div>
      <ChartTable
        caption="Average pace per week"
        head={["Week of", "Pace"]}
        rows={points.map((p) => [formatDay(p.start), formatPace(p.pace, units)])}
      />
    </figure>
  );
}
