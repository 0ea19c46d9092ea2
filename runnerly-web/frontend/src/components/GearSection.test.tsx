import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Gear } from "../api/gear";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { GearSection } from "./GearSection";

afterEach(() => vi.unstubAllGlobals());

function pair(fields: Partial<Gear>): Gear {
  return {
    id: 1,
    runner_id: 7,
    name: "Pegasus 40",
    brand: "Nike",
    model: "Pegasus 40",
    strava_id: null,
    retired: false,
    retire_distance: 700_000,
    start_distance: 0,
    is_default: false,
    distance: 120_000,
    runs: 12,
    remaining: 580_000,
    alert: null,
    created_at: "2026-01-01T00:00:00+00:00",
    updated_at: "2026-01-01T00:00:00+00:00",
    ...fields,
  } as Gear;
}

describe("the profile's shoes", () => {
  it("shows each pair's distance in the runner's units, its progress and the alerts", async () => {
    fakeApi({
      "GET /api/web/gear": () => ({
        body: {
          items: [
            pair({ id: 1, is_default: true }),
            pair({ id: 2, name: "Clifton", brand: null, model: null, distance: 660_000, remaining: 40_000, alert: "near", runs: 1 }),
            pair({ id: 3, name: "Old", distance: 712_345, remaining: -12_345, alert: "past" }),
          ],
        },
      }),
    });
    renderWithSession(<GearSection />);
    const first = (await screen.findByText("Pegasus 40", { selector: "strong" })).closest("li")!;
    expect(within(first).getByText(/120\.0 km · 12 runs/)).toBeInTheDocument();
    expect(within(first).getByText("Default")).toBeInTheDocument();
    expect(within(first).getByRole("progressbar", { name: "Pegasus 40: 17% of its retirement distance" })).toBeInTheDocument();
    expect(screen.getByText("40 km to its retirement distance.")).toBeInTheDocument();
    expect(screen.getByText("Past its retirement distance (700 km): time for a new pair.")).toBeInTheDocument();
  });

  it("counts in miles for a runner who does", async () => {
    fakeApi({ "GET /api/web/gear": () => ({ body: { items: [pair({ distance: 160_934.4, runs: 1 })] } }) });
    renderWithSession(<GearSection />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByText(/100\.0 mi · 1 run of 435 mi/)).toBeInTheDocument();
  });

  it("adds a pair with distances typed in the runner's units, sent in metres", async () => {
    let items: Gear[] = [];
    const { calls } = fakeApi({
      "GET /api/web/gear": () => ({ body: { items } }),
      "POST /api/web/gear": (call) => {
        const made = pair({ ...(call.body as Partial<Gear>), id: 9, distance: 50_000 });
        items = [made];
        return { status: 201, body: made };
      },
    });
    renderWithSession(<GearSection />);
    expect(await screen.findByText("No shoes yet.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Name"), "Trail pair");
    await userEvent.clear(screen.getByLabelText("Retire at (km)"));
    await userEvent.type(screen.getByLabelText("Retire at (km)"), "650");
    await userEvent.type(screen.getByLabelText("Distance before Runnerly (km)"), "50");
    await userEvent.click(screen.getByLabelText(/My default pair/));
    await userEvent.click(screen.getByRole("button", { name: "Add pair" }));
    expect(await screen.findByText("Trail pair", { selector: "strong" })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      name: "Trail pair", brand: null, model: null, retire_distance: 650_000, start_distance: 50_000, is_default: true,
    });
    expect(post?.headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("retires a pair, and names the problem when a change is refused", async () => {
    const { calls } = fakeApi({
      "GET /api/web/gear": () => ({ body: { items: [pair({})] } }),
      "PATCH /api/web/gear/1": () => ({
        status: 409,
        body: { code: "conflict", message: "gear_id: 3 runs wear this pair", request_id: "r", errors: [{ field: "gear_id", message: "3 runs wear this pair" }] },
      }),
    });
    renderWithSession(<GearSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Retire Pegasus 40" }));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ retired: true });
    expect(await screen.findByRole("alert")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete Pegasus 40" })).not.toBeInTheDocument(); // worn: no delete
  });
});
