// The first screen's API calls, started as soon as the app's script runs instead of after
// React has drawn the page and read the session: on a phone's CPU that first render is a
// few hundred milliseconds in which the network would otherwise sit idle (benchmarks.web,
// decision 57). Each answer is taken at most once, by the first caller that asks for its
// key; a call that failed (no session yet, say) is simply asked again by that caller.
import { endpoints } from "../api/endpoints";
import { browserZone, today, weeksAgoMonday } from "./dates";

const started = new Map<string, Promise<unknown>>();

function start(key: string, load: () => Promise<unknown>): void {
  const answer = load();
  answer.catch(() => undefined); // its caller asks again
  started.set(key, answer);
}

/** The answer started for `key` if there is one (once), else, or when it failed, `load()`. */
export function preloaded<T>(key: string, load: () => Promise<T>): Promise<T> {
  const answer = started.get(key) as Promise<T> | undefined;
  started.delete(key);
  return answer ? answer.catch(() => load()) : load();
}

/** The dashboard's chart asked on its own (another span of weeks): its key. */
export function weeklyKey(from: string): string {
  return `weekly:${from}`;
}

/** The weeks the dashboard's first screen charts (its "12 weeks" button). */
export const FIRST_WEEKS = 12;

/** The dashboard's first screen (GET /api/web/dashboard), its chart starting on `from`. */
export function dashboardKey(from: string): string {
  return `dashboard:${from}`;
}

/** Starts the calls the page at `pathname` makes first and that need only the cookie (on
 * the dashboard its coming session too: drawn with the first screen, not in a task of its
 * own just as the runner taps). */
export function preloadFirstScreen(pathname: string): void {
  start("session", () => endpoints.session());
  if (pathname !== "/") return;
  // The dashboard's whole first screen is one call (decision 68). Its chart starts in the
  // browser's zone; when the runner's profile names another, the key differs and the
  // dashboard asks for its own.
  const from = weeksAgoMonday(FIRST_WEEKS, today(browserZone()));
  start(dashboardKey(from), () => endpoints.dashboard(from));
}
