import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDistance } from "../lib/units";
import { useSession } from "../session";
import { fakeApi, renderWithSession, runner, sessionFor, type Call } from "../test/helpers";
import { ProfilePage } from "./Profile";

afterEach(() => vi.unstubAllGlobals());

/** Without the reads of the profile's own sections (apps, two-factor, email...), made when they show. */
const ownCalls = (calls: Call[]) =>
  calls.filter((c) => !/^\/api\/web\/(apps|profile\/two-factor|email-preferences|exports|gear|privacy-zones)$/.test(c.url));

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
    expect(ownCalls(calls)[0].body).toEqual({ units: "imperial" });
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

describe("the profile's weight in the runner's units", () => {
  it("shows and takes pounds for an imperial runner, and sends kilograms", async () => {
    const { calls } = fakeApi({
      "PATCH /api/web/profile": (call) => ({ body: { ...runner, units: "imperial", ...(call.body as object) } }),
    });
    const patches = () => calls.filter((c) => c.method === "PATCH");
    renderWithSession(<ProfilePage />, sessionFor({ ...runner, units: "imperial", weight: 58 }));
    const weight = screen.getByLabelText("Weight (lb)");
    expect(weight).toHaveValue(127.9);
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    expect(patches()).toHaveLength(0); // the rounding of 58 kg to 127.9 lb is no change
    await userEvent.clear(weight);
    await userEvent.type(weight, "150");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await vi.waitFor(() => expect(patches()).toHaveLength(1));
    expect(patches()[0].body).toEqual({ weight: 68.04 });
  });

  it("turns the weight into pounds once the runner switches to miles", async () => {
    fakeApi({ "PATCH /api/web/profile": (call) => ({ body: { ...runner, ...(call.body as object) } }) });
    renderWithSession(<ProfilePage />);
    expect(screen.getByLabelText("Weight (kg)")).toHaveValue(58);
    await userEvent.selectOptions(screen.getByLabelText("Units"), "imperial");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByLabelText("Weight (lb)")).toHaveValue(127.9);
  });
});

/** As App shows it: the page only while someone is logged in. */
function ProfileWhileLoggedIn() {
  const { user } = useSession();
  return user ? <ProfilePage /> : <p>Logged out.</p>;
}

describe("the profile's password and sessions", () => {
  it("changes the password with the current one and keeps the renewed session's CSRF token", async () => {
    const { calls } = fakeApi({
      "POST /api/web/profile/password": () => ({ body: { user: runner, csrf_token: "csrf-renewed", strava: null } }),
      "PATCH /api/web/profile": (call) => ({ body: { ...runner, ...(call.body as object) } }),
    });
    renderWithSession(<ProfilePage />);
    await userEvent.type(screen.getByLabelText("Current password"), "plum violin 42 harbour");
    await userEvent.type(screen.getByLabelText("New password"), "marble otter 77 lantern");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText(/Password changed/)).toBeInTheDocument();
    expect(ownCalls(calls)[0].body).toEqual({ current_password: "plum violin 42 harbour", new_password: "marble otter 77 lantern" });
    expect(screen.getByLabelText("Current password")).toHaveValue("");
    // The next state change sends the renewed session's token, not the old one.
    await userEvent.selectOptions(screen.getByLabelText("Units"), "imperial");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(ownCalls(calls)[1].headers["X-CSRF-Token"]).toBe("csrf-renewed");
  });

  it("shows a wrong current password beside its field and a throttle's wait", async () => {
    let answer = 0;
    fakeApi({
      "POST /api/web/profile/password": () =>
        answer++ === 0
          ? { status: 401, body: { code: "invalid_credentials", message: "body.current_password: is not your password", request_id: "r", errors: [{ field: "body.current_password", message: "is not your password" }] } }
          : { status: 429, body: { code: "too_many_attempts", message: "too many wrong passwords; try again in 840 s", request_id: "r", errors: [] } },
    });
    renderWithSession(<ProfilePage />);
    const current = screen.getByLabelText("Current password");
    await userEvent.type(current, "a wrong guess");
    await userEvent.type(screen.getByLabelText("New password"), "marble otter 77 lantern");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    const message = await screen.findByText("Is not your password");
    expect(current.getAttribute("aria-describedby")).toContain(message.id);
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText("Too many wrong passwords; try again in 840 s.")).toBeInTheDocument();
  });

  it("logs out everywhere after asking, then goes to the login page", async () => {
    const { calls } = fakeApi({
      "POST /api/web/logout-everywhere": () => ({ body: { user: null, csrf_token: "csrf-anon", strava: null } }),
      "GET /api/web/session": () => ({ body: { user: null, csrf_token: "csrf-anon", strava: null } }),
    });
    vi.stubGlobal("confirm", () => true);
    renderWithSession(<ProfileWhileLoggedIn />);
    await userEvent.click(screen.getByRole("button", { name: "Log out everywhere" }));
    expect(await screen.findByText("Logged out.")).toBeInTheDocument();
    await vi.waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(ownCalls(calls).map((c) => `${c.method} ${c.url}`)).toEqual(["POST /api/web/logout-everywhere", "GET /api/web/session"]);
    expect(ownCalls(calls)[0].headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("does nothing when the runner does not confirm", async () => {
    const { calls } = fakeApi({});
    vi.stubGlobal("confirm", () => false);
    renderWithSession(<ProfilePage />);
    await userEvent.click(screen.getByRole("button", { name: "Log out everywhere" }));
    expect(ownCalls(calls)).toEqual([]);
  });
});
