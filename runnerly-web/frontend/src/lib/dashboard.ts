// The dashboard's first screen comes in one call (GET /api/web/dashboard, decision 68): each
// panel takes its part of that answer, and asks its own operation only when it must — a
// part the dataservice could not answer and the runner retries, or a span of weeks other
// than the first screen's.
import { useCallback, useState } from "react";
import { ApiError } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { Dashboard, UnavailablePart } from "../api/types";
import { dashboardKey, preloaded } from "./preload";
import { useApi, type Loaded } from "./useApi";

/** The first-screen call, taken from the one started at startup when its key matches. */
export function useDashboard(from: string): Loaded<Dashboard> {
  const key = dashboardKey(from);
  return useApi(() => preloaded(key, () => endpoints.dashboard(from)), key);
}

export interface Part<T> extends Loaded<T> {
  /** Whether the panel asks its own operation now (its reload is then its own). */
  own: boolean;
}

/** A panel's part of the first screen (`pick`), or its own call (`alone`) once the runner
 * retried a part that was unavailable, or while `ownNow` (another span of weeks, say). */
export function usePart<T>(
  first: Loaded<Dashboard>,
  name: UnavailablePart["part"],
  pick: (answer: Dashboard) => T | null,
  alone: { key: string; load: () => Promise<T> },
  ownNow = false,
): Part<T> {
  const [retried, setRetried] = useState(false);
  const own = retried || ownNow;
  const mine = useApi(alone.load, own ? alone.key : null);
  const retry = useCallback(() => setRetried(true), []);
  if (own) return { ...mine, own };
  if (first.error) return { data: null, error: first.error, loading: false, reload: first.reload, own };
  const missing = first.data?.unavailable.find((u) => u.part === name);
  if (missing) {
    return { data: null, error: new ApiError(503, missing.code, missing.message), loading: false, reload: retry, own };
  }
  return { data: first.data ? pick(first.data) : null, error: null, loading: first.loading, reload: first.reload, own };
}
