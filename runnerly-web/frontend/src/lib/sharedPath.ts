/** The token of a share link's public page at `pathname` (/s/<token>), or null for any other page. */
export function sharedToken(pathname: string): string | null {
  const match = /^\/s\/([^/]+)$/.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1]; // a malformed escape: the API answers it not found
  }
}
