import { useEffect, useState } from "react";
import type { ApiError } from "../api/client";
import { apps, authorizationRequest, leave, type AppAuthorization } from "../api/apps";
import { Link } from "../components/Link";
import { Loading } from "../components/Status";

const leaveFor = (uri: string) => leave.to(uri);

/**
 * `/oauth/authorize`: an app asks to act for the runner (OAuth 2.1 authorization code with
 * PKCE). The page names the app and each permission in words; Allow sends the browser back
 * to the app with a one-minute code, Deny with `access_denied`. A request from an unknown
 * app, or for an address the app did not register, is explained here and never followed.
 */
export function ConsentPage({ query }: { query: string }) {
  const [request] = useState(() => authorizationRequest(query));
  const [asked, setAsked] = useState<AppAuthorization | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void apps.check(request).then((outcome) => {
      if (!live) return;
      if (outcome.ok) setAsked(outcome.value);
      else if (outcome.redirectTo) leaveFor(outcome.redirectTo);
      else setError(outcome.error);
    });
    return () => {
      live = false;
    };
  }, [request]);

  const answer = async (allow: boolean) => {
    setBusy(true);
    const outcome = await apps.answer(request, allow);
    if (outcome.ok) return leaveFor(outcome.value.redirect_to);
    if (outcome.redirectTo) return leaveFor(outcome.redirectTo);
    setBusy(false);
    setError(outcome.error);
  };

  if (error) {
    return (
      <>
        <h1>This app cannot be connected</h1>
        <div className="form-message" role="alert">
          <p>
            The link that brought you here is not a valid request from an app Runnerly knows, so nothing was shared
            and you were not sent back to it. {error.status >= 500 && "Try again in a moment."}
          </p>
          {error.detail && <p className="muted">{error.detail}</p>}
        </div>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </>
    );
  }
  if (!asked) return <Loading what="Reading the app's request" />;
  return (
    <section className="card consent" aria-labelledby="consent-title">
      <h1 id="consent-title">Allow {asked.app_name} to use your Runnerly account?</h1>
      <p>{asked.app_name} asks to:</p>
      <ul>
        {asked.scopes.map((s) => (
          <li key={s.scope}>{s.description}</li>
        ))}
      </ul>
      <p className="muted">
        It will not see your password or your Strava connection. You can revoke its access at any time under
        Profile, Apps; a token it already holds then stops within 5 minutes.
      </p>
      <p className="muted">You will be sent back to {new URL(asked.redirect_uri).origin}.</p>
      <div className="actions">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void answer(true)}>
          Allow
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void answer(false)}>
          Deny
        </button>
      </div>
    </section>
  );
}
