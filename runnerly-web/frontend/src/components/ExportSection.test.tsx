import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DataExport } from "../api/exports";
import { fakeApi, renderWithSession } from "../test/helpers";
import { ExportSection } from "./ExportSection";

afterEach(() => vi.unstubAllGlobals());

const queued: DataExport = {
  id: 5,
  state: "queued",
  done: 0,
  total: 0,
  size: null,
  error: null,
  created_at: "2026-12-07T10:00:00Z",
  finished_at: null,
  expires_at: null,
};

describe("the profile's data export", () => {
  it("starts an export, shows its progress, then the download link with its expiry", async () => {
    const states: DataExport[] = [
      { ...queued, state: "building", done: 2, total: 4 },
      {
        ...queued,
        state: "ready",
        done: 4,
        total: 4,
        size: 3 * 1024 * 1024,
        finished_at: "2026-12-07T10:01:00Z",
        expires_at: "2026-12-14T12:00:00Z",
      },
    ];
    let started = false;
    const { calls } = fakeApi({
      "GET /api/web/exports": () => ({ body: { export: started ? (states.length > 1 ? states.shift() : states[0]) : null } }),
      "POST /api/web/exports": () => {
        started = true;
        return { status: 202, body: queued };
      },
    });
    renderWithSession(<ExportSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Export my data" }));
    expect(await screen.findByText("Preparing your export…")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Export my data" })).not.toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.headers["X-CSRF-Token"]).toBe("csrf-123");

    expect(await screen.findByText("Preparing your export: 2 of 4 files", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Export progress" })).toHaveAttribute("value", "2");

    const link = await screen.findByRole("link", { name: "Download your data (3.0 MB)" }, { timeout: 5000 });
    expect(link).toHaveAttribute("href", "/api/web/exports/5/download");
    expect(screen.getByText("Available until Mon 14 December.")).toBeInTheDocument();
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Make a new export" })).toBeInTheDocument();
  }, 15000);

  it("says why an export could not start, and lets the runner try again", async () => {
    fakeApi({
      "GET /api/web/exports": () => ({ body: { export: null } }),
      "POST /api/web/exports": () => ({
        status: 503,
        body: {
          code: "exports_unavailable",
          message: "Your export could not be started just now: try again in a minute",
          request_id: "r1",
        },
      }),
    });
    renderWithSession(<ExportSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Export my data" }));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Export my data" })).toBeEnabled();
  });

  it("tells the runner a past export has expired", async () => {
    fakeApi({
      "GET /api/web/exports": () => ({
        body: { export: { ...queued, state: "expired", done: 4, total: 4, size: 2048, expires_at: "2026-12-01T00:00:00Z" } },
      }),
    });
    renderWithSession(<ExportSection />);
    expect(await screen.findByText(/Your last export has expired/)).toBeInTheDocument();
    expect(screen.queryByRole("link")).not.toBeInTheDocument();
  });
});
