import { useCallback, useEffect, useRef, useState, type DragEvent, type FormEvent } from "react";
import { archives } from "../api/archives";
import { ApiError, type UploadHandle } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { ArchiveImport, ArchiveUpload, Run } from "../api/types";
import { Link } from "../components/Link";
import { PARALLEL_UPLOADS, checkArchive, checkFile, formatBytes, isArchive } from "../lib/activityFile";
import { formatDistance } from "../lib/units";
import { useSession } from "../session";

type Uploader<T> = (file: File, onProgress: (f: number | null) => void) => UploadHandle<T>;

/** How often the page asks about an archive while the worker imports it. */
export const ARCHIVE_POLL_MS = 2000;

interface Item {
  key: number;
  file: File;
  state: "chosen" | "waiting" | "uploading" | "done" | "refused";
  progress: number | null;
  run?: Run;
  reason?: string;
  abort?: () => void;
}

/** What the API said, in words for the runner: the fields' messages first. */
function reasonOf(err: unknown): string {
  if (err instanceof ApiError) return err.errors.length ? err.errors.map((e) => e.message).join(" ") : err.message;
  return String(err);
}

export function UploadPage({
  upload = endpoints.importFile,
  uploadArchive = archives.upload,
  latestArchive = archives.latest,
  interruptedArchive = archives.interrupted,
  discardArchive = archives.discard,
  pollMs = ARCHIVE_POLL_MS,
}: {
  upload?: Uploader<Run>;
  uploadArchive?: Uploader<ArchiveImport>;
  latestArchive?: () => Promise<ArchiveImport | null>;
  interruptedArchive?: () => Promise<ArchiveUpload | null>;
  discardArchive?: (id: string) => Promise<void>;
  pollMs?: number;
}) {
  const { units } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const nextKey = useRef(1);
  const started = useRef(new Set<number>());
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [archive, setArchive] = useState<ArchiveImport | null>(null);
  const [archiveSending, setArchiveSending] = useState<number | null | undefined>(undefined);
  const [archiveError, setArchiveError] = useState<string | null>(null);
  const [pendingArchive, setPendingArchive] = useState<File | null>(null);
  const [archiveFile, setArchiveFile] = useState<File | null>(null);
  const [archiveCancel, setArchiveCancel] = useState<(() => void) | null>(null);
  const [interrupted, setInterrupted] = useState<ArchiveUpload | null>(null);

  // An export upload left unfinished by a reload, a closed tab or another browser: offered
  // to resume (asked again when an upload is refused because one is under way).
  const [interruptedTick, setInterruptedTick] = useState(0);
  useEffect(() => {
    let live = true;
    interruptedArchive().then(
      (found) => live && setInterrupted(found),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [interruptedArchive, interruptedTick]);

  const change = useCallback((key: number, patch: Partial<Item>) => {
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...patch } : item)));
  }, []);

  // Files wait their turn: PARALLEL_UPLOADS at a time, in the order they were chosen.
  useEffect(() => {
    const busy = items.filter((i) => i.state === "uploading").length;
    const waiting = items.filter((i) => i.state === "waiting" && !started.current.has(i.key));
    for (const item of waiting.slice(0, Math.max(0, PARALLEL_UPLOADS - busy))) {
      started.current.add(item.key);
      const handle = upload(item.file, (progress) => change(item.key, { progress }));
      change(item.key, { state: "uploading", progress: 0, abort: handle.abort });
      handle.promise.then(
        (run) => change(item.key, { state: "done", run, progress: 1, abort: undefined }),
        (err) => change(item.key, { state: "refused", reason: reasonOf(err), abort: undefined }),
      );
    }
  }, [items, upload, change]);

  // The latest archive import, followed while the worker is at it.
  const [archiveTick, setArchiveTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const job = await latestArchive();
        if (!live) return;
        setArchive(job);
        if (job && (job.state === "queued" || job.state === "running")) timer = setTimeout(load, pollMs);
      } catch {
        if (live) timer = setTimeout(load, pollMs * 3); // a restarting service: keep watching
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [latestArchive, pollMs, archiveTick]);

  const sendArchive = async (file: File) => {
    setArchiveError(null);
    setArchiveSending(0);
    setArchiveFile(file);
    setInterrupted(null);
    const handle = uploadArchive(file, setArchiveSending);
    setArchiveCancel(() => handle.abort);
    try {
      setArchive(await handle.promise);
      setArchiveTick((t) => t + 1);
    } catch (err) {
      setArchiveError(reasonOf(err));
      if (err instanceof ApiError && err.code === "archive_upload_active") setInterruptedTick((t) => t + 1);
    } finally {
      setArchiveCancel(null);
      setArchiveSending(undefined);
    }
  };

  const discard = async (id: string) => {
    setInterrupted(null);
    setArchiveError(null);
    await discardArchive(id);
  };

  const add = (files: FileList | File[] | null) => {
    if (!files) return;
    const fresh: Item[] = [];
    for (const file of Array.from(files)) {
      if (isArchive(file)) {
        const problem = checkArchive(file);
        setArchiveError(problem);
        setPendingArchive(problem ? null : file);
        continue;
      }
      const problem = checkFile(file);
      fresh.push({
        key: nextKey.current++,
        file,
        state: problem ? "refused" : "chosen",
        progress: null,
        reason: problem ?? undefined,
      });
    }
    setItems((all) => [...all, ...fresh]);
    if (input.current) input.current.value = "";
  };

  const start = (e: FormEvent) => {
    e.preventDefault();
    setItems((all) => all.map((item) => (item.state === "chosen" ? { ...item, state: "waiting" } : item)));
    if (pendingArchive) void sendArchive(pendingArchive);
    setPendingArchive(null);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(e.dataTransfer.files);
  };

  const sending = items.filter((i) => i.state === "uploading" || i.state === "waiting").length;
  const chosen = items.filter((i) => i.state === "chosen").length + (pendingArchive ? 1 : 0);
  return (
    <>
      <h1>Upload runs</h1>
      <p>
        Export activities from your watch or app as GPX, TCX or FIT and add them here, several at once. To bring in
        your whole Strava history, add the zip of Strava's “Download your account” (Settings → My Account).
      </p>
      <form className="card" aria-labelledby="upload-files-title" onSubmit={start} noValidate>
        <h2 id="upload-files-title">Add files</h2>
        <div
          className={dragging ? "dropzone dropzone--over" : "dropzone"}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <label htmlFor="upload-file">Activity files or a Strava export</label>
          <input
            id="upload-file"
            ref={input}
            type="file"
            name="file"
            multiple
            accept=".gpx,.tcx,.fit,.zip"
            aria-describedby="upload-file-hint"
            onChange={(e) => add(e.currentTarget.files)}
          />
          <p className="field__hint" id="upload-file-hint">
            Drop files here or choose them: GPX, TCX or FIT up to 8 MB each; a Strava export zip of any size (it is
            sent in parts and picks up where it stopped if the connection drops).
          </p>
          {pendingArchive && <p>Strava export: {pendingArchive.name}</p>}
        </div>
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={chosen === 0}>
            Upload
          </button>
        </div>
        {items.length > 0 && (
          <>
            <p aria-live="polite" className="muted">
              {sending
                ? `Sending ${sending} of ${items.length} files…`
                : chosen
                  ? `${chosen} files ready: press Upload.`
                  : `${items.length} files sent.`}
            </p>
            <ul className="plain upload-list" aria-label="Files">
              {items.map((item) => (
                <UploadRow key={item.key} item={item} units={units} />
              ))}
            </ul>
          </>
        )}
      </form>
      {interrupted && archiveSending === undefined && (
        <section className="card" aria-labelledby="interrupted-title">
          <h2 id="interrupted-title">Unfinished Strava export</h2>
          <p>
            The upload of “{interrupted.filename}” stopped at {formatBytes(interrupted.offset)} of{" "}
            {formatBytes(interrupted.size)} ({Math.floor((interrupted.offset / interrupted.size) * 100)}%). Choose the
            same file and press Upload to continue from there.
          </p>
          <div className="actions">
            <button type="button" className="button" onClick={() => void discard(interrupted.id)}>
              Discard it
            </button>
          </div>
        </section>
      )}
      {(archive || archiveSending !== undefined || archiveError) && (
        <ArchiveProgress
          job={archive}
          sending={archiveSending}
          size={archiveFile?.size ?? 0}
          error={archiveError}
          onCancel={archiveCancel ?? undefined}
        />
      )}
    </>
  );
}

