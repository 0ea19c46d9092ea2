// Share links, privacy zones and the public shared page (decision 65). Shapes are the spec's
// (sharing.yaml).
import { api, errorFrom } from "./client";
import type { components } from "./schema.gen";

export type ShareLink = components["schemas"]["ShareLink"];
export type NewShareLink = ShareLink & { path: string };
export type PrivacyZone = components["schemas"]["PrivacyZone"];
export type Shared = components["schemas"]["Shared"];
export type ShareTarget = { run_id: number } | { race_id: number };

export const sharing = {
  links: async (target: ShareTarget) => {
    const [key, id] = Object.entries(target)[0];
    return (await api.get<{ items: ShareLink[] }>(`/api/web/share-links?${key}=${id}`)).items;
  },
  create: (body: ShareTarget & { show_hr?: boolean; expires_in_days?: number }) =>
    api.post<NewShareLink>("/api/web/share-links", body),
  revoke: (id: number) => api.delete<void>(`/api/web/share-links/${id}`),
  zones: async () => (await api.get<{ items: PrivacyZone[] }>("/api/web/privacy-zones")).items,
  addZone: (body: { label: string; lat: number; lon: number; radius: number }) =>
    api.post<PrivacyZone>("/api/web/privacy-zones", body),
  deleteZone: (id: number) => api.delete<void>(`/api/web/privacy-zones/${id}`),
  /** What a link shows, read with no session and no cookie (the page is public). */
  shared: async (token: string): Promise<Shared> => {
    const response = await fetch(`/api/web/shared/${encodeURIComponent(token)}`, {
      credentials: "omit",
      headers: { Accept: "application/json" },
    });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw errorFrom(response.status, body);
    return body as Shared;
  },
};

/** The full address of a link's public page, to copy and send. */
export function shareUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}
