import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppGrant } from "../api/apps";
import { fakeApi, renderWithSession } from "../test/helpers";
import { AppsSection } from "./AppsSection";

afterEach(() => vi.unstubAllGlobals());

const APP: AppGrant = {
  id: "a".repeat(32),
  kind: "app",
  client_id: "run-stats",
  name: "Run Stats",
  scopes: [{ scope: "runs:read", description: "See your runs" }],
  created_at: "2026-12-01T10:00:00Z",
  last_used_at: "2026-12-06T10:00:00Z",
  expires_at: null,
};

describe("the profile's apps", () => {
  it("lists the authorized apps and revokes one", async () => {
    let grants = [APP];
    const { calls } = fakeApi({
      "GET /api/web/apps": () => ({ body: { grants } }),
      [`DELETE /api/web/apps/${APP.id}`]: () => {
        grants = [];
        return { status: 204 };
      },
    });
    renderWithSession(<AppsSection />);
    expect(await screen.findByText("Run Stats")).toBeInTheDocument();
    expect(screen.getByText(/See your runs/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Revoke Run Stats" }));
    expect(await screen.findByText("No app or token has access to your account.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.headers["X-CSRF-Token"] === "csrf-123")).toBe(true);
  });

  it("creates a personal token with the scopes and days chosen, and shows it once", async () => {
    const { calls } = fakeApi({
      "GET /api/web/apps": () => ({ body: { grants: [] } }),
      "POST /api/web/apps/tokens": () => ({
        status: 201,
        body: { token: "rly_pat_secret", grant: { ...APP, kind: "personal", name: "export", client_id: null } },
      }),
    });
    renderWithSession(<AppsSection />);
    await userEvent.type(await screen.findByLabelText("Name"), "export");
    await userEvent.click(screen.getByLabelText("Read my profile"));
    await userEvent.selectOptions(screen.getByLabelText("Expires after"), "90");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));
    expect(await screen.findByText("rly_pat_secret")).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ name: "export", scopes: ["runs:read", "users:read"], days: 90 });
    await waitFor(() => expect(calls.filter((c) => c.method === "GET")).toHaveLength(2));
  });
});
