// The heatmap's one call: every route of the runner for a year and a sport. The browser's
// cache revalidates it with the server's ETag (a revisit with nothing new costs no body).
import { api } from "./client";
import type { components } from "./schema.gen";

export type Heatmap = components["schemas"]["Heatmap"];

export interface HeatmapFilters {
  year?: number;
  sport?: string;
}

/** The filters as the page's and the API's query (unset ones left out). */
export function heatmapQuery({ year, sport }: HeatmapFilters): string {
  const query = new URLSearchParams();
  if (year !== undefined) query.set("year", String(year));
  if (sport) query.set("sport", sport);
  return query.toString();
}

/** The filters an address holds; what the API would refuse is left out rather than sent. */
export function heatmapFilters(query: string): HeatmapFilters {
  const params = new URLSearchParams(query);
  const year = Number(params.get("year"));
  const sport = params.get("sport") ?? "";
  return {
    year: params.get("year") && Number.isInteger(year) && year >= 1970 && year <= 2100 ? year : undefined,
    sport: /^[A-Za-z]{1,32}$/.test(sport) ? sport : undefined,
  };
}

export function heatmapPath(filters: HeatmapFilters): string {
  const query = heatmapQuery(filters);
  return query ? `/heatmap?${query}` : "/heatmap";
}

export const heatmap = {
  get: (filters: HeatmapFilters) => {
    const query = heatmapQuery(filters);
    return api.get<Heatmap>(`/api/web/heatmap${query ? `?${query}` : ""}`);
  },
};
