import type { ReactNode } from "react";
import { endpoints } from "../api/endpoints";
import { navigate } from "../router";
import { useSession } from "../session";
import { Link } from "./Link";

const LINKS: [string, string][] = [
  ["/", "Dashboard"],
  ["/runs", "Runs"],
  ["/calendar", "Calendar"],
  ["/fitness", "Fitness"],
  ["/heatmap", "Heatmap"],
  ["/upload", "Upload"],
  ["/races", "Races"],
  ["/plans", "Plans"],
  ["/reports", "Report"],
  ["/sync", "Strava"],
  ["/profile", "Profile"],
];

export function Layout({ path, children }: { path: string; children: ReactNode }) {
  const { user, refresh } = useSession();
  const logout = async () => {
    // Failed or not, the session read afresh says whether the browser is still logged in;
    // the failure itself has nobody to show it to.
    await endpoints.logout().catch(() => undefined);
    await refresh();
    navigate("/login");
  };
  const current = (to: string) => (to === "/" ? path === "/" : path.startsWith(to));
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Runnerly
        </Link>
        {user && (
          <nav aria-label="Main">
            <ul>
              {LINKS.map(([to, label]) => (
                <li key={to}>
                  <Link to={to} aria-current={current(to) ? "page" : undefined}>
                    {label}
                  </Link>
                </li>
              ))}
              {user.is_admin && (
                <li>
                  <Link to="/admin/users" aria-current={current("/admin") ? "page" : undefined}>
                    Admin
                  </Link>
                </li>
              )}
              <li>
                <button type="button" className="link-button" onClick={logout}>
                  Log out
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
