// Uploads of a Strava bulk export (the zip of "Download your account") and its import's
// progress: the worker imports the files one by one (docs/decisions.md, 59).
import { api, uploadFile } from "./client";
import type { ArchiveImport } from "./types";

const BASE = "/api/web";

export const archives = {
  upload: (file: File, onProgress: (fraction: number | null) => void) =>
    uploadFile<ArchiveImport>(`${BASE}/runs/archive?filename=${encodeURIComponent(file.name)}`, file, onProgress),
  /** The runner's latest import, null when there is none. */
  latest: async () => (await api.get<{ job: ArchiveImport | null }>(`${BASE}/runs/archive/latest`)).job,
};
