import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { TwoFactorSection } from "./TwoFactorSection";

afterEach(() => vi.unstubAllGlobals());

const off = { enabled: false, pending: false, enabled_at: null, recovery_codes_left: 0 };
const on = { enabled: true, pending: false, enabled_at: "2026-12-07T10:00:00+00:00", recovery_codes_left: 9 };
const codes = Array.from({ length: 10 }, (_, i) => `abcd${i}-efgh${i}`);
const QR = "data:image/svg+xml;charset=utf-8,%3Csvg%3E%3C%2Fsvg%3E";

describe("two-factor sign-in in the profile", () => {
  it("shows the QR code and the key, turns on with a first code, then shows the recovery codes once", async () => {
    let enabled = false;
    const { calls } = fakeApi({
      "GET /api/web/profile/two-factor": () => ({ body: enabled ? { ...on, recovery_codes_left: 10 } : off }),
      "POST /api/web/profile/two-factor/enrolment": () => ({
        status: 201,
        body: { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x", qr_svg: QR },
      }),
      "POST /api/web/profile/two-factor/confirm": () => {
        enabled = true;
        return { body: { enabled_at: on.enabled_at, recovery_codes: codes } };
      },
    });
    renderWithSession(<TwoFactorSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Set up two-factor sign-in" }));
    const qr = await screen.findByRole("img", { name: /QR code/ });
    expect(qr).toHaveAttribute("src", QR);
    expect(screen.getByTestId("two-factor-secret")).toHaveTextContent("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    const code = screen.getByLabelText("Code from your app");
    expect(code).toHaveAttribute("autocomplete", "one-time-code");
    await userEvent.type(code, "123456");
    await userEvent.click(screen.getByRole("button", { name: "Turn on" }));

    const list = await screen.findByRole("list");
    expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual(codes);
    const download = screen.getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("download", "runnerly-recovery-codes.txt");
    expect(decodeURIComponent(download.getAttribute("href")!)).toContain(codes[9]);
    expect(calls.find((c) => c.url.endsWith("/confirm"))!.body).toEqual({ code: "123456" });

    await userEvent.click(screen.getByRole("button", { name: "I have saved them" }));
    expect(await screen.findByText(/10 recovery codes left/)).toBeInTheDocument();
    expect(screen.queryByText(codes[0])).toBeNull();
  });

  it("names a wrong first code beside the code field", async () => {
    fakeApi({
      "GET /api/web/profile/two-factor": () => ({ body: off }),
      "POST /api/web/profile/two-factor/enrolment": () => ({
        status: 201,
        body: { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/x", qr_svg: QR },
      }),
      "POST /api/web/profile/two-factor/confirm": () => ({
        status: 401,
        body: {
          code: "invalid_code",
          message: "body.code: this code is not right",
          request_id: "r",
          errors: [{ field: "body.code", message: "this code is not right, or was used already; enter the newest one your app shows" }],
        },
      }),
    });
    renderWithSession(<TwoFactorSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Set up two-factor sign-in" }));
    await userEvent.type(await screen.findByLabelText("Code from your app"), "000000");
    await userEvent.click(screen.getByRole("button", { name: "Turn on" }));
    expect(await screen.findByText(/This code is not right, or was used already/)).toBeInTheDocument();
    expect(screen.getByLabelText("Code from your app")).toHaveAttribute("aria-invalid", "true");
  });

  it("turns off with the password and a recovery code", async () => {
    let enabled = true;
    const { calls } = fakeApi({
      "GET /api/web/profile/two-factor": () => ({ body: enabled ? on : off }),
      "POST /api/web/profile/two-factor/disable": () => {
        enabled = false;
        return { body: off };
      },
    });
    vi.stubGlobal("confirm", () => true);
    renderWithSession(<TwoFactorSection />);
    expect(await screen.findByText(/9 recovery codes left/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Your password"), "plum violin 42 harbour");
    await userEvent.click(screen.getByRole("button", { name: "Use a recovery code" }));
    await userEvent.type(screen.getByLabelText("Recovery code"), "abcde-fghjk");
    await userEvent.click(screen.getByRole("button", { name: "Turn off two-factor sign-in" }));
    expect(await screen.findByRole("button", { name: "Set up two-factor sign-in" })).toBeInTheDocument();
    expect(calls.find((c) => c.url.endsWith("/disable"))!.body).toEqual({
      password: "plum violin 42 harbour",
      recovery_code: "abcde-fghjk",
    });
  });

  it("makes new recovery codes against a code and shows them", async () => {
    fakeApi({
      "GET /api/web/profile/two-factor": () => ({ body: on }),
      "POST /api/web/profile/two-factor/recovery-codes": () => ({ body: { recovery_codes: codes } }),
    });
    renderWithSession(<TwoFactorSection />);
    const form = (await screen.findByRole("heading", { name: "New recovery codes" })).closest("form")!;
    await userEvent.type(within(form).getByLabelText("Code from your app"), "654321");
    await userEvent.click(within(form).getByRole("button", { name: "Make new recovery codes" }));
    expect(await screen.findByText(codes[4])).toBeInTheDocument();
  });
});
