// Uploads of a Strava bulk export (the zip of "Download your account") and its import's
// progress: the worker imports the files one by one (docs/decisions.md, 59). An export of
// any size goes in parts to an upload that resumes (decision 60): announced first, each part
// PUT at its offset with its SHA-256, a part whose answer is lost sent again harmlessly, and
// after a reload the same file picked again continues where the upload stands.
import { ApiError, CSRF_HEADER, api, errorFrom, getCsrfToken, type UploadHandle } from "./client";
import type { ArchiveImport, ArchiveUpload } from "./types";

const BASE = "/api/web";
const UPLOADS = `${BASE}/runs/archive/uploads`;
/** Where this browser notes the upload under way, to resume it after a reload. */
export const NOTE_KEY = "runnerly.archive-upload";
/** Tries of one part through lost connections and restarts, the waits between them doubling. */
export const PART_TRIES = 6;
const FIRST_WAIT_MS = 1000;

/** The upload this browser started, and the file it was for (the runner picks it again). */
export interface UploadNote {
  id: string;
  name: string;
  size: number;
  lastModified: number;
}

/** The server's side of an upload, replaceable in tests by one in memory. */
export interface UploadTransport {
  create: (file: File) => Promise<ArchiveUpload>;
  get: (id: string) => Promise<ArchiveUpload>;
  /** The runner's upload under way, whichever browser began it. */
  current: () => Promise<ArchiveUpload | null>;
  put: (id: string, offset: number, part: Blob, sha256: string | null, onSent: (bytes: number) => void) => UploadHandle<ArchiveUpload>;
  cancel: (id: string) => Promise<void>;
}

function readNote(): UploadNote | null {
  try {
    const raw = localStorage.getItem(NOTE_KEY);
    return raw ? (JSON.parse(raw) as UploadNote) : null;
  } catch {
    return null; // storage refused (private mode) or garbled: start afresh
  }
}

function writeNote(note: UploadNote | null): void {
  try {
    if (note) localStorage.setItem(NOTE_KEY, JSON.stringify(note));
    else localStorage.removeItem(NOTE_KEY);
  } catch {
    // Without storage the upload still works; only resuming after a reload is lost.
  }
}

const sameFile = (note: UploadNote, file: File) =>
  note.name === file.name && note.size === file.size && note.lastModified === file.lastModified;

