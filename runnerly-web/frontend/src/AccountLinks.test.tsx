// The account-recovery routes in App: the forgot-password page is public, and the pages an
// emailed link opens work with or without a session (a logged-in runner is not sent away,
// which would drop the link's token).
import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { fakeApi, renderWithSession, runner, sessionFor } from "./test/helpers";

afterEach(() => vi.unstubAllGlobals());

describe("account links", () => {
  it("opens the forgot-password page without a session", async () => {
    window.history.replaceState(null, "", "/forgot-password");
    fakeApi({});
    renderWithSession(<App />, sessionFor(null));
    expect(await screen.findByRole("heading", { name: "Forgot your password?" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/forgot-password");
  });

  it.each([
    ["without a session", null],
    ["logged in", runner],
  ])("opens a reset link %s", async (_, user) => {
    window.history.replaceState(null, "", "/reset-password#token=abc");
    fakeApi({});
    renderWithSession(<App />, sessionFor(user));
    expect(await screen.findByLabelText("New password")).toBeInTheDocument();
    expect(window.location.pathname).toBe("/reset-password");
  });

  it.each([
    ["without a session", null],
    ["logged in", runner],
  ])("opens an email confirmation link %s", async (_, user) => {
    window.history.replaceState(null, "", "/confirm-email#token=abc");
    fakeApi({});
    renderWithSession(<App />, sessionFor(user));
    expect(await screen.findByRole("button", { name: "Confirm this address" })).toBeInTheDocument();
  });
});
