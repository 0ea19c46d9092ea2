// Runs as /api/web answers them, for the tests of the pages that list runs.
import type { Run } from "../api/types";

export function aRun(id: number, title: string, startLocal: string, fields: Partial<Run> = {}): Run {
  return {
    id, runner_id: 7, source: "strava", external_id: `s${id}`, title, description: null,
    start_time: `${startLocal}Z`, start_local: startLocal, utc_offset: 0, timezone: "UTC",
    distance: 10000, moving_time: 3000, elapsed_time: 3100, average_speed: 3.33, max_speed: null,
    average_hr: null, max_hr: null, elevation_gain: 20, sport_type: "Run", polyline: null,
    workout_type: null, excluded: false, edited_fields: [], merged_into: null,
    created_at: "2026-03-01T00:00:00Z", updated_at: "2026-03-01T00:00:00Z", ...fields,
  } as Run;
}
