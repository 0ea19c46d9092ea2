// What a runner reads when the API says no. The API's `message` is written for a developer
// ("path.race_id: race 4 is on 2026-12-20: ..."), its `errors` name each field by its path in
// the request; every ApiError passes through here (client.ts, errorFrom), so no page shows a
// path, a lower-case fragment or an ISO date. Decision 58.
import type { FieldError } from "./types";

/** Field names whose last path part does not read well as it is. */
const LABELS: Record<string, string> = {
  race_id: "The race",
  run_id: "The run",
  plan_id: "The plan",
  session_id: "The session",
  max_hr: "Maximum heart rate",
  rest_hr: "Resting heart rate",
  vo2max: "VO2max",
  vdot: "VDOT",
  target_pace: "Target pace",
  goal_time: "Goal time",
  start_date: "Start date",
  weekly_distance: "Weekly distance",
  runs_per_week: "Runs per week",
  long_run_day: "Long run day",
  current_password: "Current password",
  new_password: "New password",
  body: "The request",
};

/** Verbs a fragment starts with when it continues the field's name ("is required"). */
const CONTINUES = /^(is|are|must|should|has|have|was|were|cannot|can|does|do|needs|need|may|already)\b/;

/** Our parts' names, which mean nothing to a runner ("the dataservice failed to answer"). */
const INTERNAL = /\b(dataservice|tokendealer|broker|redis|postgres\w*|sqlite|database|upstream|celery|gunicorn|nginx|traceback)\b/i;

const ISO_DAY = /\b(\d{4})-(\d{2})-(\d{2})\b(?!T)/g;

/** A field's own message, shown beside it: plain words, days as the dashboard writes them. */
export function fieldMessage(message: string): string {
  return humanDates(plainSchema(message.trim()));
}

/** "2026-12-20" → "Sun, 20 Dec 2026": days as the dashboard writes them everywhere. */
export function humanDates(text: string): string {
  return text.replace(ISO_DAY, (whole, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(d)) return whole;
    return date.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  });
}

/** `body.sessions[2].target_pace` → "Target pace"; `path.race_id` → "The race". */
export function fieldLabel(field: string): string {
  const last = field.split(".").pop()!.replace(/\[\d+\]$/, "");
  if (LABELS[last]) return LABELS[last];
  const words = last.replace(/_/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "This value";
}

/** The few JSON-schema phrasings a form can still meet, in plain words. */
export function plainSchema(message: string): string {
  const rules: [RegExp, string][] = [
    [/^.* is less than or equal to the minimum of (\S+)$/, "must be more than $1"],
    [/^.* is less than the minimum of (\S+)$/, "must be at least $1"],
    [/^.* is greater than or equal to the maximum of (\S+)$/, "must be less than $1"],
    [/^.* is greater than the maximum of (\S+)$/, "must be at most $1"],
    [/^.* is not of type '(integer|number)'.*$/, "must be a number"],
    [/^.* is not of type .*$/, "is not the right kind of value"],
    [/^.* is not one of .*$/, "is not one of the choices"],
    [/^'' is too short$/, "must not be empty"],
    [/^.* is too short$/, "is too short"],
    [/^.* is too long$/, "is too long"],
    [/^.* does not match .*$/, "is not written as expected"],
    [/^.* is not a '(\S+)'$/, "is not a valid $1"],
  ];
  for (const [pattern, plain] of rules) {
    if (pattern.test(message)) return message.replace(pattern, plain);
  }
  return message;
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** One field's problem as a sentence of its own: "Weekly distance must be at least 0." */
export function fieldSentence(error: FieldError): string {
  const message = humanDates(plainSchema(error.message.trim()));
  if (/^[A-Z]/.test(message)) return sentence(message); // already written for a person
  const label = fieldLabel(error.field);
  if (CONTINUES.test(message)) return sentence(`${label} ${message}`);
  return sentence(`${label}: ${message}`);
}

/** A fields-free message (the API's, else the status's) as a sentence without paths. */
function freeMessage(status: number, message: string | undefined): string {
  // "body.email: is required" or "path.race_id: ...": a field's problem told as the whole.
  const pathed = message && /^(body|path|query|header)(\.[\w[\].]+)?: (.+)$/s.exec(message);
  if (pathed) return fieldSentence({ field: pathed[1] + (pathed[2] ?? ""), message: pathed[3] });
  if (message && status !== 0 && status < 500) return sentence(humanDates(message));
  return statusMessage(status);
}

/** What a status means to a runner when the answer says nothing better. */
export function statusMessage(status: number): string {
  if (status === 0) return "Runnerly could not be reached. Check your connection and try again.";
  if (status === 401) return "Your session has ended. Log in again to go on.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "This was not found: it may have been deleted, or the address is wrong.";
  if (status === 413) return "That file is too large.";
  if (status === 429) return "Too many attempts. Wait a moment and try again.";
  if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
  return "The request was not accepted.";
}

/** The message a runner reads for an answer with `status`, the API's `code`, `message` and
 * `errors`. A 5xx's own message is kept when the service wrote one for the occasion (503
 * "the sync queue cannot be reached"), never an unexpected failure's. */
export function humanMessage(status: number, code: string | undefined, message: string | undefined, errors: FieldError[]): string {
  if (status === 0) return statusMessage(status);
  if (status >= 500) {
    const written = message && code && code !== "internal_error" && !code.startsWith("http_") && !INTERNAL.test(message);
    return written ? sentence(message) : statusMessage(status);
  }
  if (errors.length === 1) return fieldSentence(errors[0]);
  if (errors.length > 1) return "Please correct the fields marked below.";
  return freeMessage(status, message);
}
