import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MonthlyReport } from "../api/types";
import { lastCompleteMonth } from "../lib/dates";
import { fakeApi, renderWithSession, totals } from "../test/helpers";
import { ReportPage } from "./Report";

afterEach(() => vi.unstubAllGlobals());

const change = { delta: 0, percent: null };
const report = (over: Partial<MonthlyReport>): MonthlyReport => ({
  year: 2026,
  month: 12,
  runs_count: 2,
  totals: totals(12000, 2, "2026-12-01"),
  in_progress: false,
  previous_month: totals(11000, 2, "2026-11-01"),
  compared_with: { from: "2026-11-01", to: "2026-11-30" },
  comparison: { count: change, distance: change, moving_time: change, elapsed_time: change, elevation_gain: change, average_pace: change },
  records_set: [],
  longest_run: null,
  ...over,
});

describe("the monthly report", () => {
  it("opens on the last month that is over, not the one still running", () => {
    expect(lastCompleteMonth("2026-12-06")).toEqual({ year: 2026, month: 11 });
    expect(lastCompleteMonth("2027-01-01")).toEqual({ year: 2026, month: 12 });
  });

  it("says a month in progress is compared with the same days of the previous month", async () => {
    fakeApi({
      "GET /api/web/reports/2026/12": () => ({
        body: report({ in_progress: true, compared_with: { from: "2026-11-01", to: "2026-11-06" } }),
      }),
    });
    renderWithSession(<ReportPage month={{ year: 2026, month: 12 }} />);
    expect(await screen.findByText(/compared with the same days of the previous month/)).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: /Previous month, Sun 1 Nov to Fri 6 Nov/ })).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "So far" })).toBeInTheDocument();
  });

  it("compares a month that is over with the whole previous month, without a note", async () => {
    fakeApi({ "GET /api/web/reports/2026/11": () => ({ body: report({ month: 11 }) }) });
    renderWithSession(<ReportPage month={{ year: 2026, month: 11 }} />);
    expect(await screen.findByRole("columnheader", { name: "Previous month" })).toBeInTheDocument();
    expect(screen.queryByText(/same days/)).not.toBeInTheDocument();
  });
});
