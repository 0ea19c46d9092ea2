import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, sessionFor } from "../test/helpers";
import { LoginPage } from "./Auth";
import { ForgotPasswordPage } from "./ForgotPassword";

afterEach(() => vi.unstubAllGlobals());

const SAID = "If an account uses this address, an email with a link to choose a new password is on its way. The link works once, for 60 minutes.";

describe("forgot password", () => {
  it("is linked from the login page", () => {
    renderWithSession(<LoginPage />, sessionFor(null));
    expect(screen.getByRole("link", { name: "Forgot your password?" })).toHaveAttribute("href", "/forgot-password");
  });

  it("asks for a link with the CSRF token and shows the server's words, the same for any address", async () => {
    const { calls } = fakeApi({
      "POST /api/web/password-reset": () => ({ status: 202, body: { status: "requested", message: SAID } }),
    });
    renderWithSession(<ForgotPasswordPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("Email"), " ada@example.org ");
    await userEvent.click(screen.getByRole("button", { name: "Send me a link" }));

    expect(await screen.findByRole("status")).toHaveTextContent(SAID);
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toEqual({ email: "ada@example.org" });
    expect(calls[0].headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(screen.queryByLabelText("Email")).not.toBeInTheDocument();
  });

  it("says when to try again after too many requests", async () => {
    fakeApi({
      "POST /api/web/password-reset": () => ({
        status: 429,
        body: { code: "too_many_requests", message: "Too many reset requests; try again in 3540 s", request_id: "r" },
      }),
    });
    renderWithSession(<ForgotPasswordPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.org");
    await userEvent.click(screen.getByRole("button", { name: "Send me a link" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/try again/i);
    expect(screen.getByLabelText("Email")).toHaveValue("ada@example.org");
  });
});
