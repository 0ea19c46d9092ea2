// The profile's "Two-factor sign-in": set it up with an authenticator app (QR code drawn by
// the server, or the secret typed in), keep the recovery codes shown once, make new ones,
// or turn it off with the password and a code.
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { twoFactor } from "../api/twoFactor";
import type { TwoFactorEnrolment } from "../api/types";
import { useApi } from "../lib/useApi";
import { Field } from "./Field";
import { FormMessage } from "./FormMessage";
import { LoadError, Loading } from "./Status";

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

/** "2 Mar 2026": the day an instant fell on, here. */
function onDay(instant: string | null | undefined): string {
  return instant ? new Date(instant).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) : "";
}

/** The secret in groups of four, as apps show it and people type it. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

export function RecoveryCodeList({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const text = `Runnerly recovery codes (each works once)\n\n${codes.join("\n")}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div aria-labelledby="recovery-title" role="group">
      <h3 id="recovery-title">Your recovery codes</h3>
      <p>
        Keep them somewhere safe, away from your phone. Each logs you in once when your app is not at hand. They are
        shown only now.
      </p>
      <ol className="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <a className="button" download="runnerly-recovery-codes.txt" href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}>
        Download
      </a>{" "}
      <button type="button" className="button" onClick={copy}>
        Copy
      </button>{" "}
      <button type="button" className="button button--primary" onClick={onDone}>
        I have saved them
      </button>
      {copied && <p role="status">Copied.</p>}
    </div>
  );
}

function Enrolment({ enrolment, onEnabled }: { enrolment: TwoFactorEnrolment; onEnabled: (codes: string[]) => void }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      onEnabled((await twoFactor.confirm(code)).recovery_codes);
    } catch (err) {
      setError(toError(err));
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <p>Scan this code with an authenticator app (such as Aegis, FreeOTP or Google Authenticator):</p>
      <img className="two-factor-qr" src={enrolment.qr_svg} width={200} height={200} alt="QR code to add Runnerly to your authenticator app" />
      <p>
        Or type this key into the app: <code data-testid="two-factor-secret">{grouped(enrolment.secret)}</code>
      </p>
      <FormMessage error={error} fields={["code"]} />
      <Field label="Code from your app" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={7}
        value={code} onChange={(e) => setCode(e.target.value)} error={error?.fieldError("code")}
        hint="The 6 digits the app now shows for Runnerly." />
      <button type="submit" className="button button--primary" disabled={!code.trim()}>
        Turn on
      </button>
    </form>
  );
}

function Manage({ onChanged, onCodes }: { onChanged: () => void; onCodes: (codes: string[]) => void }) {
  const [code, setCode] = useState("");
  const [codeError, setCodeError] = useState<ApiError | null>(null);
  const [off, setOff] = useState({ password: "", code: "" });
  const [recovery, setRecovery] = useState(false);
  const [offError, setOffError] = useState<ApiError | null>(null);

  const regenerate = async (e: FormEvent) => {
    e.preventDefault();
    setCodeError(null);
    try {
      onCodes((await twoFactor.newRecoveryCodes(code)).recovery_codes);
    } catch (err) {
      setCodeError(toError(err));
    }
  };
  const turnOff = async (e: FormEvent) => {
    e.preventDefault();
    if (!window.confirm("Turn off two-factor sign-in? Your password alone will log in.")) return;
    setOffError(null);
    try {
      await twoFactor.disable(off.password, recovery ? { recovery_code: off.code } : { code: off.code });
      onChanged();
    } catch (err) {
      setOffError(toError(err));
    }
  };
  const offField = recovery ? "recovery_code" : "code";
  return (
    <>
      <form onSubmit={regenerate} noValidate aria-labelledby="new-codes-title">
        <h3 id="new-codes-title">New recovery codes</h3>
        <p>Lost your recovery codes, or used most of them? New ones replace them all.</p>
        <FormMessage error={codeError} fields={["code"]} />
        <Field label="Code from your app" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={7}
          value={code} onChange={(e) => setCode(e.target.value)} error={codeError?.fieldError("code")} />
        <button type="submit" className="button" disabled={!code.trim()}>
          Make new recovery codes
        </button>
      </form>
      <form onSubmit={turnOff} noValidate aria-labelledby="two-factor-off-title">
        <h3 id="two-factor-off-title">Turn off</h3>
        <FormMessage error={offError} fields={["password", offField]} />
        <Field label="Your password" type="password" name="password" autoComplete="current-password" value={off.password}
          onChange={(e) => setOff((o) => ({ ...o, password: e.target.value }))} error={offError?.fieldError("password")} />
        <Field key={offField} label={recovery ? "Recovery code" : "Code from your app"} name={offField}
          autoComplete={recovery ? "off" : "one-time-code"} inputMode={recovery ? "text" : "numeric"} value={off.code}
          onChange={(e) => setOff((o) => ({ ...o, code: e.target.value }))} error={offError?.fieldError(offField)} />
        <button type="button" className="button" onClick={() => setRecovery((r) => !r)}>
          {recovery ? "Use a code from my app" : "Use a recovery code"}
        </button>{" "}
        <button type="submit" className="button button--danger" disabled={!off.password || !off.code.trim()}>
          Turn off two-factor sign-in
        </button>
      </form>
    </>
  );
}

export function TwoFactorSection() {
  const status = useApi(() => twoFactor.status(), "two-factor");
  const [enrolment, setEnrolment] = useState<TwoFactorEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const start = async () => {
    setError(null);
    try {
      setEnrolment(await twoFactor.start());
    } catch (err) {
      setError(toError(err));
    }
  };
  const reload = () => {
    setEnrolment(null);
    setCodes(null);
    status.reload();
  };

  let body;
  if (codes) {
    body = <RecoveryCodeList codes={codes} onDone={reload} />;
  } else if (enrolment) {
    body = (
      <Enrolment
        enrolment={enrolment}
        onEnabled={(c) => {
          setEnrolment(null);
          setCodes(c);
        }}
      />
    );
  } else if (status.error) {
    body = <LoadError error={status.error} retry={status.reload} />;
  } else if (!status.data) {
    body = <Loading what="Loading two-factor sign-in" />;
  } else if (status.data.enabled) {
    const left = status.data.recovery_codes_left;
    body = (
      <>
        <p role="status">
          On since {onDay(status.data.enabled_at)}. {left === 1 ? "1 recovery code" : `${left} recovery codes`} left.
        </p>
        <Manage onChanged={reload} onCodes={setCodes} />
      </>
    );
  } else {
    body = (
      <>
        <p>Off. With it on, logging in asks for a code from an app on your phone as well as your password.</p>
        <FormMessage error={error} fields={[]} />
        <button type="button" className="button button--primary" onClick={start}>
          Set up two-factor sign-in
        </button>
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="two-factor-section-title">
      <h2 id="two-factor-section-title">Two-factor sign-in</h2>
      {body}
    </section>
  );
}
