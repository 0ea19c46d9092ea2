import type { ApiError } from "../api/client";
import { Link } from "./Link";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** What failed, in the runner's words, per kind of failure. */
function heading(error: ApiError): string {
  if (error.status === 0) return "No connection to Runnerly";
  if (error.status === 401) return "You are logged out";
  if (error.status === 403) return "Not yours to see";
  if (error.status === 404) return "Not found";
  if (error.status >= 500) return "Runnerly could not load this";
  return "This could not be loaded";
}

/**
 * A page that could not load says why and offers what to do next: try again when trying
 * again may help (no connection, a failure on our side, a rate limit), log in again when the
 * session ended, and always a way back.
 */
export function LoadError({ error, retry }: { error: ApiError; retry?: () => void }) {
  const retryHelps = error.status === 0 || error.status === 429 || error.status >= 500 || error.status === 409;
  const back = () => window.history.back();
  // On the dashboard (home) a part that failed has nowhere to go back to.
  const away = error.status !== 401 && window.location.pathname !== "/";
  return (
    <div className="form-message load-error" role="alert">
      <p>
        <strong>{heading(error)}.</strong> {error.message}
      </p>
      <div className="actions">
        {error.status === 401 ? (
          <Link to="/login" className="button button--primary">
            Log in again
          </Link>
        ) : (
          retry &&
          retryHelps && (
            <button type="button" className="button button--primary" onClick={retry}>
              Try again
            </button>
          )
        )}
        {away && window.history.length > 1 && (
          <button type="button" className="button" onClick={back}>
            Go back
          </button>
        )}
        {away && (
          <Link to="/" className="button">
            Dashboard
          </Link>
        )}
      </div>
      {error.requestId && error.status >= 500 && <p className="muted">Reference: {error.requestId}</p>}
    </div>
  );
}