/** A part's SHA-256 in hex; null where WebCrypto is missing (plain http): sent without. */
export async function sha256Hex(part: Blob): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest("SHA-256", new Uint8Array(await part.arrayBuffer()));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A part PUT with XMLHttpRequest, for its upload progress. */
function putPart(id: string, offset: number, part: Blob, sha256: string | null, onSent: (bytes: number) => void) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<ArchiveUpload>((resolve, reject) => {
    const query = `offset=${offset}` + (sha256 ? `&sha256=${sha256}` : "");
    xhr.open("PUT", `${UPLOADS}/${encodeURIComponent(id)}/chunks?${query}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // Not JSON (a proxy's page): the status alone makes the error.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as ArchiveUpload);
      else reject(errorFrom(xhr.status, data));
    };
    xhr.onerror = () => reject(errorFrom(0, null));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    xhr.send(part);
  });
  return { promise, abort: () => xhr.abort() };
}

export const httpTransport: UploadTransport = {
  create: (file) => api.post<ArchiveUpload>(UPLOADS, { filename: file.name, size: file.size }),
  get: (id) => api.get<ArchiveUpload>(`${UPLOADS}/${encodeURIComponent(id)}`),
  current: async () => (await api.get<{ upload: ArchiveUpload | null }>(`${UPLOADS}/current`)).upload,
  put: putPart,
  cancel: async (id) => {
    await api.delete<unknown>(`${UPLOADS}/${encodeURIComponent(id)}`);
  },
};

/** Worth another try: no answer, a restart (5xx), the gateway's pace (429), a damaged part. */
const transient = (err: unknown) =>
  err instanceof ApiError &&
  err.code !== "aborted" &&
  (err.status === 0 || err.status === 429 || err.status >= 500 || err.code === "chunk_checksum_mismatch");

/**
 * Sends `file` in parts, resuming the upload this browser noted for the same file. Progress
 * is over the whole file (the bytes the server has, plus the part on its way). Resolves with
 * the import the last part queued; `abort` stops and deletes the upload (Cancel).
 */
export function chunkedUpload(
  file: File,
  onProgress: (fraction: number | null) => void,
  transport: UploadTransport = httpTransport,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((ok) => setTimeout(ok, ms)),
): UploadHandle<ArchiveImport> {
  let stopped = false;
  let current: UploadHandle<ArchiveUpload> | null = null;
  let uploadId: string | null = null;

  const start = async (): Promise<ArchiveUpload> => {
    const note = readNote();
    if (note && sameFile(note, file)) {
      try {
        return await transport.get(note.id);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
      }
    }
    writeNote(null);
    const upload = await transport.create(file);
    writeNote({ id: upload.id, name: file.name, size: file.size, lastModified: file.lastModified });
    return upload;
  };

  const run = async (): Promise<ArchiveImport> => {
    let upload = await start();
    uploadId = upload.id;
    let tries = 0;
    while (upload.state === "receiving") {
      if (stopped) throw new ApiError(0, "aborted", "Upload cancelled.");
      const offset = upload.offset;
      onProgress(offset / file.size);
      const part = file.slice(offset, Math.min(file.size, offset + upload.chunk_size));
      try {
        const digest = await sha256Hex(part);
        current = transport.put(upload.id, offset, part, digest, (sent) => onProgress((offset + sent) / file.size));
        upload = await current.promise;
        tries = 0;
      } catch (err) {
        if (stopped) throw new ApiError(0, "aborted", "Upload cancelled.");
        const lost = err instanceof ApiError && err.code === "upload_offset_mismatch";
        if (!lost && (!transient(err) || ++tries >= PART_TRIES)) throw err;
        if (!lost) await wait(FIRST_WAIT_MS * 2 ** (tries - 1));
        // Where does the upload stand? A part whose answer was lost may have arrived.
        upload = await transport.get(upload.id).catch((again: unknown) => {
          if (transient(again)) return upload; // still away: the same part, after the wait
          throw again;
        });
      }
    }
    writeNote(null);
    onProgress(1);
    if (!upload.job) throw new ApiError(0, "no_job", "The export arrived, but its import could not be found: reload the page.");
    return upload.job;
  };

  const promise = run().catch((err: unknown) => {
    // A refusal ends the upload (the server dropped it); a lost connection keeps the note.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) writeNote(null);
    throw err;
  });
  return {
    promise,
    abort: () => {
      stopped = true;
      current?.abort();
      const id = uploadId ?? readNote()?.id;
      writeNote(null);
      if (id) void transport.cancel(id).catch(() => undefined); // expires on its own otherwise
    },
  };
}

/** The runner's unfinished upload (a reload, a closed tab, another browser), with how far
 * it got: the one this browser noted, else the one the server has. Announcing the same file
 * again resumes it (the server answers the upload under way for the same name and size). */
export async function interruptedUpload(transport: UploadTransport = httpTransport): Promise<ArchiveUpload | null> {
  const note = readNote();
  try {
    if (note) {
      const upload = await transport.get(note.id);
      if (upload.state === "receiving") return upload;
    }
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) return null; // ask again next time
  }
  writeNote(null);
  try {
    return await transport.current();
  } catch {
    return null;
  }
}

/** Cancel an unfinished upload: its bytes are deleted. */
export async function discardUpload(id: string, transport: UploadTransport = httpTransport): Promise<void> {
  if (readNote()?.id === id) writeNote(null);
  await transport.cancel(id).catch(() => undefined);
}

export const archives = {
  upload: (file: File, onProgress: (fraction: number | null) => void) => chunkedUpload(file, onProgress),
  /** The runner's latest import, null when there is none. */
  latest: async () => (await api.get<{ job: ArchiveImport | null }>(`${BASE}/runs/archive/latest`)).job,
  interrupted: () => interruptedUpload(),
  discard: (id: string) => discardUpload(id),
};
