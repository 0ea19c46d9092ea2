import { describe, expect, it } from "vitest";
import { computeSplits, type TrackPoint } from "./splits";

const steady = (metres: number, secondsPerKm: number): TrackPoint[] =>
  Array.from({ length: metres / 100 + 1 }, (_, i) => [i * 100 * (secondsPerKm / 1000), 0, 0, null, null, i * 100]);

describe("computeSplits", () => {
  it("cuts a steady 2.5 km run into two full kilometres and a half", () => {
    const splits = computeSplits(steady(2500, 300), 1000);
    expect(splits.map((s) => Math.round(s.time))).toEqual([300, 300, 150]);
    expect(splits[2].distance).toBe(500);
    expect(splits[2].pace).toBeCloseTo(300);
  });

  it("cuts in miles when asked", () => {
    const splits = computeSplits(steady(5000, 300), 1609.344);
    expect(splits).toHaveLength(4);
    expect(splits[0].time).toBeCloseTo(482.8, 1);
  });
});
