import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor, totals } from "../test/helpers";
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
      expect(calls.filter((c) => c.url.startsWith("/api/web/stats/summary"))).toHaveLength(2);
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
