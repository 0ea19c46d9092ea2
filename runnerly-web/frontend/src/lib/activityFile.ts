// The upload page's check before sending: the API's own limits, said before the upload.
const ACCEPTED = /\.(gpx|tcx|fit)$/i;
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

/** The reason a file cannot be sent at all, found before uploading it. */
export function checkFile(file: File | null | undefined): string | null {
  if (!file) return "Choose a GPX, TCX or FIT file.";
  if (!ACCEPTED.test(file.name)) return `“${file.name}” is not a GPX, TCX or FIT file.`;
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_UPLOAD_BYTES) return `“${file.name}” is larger than 8 MB.`;
  return null;
}

/** A Strava bulk export ("Download your account"): a zip, imported by the worker. */
export function isArchive(file: File): boolean {
  return /\.zip$/i.test(file.name);
}

/** The reason an archive cannot be sent, found before uploading it. Its size is the
 * server's to judge (ARCHIVE_MAX_BYTES, several GB): it goes in parts (decision 60). */
export function checkArchive(file: File): string | null {
  if (file.size === 0) return `“${file.name}” is empty.`;
  return null;
}

/** The files that share one upload slot at a time: the rest wait their turn. */
export const PARALLEL_UPLOADS = 2;

/** "1.2 GB", "350 MB": an export's size as the runner thinks of it. */
export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.max(1, Math.round(mb))} MB`;
}
