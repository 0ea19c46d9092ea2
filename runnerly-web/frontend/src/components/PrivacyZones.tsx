// Privacy zones in the profile (decision 65): places whose circle hides the start and end of
// a shared route. Their coordinates are shown here, on the runner's own page, and nowhere else.
import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { sharing, type PrivacyZone } from "../api/sharing";
import { Field } from "./Field";
import { FormMessage } from "./FormMessage";

const FIELDS = ["label", "lat", "lon", "radius"];

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

export function PrivacyZones() {
  const titleId = useId();
  const [zones, setZones] = useState<PrivacyZone[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [label, setLabel] = useState("");
  const [lat, setLat] = useState("");
  const [lon, setLon] = useState("");
  const [radius, setRadius] = useState("200");
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => sharing.zones().then(setZones, (e: unknown) => setError(toError(e))), []);
  useEffect(() => {
    void load();
  }, [load]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const zone = await sharing.addZone({ label: label.trim(), lat: Number(lat), lon: Number(lon), radius: Number(radius) });
      setNotice(`${zone.label} added: shared routes now start and end outside it.`);
      setLabel("");
      setLat("");
      setLon("");
      await load();
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (zone: PrivacyZone) => {
    setError(null);
    try {
      await sharing.deleteZone(zone.id);
      setNotice(`${zone.label} removed.`);
      await load();
    } catch (e) {
      setError(toError(e));
    }
  };

  const here = () => {
    navigator.geolocation?.getCurrentPosition(
      (p) => {
        setLat(p.coords.latitude.toFixed(5));
        setLon(p.coords.longitude.toFixed(5));
      },
      () => setNotice("Your browser did not give a position: type it in."),
    );
  };

  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Privacy zones</h2>
      <p className="muted">
        Name places such as home or work: a route you share hides its start and end inside them (a route entirely
        inside one is not shown). Only you see these places.
      </p>
      {zones && zones.length > 0 && (
        <ul className="zones" aria-label="Your privacy zones">
          {zones.map((z) => (
            <li key={z.id}>
              <span>
                <strong>{z.label}</strong> · {z.lat.toFixed(5)}, {z.lon.toFixed(5)} · {z.radius} m
              </span>{" "}
              <button type="button" className="button button--danger" onClick={() => void remove(z)}>
                Remove{" "}
                <span className="visually-hidden">{z.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {zones && zones.length === 0 && <p>No privacy zone yet.</p>}
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={(e) => void add(e)} aria-label="Add a privacy zone">
        <FormMessage error={error} fields={FIELDS} />
        <Field label="Name" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={60} required
          error={error?.fieldError("label")} />
        <Field label="Latitude" type="number" step="any" min={-90} max={90} value={lat} required
          onChange={(e) => setLat(e.target.value)} error={error?.fieldError("lat")} />
        <Field label="Longitude" type="number" step="any" min={-180} max={180} value={lon} required
          onChange={(e) => setLon(e.target.value)} error={error?.fieldError("lon")} />
        <Field label="Radius (metres)" type="number" min={100} max={1000} step={10} value={radius} required
          hint="100 to 1,000 m" onChange={(e) => setRadius(e.target.value)} error={error?.fieldError("radius")} />
        <div className="actions">
          <button type="button" className="button" onClick={here}>
            Use my position
          </button>
          <button type="submit" className="button" disabled={busy}>
            Add zone
          </button>
        </div>
      </form>
    </section>
  );
}
