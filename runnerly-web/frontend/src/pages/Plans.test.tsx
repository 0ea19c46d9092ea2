import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TrackedPlan, TrackedSession } from "../api/training";
import { NextWorkout } from "../components/NextWorkout";
import { fakeApi, renderWithSession, runner, sessionFor, totals } from "../test/helpers";
import { DashboardPage } from "./Dashboard";
import { parsePace } from "../lib/units";
import { PlanPage } from "./Plans";

afterEach(() => vi.unstubAllGlobals());

const race = { id: 3, name: "River 10k", date: "2031-10-12", distance: 10000, location: null, goal_time: null, goal_pace: null, days_to_go: 40 };

function session(id: number, date: string, fields: Partial<TrackedSession> = {}): TrackedSession {
  return {
    id, date, kind: "easy", distance: 8000, duration: null, target_pace: 307, notes: "Easy 8 km at 5:07/km, conversational",
    skipped: false, moved_from: null, edited: false, status: "planned", run: null, ...fields,
  };
}

function planWith(sessions: TrackedSession[]): TrackedPlan {
  return {
    id: 9, race_id: 3, name: "River 10k: 8-week plan", start_date: "2031-08-25", end_date: "2031-10-12", race,
    weeks: [{ week: 1, start: "2031-08-25", end: "2031-08-31", planned_distance: 24000, planned_duration: 0, sessions, done: { distance: 8000, runs: 1 } }],
  };
}

describe("parsePace", () => {
  it("reads m:ss per km or per mile into seconds per km", () => {
    expect(parsePace("4:15", "metric")).toBe(255);
    expect(parsePace("8:03", "imperial")).toBe(300);
    expect(parsePace("4:75", "metric")).toBeNull();
    expect(parsePace("fast", "metric")).toBeNull();
  });
});

describe("a plan's page", () => {
  it("shows each session as done, partly done, missed or skipped, with the run that did it", async () => {
    const plan = planWith([
      session(1, "2031-08-26", { status: "done", run: { id: 55, date: "2031-08-26", distance: 8100, moving_time: 2500 } }),
      session(2, "2031-08-28", { status: "partly_done", run: { id: 56, date: "2031-08-29", distance: 5000, moving_time: 1500 } }),
      session(3, "2031-08-30", { status: "missed", kind: "long", distance: 14000 }),
      session(4, "2031-08-31", { status: "skipped", skipped: true, moved_from: "2031-08-30" }),
    ]);
    fakeApi({ "GET /api/web/plans/9": () => ({ body: plan }) });
    renderWithSession(<PlanPage id={9} />);
    const items = await screen.findAllByRole("listitem");
    const rows = items.filter((li) => li.classList.contains("session"));
    expect(rows.map((li) => within(li).queryByText(/^(Done|Partly done|Missed|Skipped)$/)?.textContent)).toEqual([
      "Done", "Partly done", "Missed", "Skipped",
    ]);
    expect(within(rows[0]).getByRole("link", { name: /8\.1 km on/ })).toHaveAttribute("href", "/runs/55");
    expect(within(rows[3]).getByText(/moved from/)).toBeInTheDocument();
    expect(within(rows[3]).getByRole("button", { name: /Unskip/ })).toBeInTheDocument();
  });

  it("writes a generated session's text in miles for an imperial runner", async () => {
    fakeApi({ "GET /api/web/plans/9": () => ({ body: planWith([session(1, "2031-08-26")]) }) });
    renderWithSession(<PlanPage id={9} />, sessionFor({ ...runner, units: "imperial" }));
    const row = (await screen.findAllByRole("listitem")).find((li) => li.classList.contains("session"))!;
    expect(row).toHaveTextContent("Easy 5 mi at 8:14/mi, conversational");
    expect(row).not.toHaveTextContent(/km/);
  });

  it("skips a session and moves another to a new day, and shows what the API answers", async () => {
    const plan = planWith([session(1, "2031-08-26"), session(2, "2031-08-28")]);
    const { calls } = fakeApi({
      "GET /api/web/plans/9": () => ({ body: plan }),
      "PATCH /api/web/plans/9/sessions/1": () => ({ body: planWith([session(1, "2031-08-26", { skipped: true, status: "skipped" }), session(2, "2031-08-28")]) }),
      "PATCH /api/web/plans/9/sessions/2": (call) => {
        const date = (call.body as { date: string }).date;
        return date > "2031-08-31"
          ? { status: 400, body: { code: "invalid_request", message: "body.date: must be within the week", request_id: "t", errors: [{ field: "body.date", message: "must be within the plan (2031-08-25 to 2031-10-12)" }] } }
          : { body: planWith([session(1, "2031-08-26"), session(2, date, { moved_from: "2031-08-28" })]) };
      },
    });
    renderWithSession(<PlanPage id={9} />, sessionFor(runner));
    const [skip] = await screen.findAllByRole("button", { name: /^Skip the session of/ });
    await userEvent.click(skip);
    expect(await screen.findByText("Skipped")).toBeInTheDocument();
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ skipped: true });

    const [, second] = screen.getAllByRole("button", { name: /^Change the session of/ });
    await userEvent.click(second);
    const day = screen.getByLabelText("Day");
    await userEvent.clear(day);
    await userEvent.type(day, "2031-10-20");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Must be within the plan (Mon, 25 Aug 2031 to Sun, 12 Oct 2031)")).toBeInTheDocument();
    await userEvent.clear(day);
    await userEvent.type(day, "2031-08-29");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText(/moved from/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "PATCH").at(-1)!.body).toEqual({ date: "2031-08-29" });
  });

  it("generates the plan again in place and deletes it", async () => {
    const plan = planWith([session(1, "2031-08-26")]);
    const { calls } = fakeApi({
      "GET /api/web/plans/9": () => ({ body: plan }),
      "POST /api/web/races/3/plan": () => ({ status: 200, body: planWith([session(7, "2031-08-27")]) }),
      "DELETE /api/web/plans/9": () => ({ status: 204 }),
    });
    vi.stubGlobal("confirm", () => true);
    renderWithSession(<PlanPage id={9} />);
    await userEvent.click(await screen.findByRole("button", { name: "Generate again" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ weeks: 4 });
    await userEvent.click(screen.getByRole("button", { name: "Delete plan" }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url.endsWith("/plans/9"))).toBe(true));
  });
});

