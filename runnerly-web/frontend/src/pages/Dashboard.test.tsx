import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor, totals, type Call } from "../test/helpers";
import { DashboardPage } from "./Dashboard";

const emptyRecords = { best_efforts: [{ distance: 5000, label: "5 km", best: null }], longest_run: null, biggest_week: null, biggest_month: null };

function summaryOf(count: number, distance: number) {
  return { date: "2026-11-28", all_time: totals(distance, count), week: totals(distance, count), month: totals(distance, count, "2026-11-01"), year: totals(distance, count, "2026-01-01") };
}

function api(count: number, distance: number) {
  return fakeApi({
    "GET /api/web/stats/summary": () => ({ body: summaryOf(count, distance) }),
    "GET /api/web/stats/totals": () => ({ body: { period: "week", from: "2026-09-07", to: "2026-11-29", buckets: [totals(5000, 1, "2026-11-16"), totals(distance, count, "2026-11-23")] } }),
    "GET /api/web/stats/records": () => ({ body: emptyRecords }),
  });
}

afterEach(() => vi.unstubAllGlobals());

describe("the dashboard's empty state", () => {
  it("tells a new runner to connect Strava or upload a file", async () => {
    api(0, 0);
    renderWithSession(<DashboardPage />, sessionFor(runner, null));
    expect(await screen.findByRole("heading", { name: "No runs yet" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Connect Strava" })).toHaveAttribute("href", "/strava/connect");
    expect(screen.getByRole("link", { name: "Upload a file" })).toHaveAttribute("href", "/upload");
    expect(screen.queryByRole("heading", { name: "Weekly distance" })).not.toBeInTheDocument();
  });

  it("says the runs are on their way when Strava is connected but nothing arrived yet", async () => {
    api(0, 0);
    renderWithSession(<DashboardPage />, sessionFor(runner, { connected: true, sync_state: "backfilling", runs_imported: 0 }));
    expect(await screen.findByText(/your runs are on their way/i)).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Connect Strava" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Follow the import" })).toHaveAttribute("href", "/sync");
  });

  it("shows totals and a chart with a text alternative once there are runs, in miles for an imperial runner", async () => {
    api(3, 16093.44);
    renderWithSession(<DashboardPage />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByRole("region", { name: "This week" })).toHaveTextContent("10.0 mi");
    expect(screen.queryByText("No runs yet")).not.toBeInTheDocument();
    const chart = await screen.findByRole("img", { name: /distance per week over the last 2 weeks/i });
    expect(chart).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Distance per week" })).toHaveTextContent("10.0 mi");
  });
});

