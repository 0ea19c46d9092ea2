import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession, sessionFor } from "../test/helpers";
import { LoginPage, SignupPage } from "./Auth";

afterEach(() => vi.unstubAllGlobals());

describe("sign-up form errors", () => {
  it("puts each message the API names beside its own field, and sends the CSRF token", async () => {
    const { calls } = fakeApi({
      "POST /api/web/signup": () => ({
        status: 422,
        body: {
          code: "invalid_request",
          message: "Some fields are not valid.",
          request_id: "r1",
          errors: [
            { field: "body.password", message: "Too easy to guess: avoid common words." },
            { field: "body.email", message: "This email is already registered." },
          ],
        },
      }),
    });
    renderWithSession(<SignupPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "password123");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));

    const password = screen.getByLabelText("Password");
    const email = screen.getByLabelText("Email");
    const passwordError = await screen.findByText("Too easy to guess: avoid common words.");
    const emailError = screen.getByText("This email is already registered.");
    expect(password.getAttribute("aria-describedby")).toContain(passwordError.id);
    expect(email.getAttribute("aria-describedby")).toContain(emailError.id);
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("First name")).not.toHaveAttribute("aria-invalid");
    expect(screen.getByRole("alert")).toHaveTextContent("Please correct the fields marked below.");

    expect(calls[0].headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(calls[0].body).toMatchObject({ email: "ada@example.org", password: "password123" });
  });

  it("shows an error that names no field above the form", async () => {
    fakeApi({
      "POST /api/web/login": () => ({
        status: 429,
        body: { code: "too_many_attempts", message: "Too many failed logins. Try again in 60 seconds.", request_id: "r2" },
      }),
    });
    renderWithSession(<LoginPage />, sessionFor(null));
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many failed logins. Try again in 60 seconds.");
    expect(screen.getByLabelText("Password")).not.toHaveAttribute("aria-invalid");
  });
});
