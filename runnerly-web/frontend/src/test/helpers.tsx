// Test helpers: a session without a server, and a fetch that answers like /api/web/ does.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import type { Session, User } from "../api/types";
import { SessionProvider } from "../components/SessionProvider";

export const runner: User = {
  id: 7,
  email: "ada@example.org",
  first_name: "Ada",
  last_name: "Runner",
  age: 36,
  weight: 58,
  max_hr: 188,
  rest_hr: 48,
  vo2max: null,
  units: "metric",
  is_admin: false,
  disabled: false,
};

export function sessionFor(user: User | null, strava: Session["strava"] = null): Session {
  return { user, csrf_token: "csrf-123", strava };
}

export function renderWithSession(ui: ReactElement, session: Session = sessionFor(runner)) {
  return render(<SessionProvider initial={session}>{ui}</SessionProvider>);
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => { status?: number; body?: unknown };

// The dashboard's first screen (GET /api/web/dashboard) and the operation each part is, as
// runnerly-web's dashboard/service.py gathers them.
const DASHBOARD_PARTS: [part: string, path: string][] = [
  ["weekly_totals", "/api/web/stats/totals"],
  ["records", "/api/web/stats/records"],
  ["recent_runs", "/api/web/runs"],
  ["next_session", "/api/web/training/next"],
  ["race_predictions", "/api/web/vo2max/predictions"],
];

/** A fake of GET /api/web/dashboard made of the fakes of its parts, as the server answers:
 * the summary's error is the answer's, another part's 5xx makes it null and `unavailable`,
 * a part without a fake is null. */
function dashboardOf(handlers: Record<string, Handler>): Handler {
  return (call) => {
    const from = new URL(call.url, "http://x").searchParams.get("from");
    const partCall = (url: string) => ({ ...call, url });
    const summary = handlers["GET /api/web/stats/summary"](partCall("/api/web/stats/summary"));
    if ((summary.status ?? 200) >= 400) return summary;
    const body: Record<string, unknown> = { summary: summary.body, unavailable: [] };
    const unavailable: unknown[] = [];
    for (const [part, path] of DASHBOARD_PARTS) {
      const handler = handlers[`GET ${path}`];
      const url = part === "weekly_totals" ? `${path}?period=week&from=${from}` : part === "recent_runs" ? `${path}?per_page=5` : path;
      const answer = handler ? handler(partCall(url)) : { body: null };
      if ((answer.status ?? 200) >= 500) {
        const error = answer.body as { code: string; message: string };
        unavailable.push({ part, code: error.code, message: error.message });
        body[part] = null;
      } else {
        if ((answer.status ?? 200) >= 400) return answer;
        body[part] = answer.body ?? null;
      }
    }
    body.unavailable = unavailable;
    return { body };
  };
}

/** Replaces fetch with a router of handlers keyed by "METHOD /path" (query ignored). With a
 * fake of the summary and none of GET /api/web/dashboard, the dashboard's first screen is
 * made of its parts' fakes (dashboardOf); `calls` holds the one call the page made. */
export function fakeApi(handlers: Record<string, Handler>) {
  if (handlers["GET /api/web/stats/summary"] && !handlers["GET /api/web/dashboard"]) {
    handlers = { ...handlers, "GET /api/web/dashboard": dashboardOf(handlers) };
  }
  const calls: Call[] = [];
  const answer = (input: RequestInfo | URL, init?: RequestInit): Response => {
    const url = input instanceof Request ? input.url : input.toString();
    const method = (init?.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(Object.entries((init?.headers as Record<string, string>) ?? {}));
    const call: Call = { method, url, headers, body: typeof init?.body === "string" ? JSON.parse(init.body) : init?.body };
    calls.push(call);
    const key = `${method} ${url.split("?")[0]}`;
    const handler = handlers[key];
    const { status = 200, body = null } = handler ? handler(call) : { status: 404, body: { code: "not_found", message: `no fake for ${key}`, request_id: "t" } };
    return new Response(body == null ? null : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  };
  // As the real fetch: a failure in the fake rejects the promise, never throws at the call.
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) => new Promise<Response>((resolve) => resolve(answer(input, init))));
  vi.stubGlobal("fetch", fetchMock);
  return { calls, fetchMock };
}

export function totals(distance: number, count: number, start = "2026-11-23") {
  return {
    start,
    count,
    distance,
    moving_time: Math.round(distance * 0.3),
    elapsed_time: Math.round(distance * 0.32),
    elevation_gain: 0,
    average_pace: distance ? 300 : null,
    average_speed: distance ? 3.33 : null,
  };
}
