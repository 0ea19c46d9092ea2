import { describe, expect, it } from "vitest";
import { errorFrom } from "./client";
import { fieldLabel, fieldSentence, humanDates } from "./messages";

describe("what a runner reads when the API refuses", () => {
  it("never shows a field's path: the plan generator's refusal, as the dataservice used to word it", () => {
    const e = errorFrom(422, {
      code: "unprocessable",
      message: "path.race_id: race 4 is on 2026-12-20: a generated plan needs 4 weeks from this one to race week",
      errors: [{ field: "path.race_id", message: "race 4 is on 2026-12-20: a generated plan needs 4 weeks from this one to race week" }],
      request_id: "r",
    });
    expect(e.message).not.toMatch(/path\.|race_id|2026-12-20/);
    expect(e.message).toBe("The race: race 4 is on Sun, 20 Dec 2026: a generated plan needs 4 weeks from this one to race week.");
    expect(e.detail).toMatch(/^path\.race_id: /);
  });

  it("keeps a message written for a person, with its dates as the dashboard writes them", () => {
    const e = errorFrom(422, {
      code: "unprocessable",
      message: "path.race_id: Your race on 2026-12-20 is 3 weeks away ...",
      errors: [{ field: "path.race_id", message: "Your race on 2026-12-20 is 3 weeks away, this week and race week included: a plan needs at least 4." }],
    });
    expect(e.message).toBe("Your race on Sun, 20 Dec 2026 is 3 weeks away, this week and race week included: a plan needs at least 4.");
    expect(e.fieldError("race_id")).toBe(e.message);
  });

  it("names the field in words for a fragment", () => {
    expect(errorFrom(400, { code: "invalid_request", message: "body.weekly_distance: is required", errors: [{ field: "body.weekly_distance", message: "is required" }] }).message)
      .toBe("Weekly distance is required.");
    expect(fieldSentence({ field: "body.max_hr", message: "251 is greater than the maximum of 250" })).toBe("Maximum heart rate must be at most 250.");
    expect(fieldSentence({ field: "body.sessions[2].target_pace", message: "'x' is not of type 'integer'" })).toBe("Target pace must be a number.");
    expect(fieldLabel("query.from")).toBe("From");
  });

  it("reads a message with a path but no field list the same way", () => {
    expect(errorFrom(400, { code: "invalid_request", message: "body.email: is required" }).message).toBe("Email is required.");
  });

  it("puts a schema's phrasing plainly beside its field too", () => {
    const e = errorFrom(400, { code: "invalid_request", message: "x", errors: [{ field: "body.weekly_distance", message: "-1000 is less than the minimum of 0" }] });
    expect(e.fieldError("weekly_distance")).toBe("must be at least 0");
  });

  it("tells several problems apart from one", () => {
    const e = errorFrom(400, { code: "invalid", message: "x", errors: [{ field: "body.a", message: "is required" }, { field: "body.b", message: "is required" }] });
    expect(e.message).toBe("Please correct the fields marked below.");
  });

  it("hides an unexpected failure's text, keeps one written for the occasion", () => {
    expect(errorFrom(500, { code: "internal_error", message: "internal server error" }).message).toMatch(/^Something went wrong on our side/);
    expect(errorFrom(503, { code: "sync_unavailable", message: "the sync queue cannot be reached" }).message).toBe("The sync queue cannot be reached.");
    expect(errorFrom(503, { code: "service_unavailable", message: "the dataservice failed to answer; try again shortly" }).message)
      .toBe("Something went wrong on our side. Try again in a moment.");
    expect(errorFrom(401, null).message).toBe("Your session has ended. Log in again to go on.");
  });

  it("writes only real days as dates", () => {
    expect(humanDates("from 2026-03-02 to 2026-02-30")).toBe("from Mon, 2 Mar 2026 to 2026-02-30");
    expect(humanDates("at 2026-03-02T07:30:00")).toBe("at 2026-03-02T07:30:00");
  });
});
