// The runner's calendar whatever the browser's zone. `npm test` runs this file again with TZ
// set west (America/Los_Angeles) and east (Pacific/Auckland) of Greenwich: the clocks below
// are local times, early morning and late evening, when the UTC date is another day.
import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import type { TrackedPlan } from "./api/training";
import { NextWorkout } from "./components/NextWorkout";
import { formatDateTime, formatDay, today, weeksUntil } from "./lib/dates";
import { DashboardPage } from "./pages/Dashboard";
import { PlanPage } from "./pages/Plans";
import { fakeApi, renderWithSession, runner, sessionFor, totals } from "./test/helpers";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** The browser's clock reads this local time (month 1-12). */
function clockAt(year: number, month: number, day: number, hour: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(year, month - 1, day, hour, 0));
}

const MORNING = 6;
const EVENING = 21;

describe("days from the API", () => {
  it("show the day they name", () => {
    expect(formatDay("2026-03-02")).toBe("Mon 2 Mar");
    expect(formatDay("2026-03-01")).toBe("Sun 1 Mar");
  });

  it("show a run's local start on its own day, morning or evening", () => {
    expect(formatDay("2026-03-02T07:30:00")).toBe("Mon 2 Mar");
    expect(formatDay("2026-03-01T18:00:00")).toBe("Sun 1 Mar");
    expect(formatDateTime("2026-03-01T23:30:00")).toBe("Sun, 1 Mar 2026, 23:30");
    expect(formatDateTime("2026-03-02T00:30:00")).toBe("Mon, 2 Mar 2026, 00:30");
  });

  it("count weeks from this week's Monday to the race's week", () => {
    expect(weeksUntil("2031-09-07", "2031-09-03")).toBe(1);
    expect(weeksUntil("2031-09-08", "2031-09-03")).toBe(2);
    expect(weeksUntil("2031-10-12", "2031-09-03")).toBe(6);
  });
});

describe("today", () => {
  it.each([MORNING, EVENING])("is the date on the runner's clock at %i:00", (hour) => {
    clockAt(2026, 3, 2, hour);
    expect(today()).toBe("2026-03-02");
  });

  it("is the profile zone's date when the runner has one, whatever the browser's", () => {
    const instant = new Date("2026-03-02T05:00:00Z");
    expect(today("America/Los_Angeles", instant)).toBe("2026-03-01");
    expect(today("Pacific/Auckland", instant)).toBe("2026-03-02");
    expect(today("Nowhere/Unknown", instant)).toBe(today(undefined, instant));
  });
});

describe("the dashboard's weekly chart", () => {
  function weeklyFrom(calls: { url: string }[]): string | undefined {
    const url = calls.find((c) => c.url.startsWith("/api/web/dashboard"))?.url;
    return url ? new URL(url, "http://x").searchParams.get("from") ?? undefined : undefined;
  }

  it.each([
    ["Sunday evening", 8, EVENING, "2025-12-15"],
    ["Monday morning", 9, MORNING, "2025-12-22"],
  ])("starts 12 weeks back from the runner's week on %s", async (_, day, hour, from) => {
    clockAt(2026, 3, day, hour);
    const { calls } = fakeApi({
      "GET /api/web/stats/summary": () => ({
        body: { date: "2026-03-08", all_time: totals(0, 0), week: totals(0, 0), month: totals(0, 0), year: totals(0, 0) },
      }),
    });
    renderWithSession(<DashboardPage />);
    await vi.waitFor(() => expect(weeklyFrom(calls)).toBe(from));
  });
});

describe("the runs and reports pages", () => {
  it.each([
    [3, 31, EVENING, "/runs/2026/3", "/reports/2026/2"],
    [4, 1, MORNING, "/runs/2026/4", "/reports/2026/3"],
  ])("open on the runner's month on %i-%i at %i:00", async (month, day, hour, runs, report) => {
    clockAt(2026, month, day, hour);
    const { calls } = fakeApi({});
    window.history.replaceState(null, "", "/runs");
    const { unmount } = renderWithSession(<App />, sessionFor(runner));
    await vi.waitFor(() => expect(calls.map((c) => c.url)).toContain(`/api/web${runs}`));
    unmount();
    window.history.replaceState(null, "", "/reports");
    renderWithSession(<App />, sessionFor(runner));
    await vi.waitFor(() => expect(calls.map((c) => c.url)).toContain(`/api/web${report}`));
  });
});

const race = { id: 3, name: "River 10k", date: "2031-10-12", distance: 10000, location: null, goal_time: null, goal_pace: null, days_to_go: 40 };
const thursday = {
  id: 2, date: "2031-08-28", kind: "easy" as const, distance: 8000, duration: null, target_pace: null, notes: null,
  skipped: false, moved_from: null, edited: false, status: "planned" as const, run: null,
};

describe("the next session", () => {
  it.each([MORNING, EVENING])("is marked today on its day at %i:00", async (hour) => {
    clockAt(2031, 8, 28, hour);
    fakeApi({ "GET /api/web/training/next": () => ({ body: { race, plan: { id: 9, name: "River 10k" }, session: thursday } }) });
    renderWithSession(<NextWorkout units="metric" />);
    expect(await screen.findByText(/Next session/)).toHaveTextContent("Next session (today): Thu 28 Aug");
  });
});

describe("a plan's current week", () => {
  const plan: TrackedPlan = {
    id: 9, race_id: 3, name: "River 10k: 8-week plan", start_date: "2031-08-25", end_date: "2031-10-12", race,
    weeks: [
      { week: 1, start: "2031-08-25", end: "2031-08-31", planned_distance: 8000, planned_duration: 0, sessions: [thursday], done: { distance: 0, runs: 0 } },
      { week: 2, start: "2031-09-01", end: "2031-09-07", planned_distance: 0, planned_duration: 0, sessions: [], done: { distance: 0, runs: 0 } },
    ],
  };

  it.each([
    ["Monday morning", 25, MORNING],
    ["Sunday evening", 31, EVENING],
  ])("is week 1 on its %s", async (_, day, hour) => {
    clockAt(2031, 8, day, hour);
    fakeApi({ "GET /api/web/plans/9": () => ({ body: plan }) });
    renderWithSession(<PlanPage id={9} />);
    const week = (await screen.findByRole("heading", { name: /Week 1/ })).closest("li")!;
    expect(within(week).getByText("this week")).toBeInTheDocument();
    expect(screen.getAllByText("this week")).toHaveLength(1);
  });
});
