// The training-plan calls beyond reading a plan: generate again, delete, change one session,
// and the dashboard's next session. Sessions as the API answers them, with their outcome.
import { api } from "./client";
import type { Plan, PlanSession, PlanWeek, Race, SessionKind } from "./types";

const BASE = "/api/web";

/** done, partly done or missed: matched against the runner's runs of that day or the next/previous. */
export type SessionStatus = "done" | "partly_done" | "missed" | "planned" | "skipped";

export interface TrackedSession extends PlanSession {
  skipped: boolean;
  /** The day the plan had it on, when the runner moved it. */
  moved_from: string | null;
  /** The runner changed what it asks (kind, distance, duration, pace, notes). */
  edited: boolean;
  status: SessionStatus;
  /** The run that did it. */
  run: { id: number; date: string; distance: number; moving_time: number } | null;
}

export interface TrackedWeek extends Omit<PlanWeek, "sessions"> {
  sessions: TrackedSession[];
}

export interface TrackedPlan extends Omit<Plan, "weeks"> {
  weeks: TrackedWeek[];
}

/** What PATCH /api/web/plans/{id}/sessions/{id} takes: only what changes. */
export interface SessionChange {
  date?: string;
  kind?: SessionKind;
  distance?: number | null;
  duration?: number | null;
  target_pace?: number | null;
  notes?: string | null;
  skipped?: boolean;
}

export interface NextSession {
  race: Race | null;
  plan: { id: number; name: string } | null;
  session: TrackedSession | null;
}

export const training = {
  plan: (id: number) => api.get<TrackedPlan>(`${BASE}/plans/${id}`),
  /** Replaces the race's plan when it has one (same id): pressing twice makes no second plan. */
  generate: (raceId: number, options: { weeks?: number; runs_per_week?: number } = {}) =>
    api.post<TrackedPlan>(`${BASE}/races/${raceId}/plan`, options),
  deletePlan: (id: number) => api.delete<unknown>(`${BASE}/plans/${id}`),
  changeSession: (planId: number, sessionId: number, change: SessionChange) =>
    api.patch<TrackedPlan>(`${BASE}/plans/${planId}/sessions/${sessionId}`, change),
  next: () => api.get<NextSession>(`${BASE}/training/next`),
};
