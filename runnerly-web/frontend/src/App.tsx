import { lazy, Suspense, useEffect, useRef, type ReactNode } from "react";
import { Layout } from "./components/Layout";
import { Link } from "./components/Link";
import { LoadError, Loading } from "./components/Status";
import { ApiError } from "./api/client";
import { lastCompleteMonth, monthOf, today, type Day, type YearMonth } from "./lib/dates";
import { titleFor, usePageTitle } from "./lib/pageTitle";
import { afterLogin, CONSENT_PATH, loginFor } from "./api/apps";
import { LoginPage, SignupPage } from "./pages/Auth";
import { ConsentPage } from "./pages/Consent";
import { DashboardPage } from "./pages/Dashboard";
import { RunsMonthPage } from "./pages/RunsMonth";
import { navigate, usePath } from "./router";
import { useSession } from "./session";

const PUBLIC = new Set(["/login", "/signup", "/forgot-password"]);
// Pages an emailed link opens, with or without a session (the runner may be logged in).
const FROM_EMAIL = new Set(["/reset-password", "/confirm-email"]);

// Pages a dashboard visit does not need, loaded when first opened.
const CalendarPage = lazy(() => import("./pages/Calendar").then((m) => ({ default: m.CalendarPage })));
const RunSearchPage = lazy(() => import("./pages/RunSearch").then((m) => ({ default: m.RunSearchPage })));
const HeatmapPage = lazy(() => import("./pages/Heatmap").then((m) => ({ default: m.HeatmapPage })));
const FitnessPage = lazy(() => import("./pages/Fitness").then((m) => ({ default: m.FitnessPage })));
const ForgotPasswordPage = lazy(() => import("./pages/ForgotPassword").then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import("./pages/ResetPassword").then((m) => ({ default: m.ResetPasswordPage })));
const ConfirmEmailPage = lazy(() => import("./pages/ConfirmEmail").then((m) => ({ default: m.ConfirmEmailPage })));
// Every page but the dashboard and the month's runs too: on a phone's CPU the JavaScript a
// first visit parses is most of its wait (benchmarks.web, decision 57).
const AdminUsersPage = lazy(() => import("./pages/AdminUsers").then((m) => ({ default: m.AdminUsersPage })));
const PlanPage = lazy(() => import("./pages/Plans").then((m) => ({ default: m.PlanPage })));
const PlansPage = lazy(() => import("./pages/Plans").then((m) => ({ default: m.PlansPage })));
const ProfilePage = lazy(() => import("./pages/Profile").then((m) => ({ default: m.ProfilePage })));
const RacesPage = lazy(() => import("./pages/Races").then((m) => ({ default: m.RacesPage })));
const ReportPage = lazy(() => import("./pages/Report").then((m) => ({ default: m.ReportPage })));
const RunDetailPage = lazy(() => import("./pages/RunDetail").then((m) => ({ default: m.RunDetailPage })));
const SyncPage = lazy(() => import("./pages/Sync").then((m) => ({ default: m.SyncPage })));
const UploadPage = lazy(() => import("./pages/Upload").then((m) => ({ default: m.UploadPage })));

function later(node: ReactNode): ReactNode {
  return <Suspense fallback={<Loading />}>{node}</Suspense>;
}

/** What page() answers for a path no route knows (App titles it "Page not found"). */
const NOT_FOUND = (
  <>
    <h1>Page not found</h1>
    <p>
      <Link to="/">Back to the dashboard</Link>
    </p>
  </>
);

function monthFrom(match: RegExpMatchArray | null): YearMonth | null {
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  return month >= 1 && month <= 12 && year >= 1970 && year <= 2100 ? { year, month } : null;
}

/** Strava's OAuth callback sends the browser to `/?strava=<outcome>`. */
const STRAVA_OUTCOMES: Record<string, string> = {
  // The import itself is told by the live status below (it ends; this message stays).
  connected: "Strava is connected.",
  access_denied: "Strava was not connected: access was declined on Strava's page. You can try again at any time.",
  missing_scope:
    "Strava was connected without permission to read your activities, so no runs can be imported. Connect again and leave “View data about your activities” ticked.",
  bad_state: "The Strava connection could not be verified (the page may have been opened twice). Please try again.",
  exchange_failed: "Strava did not confirm the connection. Please try again in a moment.",
  // The two outcomes runnerly-web sends when the dataservice refuses or fails to store the link.
  already_linked:
    "That Strava account is already connected to another Runnerly account. Disconnect it there first, or connect a different Strava account.",
  link_failed: "Strava agreed, but Runnerly could not save the connection. Please try again in a moment.",
};

