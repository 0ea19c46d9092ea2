import { act, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { POLL_MS } from "../lib/strava";
import { SyncPage } from "./Sync";

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

  it("shows how far the runs' streams have come", async () => {
    fakeApi({
      "GET /api/web/strava": () => ({
        body: { connected: true, sync_state: "idle", runs_imported: 900, streams: { runs: 900, fetched: 350 } },
      }),
    });
    renderWithSession(<SyncPage />);
    expect(await screen.findByText(/Details inside each run/)).toHaveTextContent(
      "Details inside each run (best efforts, splits): 350 of 900 runs, newest first",
    );
  });

  it("after Sync now follows the sync to its end and shows the new Last import at once", async () => {
    vi.useFakeTimers();
    let synced = false;
    let polls = 0;
    const { calls } = fakeApi({
      // As the server answers: "syncing" once the sync is queued, until the worker's end.
      "GET /api/web/strava": () => {
        if (synced) polls += 1;
        const body = !synced
          ? { connected: true, sync_state: "idle", runs_imported: 12, last_sync_at: "2026-11-28T06:00:00Z" }
          : polls < 3
            ? { connected: true, sync_state: "syncing", runs_imported: 12, last_sync_at: "2026-11-28T06:00:00Z" }
            : { connected: true, sync_state: "idle", runs_imported: 14, last_sync_at: "2026-12-07T09:30:00Z" };
        return { body };
      },
      "POST /api/web/strava/sync": () => {
        synced = true;
        return { status: 202, body: { status: "queued" } };
      },
    });
    renderWithSession(<SyncPage />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByText(/Last import .*28 Nov 2026, 06:00/)).toBeInTheDocument();
    await act(async () => {
      screen.getByRole("button", { name: "Sync now" }).click();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByText("Fetching your latest runs…")).toBeInTheDocument();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    });
    expect(screen.getByText("Up to date.")).toBeInTheDocument();
    expect(screen.getByText(/Last import .*7 Dec 2026, 09:30/)).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("14 activities imported");
    const posts = calls.filter((c) => c.method === "POST" && c.url.endsWith("/api/web/strava/sync"));
    expect(posts).toHaveLength(1);
    expect(posts[0].headers["X-CSRF-Token"]).toBeTruthy();
    // Once idle, nothing claims a sync is still coming, and the page stops asking.
    expect(screen.queryByText(/Sync queued/)).not.toBeInTheDocument();
    const asked = calls.length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    });
    expect(calls).toHaveLength(asked);
  });

  it("names the connected athlete and links to their Strava profile", async () => {
    fakeApi({
      "GET /api/web/strava": () => ({
        body: {
          connected: true, sync_state: "idle", runs_imported: 3,
          athlete: { id: 42, name: "Ada Lovelace", place: "London, United Kingdom", url: "https://www.strava.com/athletes/42" },
        },
      }),
    });
    renderWithSession(<SyncPage />);
    const link = await screen.findByRole("link", { name: "Ada Lovelace" });
    expect(link).toHaveAttribute("href", "https://www.strava.com/athletes/42");
    expect(screen.getByText(/London, United Kingdom/)).toBeInTheDocument();
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

describe("activities that were not imported", () => {
  const notImported = (total: number, count = total) => ({
    connected: true,
    sync_state: "idle",
    runs_imported: 40,
    set_aside: {
      total,
      items: Array.from({ length: count }, (_, i) => ({
        source: "strava",
        external_id: String(12345678901 + i),
        title: i === 0 ? "Watch left running" : null,
        start_time: i === 0 ? "2026-10-04T06:30:00Z" : null,
        reason: "elapsed_time 4204800 s is outside what Runnerly stores (0 to 2000000 s)",
        seen_at: "2026-11-28T06:00:00Z",
        url: `https://www.strava.com/activities/${12345678901 + i}`,
      })),
    },
  });

  it("lists each with its date, its reason, a link to Strava and what to do", async () => {
    fakeApi({ "GET /api/web/strava": () => ({ body: notImported(1) }) });
    renderWithSession(<SyncPage />);
    const section = await screen.findByRole("region", { name: "Not imported" });
    const link = within(section).getByRole("link", { name: "Watch left running" });
    expect(link).toHaveAttribute("href", "https://www.strava.com/activities/12345678901");
    expect(section).toHaveTextContent("Sun, 4 Oct 2026");
    expect(section).toHaveTextContent("elapsed_time 4204800 s is outside what Runnerly stores");
    expect(section).toHaveTextContent("Fix it on Strava (for example crop the activity); the next daily check brings it in.");
    expect(section).toHaveTextContent("One activity was not imported");
  });

  it("says how many more there are than the twenty shown", async () => {
    fakeApi({ "GET /api/web/strava": () => ({ body: notImported(23, 20) }) });
    renderWithSession(<SyncPage />);
    const section = await screen.findByRole("region", { name: "Not imported" });
    expect(within(section).getAllByRole("listitem")).toHaveLength(20);
    expect(within(section).getAllByRole("link", { name: "Untitled activity" })).toHaveLength(19);
    expect(section).toHaveTextContent("23 activities were not imported");
    expect(section).toHaveTextContent("The newest 20 of 23 are shown.");
  });

  it("shows nothing of the kind when every activity was imported", async () => {
    fakeApi({ "GET /api/web/strava": () => ({ body: notImported(0) }) });
    renderWithSession(<SyncPage />);
    await screen.findByText("Up to date.");
    expect(screen.queryByRole("region", { name: "Not imported" })).not.toBeInTheDocument();
  });
});

describe("a link Strava no longer accepts", () => {
  const reconnect = {
    connected: true,
    sync_state: "reconnect",
    runs_imported: 812,
    error: "Strava refused the refresh token: 400 invalid_grant",
  };

  it("explains that runs and progress are kept, shows Strava's answer, and offers to connect again", async () => {
    fakeApi({ "GET /api/web/strava": () => ({ body: reconnect }) });
    renderWithSession(<SyncPage />);
    expect(await screen.findByText(/Strava no longer accepts Runnerly's access/)).toHaveTextContent(
      "Your runs and the import's progress are kept",
    );
    expect(screen.getByText("Strava answered: Strava refused the refresh token: 400 invalid_grant")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Connect Strava again" })).toHaveAttribute("href", "/strava/connect");
    expect(screen.queryByRole("button", { name: "Sync now" })).not.toBeInTheDocument();
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
  });

  it("stops polling: nothing happens until the runner connects again", async () => {
    vi.useFakeTimers();
    const { calls } = fakeApi({ "GET /api/web/strava": () => ({ body: reconnect }) });
    renderWithSession(<SyncPage />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    });
    expect(calls).toHaveLength(1);
  });

  it("says why Sync now was refused when the link changed meanwhile, then offers to connect", async () => {
    let state = "idle";
    fakeApi({
      "GET /api/web/strava": () => ({ body: { ...reconnect, sync_state: state } }),
      "POST /api/web/strava/sync": () => {
        state = "reconnect";
        return {
          status: 409,
          body: {
            code: "reconnect_needed",
            message: "Strava no longer accepts Runnerly's access: connect Strava again to go on importing",
            request_id: "r1",
          },
        };
      },
    });
    renderWithSession(<SyncPage />);
    (await screen.findByRole("button", { name: "Sync now" })).click();
    expect(await screen.findByRole("alert")).toHaveTextContent("connect Strava again to go on importing");
    expect(await screen.findByRole("link", { name: "Connect Strava again" })).toBeInTheDocument();
  });
});
