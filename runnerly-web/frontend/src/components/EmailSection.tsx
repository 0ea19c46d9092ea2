import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { emailPreferences, type EmailPreferences, type EmailPreferencesChange } from "../api/emailPreferences";
import { SelectField } from "./Field";
import { FormMessage } from "./FormMessage";

const DAYS = Array.from({ length: 28 }, (_, i) => i + 1); // a day every month has

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

function ordinal(day: number): string {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return `${day}th`;
  return `${day}${{ 1: "st", 2: "nd", 3: "rd" }[day % 10] ?? "th"}`;
}

/** The profile's "Email": the monthly report on or off, and the day of the month it comes. */
export function EmailSection() {
  const [prefs, setPrefs] = useState<EmailPreferences | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    emailPreferences.get().then(setPrefs, (e: unknown) => setError(toError(e)));
  }, []);

  // The control shows the choice at once (a checkbox that waits for the server looks broken
  // and is, to a keyboard or a test); the server's answer then stands, or the old value on
  // an error.
  const change = async (next: EmailPreferencesChange) => {
    const before = prefs;
    setError(null);
    setSaved(false);
    setPrefs((now) => (now ? { ...now, ...next } : now));
    try {
      setPrefs(await emailPreferences.update(next));
      setSaved(true);
    } catch (e) {
      setPrefs(before);
      setError(toError(e));
    }
  };

  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title">Email</h2>
      <p>
        Once a month Runnerly can email you last month’s running: distance, time, records. Mail about your account’s
        security always comes.
      </p>
      <FormMessage error={error} fields={["monthly_report", "report_day"]} />
      {prefs === null ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="field field--check">
            <label>
              <input type="checkbox" name="monthly_report" checked={prefs.monthly_report}
                onChange={(e) => void change({ monthly_report: e.target.checked })} />{" "}
              Send me the monthly report
            </label>
          </div>
          <SelectField label="It arrives on the" name="report_day" value={String(prefs.report_day)}
            disabled={!prefs.monthly_report} error={error?.fieldError("report_day")}
            hint="Of each month, in your time zone. A day already gone brings this month’s report now if it has not come yet."
            onChange={(e) => void change({ report_day: Number(e.target.value) })}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                {ordinal(d)}
              </option>
            ))}
          </SelectField>
          {saved && (
            <p role="status">
              {prefs.monthly_report
                ? `Saved: your report comes on the ${ordinal(prefs.report_day)} of each month.`
                : "Saved: no more monthly reports."}
            </p>
          )}
        </>
      )}
    </section>
  );
}
