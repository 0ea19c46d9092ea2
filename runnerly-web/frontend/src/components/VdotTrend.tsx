// The Fitness page's VDOT section: the runner's current VDOT and its trend, one point a week
// (the 30-day mean of heart-rate VDOTs weighted by duration, as Runalyze shows it; the best
// effort's VDOT when no run of the window has heart rate, as Daniels sets it).
import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import { useId, type PointerEvent } from "react";
import { vo2max, type VdotPoint } from "../api/vo2max";
import { HEIGHT, M, tickIndexes, useActive, useWidth } from "../lib/chartAxis";
import { formatDay } from "../lib/dates";
import { useApi } from "../lib/useApi";
import { ChartTable, Plot, XAxis } from "./charts";
import { LoadError, Loading } from "./Status";

type Known = VdotPoint & { vdot: number };

function VdotChart({ weeks }: { weeks: VdotPoint[] }) {
  const titleId = useId();
  const { ref, width } = useWidth<HTMLDivElement>();
  const points = weeks.map((w, i) => ({ ...w, i })).filter((p): p is Known & { i: number } => p.vdot != null);
  const { active, setActive, handlers } = useActive(points.length);
  if (points.length < 2) {
    return <p className="muted">The trend appears once two weeks have runs with a VDOT.</p>;
  }
  const values = points.map((p) => p.vdot);
  const x = scaleLinear().domain([0, Math.max(1, weeks.length - 1)]).range([M.left, width - M.right]);
  const y = scaleLinear()
    .domain([Math.min(...values) - 1, Math.max(...values) + 1])
    .range([HEIGHT - M.bottom, M.top]);
  const path = line<Known & { i: number }>().x((p) => x(p.i)).y((p) => y(p.vdot))(points);
  const first = points[0];
  const last = points[points.length - 1];
  const description = `VDOT per week: ${first.vdot.toFixed(1)} in the week of ${formatDay(first.date)}, ${last.vdot.toFixed(1)} in the week of ${formatDay(last.date)}.`;
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const at = x.invert(e.clientX - e.currentTarget.getBoundingClientRect().left);
    let nearest = 0;
    points.forEach((p, k) => {
      if (Math.abs(p.i - at) < Math.abs(points[nearest].i - at)) nearest = k;
    });
    setActive(nearest);
  };
  const tip = active == null ? null : `Week of ${formatDay(points[active].date)}: VDOT ${points[active].vdot.toFixed(1)}`;
  return (
    <figure className="chart">
      <figcaption id={titleId}>{description}</figcaption>
      <div ref={ref}>
        <Plot title="VDOT per week" width={width} handlers={handlers} tip={tip}
          tipX={active == null ? null : x(points[active].i)}>
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={titleId}
            onPointerMove={onPointerMove} onPointerLeave={() => setActive(null)}>
            {y.ticks(4).map((t) => (
              <g key={t}>
                <line className="grid" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
                <text className="axis" x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">{t}</text>
              </g>
            ))}
            <path className="line" d={path ?? ""} />
            {points.map((p, k) => (
              <circle key={p.date} className={k === active ? "dot dot--active" : "dot"} cx={x(p.i)} cy={y(p.vdot)}
                r={k === active ? 6 : 3.5} />
            ))}
            <XAxis width={width}
              labels={tickIndexes(weeks.length, width - M.left - M.right).map((i) => ({ x: x(i), day: weeks[i].date }))} />
          </svg>
        </Plot>
      </div>
      <ChartTable caption="VDOT per week" head={["Week of", "VDOT"]}
        rows={points.map((p) => [formatDay(p.date), p.vdot.toFixed(1)])} />
    </figure>
  );
}

export function VdotTrend() {
  const trend = useApi(vo2max.trend, "vo2max:trend");
  return (
    <section className="card" aria-labelledby="vdot-title">
      <h2 id="vdot-title">VDOT</h2>
      {trend.error ? (
        <LoadError error={trend.error} retry={trend.reload} />
      ) : !trend.data ? (
        <Loading what="Loading your VDOT" />
      ) : (
        <>
          <p>
            {trend.data.current.vdot == null ? (
              <span className="muted">No VDOT yet: it comes from runs of the last {trend.data.window_days} days.</span>
            ) : (
              <>
                Current VDOT <strong>{trend.data.current.vdot.toFixed(1)}</strong>{" "}
                <span className="muted">
                  (from your runs of the last {trend.data.window_days} days: the mean of those with heart rate,
                  weighted by duration; when none has heart rate, your best effort)
                </span>
              </>
            )}
          </p>
          <VdotChart weeks={trend.data.points} />
        </>
      )}
    </section>
  );
}