function UploadRow({ item, units }: { item: Item; units: ReturnType<typeof useSession>["units"] }) {
  const { file, state, progress, run, reason } = item;
  const label = `${file.name}`;
  return (
    <li className="upload-list__item">
      <strong>{label}</strong>{" "}
      {state === "chosen" && <span className="muted">Ready</span>}
      {state === "waiting" && <span className="muted">Waiting…</span>}
      {state === "uploading" && (
        <>
          <progress aria-label={`Uploading ${file.name}`} max={1} value={progress ?? undefined} />
          <span className="muted">
            {progress == null ? "Sending…" : progress >= 1 ? "Reading the file…" : `${Math.round(progress * 100)}%`}
          </span>{" "}
          {item.abort && (
            <button type="button" className="button" onClick={item.abort}>
              Cancel
            </button>
          )}
        </>
      )}
      {state === "done" && run && run.merged_into != null && (
        <span role="status">
          Merged with <Link to={`/runs/${run.merged_into}`}>a run you already had</Link>: the same effort, so it counts
          once.
        </span>
      )}
      {state === "done" && run && run.merged_into == null && (
        <span role="status">
          Imported <Link to={`/runs/${run.id}`}>{run.title}</Link>, {formatDistance(run.distance, units)}.
        </span>
      )}
      {state === "refused" && (
        <span className="field__error" role="alert">
          Not imported: {reason}
        </span>
      )}
    </li>
  );
}