describe("the dashboard during a Strava import", () => {
  it("follows the import and refreshes the totals as runs arrive", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let imported = 0;
      const { calls } = fakeApi({
        "GET /api/web/stats/summary": () => ({ body: summaryOf(imported ? 2 : 0, imported ? 21000 : 0) }),
        "GET /api/web/stats/totals": () => ({ body: { period: "week", from: "2026-09-07", to: "2026-11-29", buckets: [] } }),
        "GET /api/web/stats/records": () => ({ body: emptyRecords }),
        "GET /api/web/strava": () => ({ body: { connected: true, sync_state: "backfilling", pages_done: 1, runs_imported: imported } }),
      });
      renderWithSession(<DashboardPage />, sessionFor(runner, { connected: true, sync_state: "backfilling", runs_imported: 0 }));
      expect(await screen.findByRole("heading", { name: "No runs yet" })).toBeInTheDocument();
      imported = 2;
      await vi.advanceTimersByTimeAsync(3000);
      expect(await screen.findByRole("region", { name: "This week" })).toHaveTextContent("21.0 km");
      expect(screen.getByText(/being imported \(2 so far\)/)).toBeInTheDocument();
      // The first screen's one call again, nothing else of the dashboard's.
      expect(calls.filter((c) => c.url.startsWith("/api/web/dashboard"))).toHaveLength(2);
      expect(calls.filter((c) => c.url.startsWith("/api/web/stats/"))).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the dashboard when Strava no longer accepts Runnerly's access", () => {
  it("says new runs wait for the runner to connect again, and where", async () => {
    api(3, 16000);
    renderWithSession(<DashboardPage />, sessionFor(runner, { connected: true, sync_state: "reconnect", runs_imported: 3 }));
    const notice = await screen.findByText(/Strava no longer accepts Runnerly's access/);
    expect(notice).toHaveTextContent("Your runs are kept.");
    expect(screen.getByRole("link", { name: "connect Strava again" })).toHaveAttribute("href", "/sync");
  });

  it("says nothing of the kind while the link works", async () => {
    api(3, 16000);
    renderWithSession(<DashboardPage />, sessionFor(runner, { connected: true, sync_state: "idle", runs_imported: 3 }));
    await screen.findByRole("region", { name: "This week" });
    expect(screen.queryByText(/no longer accepts/)).not.toBeInTheDocument();
  });
});

describe("the dashboard's first screen in one call", () => {
  const race = { id: 9, name: "City 10k", date: "2031-04-11", distance: 10000, location: null, goal_time: null, goal_pace: null, days_to_go: 40 };
  const predictions = {
    date: "2026-11-28",
    vdot: 50,
    riegel_from: null,
    predictions: [],
    next_race: { id: 9, name: "City 10k", date: "2031-04-11", distance: 10000, goal_time: null, vdot_time: 2481, riegel_time: null },
  };
  const records = {
    best_efforts: [{ distance: 5000, label: "5 km", best: { elapsed: 1500, pace: 300, run_id: 4, title: "Park 5k", start_time: "2026-11-20T08:00:00Z", start_local: "2026-11-20T09:00:00", origin: "run" } }],
    longest_run: null,
    biggest_week: null,
    biggest_month: null,
  };

  /** The calls of the first screen and its panels, not the record chart's below them. */
  const withoutHistory = (calls: Call[]) => calls.filter((c) => !c.url.includes("/history"));

  function everyPart(handlers: Parameters<typeof fakeApi>[0] = {}) {
    return fakeApi({
      "GET /api/web/stats/summary": () => ({ body: summaryOf(3, 16000) }),
      "GET /api/web/stats/totals": () => ({ body: { period: "week", from: "2026-09-07", to: "2026-11-29", buckets: [totals(16000, 3, "2026-11-23")] } }),
      "GET /api/web/stats/records": () => ({ body: records }),
      "GET /api/web/runs": () => ({ body: { items: [], total: 0, page: 1, per_page: 5 } }),
      "GET /api/web/training/next": () => ({ body: { race, plan: null, session: null } }),
      "GET /api/web/vo2max/predictions": () => ({ body: predictions }),
      ...handlers,
    });
  }

  it("fills every panel from one request", async () => {
    const { calls } = everyPart();
    renderWithSession(<DashboardPage />, sessionFor(runner, null));
    expect(await screen.findByRole("region", { name: "This week" })).toHaveTextContent("16.0 km");
    expect(screen.getByRole("heading", { name: "Coming up" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Predicted time for your next race" })).toHaveTextContent("41:21 by VDOT");
    expect(screen.getByRole("region", { name: "Recent activities" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Personal records" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Park 5k" })).toHaveAttribute("href", "/runs/4");
    // One request for the first screen; below it, the first record's history (its chart).
    expect(calls.map((c) => c.url.split("?")[0])).toEqual(["/api/web/dashboard", "/api/web/stats/records/5000/history"]);
  });

  it("asks another span of weeks on its own, and takes the first screen's again at 12", async () => {
    const { calls: all } = everyPart();
    const calls = () => withoutHistory(all);
    renderWithSession(<DashboardPage />, sessionFor(runner, null));
    await screen.findByRole("region", { name: "This week" });
    const from12 = new URL(calls()[0].url, "http://x").searchParams.get("from")!;
    await userEvent.click(screen.getByRole("button", { name: "26 weeks" }));
    await vi.waitFor(() => expect(calls().map((c) => c.url.split("?")[0])).toEqual(["/api/web/dashboard", "/api/web/stats/totals"]));
    const from26 = new URL(calls()[1].url, "http://x").searchParams.get("from")!;
    expect(from26 < from12).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "12 weeks" }));
    expect(screen.getByRole("button", { name: "12 weeks" })).toHaveAttribute("aria-pressed", "true");
    expect(calls()).toHaveLength(2);
  });

  it("shows a part the dataservice could not answer as that panel's error, and retries it alone", async () => {
    let recordsUp = false;
    const { calls } = everyPart({
      "GET /api/web/stats/records": () =>
        recordsUp ? { body: records } : { status: 503, body: { code: "service_unavailable", message: "the dataservice failed to answer; try again shortly", request_id: "t" } },
    });
    renderWithSession(<DashboardPage />, sessionFor(runner, null));
    expect(await screen.findByRole("region", { name: "This week" })).toHaveTextContent("16.0 km");
    const failed = await screen.findByRole("alert");
    expect(failed).toHaveTextContent("Runnerly could not load this");
    expect(screen.getByRole("heading", { name: "Weekly distance" })).toBeInTheDocument(); // the rest is drawn
    recordsUp = true;
    await userEvent.click(within(failed).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Personal records" })).toBeInTheDocument();
    expect(withoutHistory(calls).map((c) => c.url.split("?")[0])).toEqual(["/api/web/dashboard", "/api/web/stats/records"]);
  });

  it("shows the page's error when the summary cannot be had", async () => {
    fakeApi({
      "GET /api/web/dashboard": () => ({ status: 503, body: { code: "service_unavailable", message: "the dataservice failed to answer; try again shortly", request_id: "t" } }),
    });
    renderWithSession(<DashboardPage />, sessionFor(runner, null));
    expect(await screen.findByRole("alert")).toHaveTextContent("Runnerly could not load this");
    expect(screen.queryByRole("region", { name: "This week" })).not.toBeInTheDocument();
  });
});
