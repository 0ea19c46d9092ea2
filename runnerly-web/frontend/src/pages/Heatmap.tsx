import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { heatmap, heatmapFilters, heatmapPath, heatmapQuery, type HeatmapFilters } from "../api/heatmap";
import { SelectField } from "../components/Field";
import { Link } from "../components/Link";
import { LoadError, Loading } from "../components/Status";
import { colourise, density, fitView, pan, projectRoutes, zoomAt, type Routes, type View } from "../lib/heatmap";
import { formatDistance } from "../lib/units";
import { useApi } from "../lib/useApi";
import { navigate } from "../router";
import { useSession } from "../session";
import "./heatmap.css";

const KEY_PAN = 0.2; // of the canvas's size, per arrow key press

/** The canvas: every route drawn on a plain background, moved by drag, wheel, pinch and keys. */
function HeatCanvas({ routes, label }: { routes: Routes; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<View | null>(null);
  const size = useRef({ width: 0, height: 0 });
  const frame = useRef(0);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const [drawn, setDrawn] = useState(0);
  const buffer = useRef<HTMLCanvasElement | null>(null);

  const redraw = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const element = canvas.current;
      const ctx = element?.getContext("2d");
      if (!element || !ctx || !view.current) return;
      // Counted and coloured at CSS pixels, then scaled to the device's: a phone's 3x more
      // pixels would be 9x the work for lines no one sees thinner.
      const { counts, drawn: inView } = density(routes, view.current, size.current.width, size.current.height);
      const width = Math.floor(size.current.width);
      const height = Math.floor(size.current.height);
      buffer.current ??= document.createElement("canvas");
      const image = buffer.current.getContext("2d");
      if (image && width > 0 && height > 0 && typeof ImageData !== "undefined") {
        buffer.current.width = width;
        buffer.current.height = height;
        image.putImageData(new ImageData(colourise(counts), width, height), 0, 0);
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(buffer.current, 0, 0, element.width, element.height);
      }
      setDrawn(inView);
    });
  };
  const move = (next: View) => {
    view.current = next;
    redraw();
  };
  const showAll = () => move(fitView(routes.bounds, size.current.width, size.current.height));

  // The canvas's pixels follow its laid-out size (a phone's width, a rotated screen).
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const fit = () => {
      const { width, height } = element.getBoundingClientRect();
      const ratio = window.devicePixelRatio || 1;
      size.current = { width, height };
      element.width = Math.round(width * ratio);
      element.height = Math.round(height * ratio);
      if (!view.current) view.current = fitView(routes.bounds, width, height);
      redraw();
    };
    view.current = null;
    fit();
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(fit);
    observer?.observe(element);
    // The wheel's zoom must stop the page from scrolling: a passive listener (React's) cannot.
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = element.getBoundingClientRect();
      const offset = { x: e.clientX - box.left - box.width / 2, y: e.clientY - box.top - box.height / 2 };
      if (view.current) move(zoomAt(view.current, -e.deltaY / 300, offset));
    };
    element.addEventListener("wheel", wheel, { passive: false });
    return () => {
      observer?.disconnect();
      element.removeEventListener("wheel", wheel);
      cancelAnimationFrame(frame.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- redrawn for new routes only
  }, [routes]);

  const down = (e: PointerEvent<HTMLCanvasElement>) => {
    e.currentTarget.setPointerCapture?.(e.pointerId);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
  };
  const drag = (e: PointerEvent<HTMLCanvasElement>) => {
    const before = pointers.current.get(e.pointerId);
    if (!before || !view.current) return;
    const others = [...pointers.current.entries()].filter(([id]) => id !== e.pointerId).map(([, p]) => p);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (others.length === 0) {
      move(pan(view.current, e.clientX - before.x, e.clientY - before.y));
    } else {
      // A pinch: the zoom follows the fingers' distance, around their midpoint.
      const other = others[0];
      const apart = (p: { x: number; y: number }) => Math.hypot(p.x - other.x, p.y - other.y);
      const box = e.currentTarget.getBoundingClientRect();
      const mid = { x: (e.clientX + other.x) / 2 - box.left - box.width / 2, y: (e.clientY + other.y) / 2 - box.top - box.height / 2 };
      if (apart(before) > 0) move(zoomAt(view.current, Math.log2(apart({ x: e.clientX, y: e.clientY }) / apart(before)), mid));
    }
  };
  const up = (e: PointerEvent<HTMLCanvasElement>) => {
    pointers.current.delete(e.pointerId);
  };
  const key = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (!view.current) return;
    const { width, height } = size.current;
    const steps: Record<string, () => View> = {
      ArrowLeft: () => pan(view.current!, width * KEY_PAN, 0),
      ArrowRight: () => pan(view.current!, -width * KEY_PAN, 0),
      ArrowUp: () => pan(view.current!, 0, height * KEY_PAN),
      ArrowDown: () => pan(view.current!, 0, -height * KEY_PAN),
      "+": () => zoomAt(view.current!, 1),
      "=": () => zoomAt(view.current!, 1),
      "-": () => zoomAt(view.current!, -1),
      "0": () => fitView(routes.bounds, width, height),
    };
    const step = steps[e.key];
    if (!step) return;
    e.preventDefault();
    move(step());
  };

  return (
    <div className="heatmap">
      <canvas
        ref={canvas}
        className="heatmap__canvas"
        role="img"
        aria-label={label}
        aria-describedby="heatmap-help"
        tabIndex={0}
        data-drawn={drawn}
        onPointerDown={down}
        onPointerMove={drag}
        onPointerUp={up}
        onPointerCancel={up}
        onKeyDown={key}
      />
      <div className="heatmap__controls">
        <button type="button" onClick={() => view.current && move(zoomAt(view.current, 1))}>
          Zoom in
        </button>
        <button type="button" onClick={() => view.current && move(zoomAt(view.current, -1))}>
          Zoom out
        </button>
        <button type="button" onClick={showAll}>
          Show all routes
        </button>
      </div>
      <p id="heatmap-help" className="muted heatmap__help">
        Drag or use the arrow keys to move; the wheel, a pinch or + and − to zoom; 0 shows every route.
      </p>
    </div>
  );
}

