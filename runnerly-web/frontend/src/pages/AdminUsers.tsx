import { useState } from "react";
import { endpoints } from "../api/endpoints";
import { twoFactor } from "../api/twoFactor";
import type { User } from "../api/types";
import { LoadError, Loading } from "../components/Status";
import { useApi } from "../lib/useApi";
import { useSession } from "../session";

function UserRow({ user, self, onChanged }: { user: User; self: boolean; onChanged: (u: User) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await endpoints.setUserDisabled(user.id, !user.disabled));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const name = `${user.first_name} ${user.last_name}`.trim() || user.email;
  const [reset, setReset] = useState<string | null>(null);
  // For a runner who lost both their phone and their recovery codes.
  const resetTwoFactor = async () => {
    if (!window.confirm(`Remove ${name}'s two-factor sign-in? Their password alone will log in until they set it up again.`)) return;
    setError(null);
    setReset(null);
    try {
      const answer = await twoFactor.adminReset(user.id);
      setReset(
        !answer.was_enabled
          ? "Two-factor sign-in was not on."
          : answer.runner_told
            ? "Two-factor sign-in removed; the runner was emailed."
            : "Two-factor sign-in removed. Tell the runner yourself: no email was sent.",
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{user.email}</td>
      <td>{user.is_admin ? "admin" : "runner"}</td>
      <td>{user.disabled ? "disabled" : "active"}</td>
      <td>
        {!self && (
          <button type="button" className={user.disabled ? "button" : "button button--danger"} onClick={toggle} disabled={busy}>
            {user.disabled ? "Enable" : "Disable"}
            <span className="visually-hidden"> {name}</span>
          </button>
        )}
        {!self && (
          <button type="button" className="button" onClick={resetTwoFactor}>
            Reset two-factor<span className="visually-hidden"> of {name}</span>
          </button>
        )}
        {reset && <p role="status">{reset}</p>}
        {error && <p className="field__error" role="alert">{error}</p>}
      </td>
    </tr>
  );
}

export function AdminUsersPage() {
  const { user } = useSession();
  const users = useApi(() => endpoints.adminUsers(), "admin-users");
  const [changed, setChanged] = useState<Record<number, User>>({});
  if (!user?.is_admin) return <p>Only administrators can see this page.</p>;
  if (users.loading && !users.data) return <Loading what="Loading runners" />;
  if (users.error) return <LoadError error={users.error} retry={users.reload} />;
  return (
    <>
      <h1>Runners</h1>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {users.data!.map((u) => {
              const current = changed[u.id] ?? u;
              return (
                <UserRow key={u.id} user={current} self={u.id === user.id}
                  onChanged={(nu) => setChanged((c) => ({ ...c, [nu.id]: nu }))} />
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
