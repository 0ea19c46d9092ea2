// The training-plan calls beyond reading a plan: generate again, delete, change one session,
// and the dashboard's next session. Sessions as the API answers them, with their outcome.
import { api } from "./client";
import type { NextSession, Plan, PlanOptions, PlanSession, PlanSessionChange, PlanWeek } from "./types";

const BASE = "/api/web";

// The spec's names, under the names the plan pages use: every plan the API answers carries
// its sessions' outcomes.
export type SessionStatus = PlanSession["status"];
export type TrackedSession = PlanSession;
export type TrackedWeek = PlanWeek;
export type TrackedPlan = Plan;
export type SessionChange = PlanSessionChange;
export type { NextSession };

export const training = {
  plan: (id: number) => api.get<TrackedPlan>(`${BASE}/plans/${id}`),
  /** Replaces the race's plan when it has one (same id): pressing twice makes no second plan. */
  generate: (raceId: number, options: PlanOptions = {}) =>
    api.post<TrackedPlan>(`${BASE}/races/${raceId}/plan`, options),
  deletePlan: (id: number) => api.delete<unknown>(`${BASE}/plans/${id}`),
  changeSession: (planId: number, sessionId: number, change: SessionChange) =>
    api.patch<TrackedPlan>(`${BASE}/plans/${planId}/sessions/${sessionId}`, change),
  next: () => api.get<NextSession>(`${BASE}/training/next`),
};
