// The browser tab's title, written in one place (App calls usePageTitle once): each page's
// name, then the app's. A route's title comes from its path (titleFor), so a page needs no
// code of its own for it.
import { useEffect } from "react";
import { monthLabel, monthOf, type Day, type YearMonth } from "./dates";

export const APP_NAME = "Runnerly";

export function documentTitle(page: string | null): string {
  return page ? `${page} · ${APP_NAME}` : APP_NAME;
}

/** Sets document.title: "<page> · Runnerly", or "Runnerly" alone for null. */
export function usePageTitle(page: string | null): void {
  useEffect(() => {
    document.title = documentTitle(page);
  }, [page]);
}

function month(m: RegExpMatchArray): YearMonth | null {
  const year = Number(m[1]);
  const value = Number(m[2]);
  return value >= 1 && value <= 12 && year >= 1970 && year <= 2100 ? { year, month: value } : null;
}

const FIXED: Record<string, string> = {
  "/": "Dashboard",
  "/login": "Log in",
  "/signup": "Sign up",
  "/forgot-password": "Forgot your password",
  "/reset-password": "Choose a new password",
  "/confirm-email": "Confirm your email",
  "/oauth/authorize": "Allow an app",
  "/runs/search": "Find runs",
  "/fitness": "Fitness",
  "/heatmap": "Heatmap",
  "/upload": "Upload",
  "/races": "Races",
  "/plans": "Training plans",
  "/sync": "Strava",
  "/profile": "Profile",
  "/admin/users": "Runners",
};

/** The title of the page at `pathname` ("Runs — March 2026"); null for a path not named
 * here (App names the not-found page itself: a route is what its router answers). `day` is the runner's today, for the pages
 * that show the current month. */
export function titleFor(pathname: string, day: Day): string | null {
  if (pathname in FIXED) return FIXED[pathname];
  let m: RegExpMatchArray | null;
  if (pathname === "/runs") return `Runs — ${monthLabel(monthOf(day))}`;
  if (pathname === "/calendar") return `Calendar — ${monthLabel(monthOf(day))}`;
  if (pathname === "/reports") return "Monthly report";
  if ((m = pathname.match(/^\/runs\/(\d{4})\/(\d{1,2})$/))) {
    const ym = month(m);
    return ym && `Runs — ${monthLabel(ym)}`;
  }
  if ((m = pathname.match(/^\/calendar\/(\d{4})\/(\d{1,2})$/))) {
    const ym = month(m);
    return ym && `Calendar — ${monthLabel(ym)}`;
  }
  if ((m = pathname.match(/^\/reports\/(\d{4})\/(\d{1,2})$/))) {
    const ym = month(m);
    return ym && `Report — ${monthLabel(ym)}`;
  }
  if (/^\/runs\/\d+$/.test(pathname)) return "Run";
  if (/^\/plans\/\d+$/.test(pathname)) return "Training plan";
  return null;
}
