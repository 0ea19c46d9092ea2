import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { formOf, searchFromQuery, searchOf } from "../lib/runSearch";
import { fakeApi, renderWithSession, runner, sessionFor } from "../test/helpers";
import { aRun } from "../test/runs";

const hills = aRun(1, "Hill repeats", "2026-03-10T07:00:00", { distance: 8046.72 });
const tempo = aRun(2, "100% tempo", "2026-03-12T07:00:00");

function searchApi() {
  return fakeApi({
    "GET /api/web/runs": (call) => {
      const q = new URL(call.url, "http://x").searchParams.get("q");
      const items = q ? [hills, tempo].filter((r) => r.title.toLowerCase().includes(q.toLowerCase())) : [tempo, hills];
      return { body: { items, total: items.length, page: 1, per_page: 20 } };
    },
  });
}

function searchesSent(calls: { url: string }[]): URLSearchParams[] {
  return calls.filter((c) => c.url.startsWith("/api/web/runs?")).map((c) => new URL(c.url, "http://x").searchParams);
}

afterEach(() => vi.unstubAllGlobals());

describe("the run search's filters live in the address", () => {
  beforeEach(() => window.history.replaceState(null, "", "/runs/search?q=hill&min_distance=8046.7"));

  it("opens a shared address with its filters, in the runner's unit", async () => {
    const { calls } = searchApi();
    renderWithSession(<App />, sessionFor({ ...runner, units: "imperial" }));
    expect(await screen.findByText("Hill repeats")).toBeInTheDocument();
    expect(screen.getByLabelText("Words in the title or notes")).toHaveValue("hill");
    expect(screen.getByLabelText("At least (mi)")).toHaveValue(5);
    const sent = searchesSent(calls)[0];
    expect(sent.get("q")).toBe("hill");
    expect(sent.get("min_distance")).toBe("8046.7");
    expect(sent.get("per_page")).toBe("20");
    expect(document.title).toBe("Find runs · Runnerly");
  });

  it("puts a new search in the address, and Back returns to the previous one", async () => {
    const { calls } = searchApi();
    renderWithSession(<App />);
    expect(await screen.findByText("Hill repeats")).toBeInTheDocument();

    const words = screen.getByLabelText("Words in the title or notes");
    await userEvent.clear(words);
    await userEvent.type(words, "100%");
    await userEvent.clear(screen.getByLabelText("At least (km)"));
    await userEvent.click(screen.getByRole("button", { name: "Search" }));

    expect(await screen.findByText("100% tempo")).toBeInTheDocument();
    expect(screen.queryByText("Hill repeats")).not.toBeInTheDocument();
    expect(window.location.search).toBe("?q=100%25");
    expect(searchesSent(calls).at(-1)!.get("q")).toBe("100%"); // sent as typed, escaped in the address

    await act(async () => {
      window.history.back();
      await new Promise((resolve) => window.addEventListener("popstate", resolve, { once: true }));
    });
    expect(await screen.findByText("Hill repeats")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("Words in the title or notes")).toHaveValue("hill"));
    expect(screen.getByLabelText("At least (km)")).toHaveValue(8.05);
  });

  it("names a range that cannot hold a run, beside its field, and does not search", async () => {
    const { calls } = searchApi();
    renderWithSession(<App />);
    await screen.findByText("Hill repeats");
    const before = searchesSent(calls).length;
    await userEvent.type(screen.getByLabelText("At most (km)"), "3");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    expect(screen.getByLabelText("At most (km)")).toHaveAccessibleDescription("The longest distance must not be below the shortest.");
    expect(searchesSent(calls)).toHaveLength(before);
    expect(window.location.search).toBe("?q=hill&min_distance=8046.7");
  });
});

describe("the search's filters between address, form and API", () => {
  it("reads only what it can from an address", () => {
    expect(searchFromQuery("q=%20a%25b%20&from_day=2026-03-01&to_day=soon&min_distance=-3&max_distance=5000&sport=Run;x&page=2")).toEqual({
      q: "a%b", from_day: "2026-03-01", max_distance: 5000, page: 2,
    });
  });

  it("converts the runner's miles outward, so that 5 mi finds a run of exactly 5 mi", () => {
    const search = searchOf({ ...formOf({}, "imperial"), min: "5", max: "5" }, "imperial");
    expect(search.min_distance).toBeLessThanOrEqual(8046.72);
    expect(search.max_distance).toBeGreaterThanOrEqual(8046.72);
    expect(formOf(search, "imperial")).toMatchObject({ min: "5", max: "5" });
  });
});
