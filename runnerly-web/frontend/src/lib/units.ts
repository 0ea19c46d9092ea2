// Distances arrive in metres, times in seconds and paces in seconds per kilometre; every
// figure a runner sees goes through here so the km/mi choice applies everywhere at once.

export type Units = "metric" | "imperial";

export const METRES_PER_KM = 1000;
export const METRES_PER_MILE = 1609.344;

export function unitLength(units: Units): number {
  return units === "imperial" ? METRES_PER_MILE : METRES_PER_KM;
}

export function distanceLabel(units: Units): string {
  return units === "imperial" ? "mi" : "km";
}

/** Metres in the runner's unit (km or mi), unrounded. */
export function toUnit(metres: number, units: Units): number {
  return metres / unitLength(units);
}

export function formatDistance(metres: number | null | undefined, units: Units, digits = 2): string {
  if (metres == null || !Number.isFinite(metres)) return "–";
  const value = toUnit(metres, units).toLocaleString("en-GB", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${value} ${distanceLabel(units)}`;
}

/** 3725 → "1:02:05", 125 → "2:05". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Seconds per km converted to seconds per the runner's unit. */
export function paceInUnit(secondsPerKm: number, units: Units): number {
  return units === "imperial" ? secondsPerKm * (METRES_PER_MILE / METRES_PER_KM) : secondsPerKm;
}

/** 300 s/km → "5:00 /km"; in miles "8:03 /mi". Rounds to the second, carrying into minutes. */
export function formatPace(secondsPerKm: number | null | undefined, units: Units): string {
  if (secondsPerKm == null || !Number.isFinite(secondsPerKm) || secondsPerKm <= 0) return "–";
  const total = Math.round(paceInUnit(secondsPerKm, units));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")} /${distanceLabel(units)}`;
}

/** Pace (s/km) of a distance covered in a time; null when there is no distance. */
export function paceOf(metres: number, seconds: number): number | null {
  if (!(metres > 0) || !(seconds > 0)) return null;
  return seconds / (metres / METRES_PER_KM);
}

/** Pace (s/km) from a speed in m/s. */
export function paceFromSpeed(metresPerSecond: number | null | undefined): number | null {
  if (metresPerSecond == null || !(metresPerSecond > 0)) return null;
  return METRES_PER_KM / metresPerSecond;
}

/** A distance typed in the runner's unit back to metres, for forms. */
export function fromUnit(value: number, units: Units): number {
  return value * unitLength(units);
}

/** "4:15" (per km or mile, as the runner counts) to seconds per km; null when unreadable. */
export function parsePace(text: string, units: Units): number | null {
  const match = /^\s*(\d{1,2}):([0-5]\d)\s*$/.exec(text);
  if (!match) return null;
  const perUnit = Number(match[1]) * 60 + Number(match[2]);
  return Math.round(perUnit / paceInUnit(1, units));
}

/** "1:45:00", "45:00" or "45" (minutes) → seconds; null when it is not a time. */
export function parseDuration(text: string): number | null {
  const parts = text.trim().split(":");
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const nums = parts.map(Number);
  if (nums.length === 1) return nums[0] * 60;
  if (nums.slice(1).some((n) => n >= 60)) return null;
  return nums.reduce((acc, n) => acc * 60 + n, 0);
}

// Heights and weights follow the same choice: feet and pounds for a runner who counts in
// miles. The API keeps metres and kilograms.
export const FEET_PER_METRE = 1 / 0.3048;
export const POUNDS_PER_KG = 1 / 0.45359237;

export function elevationLabel(units: Units): string {
  return units === "imperial" ? "ft" : "m";
}

/** 123.4 m → "123 m", or "405 ft" in imperial. */
export function formatElevation(metres: number | null | undefined, units: Units): string {
  if (metres == null || !Number.isFinite(metres)) return "–";
  const value = units === "imperial" ? metres * FEET_PER_METRE : metres;
  return `${Math.round(value).toLocaleString("en-GB")} ${elevationLabel(units)}`;
}

export function weightLabel(units: Units): string {
  return units === "imperial" ? "lb" : "kg";
}

/** Kilograms as the runner weighs (kg, or lb in imperial), to a tenth, for a form field. */
export function weightText(kg: number | null | undefined, units: Units): string {
  if (kg == null || !Number.isFinite(kg)) return "";
  const value = units === "imperial" ? kg * POUNDS_PER_KG : kg;
  return String(Math.round(value * 10) / 10);
}

/** A weight typed in the runner's unit back to kilograms (to 0.01 kg). */
export function weightFromUnit(value: number, units: Units): number {
  const kg = units === "imperial" ? value / POUNDS_PER_KG : value;
  return Math.round(kg * 100) / 100;
}

const TEXT_KM = /(\d+(?:\.\d+)?) km\b/g;
const TEXT_PACE = /(\d{1,2}):([0-5]\d) ?\/km\b/g;

/**
 * A plan workout's text (the dataservice writes it in kilometres: "Threshold 8 km: 2 km
 * easy, 4 km at T pace at 4:50/km, 2 km easy") in the runner's units. Distances and paces
 * are converted; a repeat's metres ("6 × 800 m") stay, as track repeats are counted in
 * metres wherever runners count in miles.
 */
export function workoutText(text: string, units: Units): string {
  if (units === "metric") return text;
  return text
    .replace(TEXT_KM, (_, km: string) => {
      const miles = toUnit(Number(km) * METRES_PER_KM, units);
      return `${Number(miles.toFixed(miles < 10 ? 1 : 0))} mi`;
    })
    .replace(TEXT_PACE, (_, m: string, s: string) => formatPace(Number(m) * 60 + Number(s), units).replace(" /", "/"));
}
