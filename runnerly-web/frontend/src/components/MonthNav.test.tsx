import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi, renderWithSession } from "../test/helpers";
import { render } from "@testing-library/react";
import { MonthNav } from "./MonthNav";

describe("MonthNav", () => {
  it("goes back across the new year", async () => {
    const onChange = vi.fn();
    render(<MonthNav value={{ year: 2026, month: 1 }} latest={{ year: 2026, month: 11 }} onChange={onChange} />);
    await userEvent.click(screen.getByRole("button", { name: /previous month, december 2025/i }));
    expect(onChange).toHaveBeenCalledWith({ year: 2025, month: 12 });
    await userEvent.click(screen.getByRole("button", { name: /next month, february 2026/i }));
    expect(onChange).toHaveBeenLastCalledWith({ year: 2026, month: 2 });
  });

  it("does not go past the latest month", () => {
    render(<MonthNav value={{ year: 2026, month: 11 }} latest={{ year: 2026, month: 11 }} onChange={() => {}} />);
    expect(screen.getByRole("button", { name: /next month/i })).toBeDisabled();
    expect(screen.getByRole("heading", { name: "November 2026" })).toBeInTheDocument();
  });
});

describe("the runs page's month navigation", () => {
  beforeEach(() => {
    window.history.replaceState(null, "", "/runs/2026/03");
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("loads the previous month's runs and puts the month in the address", async () => {
    const run = (id: number, title: string, start: string) => ({
      id, source: "strava", title, start_time: start, distance: 10000, moving_time: 3000, elapsed_time: 3100,
      average_speed: 3.33, average_hr: null, elevation_gain: 20, sport_type: "Run", polyline: null,
    });
    const { calls } = fakeApi({
      "GET /api/web/runs/2026/3": () => ({ body: { year: 2026, month: 3, count: 1, distance: 10000, moving_time: 3000, items: [run(1, "Spring tempo", "2026-03-14T07:00:00Z")] } }),
      "GET /api/web/runs/2026/2": () => ({ body: { year: 2026, month: 2, count: 2, distance: 20000, moving_time: 6000, items: [run(2, "Snowy long run", "2026-02-01T08:00:00Z"), run(3, "February intervals", "2026-02-20T18:00:00Z")] } }),
    });
    renderWithSession(<App />);
    expect(await screen.findByText("Spring tempo")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: /previous month, february 2026/i }));

    expect(await screen.findByText("Snowy long run")).toBeInTheDocument();
    expect(screen.queryByText("Spring tempo")).not.toBeInTheDocument();
    expect(window.location.pathname).toBe("/runs/2026/02");
    expect(screen.getByText(/2 runs, 20\.0 km in February 2026/)).toBeInTheDocument();
    // Newest first: the 20th before the 1st.
    const titles = screen.getAllByRole("link").map((a) => a.textContent ?? "").filter((t) => /Snowy|February intervals/.test(t));
    expect(titles[0]).toMatch(/February intervals/);
    expect(calls.map((c) => c.url)).toContain("/api/web/runs/2026/2");
  });
});
