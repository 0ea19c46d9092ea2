// Every /api/web/ address the dashboard calls, in one place, so a change in the Flask side's
// OpenAPI document is a change here only.
import { api, uploadFile } from "./client";
import { searchQuery } from "../lib/runSearch";
import type {
  Dashboard,
  LoginAnswer,
  MonthlyReport,
  Plan,
  PlanOptions,
  PlanSummary,
  ProfileUpdate,
  Race,
  RaceWrite,
  RecordHistory,
  Records,
  Run,
  RunEdit,
  RunPage,
  RunSearch,
  RunRecords,
  RunSplits,
  Session,
  SignupBody,
  SplitRuns,
  StravaStatus,
  Summary,
  SyncQueued,
  TotalsSeries,
  Track,
  User,
} from "./types";

const BASE = "/api/web";

/** Lists may come bare or wrapped ({items}, {runs}, {users}...); take the array either way. */
export function listOf<T>(data: unknown, key?: string): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === "object") {
    const o = data as Record<string, unknown>;
    if (key && Array.isArray(o[key])) return o[key] as T[];
    if (Array.isArray(o.items)) return o.items as T[];
  }
  return [];
}

export type SignupForm = SignupBody;
export type ProfileForm = ProfileUpdate;

export const endpoints = {
  session: () => api.get<Session>(`${BASE}/session`),
  signup: (form: SignupForm) => api.post<Session>(`${BASE}/signup`, form),
  /** The session, or `two_factor_required` when the account's code is to come (api/twoFactor.ts). */
  login: (email: string, password: string) => api.post<LoginAnswer>(`${BASE}/login`, { email, password }),
  logout: () => api.post<Session>(`${BASE}/logout`),
  /** Ends every session of the account, this one included; answers the anonymous session. */
  logoutEverywhere: () => api.post<Session>(`${BASE}/logout-everywhere`),

  profile: () => api.get<User>(`${BASE}/profile`),
  updateProfile: (changes: ProfileForm) => api.patch<User>(`${BASE}/profile`, changes),
  deleteAccount: (password: string) => api.delete<unknown>(`${BASE}/profile`, { password }),
  /** Other sessions end; this one is renewed (the answer carries its new CSRF token). */
  changePassword: (current_password: string, new_password: string) =>
    api.post<Session>(`${BASE}/profile/password`, { current_password, new_password }),

  runsOfMonth: async (year: number, month: number) =>
    listOf<Run>(await api.get<unknown>(`${BASE}/runs/${year}/${month}`), "runs"),
  /** The runner's search, newest first; unset filters are left out of the address. */
  searchRuns: (search: RunSearch) => api.get<RunPage>(`${BASE}/runs?${searchQuery(search)}`),
  run: (id: number) => api.get<Run>(`${BASE}/runs/${id}`),
  updateRun: (id: number, changes: RunEdit) => api.patch<Run>(`${BASE}/runs/${id}`, changes),
  deleteRun: (id: number) => api.delete<unknown>(`${BASE}/runs/${id}`),
  track: (id: number) => api.get<Track>(`${BASE}/runs/${id}/track`),
  /** Answers the kept run of the merged group. */
  mergeRun: (id: number, otherId: number) => api.post<Run>(`${BASE}/runs/${id}/merge`, { run_id: otherId }),
  /** Answers the runs now apart, this one first. */
  splitRun: (id: number) => api.post<SplitRuns>(`${BASE}/runs/${id}/split`),
  importFile: (file: File, onProgress: (fraction: number | null) => void) =>
    uploadFile<Run>(`${BASE}/runs/import?filename=${encodeURIComponent(file.name)}`, file, onProgress),

  /** The first screen: summary, these weeks' totals, records, latest runs, next session and
   * race predictions, in one request (runnerly-web asks the dataservice for them at once). */
  dashboard: (from: string) => api.get<Dashboard>(`${BASE}/dashboard?from=${from}`),
  summary: () => api.get<Summary>(`${BASE}/stats/summary`),
  weeklyTotals: (from: string) => api.get<TotalsSeries>(`${BASE}/stats/totals?period=week&from=${from}`),
  records: () => api.get<Records>(`${BASE}/stats/records`),
  recordHistory: (distance: number) => api.get<RecordHistory>(`${BASE}/stats/records/${distance}/history`),
  runRecords: (id: number) => api.get<RunRecords>(`${BASE}/runs/${id}/records`),
  runSplits: (id: number) => api.get<RunSplits>(`${BASE}/runs/${id}/splits`),

  races: async () => listOf<Race>(await api.get<unknown>(`${BASE}/races`), "races"),
  createRace: (race: RaceWrite) =>
    api.post<Race>(`${BASE}/races`, race),
  deleteRace: (id: number) => api.delete<unknown>(`${BASE}/races/${id}`),

  plans: async () => listOf<PlanSummary>(await api.get<unknown>(`${BASE}/plans`), "plans"),
  plan: (id: number) => api.get<Plan>(`${BASE}/plans/${id}`),
  generatePlan: (raceId: number, options: PlanOptions) =>
    api.post<Plan>(`${BASE}/races/${raceId}/plan`, options),

  report: (year: number, month: number) => api.get<MonthlyReport>(`${BASE}/reports/${year}/${month}`),

  strava: () => api.get<StravaStatus>(`${BASE}/strava`),
  stravaDisconnect: () => api.delete<unknown>(`${BASE}/strava`),
  stravaSync: () => api.post<SyncQueued>(`${BASE}/strava/sync`, {}),
  /** A page, not an API call: the OAuth round trip starts with a full navigation. */
  stravaConnectUrl: "/strava/connect",

  adminUsers: async () => listOf<User>(await api.get<unknown>(`${BASE}/admin/users?per_page=200`), "users"),
  setUserDisabled: (id: number, disabled: boolean) => api.patch<User>(`${BASE}/admin/users/${id}`, { disabled }),
};
