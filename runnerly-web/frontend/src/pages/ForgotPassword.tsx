import { useState, type FormEvent } from "react";
import { account } from "../api/account";
import { ApiError } from "../api/client";
import { Field } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Link } from "../components/Link";

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** Asks for a reset link. The answer is the same whether or not the address has an account,
 * so the page says what happens *if* it does. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSent((await account.requestPasswordReset(email.trim())).message);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <h1>Forgot your password?</h1>
      {sent ? (
        <>
          <p role="status">{sent}</p>
          <p>No email after a few minutes? Check your spam folder, or make sure you typed the address you signed up with.</p>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>Enter the email address of your account. We will send you a link to choose a new password.</p>
          <FormMessage error={error} fields={["email"]} />
          <Field label="Email" type="email" name="email" autoComplete="email" required value={email}
            onChange={(e) => setEmail(e.target.value)} error={error?.fieldError("email")} />
          <button type="submit" className="button button--primary" disabled={busy || !email.trim()}>
            {busy ? "Sending…" : "Send me a link"}
          </button>
        </form>
      )}
      <p>
        Remembered it? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
