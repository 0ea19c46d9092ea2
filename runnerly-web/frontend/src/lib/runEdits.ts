// A run's correction form: what it shows, and the changes it sends (only what the runner
// changed, so a field left alone is not marked "edited here" and keeps following Strava).
import type { Run, RunEdit, WorkoutType } from "../api/types";
import { fromUnit, toUnit, type Units } from "./units";

export const WORKOUT_TYPES: { value: WorkoutType; label: string }[] = [
  { value: "race", label: "Race" },
  { value: "long_run", label: "Long run" },
  { value: "workout", label: "Workout" },
];

export const SPORTS = ["Run", "TrailRun", "VirtualRun", "Walk", "Hike", "Ride"];

/** As the runner reads a field's name ("sport_type" → "sport"). */
const FIELD_LABELS: Record<string, string> = {
  title: "title",
  description: "description",
  distance: "distance",
  sport_type: "sport",
  moving_time: "moving time",
  elapsed_time: "elapsed time",
  start_time: "start time",
  average_speed: "average speed",
  elevation_gain: "elevation gain",
  average_hr: "average heart rate",
  max_hr: "maximum heart rate",
  max_speed: "maximum speed",
  polyline: "route",
};

export function workoutLabel(type: WorkoutType | null | undefined): string | null {
  return WORKOUT_TYPES.find((t) => t.value === type)?.label ?? null;
}

/** "Edited here: title, distance", or null when nothing was edited. */
export function editedNote(fields: string[] | undefined): string | null {
  if (!fields || fields.length === 0) return null;
  return `Edited here: ${fields.map((f) => FIELD_LABELS[f] ?? f.replace(/_/g, " ")).join(", ")}`;
}

export interface EditForm {
  title: string;
  description: string;
  sport_type: string;
  workout_type: "" | WorkoutType;
  /** In the runner's unit, as typed. */
  distance: string;
  excluded: boolean;
}

/** The distance as the form shows it: the runner's unit, to the metre or so. */
export function distanceText(metres: number, units: Units): string {
  return String(Math.round(toUnit(metres, units) * 1000) / 1000);
}

export function formOf(run: Run, units: Units): EditForm {
  return {
    title: run.title,
    description: run.description ?? "",
    sport_type: run.sport_type,
    workout_type: run.workout_type ?? "",
    distance: distanceText(run.distance, units),
    excluded: run.excluded ?? false,
  };
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** What the runner changed, as the API takes it, or the problems to show beside fields. */
export function changesOf(run: Run, form: EditForm, units: Units): { changes: RunEdit; problems: FieldProblem[] } {
  const initial = formOf(run, units);
  const changes: RunEdit = {};
  const problems: FieldProblem[] = [];
  const title = form.title.trim();
  if (title !== initial.title.trim()) {
    if (!title) problems.push({ field: "title", message: "Give the run a title." });
    else changes.title = title;
  }
  if (form.description.trim() !== initial.description.trim()) changes.description = form.description.trim() || null;
  if (form.sport_type !== initial.sport_type) changes.sport_type = form.sport_type;
  if (form.workout_type !== initial.workout_type) changes.workout_type = form.workout_type || null;
  if (form.excluded !== initial.excluded) changes.excluded = form.excluded;
  if (form.distance.trim() !== initial.distance) {
    const value = Number(form.distance.replace(",", "."));
    if (!form.distance.trim() || !Number.isFinite(value) || value < 0) {
      problems.push({ field: "distance", message: "Enter the distance as a number, 0 or more." });
    } else {
      changes.distance = Math.round(fromUnit(value, units) * 10) / 10;
    }
  }
  return { changes, problems };
}