describe("the dashboard's next session", () => {
  it("shows the coming race and the next session of its plan", async () => {
    fakeApi({
      "GET /api/web/training/next": () => ({
        body: { race, plan: { id: 9, name: "River 10k: 8-week plan" }, session: session(2, "2031-08-28", { kind: "intervals", target_pace: 235, notes: null }) },
      }),
    });
    renderWithSession(<NextWorkout units="metric" />);
    expect(await screen.findByText("River 10k")).toBeInTheDocument();
    expect(screen.getByText(/in 40 days/)).toBeInTheDocument();
    expect(screen.getByText(/intervals 8\.0 km at 3:55 \/km/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open the plan" })).toHaveAttribute("href", "/plans/9");
  });
});

describe("the dashboard", () => {
  it("shows what is coming up beside the totals", async () => {
    const summary = { date: "2031-08-27", all_time: totals(8000, 1), week: totals(8000, 1), month: totals(8000, 1, "2031-08-01"), year: totals(8000, 1, "2031-01-01") };
    fakeApi({
      "GET /api/web/stats/summary": () => ({ body: summary }),
      "GET /api/web/stats/totals": () => ({ body: { period: "week", from: "2031-06-09", to: "2031-08-31", buckets: [totals(8000, 1, "2031-08-25")] } }),
      "GET /api/web/stats/records": () => ({ body: { best_efforts: [], longest_run: null, biggest_week: null, biggest_month: null } }),
      "GET /api/web/training/next": () => ({ body: { race, plan: { id: 9, name: "River 10k: 8-week plan" }, session: session(2, "2031-08-28") } }),
    });
    renderWithSession(<DashboardPage />);
    expect(await screen.findByRole("heading", { name: "Coming up" })).toBeInTheDocument();
    expect(screen.getByText(/Next session/)).toHaveTextContent("easy 8.0 km at 5:07 /km");
  });
});
