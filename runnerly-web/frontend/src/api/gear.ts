// The runner's shoes (decision 64). Shapes are the spec's (gear.yaml).
import { api } from "./client";
import type { components } from "./schema.gen";
import type { Run } from "./types";

export type Gear = components["schemas"]["Gear"];
export type GearWrite = components["schemas"]["GearWrite"];
export type GearUpdate = components["schemas"]["GearUpdate"];

export const gear = {
  list: async () => (await api.get<{ items: Gear[] }>("/api/web/gear")).items,
  create: (body: GearWrite) => api.post<Gear>("/api/web/gear", body),
  update: (id: number, body: GearUpdate) => api.patch<Gear>(`/api/web/gear/${id}`, body),
  remove: (id: number) => api.delete<void>(`/api/web/gear/${id}`),
  /** The run page's choice: a pair, or none. */
  wear: (runId: number, gearId: number | null) => api.patch<Run>(`/api/web/runs/${runId}`, { gear_id: gearId }),
};
