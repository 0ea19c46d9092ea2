import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Records } from "../api/types";
import { fakeApi, renderWithSession } from "../test/helpers";
import { RecordHistory } from "./RecordHistory";

const effort = (run_id: number, elapsed: number, day: string) => ({
  elapsed,
  pace: elapsed / 5,
  run_id,
  title: `Run ${run_id}`,
  start_time: `${day}T08:00:00+00:00`,
  origin: "stream" as const,
});

const records: Records = {
  best_efforts: [
    { distance: 1000, label: "1 km", best: null },
    { distance: 5000, label: "5 km", best: effort(3, 1200, "2026-03-01") },
    { distance: 10000, label: "10 km", best: effort(3, 2500, "2026-03-01") },
  ],
  longest_run: null,
  biggest_week: null,
  biggest_month: null,
};

describe("a record's history", () => {
  it("lists each run that beat the record before it, oldest first, for the distance chosen", async () => {
    fakeApi({
      "GET /api/web/stats/records/5000/history": () => ({
        body: { distance: 5000, label: "5 km", items: [effort(1, 1500, "2025-01-10"), effort(3, 1200, "2026-03-01")] },
      }),
      "GET /api/web/stats/records/10000/history": () => ({
        body: { distance: 10000, label: "10 km", items: [effort(3, 2500, "2026-03-01")] },
      }),
    });
    renderWithSession(<RecordHistory records={records} units="metric" />);
    expect(await screen.findByText("Run 1")).toBeInTheDocument();
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      expect.stringContaining("25:00"),
      expect.stringContaining("20:00"),
    ]);
    expect(screen.queryByRole("option", { name: "1 km" })).toBeNull(); // no record held yet
    fireEvent.change(screen.getByLabelText("Distance"), { target: { value: "10000" } });
    expect(await screen.findByText("41:40")).toBeInTheDocument();
    expect(screen.getAllByRole("listitem")).toHaveLength(1);
  });

  it("dates each run by the day it was run where it was run, not by its UTC date", async () => {
    const evening = { ...effort(5, 1150, "2026-03-02"), start_time: "2026-03-02T02:00:00+00:00", start_local: "2026-03-01T18:00:00" };
    fakeApi({ "GET /api/web/stats/records/5000/history": () => ({ body: { distance: 5000, label: "5 km", items: [evening] } }) });
    renderWithSession(<RecordHistory records={records} units="metric" />);
    expect(await screen.findByRole("listitem")).toHaveTextContent(/^Sun 1 Mar 19:10/);
  });
});
