// The login's second step: the six digits the authenticator app shows, or one of the
// recovery codes when the phone is not at hand.
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { twoFactor } from "../api/twoFactor";
import type { Session } from "../api/types";
import { Field } from "./Field";
import { FormMessage } from "./FormMessage";

export function TwoFactorLogin({ onDone, onRestart }: { onDone: (session: Session) => void; onRestart: () => void }) {
  const [recovery, setRecovery] = useState(false);
  const [value, setValue] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const expired = error?.code === "two_factor_expired";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await twoFactor.logIn(recovery ? { recovery_code: value } : { code: value }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
    } finally {
      setBusy(false);
    }
  };

  const switchMode = () => {
    setRecovery((r) => !r);
    setValue("");
    setError(null);
  };

  const field = recovery ? "recovery_code" : "code";
  return (
    <form onSubmit={submit} noValidate aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">Two-factor sign-in</h2>
      <p>
        {recovery
          ? "Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once."
          : "Enter the 6-digit code your authenticator app shows for Runnerly."}
      </p>
      <FormMessage error={error} fields={[field]} />
      {expired ? (
        <button type="button" className="button button--primary" onClick={onRestart}>
          Log in again
        </button>
      ) : (
        <>
          {recovery ? (
            <Field key="recovery" label="Recovery code" name="recovery_code" autoComplete="off" autoCapitalize="none"
              spellCheck={false} required value={value} onChange={(e) => setValue(e.target.value)}
              error={error?.fieldError("recovery_code")} />
          ) : (
            <Field key="code" label="Code from your app" name="code" autoComplete="one-time-code" inputMode="numeric"
              pattern="[0-9 ]*" maxLength={7} required value={value} onChange={(e) => setValue(e.target.value)}
              error={error?.fieldError("code")} />
          )}
          <button type="submit" className="button button--primary" disabled={busy || !value.trim()}>
            {busy ? "Checking…" : "Verify"}
          </button>{" "}
          <button type="button" className="button" onClick={switchMode}>
            {recovery ? "Use a code from my app" : "Use a recovery code"}
          </button>
        </>
      )}
    </form>
  );
}
