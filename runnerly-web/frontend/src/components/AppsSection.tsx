import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { apps, type AppGrant, type AppScopeName } from "../api/apps";
import { Field, SelectField } from "./Field";
import { FormMessage } from "./FormMessage";

const SCOPES: { scope: AppScopeName; label: string }[] = [
  { scope: "runs:read", label: "Read my runs" },
  { scope: "runs:write", label: "Add and change my runs" },
  { scope: "users:read", label: "Read my profile" },
  { scope: "reports:read", label: "Read my monthly reports" },
];
const DAYS = [7, 30, 90, 365];

function toError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "client", String(e));
}

function day(instant: string | null): string {
  return instant ? new Date(instant).toLocaleDateString() : "never";
}

function GrantRow({ grant, onRevoke }: { grant: AppGrant; onRevoke: (g: AppGrant) => void }) {
  return (
    <li className="app-grant">
      <strong>{grant.name}</strong> <span className="muted">({grant.kind === "app" ? "app" : "personal token"})</span>
      <br />
      {grant.scopes.map((s) => s.description).join("; ")}
      <br />
      <span className="muted">
        Authorized {day(grant.created_at)} · last used {day(grant.last_used_at)}
        {grant.expires_at && ` · expires ${day(grant.expires_at)}`}
      </span>{" "}
      <button type="button" className="button" onClick={() => onRevoke(grant)} aria-label={`Revoke ${grant.name}`}>
        Revoke
      </button>
    </li>
  );
}

/** The profile's "Apps": apps the runner allowed, personal access tokens, and revocation. */
export function AppsSection() {
  const [grants, setGrants] = useState<AppGrant[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<AppScopeName[]>(["runs:read"]);
  const [days, setDays] = useState(30);
  const [created, setCreated] = useState<string | null>(null);
  const [createError, setCreateError] = useState<ApiError | null>(null);

  const load = useCallback(() => {
    apps.list().then(setGrants, (e: unknown) => setError(toError(e)));
  }, []);
  useEffect(load, [load]);

  const revoke = async (grant: AppGrant) => {
    setError(null);
    try {
      await apps.revoke(grant.id);
      load();
    } catch (e) {
      setError(toError(e));
    }
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreateError(null);
    try {
      const made = await apps.createToken(name.trim(), scopes, days);
      setCreated(made.token);
      setName("");
      load();
    } catch (err) {
      setCreateError(toError(err));
    }
  };

  const toggle = (scope: AppScopeName, on: boolean) =>
    setScopes((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));

  return (
    <section className="card" aria-labelledby="apps-title">
      <h2 id="apps-title">Apps</h2>
      <p>
        Apps you allowed to use your account, and your personal access tokens. Revoking one stops it at once; a token it
        already holds keeps working for at most 5 minutes.
      </p>
      <FormMessage error={error} fields={[]} />
      {grants === null ? (
        <p className="muted">Loading…</p>
      ) : grants.length === 0 ? (
        <p className="muted">No app or token has access to your account.</p>
      ) : (
        <ul className="app-grants">
          {grants.map((g) => (
            <GrantRow key={g.id} grant={g} onRevoke={(x) => void revoke(x)} />
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void create(e)} noValidate aria-labelledby="token-title">
        <h3 id="token-title">New personal access token</h3>
        <FormMessage error={createError} fields={["name", "scopes", "days"]} />
        <Field label="Name" name="token_name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)}
          error={createError?.fieldError("name")} hint="What it is for, e.g. “my export script”." />
        <fieldset className="field">
          <legend>It may</legend>
          {SCOPES.map(({ scope, label }) => (
            <div className="field field--check" key={scope}>
              <label>
                <input type="checkbox" name="scopes" value={scope} checked={scopes.includes(scope)}
                  onChange={(e) => toggle(scope, e.target.checked)} />{" "}
                {label}
              </label>
            </div>
          ))}
        </fieldset>
        <SelectField label="Expires after" name="days" value={String(days)} onChange={(e) => setDays(Number(e.target.value))}>
          {DAYS.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </SelectField>
        <button type="submit" className="button" disabled={!name.trim() || scopes.length === 0}>
          Create token
        </button>
      </form>
      {created && (
        <div className="notice" role="status">
          <p>Copy your token now: it is not shown again.</p>
          <p>
            <code className="token">{created}</code>
          </p>
        </div>
      )}
    </section>
  );
}
