import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, runner, sessionFor } from "../test/helpers";

// Each test starts from a fresh module: what one started, another must not take.
async function fresh() {
  vi.resetModules();
  return import("./preload");
}

afterEach(() => vi.unstubAllGlobals());

describe("the first screen's calls, started before React draws", () => {
  it("are asked once, at startup, and each answer is taken once", async () => {
    let sessions = 0;
    const { calls } = fakeApi({
      "GET /api/web/session": () => ({ body: { ...sessionFor(runner), csrf_token: `c${++sessions}` } }),
      "GET /api/web/stats/summary": () => ({ body: { date: "2026-11-28" } }),
    });
    const { preloaded, preloadFirstScreen } = await fresh();
    preloadFirstScreen("/");
    // The session and the dashboard's whole first screen: two calls (decision 68).
    const asked = calls.map((c) => c.url.split("?")[0]);
    expect(asked).toEqual(["/api/web/session", "/api/web/dashboard"]);
    const load = () => Promise.resolve({ csrf_token: "fresh" });
    expect(await preloaded("session", load)).toMatchObject({ csrf_token: "c1" });
    expect(await preloaded("session", load)).toEqual({ csrf_token: "fresh" }); // taken once
    expect(calls.filter((c) => c.url === "/api/web/session")).toHaveLength(1);
  });

  it("asks again when the early call failed (no session yet)", async () => {
    fakeApi({ "GET /api/web/session": () => ({ status: 503, body: { code: "service_unavailable", message: "down", request_id: "t" } }) });
    const { preloaded, preloadFirstScreen } = await fresh();
    preloadFirstScreen("/runs");
    expect(await preloaded("session", () => Promise.resolve("asked again"))).toBe("asked again");
    expect(await preloaded("summary", () => Promise.resolve("not preloaded off the dashboard"))).toBe("not preloaded off the dashboard");
  });
});
