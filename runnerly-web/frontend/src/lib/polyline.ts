// Strava (and Google) encode a track as a polyline string: each coordinate is the delta from
// the previous one, times 10^precision, zig-zag encoded in 5-bit chunks offset by 63.

export type LatLng = [number, number];

export class PolylineError extends Error {}

export function decodePolyline(encoded: string, precision = 5): LatLng[] {
  const factor = 10 ** precision;
  const points: LatLng[] = [];
  let index = 0;
  let lat = 0;
  let lng = 0;

  const next = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (index >= encoded.length) throw new PolylineError("The track ends in the middle of a point");
      byte = encoded.charCodeAt(index++) - 63;
      if (byte < 0 || byte > 63) throw new PolylineError("The track holds a character outside the encoding");
      result |= (byte & 0x1f) << shift;
      shift += 5;
    } while (byte >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };

  while (index < encoded.length) {
    lat += next();
    lng += next();
    points.push([lat / factor, lng / factor]);
  }
  return points;
}
