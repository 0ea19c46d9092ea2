import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { FitnessDay } from "../api/fitness";
import { fakeApi, renderWithSession } from "../test/helpers";
import { formWords, spanOf } from "../lib/fitness";
import { FitnessPage } from "./Fitness";

function days(count: number, last: FitnessDay): FitnessDay[] {
  const out: FitnessDay[] = [];
  for (let i = count - 1; i >= 1; i--) {
    const date = new Date(Date.UTC(2026, 11, 7 - i)).toISOString().slice(0, 10);
    out.push({ date, load: 50, fitness: 40, fatigue: 45, form: -5 });
  }
  return [...out, last];
}

const TODAY: FitnessDay = { date: "2026-12-07", load: 120, fitness: 48.2, fatigue: 61.4, form: -13.2 };

function answer(from: string | null, count: number) {
  return {
    from: from ?? "2026-09-09",
    to: "2026-12-07",
    today: "2026-12-07",
    fitness_days: 42,
    fatigue_days: 7,
    settings: { max_hr: 190, rest_hr: 50, threshold_pace: 255, threshold_from: "vo2max" },
    days: days(count, TODAY),
  };
}

describe("the Fitness page", () => {
  it("says today's fitness, fatigue and form in words and draws the chosen span", async () => {
    const { calls } = fakeApi({
      "GET /api/web/fitness": (call) => {
        const from = new URL(call.url, "http://x").searchParams.get("from");
        return { body: answer(from, from === "2026-10-27" ? 42 : 91) };
      },
    });
    renderWithSession(<FitnessPage query="span=6w" />);
    const today = await screen.findByText(/you are carrying fatigue/);
    expect(today).toHaveTextContent("Fitness 48, fatigue 61, form −13: you are carrying fatigue");
    // 6 weeks: the 42 days up to the runner's today
    expect(calls.some((c) => c.url.includes("from=2026-10-27&to=2026-12-07"))).toBe(true);
    expect(screen.getByRole("button", { name: "6 weeks" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("img", { name: /Fitness, fatigue and form per day/ })).toBeInTheDocument();
    expect(screen.getByText(/Loads come from heart rate/)).toHaveTextContent(/max 190, resting 50 bpm.*4:15.*from your VO2max/);
    expect(screen.getByRole("link", { name: "Change them in your profile" })).toHaveAttribute("href", "/profile");
  });

  it("reads the span from the address, three months by default", () => {
    expect(spanOf("span=1y").days).toBe(365);
    expect(spanOf("").days).toBe(91);
    expect(spanOf("span=forever").days).toBe(91);
  });

  it("names form in Coggan's bands", () => {
    expect(formWords(30)).toMatch(/very fresh/);
    expect(formWords(10)).toMatch(/fresh: a good day to race/);
    expect(formWords(0)).toMatch(/neither fresh nor tired/);
    expect(formWords(-20)).toMatch(/carrying fatigue/);
    expect(formWords(-40)).toMatch(/a lot of fatigue/);
  });
});
