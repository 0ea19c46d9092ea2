import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { localStart, zoneLabel } from "../lib/dates";
import { fakeApi, renderWithSession, sessionFor } from "../test/helpers";
import { SignupPage } from "./Auth";
import { RunDetailPage } from "./RunDetail";

afterEach(() => vi.unstubAllGlobals());

const parisJustAfterMidnight = {
  id: 4, title: "New month run", source: "strava", polyline: null, distance: 5000, moving_time: 1500, elapsed_time: 1560,
  average_speed: 3.33, average_hr: null, elevation_gain: null, sport_type: "Run",
  start_time: "2026-01-31T23:30:00+00:00", start_local: "2026-02-01T00:30:00", utc_offset: 3600, timezone: "Europe/Paris",
};

describe("a run's local time", () => {
  it("is shown on the wall clock where it was run, whatever the browser's zone", async () => {
    fakeApi({ "GET /api/web/runs/4": () => ({ body: parisJustAfterMidnight }) });
    renderWithSession(<RunDetailPage id={4} />);
    expect(await screen.findByText(/Sun, 1 Feb 2026, 00:30 Europe\/Paris/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "‹ Back to the month" })).toHaveAttribute("href", "/runs/2026/02");
  });

  it("falls back to the instant, and names an offset without a zone", () => {
    expect(localStart({ start_time: "2026-01-31T23:30:00Z" })).toBe("2026-01-31T23:30:00Z");
    expect(zoneLabel({ timezone: null, utc_offset: 20700 })).toBe("UTC+05:45");
    expect(zoneLabel({ timezone: null, utc_offset: -12600 })).toBe("UTC-03:30");
    expect(zoneLabel({})).toBe("UTC");
  });
});

describe("sign-up", () => {
  it("sends the browser's time zone as the runner's", async () => {
    const { calls } = fakeApi({
      "POST /api/web/signup": () => ({ status: 422, body: { code: "invalid_request", message: "no", request_id: "r" } }),
    });
    renderWithSession(<SignupPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "a long passphrase");
    await userEvent.click(screen.getByRole("button", { name: /create/i }));
    const signup = calls.find((c) => c.url.endsWith("/signup"));
    expect(signup?.body).toMatchObject({ timezone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  });
});
