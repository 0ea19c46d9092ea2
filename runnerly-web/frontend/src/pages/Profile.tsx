import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import type { ProfileForm } from "../api/endpoints";
import { endpoints } from "../api/endpoints";
import type { User } from "../api/types";
import { AppsSection } from "../components/AppsSection";
import { EmailSection } from "../components/EmailSection";
import { ExportSection } from "../components/ExportSection";
import { EmailChange } from "../components/EmailChange";
import { Field, SelectField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { GearSection } from "../components/GearSection";
import { PrivacyZones } from "../components/PrivacyZones";
import { TwoFactorSection } from "../components/TwoFactorSection";
import { browserZone } from "../lib/dates";
import { distanceLabel, formatPace, parsePace, weightFromUnit, weightLabel, weightText, type Units } from "../lib/units";
import { navigate } from "../router";
import { useSession } from "../session";

const NUMBER_FIELDS = ["age", "weight", "max_hr", "rest_hr", "vo2max"] as const;

const asText = (v: number | null | undefined) => (v == null ? "" : String(v));

/** A threshold pace (s/km) as the runner types it: "4:15", per km or mile. */
const paceText = (v: number | null | undefined, units: Units) => (v == null ? "" : formatPace(v, units).split(" ")[0]);

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** Only what changed is sent; an emptied number clears it (null). */
function profileChanges(user: User, form: Record<string, string>): ProfileForm {
  const changes: Record<string, unknown> = {};
  for (const k of ["first_name", "last_name", "units"] as const) {
    if (form[k] !== user[k]) changes[k] = form[k];
  }
  if (form.timezone !== undefined && form.timezone !== (user.timezone ?? "UTC")) {
    changes.timezone = form.timezone.trim();
  }
  for (const k of NUMBER_FIELDS) {
    const text = form[k].trim();
    if (k === "weight") {
      // Typed in the unit the form showed (lb for imperial), sent in kg; unchanged text is
      // no change, so a conversion's rounding never rewrites the stored weight.
      if (text !== weightText(user.weight, user.units)) changes.weight = text === "" ? null : weightFromUnit(Number(text), user.units);
      continue;
    }
    const value = text === "" ? null : Number(text);
    if (value !== user[k]) changes[k] = value;
  }
  const pace = (form.threshold_pace ?? "").trim();
  if (pace !== paceText(user.threshold_pace, user.units)) {
    changes.threshold_pace = pace === "" ? null : (parsePace(pace, user.units) ?? Number.NaN);
  }
  return changes;
}

export function ProfilePage() {
  const { user, setUser, refresh, update } = useSession();
  const u = user!;
  const [form, setForm] = useState<Record<string, string>>({
    first_name: u.first_name,
    last_name: u.last_name,
    units: u.units,
    timezone: u.timezone ?? "UTC",
    ...Object.fromEntries(NUMBER_FIELDS.map((k) => [k, asText(u[k])])),
    weight: weightText(u.weight, u.units),
    threshold_pace: paceText(u.threshold_pace, u.units),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [password, setPassword] = useState("");
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);
  const [passwords, setPasswords] = useState({ current: "", next: "" });
  const [passwordError, setPasswordError] = useState<ApiError | null>(null);
  const [passwordChanged, setPasswordChanged] = useState(false);
  const [sessionsError, setSessionsError] = useState<ApiError | null>(null);

  const set = (k: string) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: e.target.value }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const changes = profileChanges(u, form);
    const bad: string[] = NUMBER_FIELDS.filter((k) => changes[k] !== undefined && changes[k] !== null && Number.isNaN(changes[k]));
    if (Number.isNaN(changes.threshold_pace)) bad.push("threshold_pace");
    if (bad.length) {
      const message = (field: string) => (field === "threshold_pace" ? "Enter a pace as min:s, such as 4:15." : "Enter a number.");
      setError(new ApiError(400, "invalid", "Please correct the fields marked below.", bad.map((field) => ({ field, message: message(field) }))));
      return;
    }
    if (Object.keys(changes).length === 0) {
      setSaved(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = await endpoints.updateProfile(changes);
      setUser(updated);
      // The weight field follows the units just saved.
      setForm((f) => ({ ...f, weight: weightText(updated.weight, updated.units) }));
      setSaved(true);
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };

  const deleteAccount = async (e: FormEvent) => {
    e.preventDefault();
    if (!window.confirm("Delete your account and every run, race and plan in it? This cannot be undone.")) return;
    setDeleteError(null);
    try {
      await endpoints.deleteAccount(password);
      await refresh();
      navigate("/signup");
    } catch (err) {
      setDeleteError(toError(err));
    }
  };

  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    setPasswordError(null);
    setPasswordChanged(false);
    try {
      // The answer is this browser's renewed session, with its new CSRF token.
      update(await endpoints.changePassword(passwords.current, passwords.next));
      setPasswords({ current: "", next: "" });
      setPasswordChanged(true);
    } catch (err) {
      setPasswordError(toError(err));
    }
  };

  const logoutEverywhere = async () => {
    if (!window.confirm("Log out of Runnerly on every device, this one included?")) return;
    setSessionsError(null);
    try {
      await endpoints.logoutEverywhere();
      await refresh();
      navigate("/login");
    } catch (err) {
      setSessionsError(toError(err));
    }
  };

  const fe = (f: string) => error?.fieldError(f);
  return (
    <>
      <h1>Profile</h1>
      <form onSubmit={submit} noValidate className="card">
        <FormMessage error={error} fields={["first_name", "last_name", "units", "timezone", ...NUMBER_FIELDS]} />
        <SelectField label="Units" name="units" value={form.units} onChange={set("units")} error={fe("units")}
          hint="Used for every distance and pace Runnerly shows you.">
          <option value="metric">Kilometres (km)</option>
          <option value="imperial">Miles (mi)</option>
        </SelectField>
        <Field label="Time zone" name="timezone" value={form.timezone} onChange={set("timezone")} error={fe("timezone")}
          hint={`Your days, weeks and months (an IANA name such as Europe/Paris; this browser's is ${browserZone()}).`} />
        <Field label="First name" name="first_name" autoComplete="given-name" value={form.first_name} onChange={set("first_name")} error={fe("first_name")} />
        <Field label="Last name" name="last_name" autoComplete="family-name" value={form.last_name} onChange={set("last_name")} error={fe("last_name")} />
        <Field label="Age" name="age" type="number" inputMode="numeric" value={form.age} onChange={set("age")} error={fe("age")} />
        <Field label={`Weight (${weightLabel(u.units)})`} name="weight" type="number" inputMode="decimal" step="any" value={form.weight} onChange={set("weight")} error={fe("weight")} />
        <Field label="Maximum heart rate (bpm)" name="max_hr" type="number" inputMode="numeric" value={form.max_hr} onChange={set("max_hr")} error={fe("max_hr")} />
        <Field label="Resting heart rate (bpm)" name="rest_hr" type="number" inputMode="numeric" value={form.rest_hr} onChange={set("rest_hr")} error={fe("rest_hr")} />
        <Field label="VO2max" name="vo2max" type="number" inputMode="decimal" step="any" value={form.vo2max} onChange={set("vo2max")} error={fe("vo2max")} />
        <Field label={`Threshold pace (min:s per ${distanceLabel(u.units)})`} name="threshold_pace" placeholder="4:15" value={form.threshold_pace} onChange={set("threshold_pace")} error={fe("threshold_pace")}
          hint="The pace you could hold for about an hour: the training load of runs without heart rate (Fitness page). Empty: from your VO2max." />
        <button type="submit" className="button button--primary" disabled={busy}>
          Save
        </button>
        {saved && <p role="status">Saved.</p>}
      </form>
      <GearSection />
      <EmailChange />
      <form onSubmit={changePassword} noValidate className="card" aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <p>Every other device logged in to your account is logged out; this one stays.</p>
        <FormMessage error={passwordError} fields={["current_password", "new_password"]} />
        <Field label="Current password" type="password" name="current_password" autoComplete="current-password"
          value={passwords.current} onChange={(e) => setPasswords((p) => ({ ...p, current: e.target.value }))}
          error={passwordError?.fieldError("current_password")} />
        <Field label="New password" type="password" name="new_password" autoComplete="new-password"
          value={passwords.next} onChange={(e) => setPasswords((p) => ({ ...p, next: e.target.value }))}
          error={passwordError?.fieldError("new_password")} hint="At least 10 characters, hard to guess." />
        <button type="submit" className="button button--primary" disabled={!passwords.current || !passwords.next}>
          Change password
        </button>
        {passwordChanged && <p role="status">Password changed. Your other devices have been logged out.</p>}
      </form>
      <AppsSection />
      <TwoFactorSection />
      <EmailSection />
      <ExportSection />
      <PrivacyZones />
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Devices</h2>
        <p>Lost a phone, or logged in on a shared computer? End every session of your account at once.</p>
        <FormMessage error={sessionsError} fields={[]} />
        <button type="button" className="button" onClick={logoutEverywhere}>
          Log out everywhere
        </button>
      </section>
      <form onSubmit={deleteAccount} noValidate className="card danger-zone" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete account</h2>
        <p>Removes your account, runs, races, plans and the Strava link.</p>
        <FormMessage error={deleteError} fields={["password"]} />
        <Field label="Your password" type="password" name="password" autoComplete="current-password" value={password}
          onChange={(e) => setPassword(e.target.value)} error={deleteError?.fieldError("password")} />
        <button type="submit" className="button button--danger" disabled={!password}>
          Delete my account
        </button>
      </form>
    </>
  );
}
