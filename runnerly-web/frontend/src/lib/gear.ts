// What a pair of shoes' figures say to the runner, in their units.
import type { Gear } from "../api/gear";
import { formatDistance, type Units } from "./units";

/** The alert beside a pair: past its retirement distance, or nearly there; null otherwise. */
export function gearAlert(pair: Gear, units: Units): string | null {
  if (pair.alert === "past") {
    return `Past its retirement distance (${formatDistance(pair.retire_distance, units, 0)}): time for a new pair.`;
  }
  if (pair.alert === "near") {
    return `${formatDistance(pair.remaining, units, 0)} to its retirement distance.`;
  }
  return null;
}

/** "Nike Pegasus 40" from the brand and model, when the runner gave them. */
export function gearMake(pair: Gear): string {
  return [pair.brand, pair.model].filter(Boolean).join(" ");
}

/** A distance typed in the runner's unit ("650", "" for none) to metres; NaN when unreadable. */
export function distanceInput(text: string, units: Units): number | null {
  const trimmed = text.trim().replace(",", ".");
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value * (units === "imperial" ? 1609.344 : 1000) : Number.NaN;
}

/** Metres as a form shows them in the runner's unit (whole, or one decimal). */
export function distanceText(metres: number | null | undefined, units: Units): string {
  if (metres == null) return "";
  const value = metres / (units === "imperial" ? 1609.344 : 1000);
  return String(Math.round(value * 10) / 10);
}
