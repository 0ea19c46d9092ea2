import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { RunDetailPage } from "../pages/RunDetail";
import { fakeApi, renderWithSession } from "../test/helpers";
import { mergedFromText } from "../lib/merges";
import { RunMerges } from "./RunMerges";

afterEach(() => vi.unstubAllGlobals());

const strava: Run = {
  id: 4, source: "strava", title: "Morning Run", start_time: "2026-03-02T07:00:00Z", distance: 10000, moving_time: 3000,
  elapsed_time: 3060, average_speed: 3.33, average_hr: 150, elevation_gain: 12, sport_type: "Run", polyline: null,
};
const merged: Run = { ...strava, merged_from: [{ id: 4, source: "strava", file_type: null }, { id: 9, source: "file", file_type: "gpx" }] };

describe("where a merged run came from", () => {
  it("names the sources as a runner says them", () => {
    expect(mergedFromText(merged.merged_from!)).toBe("Strava and a GPX file");
    expect(
      mergedFromText([{ id: 1, source: "file", file_type: "fit" }, { id: 2, source: "file", file_type: "tcx" }, { id: 3, source: "manual" }]),
    ).toBe("a FIT file, a TCX file and a manual entry");
  });
});

describe("the run page's merges", () => {
  it("says a run was merged from Strava and a GPX file and shows the file's track", async () => {
    const points = Array.from({ length: 11 }, (_, i) => [i * 30, 45 + i * 0.0009, 7, null, 150, i * 100]);
    const { calls } = fakeApi({
      "GET /api/web/runs/4": () => ({ body: merged }),
      "GET /api/web/runs/4/track": () => ({ body: { run_id: 4, points } }),
    });
    renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByText(/Merged from Strava and a GPX file/)).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Splits" })).toBeInTheDocument();
    expect(calls.some((c) => c.url.endsWith("/api/web/runs/4/track"))).toBe(true);
  });

  it("splits a wrong merge apart and shows the run on its own again", async () => {
    let current: Run = merged;
    const { calls } = fakeApi({
      "GET /api/web/runs/4": () => ({ body: current }),
      "GET /api/web/runs/4/track": () => ({ body: { run_id: 4, points: [] } }),
      "POST /api/web/runs/4/split": () => {
        current = strava;
        return { body: { items: [strava, { ...strava, id: 9, source: "file" }] } };
      },
    });
    renderWithSession(<RunDetailPage id={4} />);
    await userEvent.click(await screen.findByRole("button", { name: "Split apart" }));
    expect(await screen.findByRole("button", { name: "Merge with another run…" })).toBeInTheDocument();
    expect(screen.queryByText(/Merged from/)).not.toBeInTheDocument();
    const split = calls.find((c) => c.method === "POST");
    expect(split?.headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("merges by hand with a run of the same month and goes to the run that counts", async () => {
    const onChanged = vi.fn();
    const other: Run = { ...strava, id: 11, source: "file", title: "Watch file", start_time: "2026-03-02T09:00:00Z" };
    const { calls } = fakeApi({
      "GET /api/web/runs/2026/3": () => ({ body: { items: [strava, other] } }),
      "POST /api/web/runs/4/merge": () => ({ body: { ...merged, merged_from: [{ id: 4, source: "strava" }, { id: 11, source: "file", file_type: "fit" }] } }),
    });
    renderWithSession(<RunMerges run={strava} units="metric" onChanged={onChanged} />);
    await userEvent.click(screen.getByRole("button", { name: "Merge with another run…" }));
    const choice = await screen.findByLabelText("The same run, recorded again");
    expect(screen.queryByRole("option", { name: /Morning Run/ })).not.toBeInTheDocument(); // not itself
    await userEvent.selectOptions(choice, "11");
    await userEvent.click(screen.getByRole("button", { name: "Merge" }));
    expect(onChanged).toHaveBeenCalledWith(4);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ run_id: 11 });
  });

  it("offers the runs of the run's own month, at their local start, for an evening run west of Greenwich", async () => {
    const evening: Run = { ...strava, start_time: "2026-04-01T01:00:00Z", start_local: "2026-03-31T18:00:00", timezone: "America/Los_Angeles" };
    const other: Run = { ...strava, id: 11, source: "file", title: "Watch file", start_time: "2026-04-01T01:01:00Z", start_local: "2026-03-31T18:01:00" };
    const { calls } = fakeApi({ "GET /api/web/runs/2026/3": () => ({ body: { items: [evening, other] } }) });
    renderWithSession(<RunMerges run={evening} units="metric" onChanged={() => {}} />);
    await userEvent.click(screen.getByRole("button", { name: "Merge with another run…" }));
    expect(await screen.findByRole("option", { name: /Watch file/ })).toHaveTextContent("Tue, 31 Mar 2026, 18:01 · Watch file");
    expect(calls.map((c) => c.url)).toEqual(["/api/web/runs/2026/3"]);
  });

  it("shows the API's refusal instead of merging", async () => {
    const other: Run = { ...strava, id: 11, source: "file", title: "Watch file" };
    fakeApi({
      "GET /api/web/runs/2026/3": () => ({ body: { items: [other] } }),
      "POST /api/web/runs/4/merge": () => ({
        status: 422,
        body: { code: "unprocessable", message: "body.run_id: run 11 not found", request_id: "r", errors: [{ field: "body.run_id", message: "run 11 not found" }] },
      }),
    });
    const onChanged = vi.fn();
    renderWithSession(<RunMerges run={strava} units="metric" onChanged={onChanged} />);
    await userEvent.click(screen.getByRole("button", { name: "Merge with another run…" }));
    await userEvent.selectOptions(await screen.findByLabelText("The same run, recorded again"), "11");
    await userEvent.click(screen.getByRole("button", { name: "Merge" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("run 11 not found");
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("on a recording merged into another, links to the run that counts", () => {
    renderWithSession(<RunMerges run={{ ...strava, id: 9, source: "file", merged_into: 4 }} units="metric" onChanged={() => {}} />);
    expect(screen.getByRole("link", { name: "another run" })).toHaveAttribute("href", "/runs/4");
    expect(screen.getByRole("button", { name: "Split apart" })).toBeInTheDocument();
  });
});
