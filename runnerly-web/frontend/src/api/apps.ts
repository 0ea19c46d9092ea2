// Apps acting for the runner (decision 54): the consent page's two calls and the profile's
// authorized apps and personal access tokens. Shapes are the spec's (apps.yaml).
import { CSRF_HEADER, api, errorFrom, getCsrfToken, type ApiError } from "./client";
import type { components, operations } from "./schema.gen";

const BASE = "/api/web";

export type AppGrant = components["schemas"]["AppGrant"];
export type AppAuthorization = components["schemas"]["AppAuthorization"];
/** The query of /oauth/authorize: what the app asked, passed on as it came. */
export type AppAuthorizationRequest = operations["checkAppAuthorization"]["parameters"]["query"];
export type AppScopeName = components["schemas"]["AppScopeName"];

/** What an authorization call answers: the runner's next step, or why there is none. */
export type AuthorizeOutcome<T> =
  | { ok: true; value: T }
  /** `redirectTo`: the app's own redirect URI carrying the error, where the browser goes;
   * absent when the app or its redirect URI cannot be trusted (never redirected to). */
  | { ok: false; error: ApiError; redirectTo?: string };

/** The request travels in the query, as the app sent it (the gateway's WAF lets a loopback
 * redirect_uri through there only). */
async function authorizeCall<T>(
  method: "GET" | "POST",
  path: string,
  request: AppAuthorizationRequest,
  body?: unknown,
): Promise<AuthorizeOutcome<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const csrf = getCsrfToken();
  if (method === "POST") {
    headers["Content-Type"] = "application/json";
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  const query = new URLSearchParams(Object.entries(request).filter((e): e is [string, string] => typeof e[1] === "string"));
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}?${query.toString()}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: errorFrom(0, null) };
  }
  let data: unknown;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, value: data as T };
  const redirect = (data as { redirect_to?: unknown } | null)?.redirect_to;
  return {
    ok: false,
    error: errorFrom(response.status, data),
    redirectTo: typeof redirect === "string" ? redirect : undefined,
  };
}

/** The query of /oauth/authorize, as the app sent it (only the parameters the API reads). */
export function authorizationRequest(query: string): AppAuthorizationRequest {
  const params = new URLSearchParams(query);
  const names = ["redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"] as const;
  const request: AppAuthorizationRequest = { client_id: params.get("client_id") ?? "" };
  for (const name of names) {
    const value = params.get(name);
    if (value !== null) request[name] = value;
  }
  return request;
}

export const apps = {
  check: (request: AppAuthorizationRequest) =>
    authorizeCall<AppAuthorization>("GET", "/oauth/authorize/check", request),
  answer: (request: AppAuthorizationRequest, allow: boolean) =>
    authorizeCall<{ redirect_to: string }>("POST", "/oauth/authorize", request, { allow }),
  list: async () => (await api.get<{ grants: AppGrant[] }>(`${BASE}/apps`)).grants,
  revoke: (id: string) => api.delete<unknown>(`${BASE}/apps/${encodeURIComponent(id)}`),
  createToken: (name: string, scopes: AppScopeName[], days: number) =>
    api.post<{ token: string; grant: AppGrant }>(`${BASE}/apps/tokens`, { name, scopes, days }),
};

/** Where the consent page is; a runner who must log in first comes back to it. */
export const CONSENT_PATH = "/oauth/authorize";

/** The page to show after login: the consent page the runner came from, else the dashboard
 * (nothing else is taken from the query, so `next` cannot send anyone elsewhere). */
export function afterLogin(next: string | null): string {
  return next && next.startsWith(`${CONSENT_PATH}?`) ? next : "/";
}

export function loginFor(pathname: string, path: string): string {
  return pathname === CONSENT_PATH ? `/login?next=${encodeURIComponent(path)}` : "/login";
}

/** The app's page to go to: a full navigation, since it is another site (tests replace it). */
export const leave = { to: (uri: string) => window.location.assign(uri) };
