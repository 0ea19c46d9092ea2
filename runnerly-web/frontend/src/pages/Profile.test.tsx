import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDistance } from "../lib/units";
import { useSession } from "../session";
import { fakeApi, renderWithSession, runner } from "../test/helpers";
import { ProfilePage } from "./Profile";

afterEach(() => vi.unstubAllGlobals());

function ElsewhereOnThePage() {
  const { units } = useSession();
  return <p data-testid="elsewhere">{formatDistance(5000, units)}</p>;
}

describe("the profile's km/mi switch", () => {
  it("saves only the change and applies the new unit everywhere at once", async () => {
    const { calls } = fakeApi({
      "PATCH /api/web/profile": (call) => ({ body: { ...runner, ...(call.body as object) } }),
    });
    renderWithSession(
      <>
        <ProfilePage />
        <ElsewhereOnThePage />
      </>,
    );
    expect(screen.getByTestId("elsewhere")).toHaveTextContent("5.00 km");
    await userEvent.selectOptions(screen.getByLabelText("Units"), "imperial");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    expect(calls[0].body).toEqual({ units: "imperial" });
    expect(screen.getByTestId("elsewhere")).toHaveTextContent("3.11 mi");
  });

  it("shows an out-of-range value's message beside that field", async () => {
    fakeApi({
      "PATCH /api/web/profile": () => ({
        status: 400,
        body: { code: "invalid_request", message: "Invalid", request_id: "r", errors: [{ field: "body.max_hr", message: "Must be at most 250." }] },
      }),
    });
    renderWithSession(<ProfilePage />);
    const maxHr = screen.getByLabelText("Maximum heart rate (bpm)");
    await userEvent.clear(maxHr);
    await userEvent.type(maxHr, "300");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const message = await screen.findByText("Must be at most 250.");
    expect(maxHr.getAttribute("aria-describedby")).toContain(message.id);
    expect(screen.getByLabelText("Age")).not.toHaveAttribute("aria-invalid");
  });
});
