import { describe, expect, it } from "vitest";
import { formatDistance, formatDuration, formatPace, fromUnit, paceFromSpeed, paceOf, toUnit } from "./units";

describe("distances", () => {
  it("shows metres as kilometres or miles", () => {
    expect(formatDistance(10000, "metric")).toBe("10.00 km");
    expect(formatDistance(1609.344, "imperial")).toBe("1.00 mi");
    expect(formatDistance(42195, "imperial", 1)).toBe("26.2 mi");
    expect(formatDistance(1400000, "metric", 1)).toBe("1,400.0 km");
  });

  it("turns a distance typed in miles back into metres", () => {
    expect(fromUnit(13.1, "imperial")).toBeCloseTo(21082.4, 0);
    expect(toUnit(fromUnit(3.7, "imperial"), "imperial")).toBeCloseTo(3.7, 10);
  });

  it("shows a dash for a missing value instead of NaN", () => {
    expect(formatDistance(null, "metric")).toBe("–");
  });
});

describe("paces and durations", () => {
  it("formats seconds per km in the runner's unit", () => {
    expect(formatPace(300, "metric")).toBe("5:00 /km");
    // 5:00 /km is 8:02.67 /mi, shown rounded to the second.
    expect(formatPace(300, "imperial")).toBe("8:03 /mi");
  });

  it("carries 59.6 seconds into the next minute instead of showing :60", () => {
    expect(formatPace(359.6, "metric")).toBe("6:00 /km");
  });

  it("computes pace from distance and time, and from speed", () => {
    expect(paceOf(10000, 2700)).toBe(270);
    expect(paceOf(0, 2700)).toBeNull();
    expect(paceFromSpeed(4)).toBe(250);
    expect(paceFromSpeed(0)).toBeNull();
  });

  it("formats durations with hours only when needed", () => {
    expect(formatDuration(125)).toBe("2:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatPace(null, "metric")).toBe("–");
  });
});
