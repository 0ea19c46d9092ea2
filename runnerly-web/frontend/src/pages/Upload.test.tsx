import { act, fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, type UploadHandle } from "../api/client";
import type { ArchiveImport, Run } from "../api/types";
import { renderWithSession } from "../test/helpers";
import { checkArchive, checkFile } from "../lib/activityFile";
import { UploadPage } from "./Upload";

const gpx = (name = "morning.gpx", size = 2000) => new File(["x".repeat(size)], name, { type: "application/gpx+xml" });
const zip = (name = "export_42.zip", size = 4000) => new File(["P".repeat(size)], name, { type: "application/zip" });

function run(id: number, title: string, extra: Partial<Run> = {}): Run {
  return {
    id, source: "file", title, start_time: "2026-11-20T07:00:00Z", distance: 8000, moving_time: 2400,
    elapsed_time: 2500, average_speed: 3.3, average_hr: null, elevation_gain: null, sport_type: "Run", ...extra,
  };
}

/** An uploader whose uploads the test finishes one by one, reporting progress as it likes. */
function controlled<T>() {
  const calls: { file: File; progress: (f: number | null) => void; resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  const upload = vi.fn((file: File, progress: (f: number | null) => void): UploadHandle<T> => {
    let resolve: (v: T) => void = () => {};
    let reject: (e: unknown) => void = () => {};
    const promise = new Promise<T>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    calls.push({ file, progress, resolve, reject });
    return { promise, abort: () => reject(new ApiError(0, "aborted", "Upload cancelled.")) };
  });
  return { upload, calls };
}

const noArchive = () => Promise.resolve(null);
const MB = 1024 * 1024;

/** Runs ``finish`` (an upload ending) and lets the page's reaction render before the checks. */
const settle = (finish: () => void) =>
  act(() => {
    finish();
    return Promise.resolve();
  });

function job(extra: Partial<ArchiveImport> = {}): ArchiveImport {
  return {
    id: "j1", filename: "export_42.zip", state: "running", total: 5, done: 2, imported: 1, merged: 1, already: 0,
    skipped: 0, refused: 0, problems: [], error: null, created_at: "2026-12-07T10:00:00Z",
    updated_at: "2026-12-07T10:00:02Z", ...extra,
  };
}

describe("checkFile and checkArchive", () => {
  it("refuses files that are not GPX, TCX or FIT, empty, or too large", () => {
    expect(checkFile(gpx("run.gpx"))).toBeNull();
    expect(checkFile(gpx("RUN.FIT"))).toBeNull();
    expect(checkFile(gpx("notes.txt"))).toMatch(/not a GPX, TCX or FIT file/);
    expect(checkFile(gpx("empty.tcx", 0))).toMatch(/empty/);
    expect(checkFile(new File([new Uint8Array(9 * 1024 * 1024)], "huge.fit"))).toMatch(/larger than 8 MB/);
    expect(checkArchive(zip())).toBeNull();
    // An export of any size goes in parts (decision 60): the server judges its size.
    expect(checkArchive(new File([new Uint8Array(9 * 1024 * 1024)], "big.zip"))).toBeNull();
    expect(checkArchive(zip("empty.zip", 0))).toMatch(/empty/);
  });
});

describe("UploadPage: several files", () => {
  it("sends several files two at a time, each with its own progress and its own result", async () => {
    const { upload, calls } = controlled<Run>();
    renderWithSession(<UploadPage upload={upload} latestArchive={noArchive} />);
    await userEvent.upload(screen.getByLabelText(/Activity files/), [gpx("a.gpx"), gpx("b.tcx"), gpx("c.fit")]);
    expect(upload).not.toHaveBeenCalled(); // chosen, listed, sent on Upload
    expect(screen.getByText("3 files ready: press Upload.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));

    // Two at a time: the third waits for a slot.
    expect(upload).toHaveBeenCalledTimes(2);
    const list = screen.getByRole("list", { name: "Files" });
    expect(within(list).getByText("Waiting…")).toBeInTheDocument();
    act(() => calls[0].progress(0.25));
    act(() => calls[1].progress(0.8));
    expect(screen.getByRole("progressbar", { name: "Uploading a.gpx" })).toHaveAttribute("value", "0.25");
    expect(screen.getByRole("progressbar", { name: "Uploading b.tcx" })).toHaveAttribute("value", "0.8");
    expect(screen.getByText("25%")).toBeInTheDocument();

    await settle(() => calls[0].resolve(run(11, "Hill repeats")));
    expect(upload).toHaveBeenCalledTimes(3); // the freed slot takes c.fit
    expect(calls[2].file.name).toBe("c.fit");
    await settle(() => calls[1].resolve(run(12, "Morning Run", { merged_into: 4 })));
    await settle(() =>
      calls[2].reject(
        new ApiError(422, "unreadable_file", "The file could not be read.", [
          { field: "body", message: "FIT: the file header is not valid" },
        ]),
      ),
    );

    expect(screen.getByRole("link", { name: "Hill repeats" })).toHaveAttribute("href", "/runs/11");
    expect(screen.getByRole("link", { name: "a run you already had" })).toHaveAttribute("href", "/runs/4");
    expect(screen.getByRole("alert")).toHaveTextContent("Not imported: FIT: the file header is not valid");
    expect(screen.getByText("3 files sent.")).toBeInTheDocument();
  });

  it("takes files dropped on the zone, and refuses a wrong kind without sending it", async () => {
    const { upload, calls } = controlled<Run>();
    renderWithSession(<UploadPage upload={upload} latestArchive={noArchive} />);
    fireEvent.drop(screen.getByTestId("dropzone"), {
      dataTransfer: { files: [gpx("route.kml"), gpx("evening.gpx")] },
    });
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect(upload).toHaveBeenCalledTimes(1);
    expect(calls[0].file.name).toBe("evening.gpx");
    expect(screen.getByRole("alert")).toHaveTextContent("“route.kml” is not a GPX, TCX or FIT file");
  });

  it("is reached by keyboard: the zone's file input, then Upload, which sends the files", async () => {
    const { upload } = controlled<Run>();
    renderWithSession(<UploadPage upload={upload} latestArchive={noArchive} />);
    await userEvent.tab();
    const input = screen.getByLabelText(/Activity files/);
    expect(input).toHaveFocus();
    expect(input).toHaveAttribute("multiple");
    await userEvent.upload(input, [gpx("a.gpx"), gpx("b.gpx")]);
    await userEvent.tab();
    expect(screen.getByRole("button", { name: "Upload" })).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(upload).toHaveBeenCalledTimes(2);
  });

  it("cancels one upload and leaves the others going", async () => {
    const { upload } = controlled<Run>();
    renderWithSession(<UploadPage upload={upload} latestArchive={noArchive} />);
    await userEvent.upload(screen.getByLabelText(/Activity files/), [gpx("a.gpx"), gpx("b.gpx")]);
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    await userEvent.click(screen.getAllByRole("button", { name: "Cancel" })[0]);
    expect(await screen.findByRole("alert")).toHaveTextContent("Upload cancelled.");
    expect(screen.getByRole("progressbar", { name: "Uploading b.gpx" })).toBeInTheDocument();
  });
});

describe("UploadPage: a Strava export", () => {
  it("uploads the zip with progress, then follows the import to its end with problems listed", async () => {
    const archive = controlled<ArchiveImport>();
    const states = [job({ state: "queued", done: 0, imported: 0, merged: 0 }), job(), job({
      state: "done", done: 5, imported: 2, merged: 1, skipped: 1, refused: 1,
      problems: [
        { file: "activities/3.gpx", title: "To work", outcome: "skipped", reason: "Not a run (Ride)" },
        { file: "activities/5.gpx", title: null, outcome: "refused", reason: "GPX: not well-formed" },
      ],
    })];
    let asked = 0;
    const latest = vi.fn(() => Promise.resolve(asked === 0 ? (asked++, null) : states[Math.min(asked++ - 1, 2)]));
    renderWithSession(
      <UploadPage uploadArchive={archive.upload} latestArchive={latest} pollMs={5} upload={controlled<Run>().upload} />,
    );
    await userEvent.upload(screen.getByLabelText(/Activity files/), zip());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => archive.calls[0].progress(0.5));
    expect(screen.getByRole("progressbar", { name: "Uploading the Strava export" })).toHaveAttribute("value", "0.5");

    await settle(() => archive.calls[0].resolve(states[0]));
    expect(await screen.findByText("Import finished.", {}, { timeout: 2000 })).toBeInTheDocument();
    expect(screen.getByText("5 of 5")).toBeInTheDocument();
    expect(screen.getByText(/2 imported, 1 merged with runs you had/)).toBeInTheDocument();
    expect(screen.getByText(/Not a run \(Ride\)/)).toBeInTheDocument();
    expect(screen.getByText(/GPX: not well-formed/)).toBeInTheDocument();
  });

  it("says why an archive was refused", async () => {
    const archive = controlled<ArchiveImport>();
    renderWithSession(<UploadPage uploadArchive={archive.upload} latestArchive={noArchive} />);
    await userEvent.upload(screen.getByLabelText(/Activity files/), zip());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    await settle(() =>
      archive.calls[0].reject(
        new ApiError(422, "archive_refused", "refused", [
          { field: "body", message: "“../../etc/passwd” points outside the archive: refused" },
        ]),
      ),
    );
    expect(screen.getByRole("alert")).toHaveTextContent("points outside the archive");
  });

  it("shows an import already under way when the page opens", async () => {
    renderWithSession(<UploadPage latestArchive={() => Promise.resolve(job())} pollMs={60_000} />);
    expect(await screen.findByText("Importing…")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("value", "2");
  });

  it("shows the export's progress over all its parts and cancels it", async () => {
    const archive = controlled<ArchiveImport>();
    renderWithSession(<UploadPage uploadArchive={archive.upload} latestArchive={noArchive} />);
    const big = new File([new Uint8Array(10)], "export_big.zip");
    Object.defineProperty(big, "size", { value: 2048 * MB }); // 2 GB, without holding them
    await userEvent.upload(screen.getByLabelText(/Activity files/), big);
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => archive.calls[0].progress(0.25));
    expect(screen.getByRole("progressbar", { name: "Uploading the Strava export" })).toHaveAttribute("value", "0.25");
    expect(screen.getByText("512 MB of 2.0 GB (25%)")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Cancel upload" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Upload cancelled.");
    expect(screen.queryByRole("progressbar", { name: "Uploading the Strava export" })).not.toBeInTheDocument();
  });

  it("offers to resume an upload a reload interrupted, or to discard it", async () => {
    const interrupted = vi.fn(() =>
      Promise.resolve({
        id: "u1", filename: "export_big.zip", size: 1024 * MB, offset: 256 * MB, chunk_size: 8 * MB,
        state: "receiving" as const, job: null, expires_at: "2026-12-08T10:00:00Z",
      }),
    );
    const discard = vi.fn(() => Promise.resolve());
    renderWithSession(
      <UploadPage latestArchive={noArchive} interruptedArchive={interrupted} discardArchive={discard} />,
    );
    const card = await screen.findByRole("region", { name: "Unfinished Strava export" });
    expect(card).toHaveTextContent("The upload of “export_big.zip” stopped at 256 MB of 1.0 GB (25%)");
    expect(card).toHaveTextContent("Choose the same file and press Upload to continue");

    await userEvent.click(within(card).getByRole("button", { name: "Discard it" }));

    expect(discard).toHaveBeenCalledWith("u1");
    expect(screen.queryByRole("region", { name: "Unfinished Strava export" })).not.toBeInTheDocument();
  });

  it("says in words why an export is too large", async () => {
    const archive = controlled<ArchiveImport>();
    renderWithSession(<UploadPage uploadArchive={archive.upload} latestArchive={noArchive} />);
    await userEvent.upload(screen.getByLabelText(/Activity files/), zip());
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    await settle(() =>
      archive.calls[0].reject(
        new ApiError(413, "archive_too_large", "This archive is 5.0 GB: the largest taken is 4.0 GB.", [
          { field: "body.size", message: "This archive is 5.0 GB: the largest taken is 4.0 GB" },
        ]),
      ),
    );
    expect(screen.getByRole("alert")).toHaveTextContent("This archive is 5.0 GB: the largest taken is 4.0 GB");
  });
});
