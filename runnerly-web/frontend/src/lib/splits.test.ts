import { describe, expect, it } from "vitest";
import { computeSplits, trackPoints, type TrackPoint } from "./splits";

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

describe("trackPoints", () => {
  it("keeps whole points and leaves out one with a null where a number belongs", () => {
    const track = {
      points: [
        [0, 51.5, -0.1, null, null, 0],
        [5, null, -0.1, 10, 150, 20],
        [10, 51.5002, -0.1, 11, null, 40],
      ],
    } as unknown as Parameters<typeof trackPoints>[0];
    expect(trackPoints(track)).toEqual([
      [0, 51.5, -0.1, null, null, 0],
      [10, 51.5002, -0.1, 11, null, 40],
    ]);
  });
});
