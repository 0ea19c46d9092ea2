import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { EmailChange } from "./EmailChange";

afterEach(() => vi.unstubAllGlobals());

async function ask(email: string, password: string) {
  await userEvent.type(screen.getByLabelText("New email address"), email);
  await userEvent.type(screen.getByLabelText("Confirm with your password"), password);
  await userEvent.click(screen.getByRole("button", { name: "Change email" }));
}

describe("the profile's email section", () => {
  it("shows the address in use and, once asked, where the link went", async () => {
    const { calls } = fakeApi({
      "POST /api/web/profile/email": () => ({ status: 202, body: { status: "confirmation_sent", new_email: "new@example.org" } }),
    });
    renderWithSession(<EmailChange />);
    expect(screen.getByText("ada@example.org")).toBeInTheDocument();
    await ask("new@example.org", "plum violin 42 harbour");

    expect(await screen.findByRole("status")).toHaveTextContent("We sent a link to new@example.org.");
    expect(calls[0].body).toEqual({ new_email: "new@example.org", password: "plum violin 42 harbour" });
    expect(screen.getByLabelText("Confirm with your password")).toHaveValue("");
  });

  it("puts a taken address's message beside the new address", async () => {
    fakeApi({
      "POST /api/web/profile/email": () => ({
        status: 409,
        body: {
          code: "email_taken",
          message: "body.new_email: is already registered",
          request_id: "r",
          errors: [{ field: "body.new_email", message: "is already registered" }],
        },
      }),
    });
    renderWithSession(<EmailChange />);
    await ask("taken@example.org", "plum violin 42 harbour");
    const message = await screen.findByText("Is already registered");
    expect(screen.getByLabelText("New email address").getAttribute("aria-describedby")).toContain(message.id);
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  it("puts a wrong password's message beside the password", async () => {
    fakeApi({
      "POST /api/web/profile/email": () => ({
        status: 401,
        body: {
          code: "invalid_credentials",
          message: "body.password: is not your password",
          request_id: "r",
          errors: [{ field: "body.password", message: "is not your password" }],
        },
      }),
    });
    renderWithSession(<EmailChange />);
    await ask("new@example.org", "wrong");
    expect(await screen.findByText("Is not your password")).toBeInTheDocument();
    expect(screen.getByLabelText("Confirm with your password")).toHaveAttribute("aria-invalid", "true");
  });
});
