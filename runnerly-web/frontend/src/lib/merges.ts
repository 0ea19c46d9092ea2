// How the run page names what a merged run was merged from.
import type { MergedRun } from "../api/types";

function origin(m: MergedRun): string {
  if (m.source === "strava") return "Strava";
  if (m.source === "manual") return "a manual entry";
  return m.file_type ? `a ${m.file_type.toUpperCase()} file` : "a file";
}

/** "Strava and a GPX file", "a GPX file, a FIT file and a manual entry". */
export function mergedFromText(group: MergedRun[]): string {
  const names = group.map(origin);
  if (names.length < 2) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
