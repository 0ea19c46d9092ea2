import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { HeartRateZones, RunFitness } from "./HeartRateZones";
import { MarathonReadiness, NextRacePrediction, RacePredictions } from "./RacePredictions";
import { VdotTrend } from "./VdotTrend";

const PREDICTIONS = {
  date: "2026-12-07",
  vdot: 50,
  riegel_from: { distance: 5000, elapsed: 1200, run_id: 3, start_time: "2026-12-01T07:00:00+00:00", vdot: 49.8 },
  predictions: [
    { distance: 5000, label: "5 km", vdot_time: 1197, riegel_time: 1200 },
    { distance: 10000, label: "10 km", vdot_time: 2481, riegel_time: 2502 },
    { distance: 21097.5, label: "Half marathon", vdot_time: 5495, riegel_time: 5534 },
    { distance: 42195, label: "Marathon", vdot_time: 11449, riegel_time: 11538 },
  ],
  next_race: { id: 9, name: "City Marathon", date: "2027-04-11", distance: 42195, goal_time: 11400, vdot_time: 11449, riegel_time: 11538 },
};

const ZONES = [
  { zone: 0, name: "Below zone 1", reserve_from: 0, reserve_to: 0.5, from_bpm: null, to_bpm: 120, seconds: 600 },
  { zone: 1, name: "Zone 1", reserve_from: 0.5, reserve_to: 0.6, from_bpm: 120, to_bpm: 134, seconds: 1200 },
  { zone: 2, name: "Zone 2", reserve_from: 0.6, reserve_to: 0.7, from_bpm: 134, to_bpm: 148, seconds: 1800 },
  { zone: 3, name: "Zone 3", reserve_from: 0.7, reserve_to: 0.8, from_bpm: 148, to_bpm: 162, seconds: 0 },
  { zone: 4, name: "Zone 4", reserve_from: 0.8, reserve_to: 0.9, from_bpm: 162, to_bpm: 176, seconds: 0 },
  { zone: 5, name: "Zone 5", reserve_from: 0.9, reserve_to: 1, from_bpm: 176, to_bpm: 190, seconds: 0 },
];

describe("VDOT and predictions", () => {
  it("shows both predictions per distance in the runner's units", async () => {
    fakeApi({ "GET /api/web/vo2max/predictions": () => ({ body: PREDICTIONS }) });
    renderWithSession(<RacePredictions units="imperial" />);
    const row = (await screen.findByText("Marathon")).closest("tr")!;
    expect(row).toHaveTextContent("3:10:49");
    expect(row).toHaveTextContent("3:12:18");
    // 11449 s over 26.2 mi: 7:17 a mile
    expect(within(row).getAllByText(/\/mi/)[0]).toHaveTextContent("7:17");
  });

  it("puts the next race's predicted time on the dashboard", async () => {
    fakeApi({ "GET /api/web/vo2max/predictions": () => ({ body: PREDICTIONS }) });
    renderWithSession(<NextRacePrediction units="metric" />);
    const line = await screen.findByLabelText("Predicted time for your next race");
    expect(line).toHaveTextContent("City Marathon");
    expect(line).toHaveTextContent("predicted 3:10:49 by VDOT · 3:12:18 by Riegel");
  });

  it("says there is no VDOT yet rather than drawing an empty chart", async () => {
    fakeApi({
      "GET /api/web/vo2max/trend": () => ({
        body: { from: "2025-12-08", to: "2026-12-07", period: "week", window_days: 30, current: { date: "2026-12-07", vdot: null }, points: [] },
      }),
    });
    renderWithSession(<VdotTrend />);
    expect(await screen.findByText(/No VDOT yet/)).toBeInTheDocument();
  });

  it("shows the current VDOT and a weekly table", async () => {
    const points = [48.2, 49.0, 49.6].map((vdot, i) => ({ date: `2026-11-${16 + 7 * i}`, as_of: `2026-11-${22 + 7 * i}`, vdot, runs: 3 }));
    fakeApi({
      "GET /api/web/vo2max/trend": () => ({
        body: { from: "2026-11-16", to: "2026-12-06", period: "week", window_days: 30, current: { date: "2026-12-06", vdot: 49.6 }, points },
      }),
    });
    renderWithSession(<VdotTrend />);
    expect(await screen.findByText("49.6", { selector: "strong" })).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "VDOT per week" })).toHaveTextContent("48.2");
  });

  it("shows marathon shape with its inputs", async () => {
    fakeApi({
      "GET /api/web/vo2max/readiness": () => ({
        body: {
          date: "2026-12-07",
          shape: {
            percentage: 72, raw_percentage: 72.4, vdot: 50,
            week: { days: 182, km_per_week: 61.2, target_km_per_week: 84.8, share: 0.72, weight: 0.67 },
            long_runs: { days: 70, min_km: 13, target_km: 30.3, share: 0.73, weight: 0.33, runs: [] },
          },
        },
      }),
    });
    renderWithSession(<MarathonReadiness units="metric" />);
    expect(await screen.findByText("72 %")).toBeInTheDocument();
    expect(screen.getByText(/Weekly volume/)).toHaveTextContent("61 km a week");
  });
});

describe("heart-rate zones", () => {
  it("sends a runner without heart rates in the profile there", async () => {
    fakeApi({ "GET /api/web/heart-rate-zones": () => ({ body: { from: "2026-09-14", to: "2026-12-06", missing: "profile", zones: null, weeks: [] } }) });
    renderWithSession(<HeartRateZones />);
    expect(await screen.findByRole("link", { name: "profile" })).toBeInTheDocument();
  });

  it("shows a run's VDOT and its time per zone, or says it has no heart rate", async () => {
    fakeApi({
      "GET /api/web/runs/4/fitness": () => ({
        body: {
          run_id: 4,
          vdot: { vdot: 51.2, by_time: 44.0, effort_distance: 10000, by_heart_rate: 51.2, factor: 1, method: "heart_rate" },
          heart_rate_zones: { missing: null, source: "stream", seconds_with_hr: 3600, zones: ZONES },
        },
      }),
      "GET /api/web/runs/5/fitness": () => ({
        body: { run_id: 5, vdot: null, heart_rate_zones: { missing: "heart_rate", source: null, seconds_with_hr: null, zones: ZONES.map((z) => ({ ...z, seconds: null })) } },
      }),
    });
    renderWithSession(<RunFitness runId={4} units="metric" />);
    expect(await screen.findByText("51.2")).toBeInTheDocument();
    expect(screen.getByText(/^Zone 2/).closest("tr")).toHaveTextContent("30:00");
    expect(screen.getByText(/^Zone 2/).closest("tr")).toHaveTextContent("50 %");
    renderWithSession(<RunFitness runId={5} units="metric" />);
    expect(await screen.findByText(/No heart-rate recording/)).toBeInTheDocument();
  });
});
