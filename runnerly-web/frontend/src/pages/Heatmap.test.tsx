import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { heatmapFilters, heatmapPath } from "../api/heatmap";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";

const ROUTE = "_p~iF~ps|U_ulLnnqC_mqNvxq`@";

function heatmapApi() {
  return fakeApi({
    "GET /api/web/heatmap": (call) => {
      const params = new URL(call.url, "http://x").searchParams;
      const year = params.get("year") ? Number(params.get("year")) : null;
      const routes = year === 2024 ? [] : year === 2025 ? [ROUTE] : [ROUTE, ROUTE];
      return {
        body: {
          year,
          sport: params.get("sport"),
          runs: routes.length + 1,
          routes,
          distance: routes.length * 10000,
          years: [2024, 2025, 2026],
          sports: ["Run", "TrailRun"],
        },
      };
    },
  });
}

function sent(calls: { url: string }[]): string[] {
  return calls.filter((c) => c.url.startsWith("/api/web/heatmap")).map((c) => c.url);
}

// jsdom draws nothing: a canvas whose 2D context records the images the page puts on it.
const painted = vi.fn();
beforeEach(() => {
  painted.mockClear();
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
    () => ({ putImageData: painted, drawImage: () => {} }) as unknown as CanvasRenderingContext2D,
  );
  vi.stubGlobal(
    "ImageData",
    class {
      constructor(
        public data: Uint8ClampedArray,
        public width: number,
        public height: number,
      ) {}
    },
  );
  vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockReturnValue({ width: 390, height: 300, top: 0, left: 0 } as DOMRect);
  vi.stubGlobal("requestAnimationFrame", (f: FrameRequestCallback) => setTimeout(() => f(0), 0));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the heatmap page", () => {
  beforeEach(() => window.history.replaceState(null, "", "/heatmap?year=2025"));

  it("opens with the address's year, says what it draws and draws every route", async () => {
    const { calls } = heatmapApi();
    renderWithSession(<App />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByText(/1 route, 6\.2 mi in total/)).toHaveTextContent("1 route, 6.2 mi in total (2025) · 1 run has no route");
    expect(sent(calls)).toEqual(["/api/web/heatmap?year=2025"]);
    const canvas = screen.getByRole("img", { name: /^Heatmap of 1 route, 6\.2 mi in total/ });
    await waitFor(() => expect(canvas).toHaveAttribute("data-drawn", "1"));
    expect(painted).toHaveBeenCalled();
    expect(screen.getByLabelText("Year")).toHaveValue("2025");
    expect(document.title).toBe("Heatmap · Runnerly");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Heatmap" })).toHaveAttribute("aria-current", "page");
  });

  it("puts a new year and sport in the address, and Back returns to the previous one", async () => {
    const { calls } = heatmapApi();
    renderWithSession(<App />);
    await screen.findByText(/1 route, 10\.0 km in total/);
    await userEvent.selectOptions(screen.getByLabelText("Sport"), "TrailRun");
    expect(await screen.findByText(/1 route, 10\.0 km in total \(TrailRun in 2025\)/)).toBeInTheDocument();
    expect(window.location.search).toBe("?year=2025&sport=TrailRun");
    await userEvent.selectOptions(screen.getByLabelText("Year"), "2024");
    expect(await screen.findByText("No routes for this choice.", { exact: false })).toBeInTheDocument();
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    window.history.back();
    await waitFor(() => expect(window.location.search).toBe("?year=2025&sport=TrailRun"));
    expect(sent(calls)).toEqual([
      "/api/web/heatmap?year=2025",
      "/api/web/heatmap?year=2025&sport=TrailRun",
      "/api/web/heatmap?year=2024&sport=TrailRun",
      "/api/web/heatmap?year=2025&sport=TrailRun",
    ]);
  });

  it("pans and zooms from the keyboard and the buttons, and has no serious axe violation", async () => {
    heatmapApi();
    const { container } = renderWithSession(<App />);
    const canvas = await screen.findByRole("img", { name: /^Heatmap of/ });
    await waitFor(() => expect(canvas).toHaveAttribute("data-drawn", "1"));
    const before = painted.mock.calls.length;
    canvas.focus();
    await userEvent.keyboard("{ArrowLeft}+-0");
    await userEvent.click(screen.getByRole("button", { name: "Zoom in" }));
    await waitFor(() => expect(painted.mock.calls.length).toBeGreaterThan(before));
    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((node) => node.html).join(" ")}`)).toEqual([]);
  });
});

describe("the heatmap's address", () => {
  it("keeps what the API takes and drops what it would refuse", () => {
    expect(heatmapFilters("year=2025&sport=TrailRun")).toEqual({ year: 2025, sport: "TrailRun" });
    expect(heatmapFilters("year=1969&sport=Run%201")).toEqual({ year: undefined, sport: undefined });
    expect(heatmapFilters("year=&sport=")).toEqual({ year: undefined, sport: undefined });
    expect(heatmapPath({})).toBe("/heatmap");
    expect(heatmapPath({ year: 2026, sport: "Run" })).toBe("/heatmap?year=2026&sport=Run");
  });
});
