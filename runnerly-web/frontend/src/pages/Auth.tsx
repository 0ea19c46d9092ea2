import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import { Field, SelectField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Link } from "../components/Link";
import { TwoFactorLogin } from "../components/TwoFactorLogin";
import { browserZone } from "../lib/dates";
import { navigate } from "../router";
import { useSession } from "../session";

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

export function LoginPage() {
  const { update } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The password was right and the account has two-factor sign-in: its code is asked next.
  const [secondStep, setSecondStep] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await endpoints.login(email, password);
      if ("two_factor_required" in answer) {
        setPassword("");
        setSecondStep(true);
        return;
      }
      update(answer);
      navigate("/");
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  if (secondStep) {
    return (
      <section className="auth">
        <h1>Log in</h1>
        <TwoFactorLogin
          onDone={(session) => {
            update(session);
            navigate("/");
          }}
          onRestart={() => setSecondStep(false)}
        />
      </section>
    );
  }

  return (
    <section className="auth">
      <h1>Log in</h1>
      <form onSubmit={submit} noValidate>
        <FormMessage error={error} fields={["email", "password"]} />
        <Field label="Email" type="email" name="email" autoComplete="email" required value={email}
          onChange={(e) => setEmail(e.target.value)} error={error?.fieldError("email")} />
        <Field label="Password" type="password" name="password" autoComplete="current-password" required
          value={password} onChange={(e) => setPassword(e.target.value)} error={error?.fieldError("password")} />
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New to Runnerly? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}

export function SignupPage() {
  const { update } = useSession();
  const [form, setForm] = useState({ first_name: "", last_name: "", email: "", password: "", units: "metric" });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // The browser's zone: the runner's days and months (editable in the profile).
      const units = form.units === "imperial" ? "imperial" : "metric";
      update(await endpoints.signup({ ...form, units, timezone: browserZone() }));
      navigate("/");
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const fe = (f: string) => error?.fieldError(f);
  return (
    <section className="auth">
      <h1>Create your account</h1>
      <form onSubmit={submit} noValidate>
        <FormMessage error={error} fields={["first_name", "last_name", "email", "password", "units"]} />
        <Field label="First name" name="first_name" autoComplete="given-name" value={form.first_name}
          onChange={set("first_name")} error={fe("first_name")} />
        <Field label="Last name" name="last_name" autoComplete="family-name" value={form.last_name}
          onChange={set("last_name")} error={fe("last_name")} />
        <Field label="Email" type="email" name="email" autoComplete="email" required value={form.email}
          onChange={set("email")} error={fe("email")} />
        <Field label="Password" type="password" name="password" autoComplete="new-password" required
          value={form.password} onChange={set("password")} error={fe("password")}
          hint="At least 10 characters; a passphrase of a few words works well." />
        <SelectField label="Distances in" name="units" value={form.units} onChange={set("units")} error={fe("units")}>
          <option value="metric">Kilometres</option>
          <option value="imperial">Miles</option>
        </SelectField>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already a runner here? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
