// The VDOT calls (issue 20): the trend, race predictions, marathon shape, heart-rate zones
// per week, and a run's VDOT and time in zones. Shapes as runnerly-web's openapi/vo2max.yaml.
import { api } from "./client";

import type { MarathonReadiness, RacePredictions, RunFitness, VdotTrend, WeeklyZones } from "./types";

export type {
  HeartRateZone,
  MarathonReadiness,
  MarathonShape,
  Prediction,
  RacePredictions,
  RunFitness,
  VdotPoint,
  VdotTrend,
  WeeklyZones,
} from "./types";

const BASE = "/api/web";

export const vo2max = {
  trend: () => api.get<VdotTrend>(`${BASE}/vo2max/trend?period=week`),
  predictions: () => api.get<RacePredictions>(`${BASE}/vo2max/predictions`),
  readiness: () => api.get<MarathonReadiness>(`${BASE}/vo2max/readiness`),
  weeklyZones: () => api.get<WeeklyZones>(`${BASE}/heart-rate-zones`),
  run: (id: number) => api.get<RunFitness>(`${BASE}/runs/${id}/fitness`),
};
