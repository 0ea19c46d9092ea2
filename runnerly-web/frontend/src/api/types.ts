// Shapes of the answers of runnerly-web's /api/web/, which passes the dataservice's through.
import type { Units } from "../lib/units";

export interface User {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  age: number | null;
  weight: number | null;
  max_hr: number | null;
  rest_hr: number | null;
  vo2max: number | null;
  units: Units;
  /** IANA zone: the runner's days, weeks and months. */
  timezone?: string;
  is_admin: boolean;
  disabled: boolean;
  created_at?: string;
}

export type SyncState = "pending" | "backfilling" | "syncing" | "idle" | "error" | "deauthorized" | "reconnect";

/** An activity that could not be imported (a value outside what Runnerly stores), and why. */
export interface SetAsideActivity {
  source: "strava" | "file" | "manual";
  external_id: string;
  title: string | null;
  start_time: string | null;
  reason: string;
  seen_at: string;
  /** The activity on Strava; null for another source. */
  url: string | null;
}

export interface StravaStatus {
  connected: boolean;
  athlete_id?: number | null;
  scopes?: string | null;
  sync_state?: SyncState | null;
  pages_done?: number;
  runs_imported?: number;
  last_sync_at?: string | null;
  error?: string | null;
  /** Only in GET /api/web/strava (not the session's copy): the newest 20 and the total. */
  set_aside?: { items: SetAsideActivity[]; total: number };
  /** Only in GET /api/web/strava: the activity streams fetched so far, of the Strava runs. */
  streams?: { runs: number; fetched: number } | null;
}

export interface Session {
  /** null without a session. */
  user: User | null;
  csrf_token: string;
  /** null when Strava is not connected (or nobody is logged in). */
  strava: StravaStatus | null;
}

export interface Run {
  id: number;
  source: "strava" | "file" | "manual";
  title: string;
  description?: string | null;
  start_time: string;
  /** The wall-clock start where it was run, without offset ("2026-02-01T06:30:00"). */
  start_local?: string;
  utc_offset?: number | null;
  timezone?: string | null;
  distance: number;
  moving_time: number;
  elapsed_time: number;
  average_speed: number | null;
  max_speed?: number | null;
  average_hr: number | null;
  max_hr?: number | null;
  elevation_gain: number | null;
  sport_type: string;
  polyline?: string | null;
  /** What kind of session the runner says it was; null for an ordinary run. */
  workout_type?: WorkoutType | null;
  /** Left out of every total, record, report and plan by the runner (still listed). */
  excluded?: boolean;
  /** Strava's fields the runner edited here (kept through later syncs). */
  edited_fields?: string[];
  /** The run this one was merged into (one effort recorded twice): only that one counts. */
  merged_into?: number | null;
  /** On a run merged from others: the group's runs, this one first. */
  merged_from?: MergedRun[];
}

/** One run of a merged group: where it came from (and a file's format). */
export interface MergedRun {
  id: number;
  source: Run["source"];
  file_type?: "gpx" | "tcx" | "fit" | null;
}

export type WorkoutType = "race" | "long_run" | "workout";

/** What PATCH /api/web/runs/{id} takes: only the fields that change. */
export interface RunEdit {
  title?: string;
  description?: string | null;
  sport_type?: string;
  workout_type?: WorkoutType | null;
  /** metres */
  distance?: number;
  excluded?: boolean;
}

export interface Totals {
  count: number;
  distance: number;
  moving_time: number;
  elapsed_time: number;
  elevation_gain: number;
  average_pace: number | null;
  average_speed: number | null;
}

export interface PeriodTotals extends Totals {
  start: string;
}

export interface Summary {
  date: string;
  all_time: Totals;
  week: PeriodTotals;
  month: PeriodTotals;
  year: PeriodTotals;
}

export interface TotalsSeries {
  period: "week" | "month" | "year";
  from: string;
  to: string;
  buckets: PeriodTotals[];
}

export interface Effort {
  elapsed: number;
  pace: number;
  run_id: number;
  title: string;
  start_time: string;
  /** The wall-clock start where it was run, without offset: the day shown. */
  start_local?: string;
  /** "pace": held at the pace of a longer effort of the same run (never slower per km). */
  origin: "stream" | "track" | "strava" | "whole" | "pace";
}

export interface RecordHistory {
  distance: number;
  label: string;
  /** Each effort that was the record when it was run, oldest first. */
  items: Effort[];
}

export interface RunRecord {
  distance: number;
  label: string;
  elapsed: number;
  pace: number;
  origin: Effort["origin"];
  /** Still the record today. */
  current: boolean;
}

export interface Split {
  split: number;
  distance: number;
  elapsed: number;
  /** Seconds per kilometre (km) or per mile (mile). */
  pace: number;
}

export interface RunSplits {
  run_id: number;
  source: "stream" | "track";
  km: Split[];
  mile: Split[];
}

export interface Records {
  best_efforts: { distance: number; label: string; best: Effort | null }[];
  longest_run: { run_id: number; title: string; start_time: string; start_local?: string; distance: number; moving_time: number } | null;
  biggest_week: PeriodTotals | null;
  biggest_month: PeriodTotals | null;
}

export interface Race {
  id: number;
  name: string;
  date: string;
  distance: number;
  location: string | null;
  goal_time: number | null;
  goal_pace: number | null;
  days_to_go: number;
}

export type SessionKind = "easy" | "long" | "tempo" | "intervals" | "recovery" | "race" | "rest" | "cross";

export interface PlanSession {
  id: number;
  date: string;
  kind: SessionKind;
  distance: number | null;
  duration: number | null;
  target_pace: number | null;
  notes: string | null;
}

export interface PlanWeek {
  week: number;
  start: string;
  end: string;
  planned_distance: number;
  planned_duration: number;
  sessions: PlanSession[];
  done: { distance: number; runs: number };
}

export interface PlanSummary {
  id: number;
  race_id: number;
  name: string;
  start_date: string;
  end_date: string;
  weeks: number;
  sessions: number;
  planned_distance: number;
}

export interface Plan {
  id: number;
  race_id: number;
  name: string;
  start_date: string;
  end_date: string;
  race: Race;
  weeks: PlanWeek[];
}

export interface Change {
  delta: number | null;
  percent: number | null;
}

export interface RecordSet extends Effort {
  distance: number;
  label: string;
  previous: Effort | null;
  improvement: number | null;
}

export interface MonthlyReport {
  year: number;
  month: number;
  runs_count: number;
  totals: PeriodTotals;
  /** The runner's today is in this month: it is compared with the same days of the one before. */
  in_progress: boolean;
  previous_month: PeriodTotals;
  /** The days of the previous month compared, both included. */
  compared_with: { from: string; to: string };
  comparison: Record<"count" | "distance" | "moving_time" | "elapsed_time" | "elevation_gain" | "average_pace", Change>;
  records_set: RecordSet[];
  longest_run: Records["longest_run"];
}

export interface Track {
  run_id: number;
  original_filename?: string | null;
  points: [number, number, number, number | null, number | null, number][];
}

export interface Page<T> {
  items: T[];
  total?: number;
}
