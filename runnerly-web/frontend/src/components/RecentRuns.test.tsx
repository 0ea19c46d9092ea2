import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DashboardPage } from "../pages/Dashboard";
import { fakeApi, renderWithSession, runner, sessionFor, totals } from "../test/helpers";
import { aRun } from "../test/runs";

afterEach(() => vi.unstubAllGlobals());

describe("the dashboard's recent activities", () => {
  it("lists the latest runs, newest first, with date, distance, time and pace, each a link", async () => {
    const latest = [
      aRun(12, "Evening shakeout", "2026-11-27T18:00:00", { distance: 5000, moving_time: 1500 }),
      aRun(11, "Long run", "2026-11-23T08:00:00", { distance: 16093.44, moving_time: 5400 }),
    ];
    const { calls } = fakeApi({
      "GET /api/web/stats/summary": () => ({ body: { date: "2026-11-28", all_time: totals(21093, 2), week: totals(5000, 1), month: totals(21093, 2, "2026-11-01"), year: totals(21093, 2, "2026-01-01") } }),
      "GET /api/web/runs": () => ({ body: { items: latest, total: 40, page: 1, per_page: 5 } }),
    });
    renderWithSession(<DashboardPage />, sessionFor({ ...runner, units: "imperial" }));
    const recent = await screen.findByRole("region", { name: "Recent activities" });
    const items = await within(recent).findAllByRole("link", { name: /shakeout|Long run/ });
    expect(items.map((a) => a.getAttribute("href"))).toEqual(["/runs/12", "/runs/11"]);
    expect(items[1]).toHaveTextContent("Mon 23 Nov");
    expect(items[1]).toHaveTextContent("10.00 mi");
    expect(items[1]).toHaveTextContent("1:30:00");
    expect(items[1]).toHaveTextContent("9:00 /mi");
    expect(within(recent).getByRole("link", { name: "All runs" })).toHaveAttribute("href", "/runs/search");
    // Part of the first screen's one call, not a call of their own.
    expect(calls.map((c) => c.url.split("?")[0])).toEqual(["/api/web/dashboard"]);
  });
});
