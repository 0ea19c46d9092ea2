import { describe, expect, it } from "vitest";
import { formatDistance, formatDuration, formatElevation, formatPace, fromUnit, paceFromSpeed, paceOf, toUnit, weightFromUnit, weightText, workoutText } from "./units";

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

describe("heights, weights and plan texts in the runner's units", () => {
  it("writes elevation in feet for an imperial runner", () => {
    expect(formatElevation(123.4, "metric")).toBe("123 m");
    expect(formatElevation(1000, "imperial")).toBe("3,281 ft");
    expect(formatElevation(null, "imperial")).toBe("–");
  });

  it("shows and reads a weight in pounds for an imperial runner", () => {
    expect(weightText(58, "metric")).toBe("58");
    expect(weightText(58, "imperial")).toBe("127.9");
    expect(weightFromUnit(127.9, "imperial")).toBe(58.01);
    expect(weightFromUnit(58, "metric")).toBe(58);
  });

  it("rewrites a generated workout's kilometres and paces in miles", () => {
    const text = "Threshold 8 km: 2 km easy, 4 km at T pace at 4:50/km, 2 km easy";
    expect(workoutText(text, "metric")).toBe(text);
    expect(workoutText(text, "imperial")).toBe("Threshold 5 mi: 1.2 mi easy, 2.5 mi at T pace at 7:47/mi, 1.2 mi easy");
    expect(workoutText("Intervals 10 km: 2 km easy, 5 × 1000 m at I pace at 4:27/km with 500 m jogs, 2.5 km easy", "imperial"))
      .toBe("Intervals 6.2 mi: 1.2 mi easy, 5 × 1000 m at I pace at 7:10/mi with 500 m jogs, 1.6 mi easy");
    expect(workoutText("Long run 32 km at 6:00/km (E pace), steady and conversational", "imperial"))
      .toBe("Long run 20 mi at 9:39/mi (E pace), steady and conversational");
  });
});
