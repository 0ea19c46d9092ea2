import { act, fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { totals } from "../test/helpers";
import { TICK_SPACING, tickIndexes } from "../lib/chartAxis";
import { PaceTrendChart, WeeklyDistanceChart } from "./charts";

/** Twelve weeks from 7 Sep 2026, `distance` metres at 300 s/km (the last at 270 s/km). */
function weeks(n = 12) {
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(2026, 8, 7 + 7 * i)).toISOString().slice(0, 10);
    const week = totals(10_000 + 1000 * i, 2, d);
    return i === n - 1 ? { ...week, average_pace: 270 } : week;
  });
}

/** A ResizeObserver that reports `width` for every element it observes, as a browser would. */
function boxesOf(width: number) {
  class FixedWidth {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(element: Element) {
      this.callback([{ target: element, contentRect: { width } } as unknown as ResizeObserverEntry], this);
    }
    unobserve() {}
    disconnect() {}
  }
  vi.stubGlobal("ResizeObserver", FixedWidth);
}

afterEach(() => vi.unstubAllGlobals());

const axisLabels = (container: HTMLElement) => [...container.querySelectorAll(".x-axis text")].map((t) => t.textContent);

describe("the charts' date axis", () => {
  it("labels the weeks with their dates, as many as fit without touching", () => {
    boxesOf(640);
    const { container } = render(<WeeklyDistanceChart weeks={weeks()} units="metric" />);
    const labels = axisLabels(container);
    expect(labels[0]).toBe("7 Sept");
    expect(labels.length).toBeGreaterThanOrEqual(6);
    const xs = [...container.querySelectorAll(".x-axis text")].map((t) => Number(t.getAttribute("x")));
    xs.slice(1).forEach((x, i) => expect(x - xs[i]).toBeGreaterThanOrEqual(TICK_SPACING - 1));
  });

  it("keeps fewer, still readable, labels on a phone", () => {
    boxesOf(324); // a card's width on a 390 px wide phone
    const { container } = render(<WeeklyDistanceChart weeks={weeks()} units="metric" />);
    const svg = container.querySelector("svg")!;
    // Drawn at its box's width, one unit a pixel: nothing shrinks the 12 px labels.
    expect(svg).toHaveAttribute("width", "324");
    expect(svg.hasAttribute("viewBox")).toBe(false);
    const labels = axisLabels(container);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(labels.length).toBeLessThanOrEqual(5);
  });

  it("shows the pace trend's dates", () => {
    boxesOf(640);
    const { container } = render(<PaceTrendChart weeks={weeks()} units="metric" />);
    expect(axisLabels(container)[0]).toBe("7 Sept");
    expect(screen.getByRole("img", { name: /week of Mon 7 Sept.*week of Mon 23 Nov \(faster\)/ })).toBeInTheDocument();
  });

  it("spaces label positions evenly from the first week", () => {
    expect(tickIndexes(12, 560)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(tickIndexes(52, 268)).toEqual([0, 13, 26, 39]);
    expect(tickIndexes(0, 500)).toEqual([]);
  });
});

describe("the charts' tooltips", () => {
  it("read the latest week when the plot takes focus, and the others with the arrow keys", async () => {
    const user = userEvent.setup();
    render(<WeeklyDistanceChart weeks={weeks()} units="imperial" />);
    const tip = screen.getByRole("status");
    expect(tip).toHaveTextContent(/^$/);
    await user.tab();
    expect(screen.getByRole("group", { name: /Distance per week/ })).toHaveFocus();
    expect(tip).toHaveTextContent("Week of Mon 23 Nov: 13.0 mi");
    await user.keyboard("{ArrowLeft}");
    expect(tip).toHaveTextContent("Week of Mon 16 Nov: 12.4 mi");
    await user.keyboard("{Home}");
    expect(tip).toHaveTextContent("Week of Mon 7 Sept: 6.2 mi");
    await user.tab();
    expect(tip).toHaveTextContent(/^$/);
  });

  it("follow the pointer over the pace trend", () => {
    render(<PaceTrendChart weeks={weeks()} units="metric" />);
    const svg = screen.getByRole("img", { name: /Average pace per week/ });
    act(() => {
      fireEvent.pointerMove(svg, { clientX: 640 });
    });
    expect(screen.getByRole("status")).toHaveTextContent("Week of Mon 23 Nov: 4:30 /km");
    act(() => {
      fireEvent.pointerLeave(svg);
    });
    expect(screen.getByRole("status")).toHaveTextContent(/^$/);
  });
});
