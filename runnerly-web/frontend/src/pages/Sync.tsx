import { useState } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { SetAsideActivity, StravaStatus } from "../api/types";
import { LoadError, Loading } from "../components/Status";
import { formatDateTime } from "../lib/dates";
import { ACTIVE, useStravaStatus } from "../lib/strava";
import { useSession } from "../session";


const STATE_TEXT: Record<string, string> = {
  pending: "Waiting for the first import to start…",
  backfilling: "Importing your Strava history…",
  syncing: "Fetching your latest runs…",
  idle: "Up to date.",
  error: "The last import failed.",
  deauthorized: "Runnerly's access was revoked on Strava. Connect again to keep importing.",
  reconnect:
    "Strava no longer accepts Runnerly's access. Your runs and the import's progress are kept: " +
    "connect Strava again and the import goes on where it stopped.",
};
/** States in which only connecting Strava again brings new runs. */
const NEEDS_CONNECT = new Set(["deauthorized", "reconnect"]);

export function SyncPage() {
  const { refresh } = useSession();
  const { status, error, reload } = useStravaStatus();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const syncNow = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await endpoints.stravaSync();
      // The link now says "syncing": the status is followed until the worker records the
      // end, so "Last import" shows the new time as soon as there is one.
      reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
      // The link changed since the page read it: show the state that explains the refusal.
      if (e instanceof ApiError && e.status === 409) reload();
    } finally {
      setBusy(false);
    }
  };

  const disconnect = async () => {
    if (!window.confirm("Disconnect Strava? Your imported runs stay in Runnerly.")) return;
    setBusy(true);
    setActionError(null);
    try {
      await endpoints.stravaDisconnect();
      await refresh();
      reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (!status && error) return <LoadError error={error} retry={reload} />;
  if (!status) return <Loading what="Loading the Strava link" />;
  const active = !!status.sync_state && ACTIVE.has(status.sync_state);
  const needsConnect = !!status.sync_state && NEEDS_CONNECT.has(status.sync_state);
  return (
    <>
      <h1>Strava</h1>
      {!status.connected ? (
        <section className="card">
          <p>Connect Strava and Runnerly imports all your runs, then every new one as you save it.</p>
          <a className="button button--primary" href={endpoints.stravaConnectUrl}>
            Connect Strava
          </a>
        </section>
      ) : (
        <section className="card" aria-labelledby="sync-title">
          {status.athlete && <Athlete athlete={status.athlete} />}
          <h2 id="sync-title">Import</h2>
          <div role="status" aria-live="polite">
            <p>{STATE_TEXT[status.sync_state ?? "pending"] ?? status.sync_state}</p>
            <p>
              <strong>{status.runs_imported ?? 0}</strong> activities imported
              {active && status.pages_done ? ` (${status.pages_done} pages read so far)` : ""}.
            </p>
            {status.streams && status.streams.runs > 0 && (
              <p>
                Details inside each run (best efforts, splits): <strong>{status.streams.fetched}</strong> of{" "}
                {status.streams.runs} runs
                {status.streams.fetched < status.streams.runs
                  ? ", newest first, as Strava's limits allow (years of runs take a few days)."
                  : "."}
              </p>
            )}
          </div>
          {active && <progress aria-label="Import in progress" />}
          {status.sync_state === "error" && status.error && <p className="field__error">{status.error}</p>}
          {status.sync_state === "reconnect" && status.error && (
            <p className="muted">Strava answered: {status.error}</p>
          )}
          {status.last_sync_at && <p className="muted">Last import {formatDateTime(status.last_sync_at)} UTC</p>}
          {error && <p className="muted">Could not refresh the status just now; trying again.</p>}
          {needsConnect && (
            <a className="button button--primary" href={endpoints.stravaConnectUrl}>
              Connect Strava again
            </a>
          )}
          {actionError && <p className="field__error" role="alert">{actionError}</p>}
          {!active && !needsConnect && (
            <button type="button" className="button button--primary" onClick={syncNow} disabled={busy}>
              Sync now
            </button>
          )}
          <button type="button" className="button button--danger" onClick={disconnect} disabled={busy}>
            Disconnect Strava
          </button>
        </section>
      )}
      {status.connected && status.set_aside && status.set_aside.total > 0 && (
        <NotImported items={status.set_aside.items} total={status.set_aside.total} />
      )}
    </>
  );
}

/** Who Runnerly reads on Strava, named as Strava named them, with their Strava profile. */
function Athlete({ athlete }: { athlete: NonNullable<StravaStatus["athlete"]> }) {
  return (
    <p>
      Connected to Strava as{" "}
      <a href={athlete.url} rel="noreferrer">
        {athlete.name ?? `athlete ${athlete.id}`}
      </a>
      {athlete.place ? <span className="muted"> ({athlete.place})</span> : null}.
    </p>
  );
}

/** Activities the import set aside, each with why, and what the runner can do about it. */
function NotImported({ items, total }: { items: SetAsideActivity[]; total: number }) {
  return (
    <section className="card" aria-labelledby="not-imported-title">
      <h2 id="not-imported-title">Not imported</h2>
      <p>
        {total === 1 ? "One activity was" : `${total} activities were`} not imported: Runnerly
        cannot store what Strava recorded. Fix it on Strava (for example crop the activity); the
        next daily check brings it in.
      </p>
      <ul className="plain set-aside">
        {items.map((item) => (
          <li key={`${item.source}:${item.external_id}`} className="set-aside__item">
            {item.url ? (
              <a href={item.url} rel="noreferrer">
                {item.title || "Untitled activity"}
              </a>
            ) : (
              <strong>{item.title || "Untitled activity"}</strong>
            )}{" "}
            <span className="muted">
              {item.start_time ? `${formatDateTime(item.start_time)} UTC` : "date unknown"}
            </span>
            <p className="set-aside__reason">{item.reason}</p>
          </li>
        ))}
      </ul>
      {total > items.length && (
        <p className="muted">
          The newest {items.length} of {total} are shown.
        </p>
      )}
    </section>
  );
}
