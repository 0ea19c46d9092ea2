import { useState, type FormEvent } from "react";
import { account } from "../api/account";
import { ApiError } from "../api/client";
import { useSession } from "../session";
import { Field } from "./Field";
import { FormMessage } from "./FormMessage";

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** The profile's email section: the address in use, and a change confirmed from the new
 * address (the current one is told). The password is asked again. */
export function EmailChange() {
  const { user } = useSession();
  const [form, setForm] = useState({ new_email: "", password: "" });
  const [error, setError] = useState<ApiError | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSentTo(null);
    try {
      const answer = await account.requestEmailChange(form.new_email.trim(), form.password);
      setSentTo(answer.new_email);
      setForm({ new_email: "", password: "" });
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="card" aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <p>
        You log in with <strong>{user?.email}</strong>. To change it, we send a link to the new address; nothing changes
        until you open it, and your current address is told.
      </p>
      <FormMessage error={error} fields={["new_email", "password"]} />
      <Field label="New email address" type="email" name="new_email" autoComplete="email" value={form.new_email}
        onChange={(e) => setForm((f) => ({ ...f, new_email: e.target.value }))} error={error?.fieldError("new_email")} />
      <Field label="Confirm with your password" type="password" name="email_password" autoComplete="current-password"
        value={form.password} onChange={(e) => setForm((f) => ({ ...f, password: e.target.value }))}
        error={error?.fieldError("password")} />
      <button type="submit" className="button button--primary" disabled={busy || !form.new_email.trim() || !form.password}>
        {busy ? "Sending…" : "Change email"}
      </button>
      {sentTo && (
        <p role="status">
          We sent a link to {sentTo}. Open it within a day to confirm the change; until then you keep logging in with{" "}
          {user?.email}.
        </p>
      )}
    </form>
  );
}