function StravaOutcome({ code }: { code: string }) {
  const text = STRAVA_OUTCOMES[code] ?? `Strava connection: ${code}.`;
  return (
    <p className={code === "connected" ? "notice" : "notice notice--error"} role="status">
      {text} {code !== "connected" && <Link to="/sync">Strava settings</Link>}
    </p>
  );
}

function page(pathname: string, day: Day, query: string): ReactNode {
  let m: RegExpMatchArray | null;
  if (pathname === "/") return <DashboardPage />;
  if (pathname === "/runs/search") return later(<RunSearchPage query={query} />);
  if (pathname === "/heatmap") return later(<HeatmapPage query={query} />);
  if (pathname === "/fitness") return later(<FitnessPage query={query} />);
  if (pathname === "/calendar") return later(<CalendarPage month={monthOf(day)} />);
  if ((m = pathname.match(/^\/calendar\/(\d{4})\/(\d{1,2})$/))) {
    const month = monthFrom(m);
    if (month) return later(<CalendarPage key={`${month.year}-${month.month}`} month={month} />);
  }
  if (pathname === "/runs") return <RunsMonthPage month={monthOf(day)} />;
  if ((m = pathname.match(/^\/runs\/(\d{4})\/(\d{1,2})$/))) {
    const month = monthFrom(m);
    if (month) return <RunsMonthPage key={`${month.year}-${month.month}`} month={month} />;
  }
  if ((m = pathname.match(/^\/runs\/(\d+)$/))) return later(<RunDetailPage key={m[1]} id={Number(m[1])} />);
  if (pathname === "/upload") return later(<UploadPage />);
  if (pathname === "/races") return later(<RacesPage />);
  if (pathname === "/plans") return later(<PlansPage />);
  if ((m = pathname.match(/^\/plans\/(\d+)$/))) return later(<PlanPage key={m[1]} id={Number(m[1])} />);
  if (pathname === "/reports") return later(<ReportPage month={lastCompleteMonth(day)} />);
  if ((m = pathname.match(/^\/reports\/(\d{4})\/(\d{1,2})$/))) {
    const month = monthFrom(m);
    if (month) return later(<ReportPage key={`${month.year}-${month.month}`} month={month} />);
  }
  if (pathname === "/sync") return later(<SyncPage />);
  if (pathname === "/profile") return later(<ProfilePage />);
  if (pathname === "/admin/users") return later(<AdminUsersPage />);
  return NOT_FOUND;
}

export function App() {
  const { loading, user, error, refresh } = useSession();
  const path = usePath();
  const [pathname, query] = path.split("?");
  const params = new URLSearchParams(query ?? "");
  const needsLogin = !loading && !user && !PUBLIC.has(pathname) && !FROM_EMAIL.has(pathname);
  const loggedInOnPublic = !loading && !!user && PUBLIC.has(pathname);

  const next = params.get("next");
  useEffect(() => {
    // An app's consent page survives the detour through login (api/apps.ts).
    if (needsLogin) navigate(loginFor(pathname, path), { replace: true });
    else if (loggedInOnPublic) navigate(afterLogin(next), { replace: true });
  }, [needsLogin, loggedInOnPublic, pathname, path, next]);

  // After a navigation, move focus to the new page's content so keyboard and screen-reader
  // users follow along; on the first load leave it at the top, where the skip link is.
  const firstPath = useRef(pathname);
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = "";
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [pathname]);

  let content: ReactNode;
  if (loading) content = <Loading what="Starting Runnerly" />;
  else if (error && !user) content = <LoadError error={new ApiError(0, "session", error)} retry={refresh} />;
  else if (pathname === "/login") content = <LoginPage />;
  else if (pathname === "/signup") content = <SignupPage />;
  else if (pathname === "/forgot-password") content = later(<ForgotPasswordPage />);
  else if (pathname === "/reset-password") content = later(<ResetPasswordPage />);
  else if (pathname === "/confirm-email") content = later(<ConfirmEmailPage />);
  else if (!user) content = <Loading />;
  else if (pathname === CONSENT_PATH) content = <ConsentPage query={query ?? ""} />;
  else content = page(pathname, today(user.timezone), query ?? "");
  usePageTitle(
    error && !user && !loading
      ? "Cannot load Runnerly"
      : loading || (!user && !PUBLIC.has(pathname) && !FROM_EMAIL.has(pathname))
        ? null
        : content === NOT_FOUND
          ? "Page not found"
          : titleFor(pathname, today(user?.timezone)),
  );

  const strava = params.get("strava");
  return (
    <Layout path={pathname}>
      {user && strava && pathname === "/" && <StravaOutcome code={strava} />}
      {content}
    </Layout>
  );
}
