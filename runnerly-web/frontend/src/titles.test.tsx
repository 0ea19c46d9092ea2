import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { SessionProvider } from "./components/SessionProvider";
import { titleFor } from "./lib/pageTitle";
import { fakeApi, renderWithSession, runner, sessionFor } from "./test/helpers";
import { render } from "@testing-library/react";

afterEach(() => vi.unstubAllGlobals());

describe("each page's title", () => {
  it.each([
    ["/runs/2026/03", "Runs — March 2026 · Runnerly"],
    ["/calendar/2026/11", "Calendar — November 2026 · Runnerly"],
    ["/runs/search?q=hill", "Find runs · Runnerly"],
    ["/", "Dashboard · Runnerly"],
    ["/nowhere", "Page not found · Runnerly"],
    ["/runs/2026/13", "Page not found · Runnerly"],
  ])("%s is titled %s", async (path, title) => {
    window.history.replaceState(null, "", path);
    fakeApi({});
    renderWithSession(<App />, sessionFor(runner));
    await vi.waitFor(() => expect(document.title).toBe(title));
  });

  it("names the login page to a visitor sent there", async () => {
    window.history.replaceState(null, "", "/runs/2026/03");
    renderWithSession(<App />, sessionFor(null));
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    await vi.waitFor(() => expect(document.title).toBe("Log in · Runnerly"));
  });

  it("says Runnerly cannot load when the session cannot be read", async () => {
    window.history.replaceState(null, "", "/");
    fakeApi({ "GET /api/web/session": () => ({ status: 503, body: { code: "service_unavailable", message: "down", request_id: "t" } }) });
    render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );
    await vi.waitFor(() => expect(document.title).toBe("Cannot load Runnerly · Runnerly"));
  });

  it("follows the runner's today for the pages of the current month", () => {
    expect(titleFor("/runs", "2026-12-07")).toBe("Runs — December 2026");
    expect(titleFor("/calendar", "2027-01-01")).toBe("Calendar — January 2027");
    expect(titleFor("/plans/4", "2026-12-07")).toBe("Training plan");
    expect(titleFor("/forgot-password", "2026-12-07")).toBe("Forgot your password");
    expect(titleFor("/somewhere-new", "2026-12-07")).toBeNull();
  });
});
