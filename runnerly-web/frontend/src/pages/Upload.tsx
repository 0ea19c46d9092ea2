import { useRef, useState, type FormEvent } from "react";
import { ApiError, type UploadHandle } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Run } from "../api/types";
import { Link } from "../components/Link";
import { checkFile } from "../lib/activityFile";
import { formatDistance } from "../lib/units";
import { useSession } from "../session";

type Uploader = (file: File, onProgress: (f: number | null) => void) => UploadHandle<Run>;

export function UploadPage({ upload = endpoints.importFile }: { upload?: Uploader }) {
  const { units } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null | undefined>(undefined);
  const [done, setDone] = useState<Run | null>(null);
  const [handle, setHandle] = useState<UploadHandle<Run> | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    const problem = checkFile(file);
    setDone(null);
    if (problem || !file) {
      setError(problem);
      input.current?.focus();
      return;
    }
    setError(null);
    setProgress(0);
    const h = upload(file, setProgress);
    setHandle(h);
    try {
      setDone(await h.promise);
      if (input.current) input.current.value = "";
    } catch (err) {
      const apiError = err instanceof ApiError ? err : null;
      // The only field here is the file: every message the API sends belongs beside it.
      const message = apiError
        ? (apiError.errors.length
          ? apiError.errors.map((e) => e.message).join(" ")
          : apiError.message)
        : String(err);
      setError(message);
      input.current?.focus();
    } finally {
      setProgress(undefined);
      setHandle(null);
    }
  };

  const uploading = progress !== undefined;
  return (
    <>
      <h1>Upload a run</h1>
      <p>Export the activity from your watch or app as GPX, TCX or FIT, then choose the file here.</p>
      <form onSubmit={submit} noValidate className="card">
        <div className={error ? "field field--invalid" : "field"}>
          <label htmlFor="upload-file">Activity file</label>
          <input
            id="upload-file"
            ref={input}
            type="file"
            name="file"
            accept=".gpx,.tcx,.fit"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "upload-file-error upload-file-hint" : "upload-file-hint"}
            onChange={() => setError(null)}
          />
          <p className="field__hint" id="upload-file-hint">
            GPX, TCX or FIT, up to 8 MB.
          </p>
          {error && (
            <p className="field__error" id="upload-file-error" role="alert">
              {error}
            </p>
          )}
        </div>
        {uploading && (
          <div className="field">
            <label htmlFor="upload-progress">Uploading</label>
            <progress id="upload-progress" max={1} value={progress ?? undefined} />
            <span aria-live="polite">{progress == null ? "Sending…" : progress >= 1 ? "Reading the file…" : `${Math.round(progress * 100)}%`}</span>
          </div>
        )}
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={uploading}>
            Upload
          </button>
          {handle && (
            <button type="button" className="button" onClick={handle.abort}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {done && done.merged_into != null && (
        <p className="notice" role="status">
          Merged with <Link to={`/runs/${done.merged_into}`}>a run you already had</Link>: the same effort, so it counts once.
        </p>
      )}
      {done && done.merged_into == null && (
        <p className="notice" role="status">
          Imported <Link to={`/runs/${done.id}`}>{done.title}</Link>, {formatDistance(done.distance, units)}.
        </p>
      )}
    </>
  );
}
