import { useCallback, useEffect, useEffectEvent, useState } from "react";
import { ApiError } from "../api/client";

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

interface Answer<T> {
  data: T | null;
  error: ApiError | null;
  /** The request this answer is for: the page is loading until it is the current one. */
  request: string | null;
}

/** Loads once per change of `key`, and drops answers that arrive after the key moved on.
 * `loading` holds from the very render in which the key changes, so a page never shows the
 * previous key's data as if it were the new one's. A null `key` asks nothing (yet): the
 * dashboard's panels, answered by its first-screen call until they ask on their own. */
export function useApi<T>(load: () => Promise<T>, key: string | null): Loaded<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ data: null, error: null, request: null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // `load` is a fresh closure each render; `key` (and a reload) say when it asks for something
  // else, so the effect calls the latest `load` without depending on it.
  const fetchLatest = useEffectEvent(load);
  const request = key === null ? null : `${tick}:${key}`;

  useEffect(() => {
    if (request === null) return;
    let live = true;
    fetchLatest().then(
      (data) => {
        if (live) setAnswer({ data, error: null, request });
      },
      (e: unknown) => {
        const error = e instanceof ApiError ? e : new ApiError(0, "client", String(e));
        if (live) setAnswer((a) => ({ data: a.data, error, request }));
      },
    );
    return () => {
      live = false;
    };
  }, [request]);

  return { data: answer.data, error: answer.error, loading: request !== null && answer.request !== request, reload };
}
