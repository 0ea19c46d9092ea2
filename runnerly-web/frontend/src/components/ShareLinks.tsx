// "Share" on a run or a race result (decision 65): every run is private until the runner
// makes a link; the link is shown once (only its hash is kept), listed with Revoke after.
import { useCallback, useEffect, useId, useState } from "react";
import { ApiError } from "../api/client";
import { sharing, shareUrl, type ShareLink, type ShareTarget } from "../api/sharing";
import { SelectField } from "./Field";
import { FormMessage } from "./FormMessage";

const EXPIRIES = [
  { days: 0, label: "Never (until revoked)" },
  { days: 1, label: "After 1 day" },
  { days: 7, label: "After 7 days" },
  { days: 30, label: "After 30 days" },
];

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** An instant in the browser's own time: "2 Mar 2026, 07:30". */
function when(instant: string): string {
  return new Date(instant).toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The share links of one run (`run_id`) or one race (`race_id`), named `what` for screen readers. */
export function ShareLinks({ target, what }: { target: ShareTarget; what: string }) {
  const titleId = useId();
  const isRun = "run_id" in target;
  const key = JSON.stringify(target);
  const [links, setLinks] = useState<ShareLink[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [showHr, setShowHr] = useState(false);
  const [days, setDays] = useState(0);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    sharing.links(JSON.parse(key) as ShareTarget).then(setLinks, (e: unknown) => setError(toError(e)));
  }, [key]);
  useEffect(load, [load]);

  const create = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const link = await sharing.create({
        ...target,
        ...(isRun && showHr ? { show_hr: true } : {}),
        ...(days ? { expires_in_days: days } : {}),
      });
      setMade(shareUrl(link.path));
      load();
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (link: ShareLink) => {
    setBusy(true);
    setError(null);
    try {
      await sharing.revoke(link.id);
      setMade(null);
      setNotice("Link revoked: it stops working within a few seconds.");
      load();
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!made) return;
    try {
      await navigator.clipboard.writeText(made);
      setNotice("Link copied.");
    } catch {
      setNotice("Select the link and copy it.");
    }
  };

  return (
    <section className="card share" aria-labelledby={titleId}>
      <h2 id={titleId}>Share</h2>
      <p className="muted">
        {isRun
          ? "This run is private. A link lets anyone who has it see its title, day, distance, time, pace, elevation, splits and route — without the start and end inside your privacy zones, and never your email."
          : "A link lets anyone who has it see this race's name, day, distance and your result time."}
      </p>
      <FormMessage error={error} fields={[]} />
      {isRun && (
        <div className="field field--check">
          <label>
            <input type="checkbox" checked={showHr} onChange={(e) => setShowHr(e.target.checked)} /> Show my heart rate
          </label>
        </div>
      )}
      <SelectField label="The link expires" value={String(days)} onChange={(e) => setDays(Number(e.target.value))}>
        {EXPIRIES.map((x) => (
          <option key={x.days} value={x.days}>
            {x.label}
          </option>
        ))}
      </SelectField>
      <div className="actions">
        <button type="button" className="button" onClick={() => void create()} disabled={busy}>
          Create share link{" "}
          <span className="visually-hidden">for {what}</span>
        </button>
      </div>
      {made && (
        <div className="share__made" role="status">
          <label className="field">
            <span>Your link (copy it now: it is shown only once)</span>
            <input type="text" readOnly value={made} onFocus={(e) => e.target.select()} />
          </label>
          <button type="button" className="button" onClick={() => void copy()}>
            Copy link
          </button>
        </div>
      )}
      {notice && <p role="status">{notice}</p>}
      {links && links.length > 0 && (
        <ul className="share__links" aria-label={`Share links of ${what}`}>
          {links.map((link) => (
            <li key={link.id}>
              <span>
                Made {when(link.created_at)}
                {link.expires_at ? `, expires ${when(link.expires_at)}` : ", no expiry"}
                {link.show_hr ? ", with heart rate" : ""}
              </span>{" "}
              <button type="button" className="button button--danger" onClick={() => void revoke(link)} disabled={busy}>
                Revoke{" "}
                <span className="visually-hidden">the link made {when(link.created_at)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {links && links.length === 0 && <p className="muted">No share link: only you can see {isRun ? "this run" : "this race"}.</p>}
    </section>
  );
}
