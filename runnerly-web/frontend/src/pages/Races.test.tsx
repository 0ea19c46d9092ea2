import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { parseDuration } from "../lib/units";
import { RacesPage } from "./Races";

afterEach(() => vi.unstubAllGlobals());

const valencia = { id: 1, name: "Valencia Marathon", date: "2026-12-06", distance: 42195, location: "Valencia", goal_time: 11700, goal_pace: 277.3, days_to_go: 8 };

describe("parseDuration", () => {
  it("reads h:mm:ss, mm:ss and plain minutes, and refuses the rest", () => {
    expect(parseDuration("3:15:00")).toBe(11700);
    expect(parseDuration("45:30")).toBe(2730);
    expect(parseDuration("50")).toBe(3000);
    expect(parseDuration("1:75:00")).toBeNull();
    expect(parseDuration("fast")).toBeNull();
  });
});

describe("the races page", () => {
  it("shows the countdown and the goal pace in the runner's unit", async () => {
    fakeApi({ "GET /api/web/races": () => ({ body: { items: [valencia] } }) });
    renderWithSession(<RacesPage />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByText("in 8 days")).toBeInTheDocument();
    expect(screen.getByText(/Goal 3:15:00, that is 7:26 \/mi/)).toBeInTheDocument();
  });

  it("sends a new race in metres and shows a bad goal time beside its field without calling the API", async () => {
    const { calls } = fakeApi({
      "GET /api/web/races": () => ({ body: { items: [] } }),
      "POST /api/web/races": (call) => ({ status: 201, body: { ...valencia, ...(call.body as object), id: 2 } }),
    });
    renderWithSession(<RacesPage />, sessionFor({ ...runner, units: "imperial" }));
    await screen.findByText(/No races yet/);
    await userEvent.type(screen.getByLabelText("Name"), "Local half");
    await userEvent.type(screen.getByLabelText("Date"), "2027-03-01");
    await userEvent.type(screen.getByLabelText("Distance (mi)"), "13.1");
    await userEvent.type(screen.getByLabelText("Goal time (optional)"), "1:99");
    await userEvent.click(screen.getByRole("button", { name: "Add race" }));
    const goal = screen.getByLabelText("Goal time (optional)");
    expect(goal).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Write the goal as h:mm:ss or mm:ss.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

    await userEvent.clear(goal);
    await userEvent.type(goal, "1:45:00");
    await userEvent.click(screen.getByRole("button", { name: "Add race" }));
    await vi.waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({
      name: "Local half", date: "2027-03-01", distance: 21082, location: null, goal_time: 6300,
    });
  });
});
