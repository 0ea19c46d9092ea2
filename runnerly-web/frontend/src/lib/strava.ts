import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { StravaStatus } from "../api/types";

/** How often the page asks again while an import runs. */
export const POLL_MS = 3000;
/** The link's states in which an import is under way. */
export const ACTIVE = new Set(["pending", "backfilling", "syncing"]);

/** Follows the Strava link, asking again every few seconds while an import runs. */
export function useStravaStatus(pollMs = POLL_MS, enabled = true) {
  const [status, setStatus] = useState<StravaStatus | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const s = await endpoints.strava();
        if (!live) return;
        setStatus(s);
        setError(null);
        if (s.connected && s.sync_state && ACTIVE.has(s.sync_state)) timer = setTimeout(load, pollMs);
      } catch (e) {
        if (!live) return;
        setError(e instanceof ApiError ? e : new ApiError(0, "client", String(e)));
        // Keep trying while the page is open: a restarting service should not end the watch.
        timer = setTimeout(load, pollMs * 3);
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [pollMs, tick, enabled]);
  return { status, error, reload: () => setTick((t) => t + 1) };
}
