import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { fakeApi, renderWithSession, runner, sessionFor } from "./test/helpers";

afterEach(() => vi.unstubAllGlobals());

describe("App routing", () => {
  it("sends a visitor without a session to the login page", async () => {
    window.history.replaceState(null, "", "/runs/2026/11");
    renderWithSession(<App />, sessionFor(null));
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/login");
  });

  it("explains a Strava connection that lacked the activity scope", async () => {
    window.history.replaceState(null, "", "/?strava=missing_scope");
    fakeApi({});
    renderWithSession(<App />, sessionFor(runner));
    expect(await screen.findByText(/without permission to read your activities/)).toBeInTheDocument();
  });

  it("explains a Strava account already connected to another runner", async () => {
    window.history.replaceState(null, "", "/?strava=already_linked");
    fakeApi({});
    renderWithSession(<App />, sessionFor(runner));
    expect(await screen.findByText(/already connected to another Runnerly account/)).toBeInTheDocument();
  });

  it("logs out to the login page even when the logout request fails", async () => {
    window.history.replaceState(null, "", "/");
    const { calls } = fakeApi({
      "POST /api/web/logout": () => ({ status: 503, body: { code: "unavailable", message: "Try again.", request_id: "t" } }),
      "GET /api/web/session": () => ({ body: sessionFor(null) }),
    });
    renderWithSession(<App />, sessionFor(runner));
    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toContain("GET /api/web/session");
  });

  it("says so for an address that is no page", async () => {
    window.history.replaceState(null, "", "/nowhere");
    renderWithSession(<App />, sessionFor(runner));
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeInTheDocument();
  });
});
