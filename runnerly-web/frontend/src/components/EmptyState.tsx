import { endpoints } from "../api/endpoints";
import { Link } from "./Link";

/** What a runner without runs sees: the two ways to get runs in, one click each. */
export function EmptyState({ stravaConnected }: { stravaConnected: boolean }) {
  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">No runs yet</h2>
      {stravaConnected ? (
        <p>
          Your Strava account is connected and your runs are on their way. <Link to="/sync">Follow the import</Link>,
          or upload a file in the meantime.
        </p>
      ) : (
        <p>Connect Strava to bring in all your runs, or upload a GPX, TCX or FIT file from your watch.</p>
      )}
      <div className="actions">
        {!stravaConnected && (
          <a className="button button--primary" href={endpoints.stravaConnectUrl}>
            Connect Strava
          </a>
        )}
        <Link className="button" to="/upload">
          Upload a file
        </Link>
      </div>
    </section>
  );
}
