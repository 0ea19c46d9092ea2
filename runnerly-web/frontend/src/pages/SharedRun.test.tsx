import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Shared } from "../api/sharing";
import { sharedToken } from "../lib/sharedPath";
import { fakeApi } from "../test/helpers";
import { SharedRunPage } from "./SharedRun";

afterEach(() => vi.unstubAllGlobals());

const TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

const run: Shared = {
  kind: "run",
  title: "Morning loop",
  date: "2026-03-02",
  sport_type: "Run",
  distance: 10000,
  moving_time: 3000,
  elapsed_time: 3100,
  pace: 300,
  elevation_gain: 42,
  route: null,
  splits: [{ split: 1, distance: 1000, elapsed: 300, pace: 300 }],
};

describe("the public shared page", () => {
  it("shows the shared run from its token alone, never asking for a session", async () => {
    const { calls, fetchMock } = fakeApi({ [`GET /api/web/shared/${TOKEN}`]: () => ({ body: run }) });
    render(<SharedRunPage token={TOKEN} />);
    expect(await screen.findByRole("heading", { level: 1, name: "Morning loop" }, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("10.00 km")).toBeInTheDocument();
    expect(screen.getByText("The route is not shown.")).toBeInTheDocument();
    expect(screen.getByRole("table")).toBeInTheDocument();
    expect(screen.queryByText("Average HR")).not.toBeInTheDocument();
    expect(calls.map((c) => c.url)).toEqual([`/api/web/shared/${TOKEN}`]);
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ credentials: "omit" });
    expect(document.title).toBe("Morning loop · Runnerly");
    expect(document.head.querySelector('meta[name="robots"]')).toHaveAttribute("content", "noindex, nofollow");
  });

  it("shows a race result", async () => {
    const race: Shared = { kind: "race", name: "City 10K", date: "2026-03-01", distance: 10000, result_time: 2580 };
    fakeApi({ [`GET /api/web/shared/${TOKEN}`]: () => ({ body: race }) });
    render(<SharedRunPage token={TOKEN} />);
    expect(await screen.findByRole("heading", { level: 1, name: "City 10K" }, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("43:00")).toBeInTheDocument();
  });

  it("says a revoked or unknown link is not found", async () => {
    fakeApi({});
    render(<SharedRunPage token={TOKEN} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("This shared page does not exist or is no longer shared.");
    expect(document.title).toBe("Not found · Runnerly");
  });

  it("is the page of /s/<token> only", () => {
    expect(sharedToken(`/s/${TOKEN}`)).toBe(TOKEN);
    expect(sharedToken("/s/")).toBeNull();
    expect(sharedToken(`/s/${TOKEN}/more`)).toBeNull();
    expect(sharedToken("/runs/4")).toBeNull();
  });
});
