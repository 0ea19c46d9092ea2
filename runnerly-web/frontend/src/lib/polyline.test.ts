import { describe, expect, it } from "vitest";
import { decodePolyline, PolylineError } from "./polyline";

describe("decodePolyline", () => {
  it("decodes the reference example of the polyline format", () => {
    const points = decodePolyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@");
    expect(points).toEqual([
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ]);
  });

  it("decodes an empty track to no points", () => {
    expect(decodePolyline("")).toEqual([]);
  });

  it("refuses a track cut in the middle of a point", () => {
    expect(() => decodePolyline("_p~iF~ps|U_ulL")).toThrow(PolylineError);
  });

  it("honours another precision", () => {
    // The same deltas read at precision 6 are ten times smaller.
    expect(decodePolyline("_p~iF~ps|U", 6)).toEqual([[3.85, -12.02]]);
  });
});
