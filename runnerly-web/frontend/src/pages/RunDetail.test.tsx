import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { RunDetailPage } from "./RunDetail";

afterEach(() => vi.unstubAllGlobals());

const base = {
  id: 4, title: "Riverside loop", start_time: "2026-11-20T07:00:00Z", distance: 2500, moving_time: 750, elapsed_time: 760,
  average_speed: 3.33, average_hr: 150, elevation_gain: 12, sport_type: "Run",
};

describe("the run page", () => {
  it("draws a file run's recorded track and lists its splits", async () => {
    // 2.5 km at 5:00 /km, one point every 100 m heading north.
    const points = Array.from({ length: 26 }, (_, i) => [i * 30, 51.5 + i * 0.0009, -0.12, null, null, i * 100]);
    fakeApi({
      "GET /api/web/runs/4": () => ({ body: { ...base, source: "file", polyline: null } }),
      "GET /api/web/runs/4/track": () => ({ body: { run_id: 4, points } }),
    });
    renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByRole("heading", { name: "Riverside loop" })).toBeInTheDocument();
    expect(screen.getByText("Elevation gain").nextElementSibling).toHaveTextContent("12 m");
    const splits = await screen.findByRole("table");
    const rows = within(splits).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent("5:00 /km");
    expect(rows[2]).toHaveTextContent("0.50 km");
    expect(screen.getAllByLabelText("Map of the route of Riverside loop").length).toBeGreaterThan(0);
  });

  it("draws a Strava run's route from its polyline, and says when there is none", async () => {
    fakeApi({ "GET /api/web/runs/4": () => ({ body: { ...base, source: "strava", polyline: "_p~iF~ps|U_ulLnnqC_mqNvxq`@" } }) });
    renderWithSession(<RunDetailPage id={4} />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByText("1.55 mi")).toBeInTheDocument();
    expect(screen.getByText("Elevation gain").nextElementSibling).toHaveTextContent("39 ft"); // 12 m
    expect(screen.getAllByLabelText("Map of the route of Riverside loop").length).toBeGreaterThan(0);
    expect(screen.queryByText("This run has no recorded route.")).not.toBeInTheDocument();
  });

  it("says when a run has no route instead of drawing an empty map", async () => {
    fakeApi({ "GET /api/web/runs/4": () => ({ body: { ...base, source: "manual", polyline: null } }) });
    renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByText("This run has no recorded route.")).toBeInTheDocument();
  });

  it("shows the run's training load with a link to the Fitness page, or why it has none", async () => {
    const load = { value: 104.2, method: "hr_stream", reason: null };
    fakeApi({ "GET /api/web/runs/4": () => ({ body: { ...base, source: "manual", polyline: null, load } }) });
    const { unmount } = renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByRole("link", { name: "104" })).toHaveAttribute("href", "/fitness");
    unmount();
    const none = { value: null, method: null, reason: "no heart rate, and no threshold pace" };
    fakeApi({ "GET /api/web/runs/4": () => ({ body: { ...base, source: "manual", polyline: null, load: none } }) });
    renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByText("none: no heart rate, and no threshold pace")).toBeInTheDocument();
  });
});
