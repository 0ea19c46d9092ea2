import { act, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useApi } from "./useApi";

/** A month page in miniature: the month it asks for, and what it shows for it. */
function Month({ month, seen }: { month: string; seen: string[] }) {
  const runs = useApi(() => Promise.resolve(`runs of ${month}`), month);
  const shown = runs.loading ? "loading" : (runs.data ?? "none");
  seen.push(`${month}: ${shown}`);
  return <p>{shown}</p>;
}

describe("useApi", () => {
  it("never shows the previous key's data under the new key", async () => {
    const seen: string[] = [];
    const { rerender } = render(<Month month="2026-10" seen={seen} />);
    expect(await screen.findByText("runs of 2026-10")).toBeInTheDocument();

    // Going to the next month: from its first render, loading, then its own runs.
    seen.length = 0;
    rerender(<Month month="2026-11" seen={seen} />);
    expect(await screen.findByText("runs of 2026-11")).toBeInTheDocument();
    expect(seen).not.toContain("2026-11: runs of 2026-10");
    expect(seen[0]).toBe("2026-11: loading");
  });

  it("reloads on demand and keeps the data it has while it does", async () => {
    let answer = 1;
    function Counter() {
      const r = useApi(() => Promise.resolve(answer), "counter");
      return (
        <>
          <p>{r.loading ? `loading (was ${r.data})` : `answer ${r.data}`}</p>
          <button type="button" onClick={r.reload}>Reload</button>
        </>
      );
    }
    render(<Counter />);
    expect(await screen.findByText("answer 1")).toBeInTheDocument();
    answer = 2;
    act(() => screen.getByRole("button", { name: "Reload" }).click());
    expect(screen.getByText("loading (was 1)")).toBeInTheDocument();
    expect(await screen.findByText("answer 2")).toBeInTheDocument();
  });
});
