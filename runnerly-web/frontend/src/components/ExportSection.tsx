import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { exports, type DataExport } from "../api/exports";
import { FormMessage } from "./FormMessage";

/** How often a building export's progress is asked for. */
export const POLL_MS = 2000;

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

function size(bytes: number | null): string {
  if (!bytes) return "";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function day(instant: string): string {
  return new Date(instant).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "long" });
}

const building = (e: DataExport | null) => e !== null && (e.state === "queued" || e.state === "building");

/** The profile's "Export my data": start the export, watch it build, download the zip. */
export function ExportSection() {
  const [current, setCurrent] = useState<DataExport | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    exports.current().then(
      (found) => {
        setCurrent(found);
        setLoaded(true);
      },
      (e: unknown) => setError(toError(e)),
    );
  }, []);

  // While it builds, its progress every POLL_MS; stops once it is ready or failed.
  const active = building(current);
  useEffect(() => {
    if (!active) return undefined;
    const timer = window.setTimeout(() => {
      exports.current().then(setCurrent, (e: unknown) => setError(toError(e)));
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [active, current]);

  const start = async () => {
    setError(null);
    try {
      setCurrent(await exports.start());
    } catch (e) {
      setError(toError(e));
    }
  };

  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export my data</h2>
      <p>
        A zip of everything Runnerly holds about you: your profile, every run (as JSON and as its file — the one you
        uploaded, or a GPX of a Strava run), your races and plans. It is prepared in the background; we email you when
        it is ready.
      </p>
      <FormMessage error={error} fields={[]} />
      {!loaded && !error && <p className="muted">Loading…</p>}
      {current && active && (
        <div role="status">
          <p>
            {current.state === "queued" || current.total === 0
              ? "Preparing your export…"
              : `Preparing your export: ${current.done} of ${current.total} files`}
          </p>
          <progress aria-label="Export progress" max={current.total || 1}
            value={current.state === "queued" ? undefined : current.done} />
        </div>
      )}
      {current?.state === "ready" && current.expires_at && (
        <p>
          <a className="button button--primary" href={exports.downloadUrl(current.id)} download>
            Download your data{current.size ? ` (${size(current.size)})` : ""}
          </a>{" "}
          <span className="muted">Available until {day(current.expires_at)}.</span>
        </p>
      )}
      {current?.state === "failed" && (
        <p role="alert">Your export could not be prepared{current.error ? `: ${current.error}` : ""}. Please try again.</p>
      )}
      {current?.state === "expired" && <p>Your last export has expired. Start a new one to download your data.</p>}
      {loaded && !active && (
        <button type="button" className="button" onClick={() => void start()}>
          {current?.state === "ready" ? "Make a new export" : "Export my data"}
        </button>
      )}
    </section>
  );
}
