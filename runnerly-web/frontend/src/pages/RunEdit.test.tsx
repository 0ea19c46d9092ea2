import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { changesOf, editedNote, formOf } from "../lib/runEdits";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { RunDetailPage } from "./RunDetail";
import { RunList } from "./RunsMonth";

afterEach(() => vi.unstubAllGlobals());

const strava: Run = {
  id: 4, source: "strava", title: "Morning Run", description: null, start_time: "2026-11-20T07:00:00Z",
  distance: 10400, moving_time: 3000, elapsed_time: 3060, average_speed: 3.47, average_hr: 150,
  elevation_gain: 12, sport_type: "Run", polyline: null, workout_type: null, excluded: false, edited_fields: [],
};

describe("the run's correction form", () => {
  it("sends only what the runner changed, the distance in metres from their unit", () => {
    const form = { ...formOf(strava, "imperial"), title: "Tempo", distance: "6.2137" };
    expect(changesOf(strava, form, "imperial")).toEqual({
      changes: { title: "Tempo", distance: 10000 },
      problems: [],
    });
    expect(changesOf(strava, formOf(strava, "metric"), "metric").changes).toEqual({});
  });

  it("names the field of a title left empty or a distance that is not a number", () => {
    const form = { ...formOf(strava, "metric"), title: "  ", distance: "-3" };
    expect(changesOf(strava, form, "metric").problems.map((p) => p.field)).toEqual(["title", "distance"]);
  });

  it("says which fields were edited here, as a runner reads them", () => {
    expect(editedNote(["distance", "sport_type", "title"])).toBe("Edited here: distance, sport, title");
    expect(editedNote([])).toBeNull();
  });
});

describe("editing a run on its page", () => {
  it("saves the changes, then shows the run as corrected with the fields edited here", async () => {
    let stored: Run = strava;
    const { calls } = fakeApi({
      "GET /api/web/runs/4": () => ({ body: stored }),
      "PATCH /api/web/runs/4": (call) => {
        stored = { ...stored, ...(call.body as Partial<Run>), edited_fields: ["distance", "title"] };
        return { body: stored };
      },
    });
    renderWithSession(<RunDetailPage id={4} />);
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const title = screen.getByLabelText("Title");
    await userEvent.clear(title);
    await userEvent.type(title, "Tempo on the river");
    const distance = screen.getByLabelText("Distance (km)");
    expect(distance).toHaveValue(10.4);
    await userEvent.clear(distance);
    await userEvent.type(distance, "10");
    await userEvent.selectOptions(screen.getByLabelText("Workout type"), "Workout");
    await userEvent.click(screen.getByLabelText("Exclude from statistics"));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("heading", { name: /Tempo on the river/ })).toBeInTheDocument();
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(patch.body).toEqual({ title: "Tempo on the river", distance: 10000, workout_type: "workout", excluded: true });
    expect(patch.headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(screen.getByText(/Edited here: distance, title/)).toBeInTheDocument();
    expect(screen.getByText("Excluded from statistics")).toBeInTheDocument();
    expect(screen.getByText("10.00 km")).toBeInTheDocument();
  }, 20_000); // a dozen keystrokes and two renders: slow on a busy CI machine

  it("shows the API's message beside the field it names, and keeps the form open", async () => {
    fakeApi({
      "GET /api/web/runs/4": () => ({ body: strava }),
      "PATCH /api/web/runs/4": () => ({
        status: 400,
        body: { code: "invalid", message: "invalid request", request_id: "r", errors: [{ field: "body.title", message: "is too long" }] },
      }),
    });
    renderWithSession(<RunDetailPage id={4} />);
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    await userEvent.type(screen.getByLabelText("Title"), "!");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Is too long")).toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveAttribute("aria-invalid", "true");
  });

  it("refuses a negative distance beside its field without calling the API", async () => {
    const { calls } = fakeApi({ "GET /api/web/runs/4": () => ({ body: strava }) });
    renderWithSession(<RunDetailPage id={4} />, sessionFor({ ...runner, units: "imperial" }));
    await userEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const distance = screen.getByLabelText("Distance (mi)");
    await userEvent.clear(distance);
    await userEvent.type(distance, "-1");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(distance).toHaveAttribute("aria-invalid", "true");
    expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
  });

  it("deletes the run after the runner confirms, and goes back to its month", async () => {
    const { calls } = fakeApi({
      "GET /api/web/runs/4": () => ({ body: strava }),
      "DELETE /api/web/runs/4": () => ({ status: 204 }),
    });
    const confirm = vi.fn(() => false);
    vi.stubGlobal("confirm", confirm);
    renderWithSession(<RunDetailPage id={4} />);
    await userEvent.click(await screen.findByRole("button", { name: /Delete/ }));
    expect(confirm).toHaveBeenCalledWith(expect.stringMatching(/Strava's next sync will not bring it back/));
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);

    confirm.mockReturnValue(true);
    await userEvent.click(screen.getByRole("button", { name: /Delete/ }));
    await vi.waitFor(() => expect(window.location.pathname).toBe("/runs/2026/11"));
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(1);
  });
});

describe("the month's list", () => {
  it("marks an excluded run and a race", () => {
    renderWithSession(
      <RunList
        units="metric"
        runs={[{ ...strava, excluded: true }, { ...strava, id: 5, title: "City 10K", workout_type: "race" }]}
      />,
    );
    const [excluded, race] = screen.getAllByRole("link");
    expect(within(excluded).getByText("Excluded")).toBeInTheDocument();
    expect(excluded).toHaveClass("run-list__item--excluded");
    expect(within(race).getByText("Race")).toBeInTheDocument();
    expect(race).not.toHaveClass("run-list__item--excluded");
  });
});
