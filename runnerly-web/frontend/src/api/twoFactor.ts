// Two-factor sign-in: the login's second step, enrolment and its management from the
// profile, and an administrator's reset (docs/decisions.md, 53).
import { api } from "./client";
import type {
  RecoveryCodes,
  SecondFactor,
  Session,
  TwoFactorConfirmed,
  TwoFactorEnrolment,
  TwoFactorReset,
  TwoFactorStatus,
} from "./types";

const BASE = "/api/web";

export const twoFactor = {
  /** Completes a login whose password was right: the new session. */
  logIn: (factor: SecondFactor) => api.post<Session>(`${BASE}/login/two-factor`, factor),
  status: () => api.get<TwoFactorStatus>(`${BASE}/profile/two-factor`),
  /** A new secret, its QR code (an SVG data: URI) and its otpauth:// URI, shown once. */
  start: () => api.post<TwoFactorEnrolment>(`${BASE}/profile/two-factor/enrolment`),
  confirm: (code: string) => api.post<TwoFactorConfirmed>(`${BASE}/profile/two-factor/confirm`, { code }),
  disable: (password: string, factor: SecondFactor) =>
    api.post<TwoFactorStatus>(`${BASE}/profile/two-factor/disable`, { password, ...factor }),
  newRecoveryCodes: (code: string) => api.post<RecoveryCodes>(`${BASE}/profile/two-factor/recovery-codes`, { code }),
  adminReset: (userId: number) => api.post<TwoFactorReset>(`${BASE}/admin/users/${userId}/two-factor/reset`),
};
