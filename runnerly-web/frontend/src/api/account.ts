// The account-recovery calls: a password reset by email, and changing the account's email
// (confirmed from the new address). Links from those emails carry their token in the
// address's fragment (#token=...), which no server ever sees; useLinkToken reads it.
import { useEffect, useState } from "react";
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

function readLinkToken(): string {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (fromHash) return fromHash;
  const state = window.history.state as { linkToken?: unknown } | null;
  return typeof state?.linkToken === "string" ? state.linkToken : "";
}

/** The token of an emailed link (`…#token=abc`). Read without side effects (React may render
 * a page more than once before showing it); once shown, the token leaves the address bar
 * for this history entry's state, so a screenshot or a shared screen does not show it and
 * a second render still finds it. */
export function useLinkToken(): string {
  const [token] = useState(readLinkToken);
  useEffect(() => {
    if (!window.location.hash) return;
    const state = { ...((window.history.state as object | null) ?? {}), linkToken: token };
    window.history.replaceState(state, "", window.location.pathname + window.location.search);
  }, [token]);
  return token;
}
