import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { AdminUsersPage } from "./AdminUsers";

afterEach(() => vi.unstubAllGlobals());

const boss = { ...runner, id: 1, email: "boss@example.org", first_name: "Grace", last_name: "Hopper", is_admin: true };

describe("an administrator resets a runner's two-factor sign-in", () => {
  it("asks first, then says whether the runner was told", async () => {
    const { calls } = fakeApi({
      "GET /api/web/admin/users": () => ({ body: { items: [boss, runner], total: 2, page: 1, per_page: 200 } }),
      "POST /api/web/admin/users/7/two-factor/reset": () => ({ body: { was_enabled: true, runner_told: true } }),
    });
    const confirm = vi.fn(() => true);
    vi.stubGlobal("confirm", confirm);
    renderWithSession(<AdminUsersPage />, sessionFor(boss));
    const reset = await screen.findByRole("button", { name: /^Reset two-factor\s*of Ada Runner$/ });
    // Not offered on the administrator's own row.
    expect(screen.queryByRole("button", { name: /Reset two-factor\s*of Grace Hopper/ })).toBeNull();
    await userEvent.click(reset);
    expect(confirm).toHaveBeenCalledOnce();
    expect(await screen.findByText("Two-factor sign-in removed; the runner was emailed.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.url)).toEqual(["/api/web/admin/users/7/two-factor/reset"]);
  });

  it("sends nothing when the administrator changes their mind", async () => {
    const { calls } = fakeApi({
      "GET /api/web/admin/users": () => ({ body: { items: [boss, runner], total: 2, page: 1, per_page: 200 } }),
    });
    vi.stubGlobal("confirm", () => false);
    renderWithSession(<AdminUsersPage />, sessionFor(boss));
    await userEvent.click(await screen.findByRole("button", { name: /^Reset two-factor\s*of Ada Runner$/ }));
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
  });
});
