import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { errorFrom } from "../api/client";
import { LoadError } from "./Status";

describe("a page that failed to load", () => {
  it("offers to try again after a failure on our side, with the reference to quote", async () => {
    const retry = vi.fn();
    window.history.pushState(null, "", "/runs/2026/11");
    render(<LoadError error={errorFrom(502, { code: "bad_gateway", message: "upstream failed", request_id: "req-9" })} retry={retry} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Runnerly could not load this.");
    expect(alert).toHaveTextContent("Reference: req-9");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(retry).toHaveBeenCalledOnce();
    expect(screen.getByRole("link", { name: "Dashboard" })).toHaveAttribute("href", "/");
  });

  it("sends a runner whose session ended to log in again, rather than retrying", () => {
    render(<LoadError error={errorFrom(401, { code: "not_authenticated", message: "log in first" })} retry={() => {}} />);
    expect(screen.getByRole("alert")).toHaveTextContent("You are logged out.");
    expect(screen.getByRole("link", { name: "Log in again" })).toHaveAttribute("href", "/login");
    expect(screen.queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
  });

  it("offers a way back, not a pointless retry, for something not found", () => {
    window.history.pushState(null, "", "/runs/999");
    render(<LoadError error={errorFrom(404, { code: "not_found", message: "run 999 not found" })} retry={() => {}} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Not found. Run 999 not found.");
    expect(screen.queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Go back" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Dashboard" })).toBeInTheDocument();
  });

  it("offers only to try again for a part of the dashboard itself", () => {
    window.history.pushState(null, "", "/");
    render(<LoadError error={errorFrom(503, { code: "service_unavailable", message: "the sign-in service cannot be reached; try again shortly" })} retry={() => {}} />);
    expect(screen.getByRole("alert")).toHaveTextContent("The sign-in service cannot be reached; try again shortly.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Dashboard" })).not.toBeInTheDocument();
  });
});
