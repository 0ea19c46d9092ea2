import { useCallback, useEffect, useState, type ReactNode } from "react";
import { setCsrfToken } from "../api/client";
import { endpoints } from "../api/endpoints";
import { preloaded } from "../lib/preload";
import type { Session, User } from "../api/types";
import { SessionContext, type SessionValue } from "../session";

export function SessionProvider({ children, initial }: { children: ReactNode; initial?: Session }) {
  const [session, setSession] = useState<Session | null>(initial ?? null);
  const [loading, setLoading] = useState(!initial);
  const [error, setError] = useState<string | null>(null);

  const update = useCallback((s: Session) => {
    if (s.csrf_token) setCsrfToken(s.csrf_token);
    setSession(s);
  }, []);

  const refresh = useCallback(async () => {
    try {
      update(await preloaded("session", endpoints.session));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }, [update]);

  useEffect(() => {
    if (initial) setCsrfToken(initial.csrf_token);
    // refresh sets state only once the session request has answered (after its await), never
    // during the effect itself: the rule cannot see through the async callback.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    else void refresh();
  }, [initial, refresh]);

  const setUser = useCallback((user: User) => setSession((s) => (s ? { ...s, user } : s)), []);

  const user = session?.user ?? null;
  const value: SessionValue = {
    session,
    loading,
    error,
    user,
    units: user?.units ?? "metric",
    refresh,
    update,
    setUser,
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
