import { useState, type FormEvent } from "react";
import { account, useLinkToken } from "../api/account";
import { ApiError } from "../api/client";
import { Field } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Link } from "../components/Link";
import { useSession } from "../session";

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".");
}

/** A link that cannot be used (wrong, used, expired or cancelled): why, and what to do. */
export function LinkProblem({ message, again }: { message: string; again: { to: string; label: string } }) {
  return (
    <div className="form-message" role="alert">
      <p>{sentence(message)}</p>
      <p>
        <Link to={again.to}>{again.label}</Link>
      </p>
    </div>
  );
}

/** The page a reset email links to: choose the new password. Every session of the account
 * ends, this browser's too; the runner then logs in as usual. */
export function ResetPasswordPage() {
  const { update } = useSession();
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const again = { to: "/forgot-password", label: "Ask for a new link" };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      update(await account.resetPassword(token, password));
      setDone(true);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <section className="auth">
        <h1>Choose a new password</h1>
        <LinkProblem message="This page opens from the link in your password reset email" again={again} />
      </section>
    );
  }
  if (done) {
    return (
      <section className="auth">
        <h1>Password changed</h1>
        <p role="status">Your new password is set, and every device was logged out of your account.</p>
        <p>
          <Link to="/login" className="button button--primary">Log in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="auth">
      <h1>Choose a new password</h1>
      {error?.code === "invalid_token" ? (
        <LinkProblem message={error.fieldError("token") ?? error.message} again={again} />
      ) : (
        <form onSubmit={submit} noValidate>
          <FormMessage error={error} fields={["new_password"]} />
          <Field label="New password" type="password" name="new_password" autoComplete="new-password" required
            value={password} onChange={(e) => setPassword(e.target.value)} error={error?.fieldError("new_password")}
            hint="At least 10 characters; a passphrase of a few words works well." />
          <button type="submit" className="button button--primary" disabled={busy || !password}>
            {busy ? "Saving…" : "Set my new password"}
          </button>
        </form>
      )}
    </section>
  );
}
