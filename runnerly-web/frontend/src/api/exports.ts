// "Export all my data" (decision 55): the worker builds the zip, the profile follows it.
// Shapes are the spec's (exports.yaml).
import { api } from "./client";
import type { components } from "./schema.gen";

export type DataExport = components["schemas"]["DataExport"];

const BASE = "/api/web/exports";

export const exports = {
  start: () => api.post<DataExport>(BASE),
  /** The runner's export, null when there is none. */
  current: async () => (await api.get<{ export: DataExport | null }>(BASE)).export,
  downloadUrl: (id: number) => `${BASE}/${id}/download`,
};
