import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { ConfirmEmailPage } from "./ConfirmEmail";
import { ResetPasswordPage } from "./ResetPassword";

afterEach(() => vi.unstubAllGlobals());

function openLink(path: string, token: string) {
  window.history.replaceState(null, "", `${path}#token=${token}`);
}

describe("choosing a new password from the emailed link", () => {
  beforeEach(() => openLink("/reset-password", "tok-123"));

  it("sends the link's token with the new password, then sends the runner to log in", async () => {
    const { calls } = fakeApi({
      "POST /api/web/password-reset/confirm": () => ({ body: sessionFor(null) }),
    });
    renderWithSession(<ResetPasswordPage />, sessionFor(null));
    // The token leaves the address bar as soon as it is read.
    expect(window.location.hash).toBe("");
    await userEvent.type(screen.getByLabelText("New password"), "copper heron 61 meadow");
    await userEvent.click(screen.getByRole("button", { name: "Set my new password" }));

    expect(await screen.findByRole("status")).toHaveTextContent("every device was logged out");
    expect(calls[0].body).toEqual({ token: "tok-123", new_password: "copper heron 61 meadow" });
    expect(screen.getByRole("link", { name: "Log in" })).toHaveAttribute("href", "/login");
  });

  it("keeps the link's token when the page is mounted again after it left the address bar", async () => {
    const { calls } = fakeApi({
      "POST /api/web/password-reset/confirm": () => ({ body: sessionFor(null) }),
    });
    const first = renderWithSession(<ResetPasswordPage />, sessionFor(null));
    expect(window.location.hash).toBe("");
    first.unmount();
    renderWithSession(<ResetPasswordPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("New password"), "copper heron 61 meadow");
    await userEvent.click(screen.getByRole("button", { name: "Set my new password" }));
    expect(await screen.findByRole("status")).toBeInTheDocument();
    expect(calls[0].body).toMatchObject({ token: "tok-123" });
  });

  it("puts a weak password's problem beside the field and keeps the form", async () => {
    fakeApi({
      "POST /api/web/password-reset/confirm": () => ({
        status: 422,
        body: {
          code: "weak_password",
          message: "body.new_password: must be at least 10 characters",
          request_id: "r",
          errors: [{ field: "body.new_password", message: "must be at least 10 characters" }],
        },
      }),
    });
    renderWithSession(<ResetPasswordPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("New password"), "short");
    await userEvent.click(screen.getByRole("button", { name: "Set my new password" }));
    expect(await screen.findByText("Must be at least 10 characters")).toBeInTheDocument();
    expect(screen.getByLabelText("New password")).toHaveAttribute("aria-invalid", "true");
  });

  it("explains a used link and offers a new one", async () => {
    fakeApi({
      "POST /api/web/password-reset/confirm": () => ({
        status: 400,
        body: {
          code: "invalid_token",
          message: "body.token: this link was already used; ask for a new one if you need it",
          request_id: "r",
          errors: [{ field: "body.token", message: "this link was already used; ask for a new one if you need it" }],
        },
      }),
    });
    renderWithSession(<ResetPasswordPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("New password"), "copper heron 61 meadow");
    await userEvent.click(screen.getByRole("button", { name: "Set my new password" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This link was already used; ask for a new one if you need it.");
    expect(alert).not.toHaveTextContent("body.token");
    expect(screen.getByRole("link", { name: "Ask for a new link" })).toHaveAttribute("href", "/forgot-password");
  });

  it("without a token says where the page comes from", () => {
    window.history.replaceState(null, "", "/reset-password");
    fakeApi({});
    renderWithSession(<ResetPasswordPage />, sessionFor(null));
    expect(screen.getByRole("alert")).toHaveTextContent("This page opens from the link in your password reset email.");
    expect(screen.queryByLabelText("New password")).not.toBeInTheDocument();
  });
});

describe("confirming a new email address from the emailed link", () => {
  beforeEach(() => openLink("/confirm-email", "mail-tok"));

  it("confirms on the button, not on opening, and shows the new address", async () => {
    const { calls } = fakeApi({
      "POST /api/web/profile/email/confirm": () => ({ body: sessionFor({ ...runner, email: "new@example.org" }) }),
    });
    renderWithSession(<ConfirmEmailPage />);
    expect(calls).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Confirm this address" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Your account's email address is now new@example.org.");
    expect(calls[0].body).toEqual({ token: "mail-tok" });
  });

  it("opened logged out, it confirms and offers to log in with the new address", async () => {
    fakeApi({ "POST /api/web/profile/email/confirm": () => ({ body: sessionFor(null) }) });
    renderWithSession(<ConfirmEmailPage />, sessionFor(null));
    await userEvent.click(screen.getByRole("button", { name: "Confirm this address" }));
    expect(await screen.findByRole("link", { name: "Log in with your new address" })).toBeInTheDocument();
  });

  it("explains an expired link", async () => {
    fakeApi({
      "POST /api/web/profile/email/confirm": () => ({
        status: 400,
        body: {
          code: "invalid_token",
          message: "body.token: this link has expired; ask for a new one",
          request_id: "r",
          errors: [{ field: "body.token", message: "this link has expired; ask for a new one" }],
        },
      }),
    });
    renderWithSession(<ConfirmEmailPage />);
    await userEvent.click(screen.getByRole("button", { name: "Confirm this address" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This link has expired; ask for a new one.");
    expect(screen.getByRole("link", { name: "Change your email in your profile" })).toBeInTheDocument();
  });
});
