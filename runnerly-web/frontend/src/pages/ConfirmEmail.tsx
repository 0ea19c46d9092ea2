import { useState } from "react";
import { account, useLinkToken } from "../api/account";
import { ApiError } from "../api/client";
import { Link } from "../components/Link";
import { useSession } from "../session";
import { LinkProblem } from "./ResetPassword";

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** The page a new address's confirmation email links to. Confirming is a button, not the
 * page's load: a mail scanner that opens links must not confirm for the runner. */
export function ConfirmEmailPage() {
  const { update, user } = useSession();
  const token = useLinkToken();
  const [error, setError] = useState<ApiError | null>(null);
  const [email, setEmail] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const again = user ? { to: "/profile", label: "Change your email in your profile" } : { to: "/login", label: "Log in" };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const session = await account.confirmEmailChange(token);
      update(session);
      setEmail(session.user?.email ?? "");
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth">
      <h1>Confirm your new email address</h1>
      {!token ? (
        <LinkProblem message="This page opens from the link in your confirmation email" again={again} />
      ) : email !== null ? (
        <>
          <p role="status">
            {email ? `Your account's email address is now ${email}.` : "Your account's email address is changed."} Every
            other device was logged out.
          </p>
          <p>
            {email ? <Link to="/profile">Back to your profile</Link> : <Link to="/login">Log in with your new address</Link>}
          </p>
        </>
      ) : error?.code === "invalid_token" ? (
        <LinkProblem message={error.fieldError("token") ?? error.message} again={again} />
      ) : (
        <>
          {error && (
            <div className="form-message" role="alert">
              <p>{error.fieldError("token") ?? error.message}</p>
            </div>
          )}
          <p>Your account asked to use this address from now on. Confirm to make the change.</p>
          <button type="button" className="button button--primary" onClick={confirm} disabled={busy}>
            {busy ? "Confirming…" : "Confirm this address"}
          </button>
        </>
      )}
    </section>
  );
}
