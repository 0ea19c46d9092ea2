// The VDOT calls (issue 20): the trend, race predictions, marathon shape, heart-rate zones
// per week, and a run's VDOT and time in zones. Shapes as runnerly-web's openapi/vo2max.yaml.
import { api } from "./client";

export interface VdotPoint {
  date: string;
  as_of: string;
  vdot: number | null;
  runs: number;
}

export interface VdotTrend {
  from: string;
  to: string;
  period: "day" | "week";
  window_days: number;
  current: { date: string; vdot: number | null };
  points: VdotPoint[];
}

export interface Prediction {
  distance: number;
  label: string;
  vdot_time: number | null;
  riegel_time: number | null;
}

export interface RacePredictions {
  date: string;
  vdot: number | null;
  riegel_from: { distance: number; elapsed: number; run_id: number; start_time: string; vdot: number } | null;
  predictions: Prediction[];
  next_race: {
    id: number;
    name: string;
    date: string;
    distance: number;
    goal_time: number | null;
    vdot_time: number | null;
    riegel_time: number | null;
  } | null;
}

export interface MarathonShape {
  percentage: number;
  raw_percentage: number;
  vdot: number;
  week: { days: number; km_per_week: number; target_km_per_week: number; share: number; weight: number };
  long_runs: {
    days: number;
    min_km: number;
    target_km: number;
    share: number;
    weight: number;
    runs: { run_id: number; date: string; km: number; points: number }[];
  };
}

export interface HeartRateZone {
  zone: number;
  name: string;
  reserve_from: number;
  reserve_to: number;
  from_bpm: number | null;
  to_bpm: number;
  seconds: number | null;
}

export interface WeeklyZones {
  from: string;
  to: string;
  missing: "profile" | null;
  zones: HeartRateZone[] | null;
  weeks: { week: string; seconds: number[]; runs_with_hr: number; runs_without_hr: number }[];
}

export interface RunFitness {
  run_id: number;
  vdot: {
    vdot: number;
    by_time: number | null;
    effort_distance: number | null;
    by_heart_rate: number | null;
    factor: number;
    method: "heart_rate" | "best_effort";
  } | null;
  heart_rate_zones: {
    missing: "profile" | "heart_rate" | null;
    source: "stream" | "track" | null;
    seconds_with_hr: number | null;
    zones: HeartRateZone[] | null;
  };
}

const BASE = "/api/web";

export const vo2max = {
  trend: () => api.get<VdotTrend>(`${BASE}/vo2max/trend?period=week`),
  predictions: () => api.get<RacePredictions>(`${BASE}/vo2max/predictions`),
  readiness: () => api.get<{ date: string; shape: MarathonShape | null }>(`${BASE}/vo2max/readiness`),
  weeklyZones: () => api.get<WeeklyZones>(`${BASE}/heart-rate-zones`),
  run: (id: number) => api.get<RunFitness>(`${BASE}/runs/${id}/fitness`),
};
