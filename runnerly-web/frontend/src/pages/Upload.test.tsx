import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type UploadHandle } from "../api/client";
import type { Run } from "../api/types";
import { renderWithSession } from "../test/helpers";
import { checkFile } from "../lib/activityFile";
import { UploadPage } from "./Upload";

const gpx = (name = "morning.gpx", size = 2000) => new File(["x".repeat(size)], name, { type: "application/gpx+xml" });

function failingUpload(error: ApiError) {
  return vi.fn((_file: File, onProgress: (f: number | null) => void): UploadHandle<Run> => {
    onProgress(0.5);
    return { promise: Promise.reject(error), abort: () => {} };
  });
}

describe("checkFile", () => {
  it("refuses files that are not GPX, TCX or FIT, empty, or too large", () => {
    expect(checkFile(gpx("run.gpx"))).toBeNull();
    expect(checkFile(gpx("RUN.FIT"))).toBeNull();
    expect(checkFile(gpx("notes.txt"))).toMatch(/not a GPX, TCX or FIT file/);
    expect(checkFile(gpx("empty.tcx", 0))).toMatch(/empty/);
    expect(checkFile(new File([new Uint8Array(9 * 1024 * 1024)], "huge.fit"))).toMatch(/larger than 8 MB/);
  });
});

describe("UploadPage", () => {
  it("shows the API's reason for a broken file beside the file field", async () => {
    const upload = failingUpload(
      new ApiError(422, "unreadable_file", "The file could not be read.", [
        { field: "body", message: "The GPX file has no track points." },
      ]),
    );
    renderWithSession(<UploadPage upload={upload} />);
    const input = screen.getByLabelText("Activity file");
    await userEvent.upload(input, gpx());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));

    const message = await screen.findByText("The GPX file has no track points.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input.getAttribute("aria-describedby")).toContain(message.id);
    expect(input).toHaveFocus();
    expect(upload).toHaveBeenCalledTimes(1);
  });

  it("says a file of a run already there was merged with it, and links to the run that counts", async () => {
    const merged: Run = {
      id: 9, source: "file", title: "Morning Run", start_time: "2026-03-02T07:00:05Z", distance: 10020, moving_time: 3050,
      elapsed_time: 3050, average_speed: 3.29, average_hr: 150, elevation_gain: null, sport_type: "Run", merged_into: 4,
    };
    const upload = vi.fn((): UploadHandle<Run> => ({ promise: Promise.resolve(merged), abort: () => {} }));
    renderWithSession(<UploadPage upload={upload} />);
    await userEvent.upload(screen.getByLabelText("Activity file"), gpx());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Merged with a run you already had");
    expect(screen.getByRole("link", { name: "a run you already had" })).toHaveAttribute("href", "/runs/4");
  });

  it("explains a file too large for the server", async () => {
    renderWithSession(<UploadPage upload={failingUpload(new ApiError(413, "too_large", "That file is too large."))} />);
    await userEvent.upload(screen.getByLabelText("Activity file"), gpx());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(await screen.findByText("That file is too large.")).toBeInTheDocument();
  });

  it("does not send a file of the wrong kind, and says why", async () => {
    const upload = failingUpload(new ApiError(500, "x", "should not be called"));
    renderWithSession(<UploadPage upload={upload} />);
    // The accept attribute is a hint only; a runner can still pick any file.
    await userEvent.upload(screen.getByLabelText("Activity file"), gpx("route.kml"), { applyAccept: false });
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(screen.getByText(/“route.kml” is not a GPX, TCX or FIT file/)).toBeInTheDocument();
    expect(upload).not.toHaveBeenCalled();
  });

  it("shows progress while sending, then links to the imported run", async () => {
    let finish: (run: Run) => void = () => {};
    let report: (f: number | null) => void = () => {};
    const upload = vi.fn((_f: File, onProgress: (f: number | null) => void): UploadHandle<Run> => {
      report = onProgress;
      return { promise: new Promise<Run>((resolve) => (finish = resolve)), abort: () => {} };
    });
    renderWithSession(<UploadPage upload={upload} />);
    await userEvent.upload(screen.getByLabelText("Activity file"), gpx());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    const { act } = await import("@testing-library/react");
    act(() => report(0.42));
    expect(screen.getByText("42%")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Upload" })).toBeDisabled();
    // Awaited act: the page's reaction to the finished upload (a promise) renders before the checks.
    await act(() => {
      finish({
        id: 99, source: "file", title: "Morning Run", start_time: "2026-11-20T07:00:00Z", distance: 8000,
        moving_time: 2400, elapsed_time: 2500, average_speed: 3.3, average_hr: null, elevation_gain: null, sport_type: "Run",
      });
      return Promise.resolve();
    });
    expect(screen.getByRole("link", { name: "Morning Run" })).toHaveAttribute("href", "/runs/99");
    expect(screen.getByText(/8\.00 km/)).toBeInTheDocument();
  });
});
