import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { setCsrfToken } from "./api/client";
import { endpoints } from "./api/endpoints";
import type { Session, User } from "./api/types";
import { today, type Day } from "./lib/dates";
import type { Units } from "./lib/units";

interface SessionValue {
  session: Session | null;
  loading: boolean;
  error: string | null;
  user: User | null;
  units: Units;
  refresh: () => Promise<void>;
  update: (session: Session) => void;
  setUser: (user: User) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

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
      update(await endpoints.session());
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

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

export function useUnits(): Units {
  return useSession().units;
}

/** Today on the runner's calendar (the profile's zone, else the browser's): the day the
 * API's "this week" and "this month" are counted from. */
export function useToday(): Day {
  return today(useSession().user?.timezone);
}
