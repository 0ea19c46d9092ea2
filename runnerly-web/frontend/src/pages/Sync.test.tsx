import { act, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { POLL_MS, SyncPage } from "./Sync";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("the Strava sync page", () => {
  it("polls while a backfill runs, shows the growing count, and stops once idle", async () => {
    vi.useFakeTimers();
    const answers = [
      { connected: true, sync_state: "backfilling", pages_done: 1, runs_imported: 200 },
      { connected: true, sync_state: "backfilling", pages_done: 2, runs_imported: 400 },
      { connected: true, sync_state: "idle", pages_done: 3, runs_imported: 512, last_sync_at: "2026-11-28T06:00:00Z" },
    ];
    const { calls } = fakeApi({ "GET /api/web/strava": () => ({ body: answers[Math.min(calls.length - 1, answers.length - 1)] }) });
    renderWithSession(<SyncPage />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByText("Importing your Strava history…")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("200 activities imported");

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(screen.getByRole("status")).toHaveTextContent("400 activities imported");

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(screen.getByText("Up to date.")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("512 activities imported");

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    });
    expect(calls).toHaveLength(3);
  });

  it("queues a sync on Sync now and says so", async () => {
    const { calls } = fakeApi({
      "GET /api/web/strava": () => ({ body: { connected: true, sync_state: "idle", runs_imported: 12 } }),
      "POST /api/web/strava/sync": () => ({ status: 202, body: { status: "queued" } }),
    });
    renderWithSession(<SyncPage />);
    (await screen.findByRole("button", { name: "Sync now" })).click();
    expect(await screen.findByText("Sync queued: new runs appear in a moment.")).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === "POST" && c.url.endsWith("/api/web/strava/sync"));
    expect(posts).toHaveLength(1);
    expect(posts[0].headers["X-CSRF-Token"]).toBeTruthy();
  });

  it("shows why Sync now failed", async () => {
    fakeApi({
      "GET /api/web/strava": () => ({ body: { connected: true, sync_state: "idle" } }),
      "POST /api/web/strava/sync": () => ({
        status: 503,
        body: { code: "sync_unavailable", message: "The sync queue cannot be reached", request_id: "r1" },
      }),
    });
    renderWithSession(<SyncPage />);
    (await screen.findByRole("button", { name: "Sync now" })).click();
    expect(await screen.findByRole("alert")).toHaveTextContent("The sync queue cannot be reached");
  });

  it("offers to connect when there is no link", async () => {
    fakeApi({ "GET /api/web/strava": () => ({ body: { connected: false } }) });
    renderWithSession(<SyncPage />);
    expect(await screen.findByRole("link", { name: "Connect Strava" })).toHaveAttribute("href", "/strava/connect");
  });
});