function Filters({ filters, years, sports }: { filters: HeatmapFilters; years: number[]; sports: string[] }) {
  const choose = (changes: HeatmapFilters) => navigate(heatmapPath({ ...filters, ...changes }), { replace: false });
  return (
    <form className="card heatmap__filters" aria-label="Which routes" onSubmit={(e) => e.preventDefault()}>
      <SelectField
        label="Year"
        name="year"
        value={filters.year ?? ""}
        onChange={(e) => choose({ year: e.target.value ? Number(e.target.value) : undefined })}
      >
        <option value="">Every year</option>
        {[...new Set([...years, ...(filters.year ? [filters.year] : [])])]
          .sort((a, b) => b - a)
          .map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
      </SelectField>
      <SelectField label="Sport" name="sport" value={filters.sport ?? ""} onChange={(e) => choose({ sport: e.target.value || undefined })}>
        <option value="">Every sport</option>
        {[...new Set([...sports, ...(filters.sport ? [filters.sport] : [])])].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </SelectField>
    </form>
  );
}

/** Every route of the runner as one heatmap; the year and sport live in the address (`query`). */
export function HeatmapPage({ query }: { query: string }) {
  const { units } = useSession();
  const filters = heatmapFilters(query);
  const key = heatmapQuery(filters);
  const found = useApi(() => heatmap.get(filters), `heatmap:${key}`);
  const data = found.loading ? null : found.data;
  const routes = useMemo(() => (data ? projectRoutes(data.routes) : null), [data]);
  // The choices stay while another year loads: they are the runner's, not the answer's.
  const [choices, setChoices] = useState<{ years: number[]; sports: string[] }>({ years: [], sports: [] });
  if (found.data && (found.data.years !== choices.years || found.data.sports !== choices.sports)) {
    setChoices({ years: found.data.years, sports: found.data.sports });
  }

  const count = data?.routes.length ?? 0;
  const what = [filters.sport, filters.year].filter(Boolean).join(" in ");
  const summary = data ? `${count} ${count === 1 ? "route" : "routes"}, ${formatDistance(data.distance, units, 1)} in total${what ? ` (${what})` : ""}` : "";
  return (
    <>
      <h1>Heatmap</h1>
      <Filters filters={filters} years={choices.years} sports={choices.sports} />
      {found.error ? (
        <LoadError error={found.error} retry={found.reload} />
      ) : !data || !routes ? (
        <Loading what="Drawing your routes" />
      ) : (
        <>
          <p role="status" className="heatmap__summary">
            {summary}
            {data.runs > count && ` · ${data.runs - count} ${data.runs - count === 1 ? "run has" : "runs have"} no route (a treadmill, a manual entry)`}
          </p>
          {count === 0 ? (
            <p className="muted">
              {what ? "No routes for this choice." : "No routes yet."} <Link to="/upload">Upload a file</Link> or <Link to="/sync">connect Strava</Link>.
            </p>
          ) : (
            <HeatCanvas routes={routes} label={`Heatmap of ${summary}`} />
          )}
        </>
      )}
    </>
  );
}
