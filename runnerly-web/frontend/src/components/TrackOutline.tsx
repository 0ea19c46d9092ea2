// The track's shape as plain SVG: shown at once while the map loads, and on its own when
// map tiles cannot be reached.
import type { LatLng } from "../lib/polyline";

export function TrackOutline({ points, label }: { points: LatLng[]; label: string }) {
  if (points.length < 2) return null;
  const lats = points.map((p) => p[0]);
  const lngs = points.map((p) => p[1]);
  const [minLat, maxLat] = [Math.min(...lats), Math.max(...lats)];
  const [minLng, maxLng] = [Math.min(...lngs), Math.max(...lngs)];
  // Longitude degrees shrink with latitude; scale them so the shape is not stretched.
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const w = Math.max((maxLng - minLng) * k, 1e-6);
  const h = Math.max(maxLat - minLat, 1e-6);
  const size = 300;
  const scale = size / Math.max(w, h);
  const d = points
    .map(([lat, lng], i) => `${i ? "L" : "M"}${((lng - minLng) * k * scale).toFixed(1)},${((maxLat - lat) * scale).toFixed(1)}`)
    .join("");
  return (
    <svg className="track-outline" viewBox={`-8 -8 ${w * scale + 16} ${h * scale + 16}`} role="img" aria-label={label}>
      <path d={d} />
    </svg>
  );
}
