import { createContext, useContext } from "react";
import type { Session, User } from "./api/types";
import { today, type Day } from "./lib/dates";
import type { Units } from "./lib/units";

export interface SessionValue {
  session: Session | null;
  loading: boolean;
  error: string | null;
  user: User | null;
  units: Units;
  refresh: () => Promise<void>;
  update: (session: Session) => void;
  setUser: (user: User) => void;
}

/** What SessionProvider (components/SessionProvider.tsx) gives the pages. */
export const SessionContext = createContext<SessionValue | null>(null);

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
