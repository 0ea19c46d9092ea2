import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { EmailSection } from "./EmailSection";

afterEach(() => vi.unstubAllGlobals());

describe("the profile's email preferences", () => {
  it("shows the report on the 1st and moves it to the 15th", async () => {
    let prefs = { monthly_report: true, report_day: 1 };
    const { calls } = fakeApi({
      "GET /api/web/email-preferences": () => ({ body: prefs }),
      "PATCH /api/web/email-preferences": (call) => {
        prefs = { ...prefs, ...(call.body as object) };
        return { body: prefs };
      },
    });
    renderWithSession(<EmailSection />);
    const box = await screen.findByLabelText("Send me the monthly report");
    expect(box).toBeChecked();
    const day = screen.getByLabelText("It arrives on the");
    expect(day).toHaveValue("1");
    await userEvent.selectOptions(day, "15");
    expect(await screen.findByText("Saved: your report comes on the 15th of each month.")).toBeInTheDocument();
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toEqual({ report_day: 15 });
    expect(patch?.headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("turns the report off, and the day with it", async () => {
    const { calls } = fakeApi({
      "GET /api/web/email-preferences": () => ({ body: { monthly_report: true, report_day: 3 } }),
      "PATCH /api/web/email-preferences": () => ({ body: { monthly_report: false, report_day: 3 } }),
    });
    renderWithSession(<EmailSection />);
    const box = await screen.findByLabelText("Send me the monthly report");
    await userEvent.click(box);
    expect(box).not.toBeChecked(); // at once, before the server answers
    expect(await screen.findByText("Saved: no more monthly reports.")).toBeInTheDocument();
    expect(screen.getByLabelText("Send me the monthly report")).not.toBeChecked();
    expect(screen.getByLabelText("It arrives on the")).toBeDisabled();
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ monthly_report: false });
  });

  it("names what went wrong when the change is refused", async () => {
    fakeApi({
      "GET /api/web/email-preferences": () => ({ body: { monthly_report: true, report_day: 1 } }),
      "PATCH /api/web/email-preferences": () => ({
        status: 400,
        body: {
          code: "invalid_request",
          message: "body.report_day: 29 is greater than the maximum of 28",
          request_id: "r1",
          errors: [{ field: "body.report_day", message: "29 is greater than the maximum of 28" }],
        },
      }),
    });
    renderWithSession(<EmailSection />);
    await userEvent.selectOptions(await screen.findByLabelText("It arrives on the"), "28");
    expect(await screen.findByRole("alert")).toBeInTheDocument();
    expect(screen.queryByText(/Saved/)).not.toBeInTheDocument();
    expect(screen.getByLabelText("It arrives on the")).toHaveValue("1"); // what is stored
  });
});
