// Which optional mail the runner wants (decision 56): the profile's "Email" section.
// Shapes are the spec's (email.yaml).
import { api } from "./client";
import type { components, operations } from "./schema.gen";

export type EmailPreferences = components["schemas"]["EmailPreferences"];
export type EmailPreferencesChange = NonNullable<
  operations["updateEmailPreferences"]["requestBody"]
>["content"]["application/json"];

export const emailPreferences = {
  get: () => api.get<EmailPreferences>("/api/web/email-preferences"),
  update: (change: EmailPreferencesChange) => api.patch<EmailPreferences>("/api/web/email-preferences", change),
};
