import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeApi, renderWithSession } from "../test/helpers";
import { RunRecords } from "./RunRecords";

describe("what a run brought", () => {
  it("lists the records the run set and says which still stand", async () => {
    fakeApi({
      "GET /api/web/runs/7/records": () => ({
        body: {
          run_id: 7,
          items: [
            { distance: 1000, label: "1 km", elapsed: 231, pace: 231, origin: "stream", current: false },
            { distance: 5000, label: "5 km", elapsed: 1230, pace: 246, origin: "stream", current: true },
          ],
        },
      }),
    });
    renderWithSession(<RunRecords runId={7} units="metric" />);
    expect(await screen.findByText("Records set by this run")).toBeInTheDocument();
    expect(screen.getByText("5 km").closest("li")).toHaveTextContent("Still your record");
    expect(screen.getByText("1 km").closest("li")).toHaveTextContent("beaten since");
  });

  it("shows nothing for a run that set no record", async () => {
    const { calls } = fakeApi({ "GET /api/web/runs/8/records": () => ({ body: { run_id: 8, items: [] } }) });
    renderWithSession(<RunRecords runId={8} units="metric" />);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(screen.queryByText("Records set by this run")).toBeNull();
  });
});
