import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ShareLink } from "../api/sharing";
import { fakeApi, renderWithSession } from "../test/helpers";
import { ShareLinks } from "./ShareLinks";

afterEach(() => vi.unstubAllGlobals());

const link: ShareLink = {
  id: 9,
  run_id: 4,
  race_id: null,
  show_hr: true,
  created_at: "2026-12-07T10:00:00Z",
  expires_at: "2026-12-14T10:00:00Z",
};

describe("sharing a run", () => {
  it("makes a link with the runner's choices, shows it once, lists it and revokes it", async () => {
    let links: ShareLink[] = [];
    const { calls } = fakeApi({
      "GET /api/web/share-links": () => ({ body: { items: links } }),
      "POST /api/web/share-links": () => {
        links = [link];
        return { status: 201, body: { ...link, path: "/s/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" } };
      },
      "DELETE /api/web/share-links/9": () => {
        links = [];
        return { status: 204 };
      },
    });
    renderWithSession(<ShareLinks target={{ run_id: 4 }} what="Morning loop" />);
    expect(await screen.findByText("No share link: only you can see this run.")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("checkbox", { name: "Show my heart rate" }));
    await userEvent.selectOptions(screen.getByLabelText("The link expires"), "After 7 days");
    await userEvent.click(screen.getByRole("button", { name: "Create share link for Morning loop" }));

    const shown = await screen.findByRole("textbox", { name: /shown only once/ });
    expect(shown).toHaveValue(`${window.location.origin}/s/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG`);
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ run_id: 4, show_hr: true, expires_in_days: 7 });
    expect(post?.headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(calls.find((c) => c.method === "GET")?.url).toBe("/api/web/share-links?run_id=4");

    const list = await screen.findByRole("list", { name: "Share links of Morning loop" });
    expect(within(list).getByText(/with heart rate/)).toBeInTheDocument();
    await userEvent.click(within(list).getByRole("button", { name: /^Revoke/ }));
    expect(await screen.findByText("Link revoked: it stops working within a few seconds.")).toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: /shown only once/ })).not.toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/web/share-links/9")).toBe(true);
    expect(await screen.findByText("No share link: only you can see this run.")).toBeInTheDocument();
  });

  it("offers no heart rate for a race result and says what a race link shows", async () => {
    const { calls } = fakeApi({ "GET /api/web/share-links": () => ({ body: { items: [] } }) });
    renderWithSession(<ShareLinks target={{ race_id: 3 }} what="City 10K" />);
    expect(await screen.findByText(/name, day, distance and your result time/)).toBeInTheDocument();
    expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
    expect(calls[0].url).toBe("/api/web/share-links?race_id=3");
  });
});
