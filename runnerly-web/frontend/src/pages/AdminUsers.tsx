import { useState } from "react";
import { endpoints } from "../api/endpoints";
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
