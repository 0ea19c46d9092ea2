import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { dayAfterKey, monthWeeks } from "../lib/calendar";
import { fakeApi, renderWithSession } from "../test/helpers";
import { aRun } from "../test/runs";

const plan = {
  id: 9, race_id: 3, name: "River 10k", start_date: "2026-02-23", end_date: "2026-03-29",
  race: { id: 3, name: "River 10k", date: "2026-03-29", distance: 10000, location: null, goal_time: null, goal_pace: null, days_to_go: 20 },
  weeks: [
    {
      week: 2, start: "2026-03-02", end: "2026-03-08", planned_distance: 8000, planned_duration: 0, done: { distance: 0, runs: 0 },
      sessions: [
        { id: 51, date: "2026-03-04", kind: "tempo", distance: 8000, duration: null, target_pace: 280, notes: null, skipped: false, moved_from: null, edited: false, status: "done", run: null },
        { id: 52, date: "2026-03-05", kind: "rest", distance: null, duration: null, target_pace: null, notes: null, skipped: false, moved_from: null, edited: false, status: "planned", run: null },
      ],
    },
  ],
};

function calendarApi() {
  return fakeApi({
    "GET /api/web/runs/2026/3": () => ({
      body: { year: 2026, month: 3, count: 2, distance: 20000, moving_time: 6000, items: [aRun(1, "Tempo", "2026-03-04T18:00:00"), aRun(2, "Long", "2026-03-01T08:00:00", { distance: 21100 })] },
    }),
    "GET /api/web/plans": () => ({ body: { items: [{ id: 9, race_id: 3, name: "River 10k", start_date: "2026-02-23", end_date: "2026-03-29", weeks: 5, sessions: 20, planned_distance: 100000 }, { id: 4, race_id: 1, name: "Old", start_date: "2025-01-06", end_date: "2025-03-01", weeks: 8, sessions: 30, planned_distance: 200000 }] } }),
    "GET /api/web/plans/9": () => ({ body: plan }),
  });
}

afterEach(() => vi.unstubAllGlobals());

describe("the calendar month view", () => {
  beforeEach(() => window.history.replaceState(null, "", "/calendar/2026/03"));

  it("shows each day's runs and the plan's sessions, each a link, in weeks from Monday", async () => {
    const { calls } = calendarApi();
    renderWithSession(<App />);
    const table = await screen.findByRole("table");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    const fourth = within(table).getByRole("cell", { name: /^Wed(nesday)?,? 4 Mar.*: 1 run, 1 planned$/ });
    expect(within(fourth).getByRole("link", { name: /10\.0 km Tempo/ })).toHaveAttribute("href", "/runs/1");
    expect(within(fourth).getByRole("link", { name: /Plan: tempo 8\.0 km \(done\)/ })).toHaveAttribute("href", "/plans/9");
    // March 2026 starts on a Sunday: the first row is the week of Monday 23 February.
    const firstRow = within(table).getAllByRole("row")[1];
    expect(within(firstRow).getByRole("link", { name: /21\.1 km Long/ })).toBeInTheDocument();
    expect(screen.queryByText(/Plan: rest/)).not.toBeInTheDocument();
    expect(calls.map((c) => c.url)).not.toContain("/api/web/plans/4"); // a plan of another year
  });

  it("moves between days with the arrow keys", async () => {
    calendarApi();
    renderWithSession(<App />);
    await screen.findByRole("table");
    const cells = () => screen.getAllByRole("cell").filter((c) => c.dataset.day);
    const first = cells().find((c) => c.tabIndex === 0)!;
    first.focus();
    await userEvent.keyboard("{ArrowDown}");
    expect(document.activeElement).toHaveAttribute("data-day", addWeek(first.dataset.day!));
    expect((document.activeElement as HTMLElement).tabIndex).toBe(0);
    expect(first.tabIndex).toBe(-1);
  });
});

function addWeek(day: string): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 7);
  const capped = next.toISOString().slice(0, 10);
  return capped > "2026-03-31" ? "2026-03-31" : capped;
}

describe("the calendar's layout", () => {
  it("fills whole weeks and keeps arrow keys inside the month", () => {
    const weeks = monthWeeks({ year: 2026, month: 2 }, [], []);
    expect(weeks).toHaveLength(5); // February 2026 starts on a Sunday and ends on a Saturday
    expect(weeks[0][0]).toMatchObject({ day: "2026-01-26", inMonth: false });
    expect(weeks[0][6]).toMatchObject({ day: "2026-02-01", inMonth: true });
    expect(weeks[4][6]).toMatchObject({ day: "2026-03-01", inMonth: false });
    expect(dayAfterKey("2026-02-01", "ArrowLeft", { year: 2026, month: 2 })).toBe("2026-02-01");
    expect(dayAfterKey("2026-02-27", "ArrowDown", { year: 2026, month: 2 })).toBe("2026-02-28");
    expect(dayAfterKey("2026-02-11", "End", { year: 2026, month: 2 })).toBe("2026-02-15");
    expect(dayAfterKey("2026-02-11", "a", { year: 2026, month: 2 })).toBeNull();
  });
});
