import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoginPage } from "../pages/Auth";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";

afterEach(() => vi.unstubAllGlobals());

async function passwordStep() {
  renderWithSession(<LoginPage />, sessionFor(null));
  await userEvent.type(screen.getByLabelText("Email"), "ada@example.org");
  await userEvent.type(screen.getByLabelText("Password"), "plum violin 42 harbour");
  await userEvent.click(screen.getByRole("button", { name: "Log in" }));
}

const challenge = () => ({ body: { two_factor_required: true, csrf_token: "csrf-123" } });

describe("the login's second step", () => {
  it("asks the app's code after a right password, and logs in with it", async () => {
    const { calls } = fakeApi({
      "POST /api/web/login": challenge,
      "POST /api/web/login/two-factor": () => ({ body: { ...sessionFor(runner), csrf_token: "csrf-456" } }),
    });
    await passwordStep();
    const code = await screen.findByLabelText("Code from your app");
    expect(code).toHaveAttribute("autocomplete", "one-time-code");
    expect(code).toHaveAttribute("inputmode", "numeric");
    expect(screen.queryByLabelText("Password")).toBeNull();
    await userEvent.type(code, "287082");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await vi.waitFor(() => expect(calls.map((c) => c.url)).toContain("/api/web/login/two-factor"));
    const sent = calls.find((c) => c.url === "/api/web/login/two-factor")!;
    expect(sent.body).toEqual({ code: "287082" });
    expect(sent.headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("takes a recovery code instead, and shows a wrong one beside its field", async () => {
    const { calls } = fakeApi({
      "POST /api/web/login": challenge,
      "POST /api/web/login/two-factor": () => ({
        status: 401,
        body: {
          code: "invalid_code",
          message: "body.recovery_code: this recovery code is not right, or was used already",
          request_id: "r1",
          errors: [{ field: "body.recovery_code", message: "this recovery code is not right, or was used already" }],
        },
      }),
    });
    await passwordStep();
    await userEvent.click(await screen.findByRole("button", { name: "Use a recovery code" }));
    const field = screen.getByLabelText("Recovery code");
    await userEvent.type(field, "abcde-fghjk");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText("This recovery code is not right, or was used already")).toBeInTheDocument();
    expect(screen.getByLabelText("Recovery code")).toHaveAttribute("aria-invalid", "true");
    expect(calls.at(-1)!.body).toEqual({ recovery_code: "abcde-fghjk" });
  });

  it("offers to start again when the pending login has expired", async () => {
    fakeApi({
      "POST /api/web/login": challenge,
      "POST /api/web/login/two-factor": () => ({
        status: 401,
        body: {
          code: "two_factor_expired",
          message: "this sign-in has expired (it lasts 5 minutes); enter your email and password again",
          request_id: "r2",
        },
      }),
    });
    await passwordStep();
    await userEvent.type(await screen.findByLabelText("Code from your app"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await userEvent.click(await screen.findByRole("button", { name: "Log in again" }));
    expect(screen.getByLabelText("Password")).toHaveValue("");
    expect(screen.getByLabelText("Email")).toHaveValue("ada@example.org");
  });
});
