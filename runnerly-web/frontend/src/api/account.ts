// The account-recovery calls: a password reset by email, and changing the account's email
// (confirmed from the new address). Links from those emails carry their token in the
// address's fragment (#token=...), which no server ever sees; tokenFromLink reads it.
import { api } from "./client";
import type { components, operations } from "./schema.gen";
import type { Session } from "./types";

const BASE = "/api/web";

export type MailRequested = components["schemas"]["MailRequested"];
export type EmailChangeRequested =
  operations["requestEmailChange"]["responses"][202]["content"]["application/json"];

export const account = {
  /** Always the same answer, whether or not an account uses the address. */
  requestPasswordReset: (email: string) => api.post<MailRequested>(`${BASE}/password-reset`, { email }),
  /** Answers the anonymous session: every session of the account ended; log in again. */
  resetPassword: (token: string, new_password: string) =>
    api.post<Session>(`${BASE}/password-reset/confirm`, { token, new_password }),
  requestEmailChange: (new_email: string, password: string) =>
    api.post<EmailChangeRequested>(`${BASE}/profile/email`, { new_email, password }),
  /** Answers this browser's session: renewed when it is the account's, else anonymous. */
  confirmEmailChange: (token: string) => api.post<Session>(`${BASE}/profile/email/confirm`, { token }),
};

/** The token of an emailed link (`…#token=abc`), then gone from the address bar and the
 * history entry, so a screenshot, a shared screen or Back does not show it. */
export function tokenFromLink(): string {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";
  if (window.location.hash) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return token;
}
