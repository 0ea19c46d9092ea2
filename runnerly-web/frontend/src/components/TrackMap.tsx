// Loaded only by the run detail page (React.lazy), so Leaflet's ~40 KB stay out of the
// dashboard's bundle.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "react";
import type { LatLng } from "../lib/polyline";

// A self-hosted or paid tile server can be set at build time (VITE_MAP_TILES); without tiles
// (offline) the route still shows on a blank background.
const TILES: string = import.meta.env.VITE_MAP_TILES ?? "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png";

export default function TrackMap({ points, label }: { points: LatLng[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || points.length < 2) return;
    const map = L.map(box.current, { scrollWheelZoom: false, keyboard: true });
    L.tileLayer(TILES, {
      maxZoom: 18,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    }).addTo(map);
    const path = L.polyline(points, { color: "#0b6e4f", weight: 4 }).addTo(map);
    L.circleMarker(points[0], { radius: 6, color: "#0b6e4f", fillOpacity: 1 }).bindTooltip("Start").addTo(map);
    L.circleMarker(points[points.length - 1], { radius: 6, color: "#b3261e", fillOpacity: 1 })
      .bindTooltip("Finish")
      .addTo(map);
    map.fitBounds(path.getBounds(), { padding: [16, 16] });
    return () => {
      map.remove();
    };
  }, [points]);
  return <div ref={box} className="track-map" role="region" aria-label={label} tabIndex={0} />;
}
