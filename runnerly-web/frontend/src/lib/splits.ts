// Splits per km or mile from a recorded track: each point is
// [t (s from start), lat, lon, ele|null, hr|null, cumulative distance (m)].

import type { Track } from "../api/types";

/** A recorded point as the track's description states it: only ele and hr may be null. */
export type TrackPoint = [number, number, number, number | null, number | null, number];

const isNumber = (value: number | null): value is number => typeof value === "number";

/** The track's points the dashboard can use: its spec types each position `number | null`
 * (a tuple there is one the fuzzer cannot check), so a point with a null where the
 * description says a number (time, position, distance) is left out rather than trusted. */
export function trackPoints(track: Track): TrackPoint[] {
  const points: TrackPoint[] = [];
  for (const [t, lat, lon, ele, hr, dist] of track.points) {
    if (isNumber(t) && isNumber(lat) && isNumber(lon) && isNumber(dist)) {
      points.push([t, lat, lon, ele, hr, dist]);
    }
  }
  return points;
}

export interface Split {
  index: number;
  /** Metres covered in the split (the last one may be short). */
  distance: number;
  /** Seconds the split took. */
  time: number;
  /** Seconds per km. */
  pace: number;
}

function timeAt(points: TrackPoint[], i: number, target: number): number {
  // Interpolate between point i-1 and i, where the boundary distance falls.
  const [t0, , , , , d0] = points[i - 1];
  const [t1, , , , , d1] = points[i];
  if (d1 === d0) return t1;
  return t0 + ((target - d0) / (d1 - d0)) * (t1 - t0);
}

export function computeSplits(points: TrackPoint[], splitLength: number): Split[] {
  if (points.length < 2 || !(splitLength > 0)) return [];
  const splits: Split[] = [];
  let boundary = splitLength;
  let startTime = points[0][0];
  let startDist = points[0][5];
  for (let i = 1; i < points.length; i++) {
    while (points[i][5] >= boundary) {
      const t = timeAt(points, i, boundary);
      const time = t - startTime;
      splits.push({ index: splits.length + 1, distance: splitLength, time, pace: (time / splitLength) * 1000 });
      startTime = t;
      startDist = boundary;
      boundary += splitLength;
    }
  }
  const last = points[points.length - 1];
  const rest = last[5] - startDist;
  // A tail under 50 m says nothing about pace; leave it out.
  if (rest >= 50) {
    const time = last[0] - startTime;
    splits.push({ index: splits.length + 1, distance: rest, time, pace: (time / rest) * 1000 });
  }
  return splits;
}
