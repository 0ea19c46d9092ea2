// The shapes of runnerly-web's /api/web/ answers and bodies, by the names the dashboard uses:
// each is a schema of the OpenAPI spec (../src/runnerly_web/openapi/), generated into
// schema.gen.ts by `npm run gen:api`. Nothing here is written by hand: a shape the dashboard
// needs and the spec lacks is added to the spec, which the server's answers are checked against.
import type { components, operations } from "./schema.gen";

type Schemas = components["schemas"];
type JsonBody<Operation extends keyof operations> = operations[Operation] extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? Body
  : never;
type JsonAnswer<Operation extends keyof operations, Status extends number = 200> =
  operations[Operation]["responses"] extends { [S in Status]: { content: { "application/json": infer Answer } } }
    ? Answer
    : never;

/** Every error's body: `code` names it, `errors` the fields at fault. */
export type ErrorBody = Schemas["Error"];
export type FieldError = NonNullable<ErrorBody["errors"]>[number];

export type User = Schemas["User"];
export type StravaStatus = Schemas["StravaStatus"];
export type SyncState = NonNullable<StravaStatus["sync_state"]>;
/** An activity that could not be imported (a value outside what Runnerly stores), and why. */
export type SetAsideActivity = Schemas["SetAsideActivity"];
export type Session = Schemas["Session"];
export type SyncQueued = JsonAnswer<"syncStrava", 202>;
export type ProfileUpdate = Schemas["ProfileUpdate"];
export type SignupBody = JsonBody<"signup">;

export type Run = Schemas["Run"];
/** A Strava bulk export being imported by the worker, with its progress and problems. */
export type ArchiveImport = Schemas["ArchiveImport"];
/** A Strava export on its way in parts: where the next part starts, the import once complete. */
export type ArchiveUpload = Schemas["ArchiveUpload"];
/** A page of the runner's search of their runs, with how many were found in all. */
export type RunPage = Schemas["RunPage"];
export type RunSearch = NonNullable<operations["searchRuns"]["parameters"]["query"]>;
/** One run of a merged group: where it came from (and a file's format). */
export type MergedRun = Schemas["MergedRun"];
/** What kind of session the runner says it was (null, in a run, for an ordinary run). */
export type WorkoutType = NonNullable<Schemas["WorkoutType"]>;
/** What PATCH /api/web/runs/{id} takes: only the fields that change. */
export type RunEdit = Schemas["RunEdit"];
export type Track = Schemas["Track"];
/** The runs a split set apart, the one asked about first. */
export type SplitRuns = JsonAnswer<"splitRun">;

export type Totals = Schemas["Totals"];
export type PeriodTotals = Schemas["PeriodTotals"];
export type Summary = Schemas["Summary"];
export type TotalsSeries = Schemas["TotalsSeries"];
/** The dashboard's first screen in one answer; a part the dataservice could not answer is
 * null and named in `unavailable`. */
export type Dashboard = Schemas["Dashboard"];
export type UnavailablePart = Schemas["UnavailablePart"];

export type Effort = Schemas["Effort"];
export type RecordHistory = Schemas["RecordHistory"];
export type RunRecord = Schemas["RunRecord"];
export type RunRecords = JsonAnswer<"getRunRecords">;
export type Split = Schemas["Split"];
export type RunSplits = Schemas["RunSplits"];
export type Records = Schemas["Records"];

export type Race = Schemas["Race"];
export type RaceWrite = Schemas["RaceWrite"];
export type SessionKind = Schemas["SessionKind"];
/** A plan's session, with its outcome (status) and the run that did it. */
export type PlanSession = Schemas["PlanSession"];
export type PlanWeek = Schemas["PlanWeek"];
export type PlanSummary = Schemas["PlanSummary"];
export type Plan = Schemas["Plan"];
export type PlanOptions = JsonBody<"generatePlan">;
/** What PATCH /api/web/plans/{id}/sessions/{id} takes: only what changes. */
export type PlanSessionChange = Schemas["PlanSessionChange"];
export type NextSession = Schemas["NextSession"];

export type Change = Schemas["Change"];
export type RecordSet = Schemas["RecordSet"];
export type MonthlyReport = Schemas["MonthlyReport"];

/** What POST /login answers: the session, or `two_factor_required` (the code is to come). */
export type LoginAnswer = Schemas["LoginAnswer"];
export type TwoFactorStatus = Schemas["TwoFactorStatus"];
/** A code from the authenticator app, or a recovery code. */
export type SecondFactor = Schemas["SecondFactor"];
export type TwoFactorEnrolment = JsonAnswer<"startTwoFactor", 201>;
export type TwoFactorConfirmed = JsonAnswer<"confirmTwoFactor">;
export type RecoveryCodes = JsonAnswer<"regenerateRecoveryCodes">;
export type TwoFactorReset = JsonAnswer<"adminResetTwoFactor">;

/** The Fitness page (decisions 61, 62): load, fitness, fatigue and form per day, and VDOT. */
export type Fitness = JsonAnswer<"getFitness">;
export type FitnessDay = Fitness["days"][number];
export type VdotTrend = JsonAnswer<"getVdotTrend">;
export type VdotPoint = VdotTrend["points"][number];
export type RacePredictions = Schemas["RacePredictions"];
export type Prediction = RacePredictions["predictions"][number];
export type MarathonReadiness = JsonAnswer<"getMarathonReadiness">;
export type MarathonShape = NonNullable<MarathonReadiness["shape"]>;
export type HeartRateZone = Schemas["HeartRateZone"];
export type WeeklyZones = JsonAnswer<"getWeeklyHeartRateZones">;
export type RunFitness = JsonAnswer<"getRunFitness">;
