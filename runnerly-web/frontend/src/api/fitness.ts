// The Fitness page's training load, fitness, fatigue and form per day (decision 61). Shapes as
// runnerly-web's openapi/fitness.yaml.
import { api } from "./client";

import type { Fitness } from "./types";

export type { Fitness, FitnessDay } from "./types";

export const fitness = {
  days: (from?: string, to?: string) => {
    const query = new URLSearchParams();
    if (from) query.set("from", from);
    if (to) query.set("to", to);
    const text = query.toString();
    return api.get<Fitness>(`/api/web/fitness${text ? `?${text}` : ""}`);
  },
};
