import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Track } from "../api/types";
import type { Units } from "../lib/units";
import { fakeApi, renderWithSession } from "../test/helpers";
import { StreamSplits, TrackSplits } from "./Splits";

afterEach(() => vi.unstubAllGlobals());

// 2.5 km at 5:00 /km (8:03 /mi), one point every 100 m.
const track: Track = { run_id: 7, points: Array.from({ length: 26 }, (_, i) => [i * 30, 51.5 + i * 0.0009, -0.12, null, null, i * 100]) };
// The same run as the dataservice splits its streams: pace per km, or per mile.
const streamSplits = {
  run_id: 7,
  source: "stream",
  km: [
    { split: 1, distance: 1000, elapsed: 300, pace: 300 },
    { split: 2, distance: 1000, elapsed: 300, pace: 300 },
    { split: 3, distance: 500, elapsed: 150, pace: 300 },
  ],
  mile: [
    { split: 1, distance: 1609.344, elapsed: 482.8, pace: 482.8 },
    { split: 2, distance: 890.656, elapsed: 267.2, pace: 482.8 },
  ],
};

function rowsOf(table: HTMLElement): string[] {
  return within(table).getAllByRole("row").map((row) => row.textContent ?? "");
}

describe("a run's splits", () => {
  it.each<[Units, string[]]>([
    ["metric", ["KmDistanceTimePace", "11.00 km5:005:00 /km", "21.00 km5:005:00 /km", "30.50 km2:305:00 /km"]],
    ["imperial", ["MileDistanceTimePace", "11.00 mi8:038:03 /mi", "20.55 mi4:278:03 /mi"]],
  ])("read the same from a recorded track and from Strava's streams (%s)", async (units, expected) => {
    const { unmount } = render(<TrackSplits track={track} units={units} />);
    expect(screen.getByRole("heading", { name: "Splits" })).toBeInTheDocument();
    expect(rowsOf(screen.getByRole("table"))).toEqual(expected);
    unmount();
    fakeApi({ "GET /api/web/runs/7/splits": () => ({ body: streamSplits }) });
    renderWithSession(<StreamSplits runId={7} units={units} />);
    expect(await screen.findByRole("heading", { name: "Splits" })).toBeInTheDocument();
    expect(rowsOf(screen.getByRole("table"))).toEqual(expected);
  });

  it("are left out for a run whose streams are not fetched yet", async () => {
    const { calls } = fakeApi({
      "GET /api/web/runs/9/splits": () => ({ status: 404, body: { code: "not_found", message: "no stream" } }),
    });
    renderWithSession(<StreamSplits runId={9} units="metric" />);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(screen.queryByText("Splits")).toBeNull();
  });
});
