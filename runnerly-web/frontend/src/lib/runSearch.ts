// The run search's filters, between the page's address, its form and the API. The address
// holds what the API takes (distances in metres, days as YYYY-MM-DD), so a link found by one
// runner in miles means the same search for one in kilometres; the form shows the runner's
// unit.
import type { RunSearch } from "../api/types";
import { fromUnit, toUnit, type Units } from "./units";

export const SEARCH_PATH = "/runs/search";
export const PER_PAGE = 20;
/** How many runs the dashboard lists under "Recent activities". */
export const RECENT_RUNS = 5;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A search's filters as an address's query (unset ones left out). */
export function searchQuery(search: RunSearch): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  return query.toString();
}

function number(text: string | null): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The filters an address holds; what cannot be read is left out rather than sent. */
export function searchFromQuery(query: string): RunSearch {
  const params = new URLSearchParams(query);
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const day = (name: string) => (DAY.test(params.get(name) ?? "") ? params.get(name)! : undefined);
  const page = number(params.get("page"));
  const search: RunSearch = {
    q: text("q")?.slice(0, 100),
    from_day: day("from_day"),
    to_day: day("to_day"),
    min_distance: number(params.get("min_distance")),
    max_distance: number(params.get("max_distance")),
    sport: /^[A-Za-z]{1,32}$/.test(params.get("sport") ?? "") ? params.get("sport")! : undefined,
    page: page && Number.isInteger(page) && page > 1 ? page : undefined,
  };
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined));
}

/** The form's fields, as the runner typed them (distances in their unit). */
export interface SearchForm {
  q: string;
  from_day: string;
  to_day: string;
  min: string;
  max: string;
  sport: string;
}

export function formOf(search: RunSearch, units: Units): SearchForm {
  const shown = (metres: number | undefined) => (metres === undefined ? "" : String(Math.round(toUnit(metres, units) * 100) / 100));
  return {
    q: search.q ?? "",
    from_day: search.from_day ?? "",
    to_day: search.to_day ?? "",
    min: shown(search.min_distance),
    max: shown(search.max_distance),
    sport: search.sport ?? "",
  };
}

/** The form's problems by field name, as the runner reads them; empty when it can be sent. */
export function problemsOf(form: SearchForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const min = form.min.trim() === "" ? null : Number(form.min);
  const max = form.max.trim() === "" ? null : Number(form.max);
  if (min !== null && !(min >= 0)) problems.min = "Enter a distance of 0 or more.";
  if (max !== null && !(max >= 0)) problems.max = "Enter a distance of 0 or more.";
  if (min !== null && max !== null && max < min) problems.max = "The longest distance must not be below the shortest.";
  if (form.from_day && form.to_day && form.to_day < form.from_day) problems.to_day = "The last day must not be before the first.";
  return problems;
}

/** The filters a (valid) form asks for: page 1 of the new search. */
export function searchOf(form: SearchForm, units: Units): RunSearch {
  // To the decimetre, outward: "5 mi" still finds a run of 5.00 mi.
  const metres = (text: string, round: (x: number) => number) =>
    text.trim() === "" ? undefined : round(fromUnit(Number(text), units) * 10) / 10;
  const search: RunSearch = {
    q: form.q.trim() || undefined,
    from_day: form.from_day || undefined,
    to_day: form.to_day || undefined,
    min_distance: metres(form.min, Math.floor),
    max_distance: metres(form.max, Math.ceil),
    sport: form.sport || undefined,
  };
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined));
}

export function searchPath(search: RunSearch): string {
  const query = searchQuery(search);
  return query ? `${SEARCH_PATH}?${query}` : SEARCH_PATH;
}
