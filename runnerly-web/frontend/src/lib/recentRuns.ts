import { endpoints } from "../api/endpoints";
import type { RunPage } from "../api/types";
import { preloaded } from "./preload";
import { RECENT_RUNS } from "./runSearch";
import { useApi, type Loaded } from "./useApi";

/** The dashboard's latest runs: the run search, newest first, one short page. */
export function useRecentRuns(): Loaded<RunPage> {
  return useApi(() => preloaded("recent-runs", () => endpoints.searchRuns({ per_page: RECENT_RUNS })), "recent-runs");
}
