// The Fitness page's training load, fitness, fatigue and form per day (decision 61). Shapes as
// runnerly-web's openapi/fitness.yaml.
import { api } from "./client";

export interface FitnessDay {
  date: string;
  load: number;
  fitness: number;
  fatigue: number;
  form: number;
}

export interface Fitness {
  from: string;
  to: string;
  today: string;
  fitness_days: number;
  fatigue_days: number;
  settings: {
    max_hr: number | null;
    rest_hr: number | null;
    threshold_pace: number | null;
    threshold_from: "profile" | "vo2max" | null;
  };
  days: FitnessDay[];
}

export const fitness = {
  days: (from?: string, to?: string) => {
    const query = new URLSearchParams();
    if (from) query.set("from", from);
    if (to) query.set("to", to);
    const text = query.toString();
    return api.get<Fitness>(`/api/web/fitness${text ? `?${text}` : ""}`);
  },
};