const ARCHIVE_STATE: Record<ArchiveImport["state"], string> = {
  queued: "Waiting for the importer…",
  running: "Importing…",
  done: "Import finished.",
  failed: "The import stopped.",
};

function ArchiveProgress({
  job,
  sending,
  size,
  error,
  onCancel,
}: {
  job: ArchiveImport | null;
  sending: number | null | undefined;
  size: number;
  error: string | null;
  onCancel?: () => void;
}) {
  return (
    <section className="card" aria-labelledby="archive-title">
      <h2 id="archive-title">Strava export{job && sending === undefined ? `: ${job.filename}` : ""}</h2>
      {sending !== undefined && (
        <>
          <progress aria-label="Uploading the Strava export" max={1} value={sending ?? undefined} />
          <p className="muted">
            {sending == null
              ? "Sending…"
              : sending >= 1
                ? "Checking the archive…"
                : `${formatBytes(sending * size)} of ${formatBytes(size)} (${Math.floor(sending * 100)}%)`}
          </p>
          {onCancel && sending != null && sending < 1 && (
            <div className="actions">
              <button type="button" className="button" onClick={onCancel}>
                Cancel upload
              </button>
            </div>
          )}
        </>
      )}
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      {job && sending === undefined && (
        <div role="status" aria-live="polite">
          <p>{ARCHIVE_STATE[job.state]}</p>
          <progress aria-label="Import progress" max={job.total || 1} value={job.done} />
          <p>
            <strong>
              {job.done} of {job.total}
            </strong>{" "}
            files: {job.imported} imported, {job.merged} merged with runs you had, {job.already} imported before,{" "}
            {job.skipped} not runs, {job.refused} unreadable.
          </p>
          {job.error && <p className="field__error">{job.error}</p>}
        </div>
      )}
      {job && sending === undefined && job.problems.length > 0 && (
        <details open={job.state !== "running"}>
          <summary>Files not imported ({job.skipped + job.refused})</summary>
          <ul className="plain">
            {job.problems.map((p) => (
              <li key={p.file}>
                <strong>{p.title || p.file}</strong> <span className="muted">{p.file}</span>: {p.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
