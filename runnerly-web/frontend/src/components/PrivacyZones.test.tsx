import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PrivacyZone } from "../api/sharing";
import { fakeApi, renderWithSession } from "../test/helpers";
import { PrivacyZones } from "./PrivacyZones";

afterEach(() => vi.unstubAllGlobals());

const home: PrivacyZone = { id: 1, label: "Home", lat: 48.85, lon: 2.35, radius: 300, created_at: "2026-12-07T10:00:00Z" };

describe("privacy zones in the profile", () => {
  it("adds a zone with the numbers typed and lists it with Remove", async () => {
    let zones: PrivacyZone[] = [];
    const { calls } = fakeApi({
      "GET /api/web/privacy-zones": () => ({ body: { items: zones } }),
      "POST /api/web/privacy-zones": () => {
        zones = [home];
        return { status: 201, body: home };
      },
      "DELETE /api/web/privacy-zones/1": () => {
        zones = [];
        return { status: 204 };
      },
    });
    renderWithSession(<PrivacyZones />);
    expect(await screen.findByText("No privacy zone yet.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Name"), "Home");
    await userEvent.type(screen.getByLabelText("Latitude"), "48.85");
    await userEvent.type(screen.getByLabelText("Longitude"), "2.35");
    await userEvent.clear(screen.getByLabelText("Radius (metres)"));
    await userEvent.type(screen.getByLabelText("Radius (metres)"), "300");
    await userEvent.click(screen.getByRole("button", { name: "Add zone" }));
    expect(await screen.findByText("Home added: shared routes now start and end outside it.")).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ label: "Home", lat: 48.85, lon: 2.35, radius: 300 });
    expect(await screen.findByText("48.85000, 2.35000 · 300 m", { exact: false })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Remove Home" }));
    expect(await screen.findByText("No privacy zone yet.")).toBeInTheDocument();
  });

  it("shows the API's message beside the radius it refused", async () => {
    fakeApi({
      "GET /api/web/privacy-zones": () => ({ body: { items: [] } }),
      "POST /api/web/privacy-zones": () => ({
        status: 400,
        body: {
          code: "invalid_request",
          message: "body.radius: must be at most 1000",
          request_id: "t",
          errors: [{ field: "body.radius", message: "must be at most 1000" }],
        },
      }),
    });
    renderWithSession(<PrivacyZones />);
    await userEvent.type(await screen.findByLabelText("Name"), "Work");
    await userEvent.type(screen.getByLabelText("Latitude"), "48");
    await userEvent.type(screen.getByLabelText("Longitude"), "2");
    // The browser's own range check would stop the form first; the API's answer is what is shown.
    screen.getByLabelText("Radius (metres)").removeAttribute("max");
    await userEvent.clear(screen.getByLabelText("Radius (metres)"));
    await userEvent.type(screen.getByLabelText("Radius (metres)"), "5000");
    await userEvent.click(screen.getByRole("button", { name: "Add zone" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Please correct the fields marked below.");
    expect(screen.getByLabelText("Radius (metres)")).toHaveAttribute("aria-invalid", "true");
  });
});
