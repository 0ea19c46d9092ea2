// axe-core (the journeys' accessibility check) on the Upload page with every kind of result
// on it: files sent, one refused, a Strava export's import with its problems. jsdom has no
// layout, so colour contrast is left to the journeys in Chromium.
import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type UploadHandle } from "../api/client";
import type { ArchiveImport, Run } from "../api/types";
import { renderWithSession } from "../test/helpers";
import { UploadPage } from "./Upload";

const file = (name: string) => new File(["x".repeat(100)], name);

describe("UploadPage accessibility", () => {
  it("has no serious or critical axe violation with results and an import shown", async () => {
    const outcomes: (() => Promise<Run>)[] = [
      () => Promise.resolve<Run>({
        id: 1, source: "file", title: "Easy five", start_time: "2025-02-03T07:00:00Z", distance: 5000, moving_time: 1800,
        elapsed_time: 1800, average_speed: 2.8, average_hr: null, elevation_gain: null, sport_type: "Run",
      }),
      () => Promise.reject(new ApiError(422, "unreadable", "x", [{ field: "body", message: "GPX: not well-formed" }])),
    ];
    let n = 0;
    const upload = vi.fn((): UploadHandle<Run> => ({ promise: outcomes[n++](), abort: () => {} }));
    const job: ArchiveImport = {
      id: "j", filename: "export.zip", state: "done", total: 3, done: 3, imported: 2, merged: 0, already: 0,
      skipped: 1, refused: 0, created_at: "2026-12-07T10:00:00Z", updated_at: "2026-12-07T10:01:00Z", error: null,
      problems: [{ file: "activities/3.gpx", title: "Ride home", outcome: "skipped", reason: "Not a run (Ride)" }],
    };
    const { container } = renderWithSession(
      <UploadPage upload={upload} latestArchive={() => Promise.resolve(job)} pollMs={60_000} />,
    );
    await screen.findByText("Import finished.");
    await userEvent.upload(screen.getByLabelText(/Activity files/), [file("a.gpx"), file("b.gpx")]);
    await act(async () => {
      await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    });
    await screen.findByRole("alert");
    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((node) => node.html).join(" ")}`)).toEqual([]);
  });
});
