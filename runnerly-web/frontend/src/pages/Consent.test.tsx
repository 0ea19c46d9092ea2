import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { afterLogin, leave, loginFor } from "../api/apps";
import { fakeApi, renderWithSession } from "../test/helpers";
import { ConsentPage } from "./Consent";

const QUERY =
  "client_id=run-stats&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcb&response_type=code" +
  "&scope=runs%3Aread&state=abc&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
const ASKED = {
  client_id: "run-stats",
  app_name: "Run Stats",
  redirect_uri: "http://127.0.0.1:5555/cb",
  scopes: [{ scope: "runs:read", description: "See your runs: dates, distances, times, routes and heart rate" }],
};

let went: string[] = [];
const realLeave = leave.to;
beforeEach(() => {
  went = [];
  leave.to = (uri: string) => void went.push(uri);
});
afterEach(() => {
  leave.to = realLeave;
  vi.unstubAllGlobals();
});

describe("the consent page", () => {
  it("names the app and what it asks in words, and Allow sends the browser back with the code", async () => {
    const { calls } = fakeApi({
      "GET /api/web/oauth/authorize/check": () => ({ body: ASKED }),
      "POST /api/web/oauth/authorize": () => ({ body: { redirect_to: "http://127.0.0.1:5555/cb?code=c0de&state=abc" } }),
    });
    renderWithSession(<ConsentPage query={QUERY} />);
    expect(await screen.findByRole("heading", { name: /Allow Run Stats/ })).toBeInTheDocument();
    expect(screen.getByText(/See your runs/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Allow" }));
    await waitFor(() => expect(went).toEqual(["http://127.0.0.1:5555/cb?code=c0de&state=abc"]));
    // The request goes on in the query, as the app sent it; the answer in the body.
    const asked = new URL(calls[0].url, "http://localhost").searchParams;
    expect([asked.get("client_id"), asked.get("state"), asked.get("code_challenge_method")]).toEqual(["run-stats", "abc", "S256"]);
    expect(asked.get("redirect_uri")).toBe("http://127.0.0.1:5555/cb");
    expect(new URL(calls[1].url, "http://localhost").searchParams.get("client_id")).toBe("run-stats");
    expect(calls[1].body).toEqual({ allow: true });
    expect(calls[1].headers["X-CSRF-Token"]).toBe("csrf-123");
  });

  it("Deny answers allow: false and follows the app's redirect", async () => {
    const { calls } = fakeApi({
      "GET /api/web/oauth/authorize/check": () => ({ body: ASKED }),
      "POST /api/web/oauth/authorize": () => ({ body: { redirect_to: "http://127.0.0.1:5555/cb?error=access_denied" } }),
    });
    renderWithSession(<ConsentPage query={QUERY} />);
    await userEvent.click(await screen.findByRole("button", { name: "Deny" }));
    await waitFor(() => expect(went).toEqual(["http://127.0.0.1:5555/cb?error=access_denied"]));
    expect(calls[1].body).toEqual({ allow: false });
  });

  it("never redirects when the app or its redirect URI is not trusted", async () => {
    fakeApi({
      "GET /api/web/oauth/authorize/check": () => ({
        status: 400,
        body: { code: "invalid_request", message: "redirect_uri is not one this app registered", request_id: "r" },
      }),
    });
    renderWithSession(<ConsentPage query={QUERY} />);
    expect(await screen.findByRole("heading", { name: "This app cannot be connected" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Allow" })).toBeNull();
    expect(went).toEqual([]);
  });

  it("sends other faults back to the app", async () => {
    fakeApi({
      "GET /api/web/oauth/authorize/check": () => ({
        status: 400,
        body: { code: "invalid_scope", message: "no", request_id: "r", redirect_to: "http://127.0.0.1:5555/cb?error=invalid_scope" },
      }),
    });
    renderWithSession(<ConsentPage query={QUERY} />);
    await waitFor(() => expect(went).toEqual(["http://127.0.0.1:5555/cb?error=invalid_scope"]));
  });
});

describe("login on the way to the consent page", () => {
  it("comes back to the consent page, and nowhere else", () => {
    const path = `/oauth/authorize?${QUERY}`;
    const login = loginFor("/oauth/authorize", path);
    const next = new URLSearchParams(login.split("?")[1]).get("next");
    expect(afterLogin(next)).toBe(path);
    expect(loginFor("/runs", "/runs")).toBe("/login");
    expect(afterLogin("https://evil.example/")).toBe("/");
    expect(afterLogin("//evil.example/oauth/authorize?x")).toBe("/");
    expect(afterLogin(null)).toBe("/");
  });
});
