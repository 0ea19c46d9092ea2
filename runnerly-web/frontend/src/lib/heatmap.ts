// The heatmap's geometry and drawing: routes in Web Mercator (the projection of every web map,
// so that a route looks as it does on any map), a view that pans and zooms, and the routes drawn
// with additive blending so that where many pass the colour builds up towards white.

/** Web Mercator's latitude limit: the square world's top and bottom edges. */
export const MAX_LATITUDE = 85.0511287798066;
export const TILE_SIZE = 256;

/** A point of the world at zoom 0, in pixels: x and y from 0 to 256, y downwards
 * (the "world coordinates" of Google's and OpenStreetMap's tile schemes). */
export interface Point {
  x: number;
  y: number;
}

export function project(lat: number, lng: number): Point {
  const phi = (Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat)) * Math.PI) / 180;
  return {
    x: TILE_SIZE * (0.5 + lng / 360),
    y: TILE_SIZE * (0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI)),
  };
}

/** The inverse of `project`. */
export function unproject({ x, y }: Point): [number, number] {
  const lng = (x / TILE_SIZE - 0.5) * 360;
  const lat = (Math.atan(Math.exp((0.5 - y / TILE_SIZE) * 2 * Math.PI)) * 360) / Math.PI - 90;
  return [lat, lng];
}

/** The tile and the pixel within it of a place at a zoom level (the slippy-map scheme). */
export function tileOf(lat: number, lng: number, zoom: number): { tile: Point; pixel: Point } {
  const world = project(lat, lng);
  const scale = 2 ** zoom;
  const px = Math.floor(world.x * scale);
  const py = Math.floor(world.y * scale);
  return {
    tile: { x: Math.floor(px / TILE_SIZE), y: Math.floor(py / TILE_SIZE) },
    pixel: { x: px % TILE_SIZE, y: py % TILE_SIZE },
  };
}

/** Every route projected once: all the points in one array (x, y pairs, world pixels at zoom 0)
 * and where each route starts in it, with each route's box for skipping those out of view. */
export interface Routes {
  coords: Float64Array;
  starts: Uint32Array; // route i is points starts[i] .. starts[i+1]-1
  boxes: Float64Array; // minX, minY, maxX, maxY per route
  bounds: [number, number, number, number] | null;
  skipped: number; // routes that could not be read (never expected: the server checks them)
}

/** Decodes and projects in one pass, straight into typed arrays: thousands of routes are
 * millions of points, and a [lat, lng] array per point was most of the page's time. A route
 * that cannot be read (never expected: the server stores checked polylines) is skipped. */
export function projectRoutes(encoded: string[]): Routes {
  let coords = new Float64Array(1024);
  const starts: number[] = [];
  const boxes: number[] = [];
  let at = 0;
  let skipped = 0;
  let all: [number, number, number, number] | null = null;
  for (const line of encoded) {
    const begin = at;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    let index = 0;
    let lat = 0;
    let lng = 0;
    let bad = false;
    const next = (): number => {
      let result = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = index < line.length ? line.charCodeAt(index++) - 63 : -1;
        if (byte < 0 || byte > 63) {
          bad = true;
          return 0;
        }
        result |= (byte & 0x1f) << shift;
        shift += 5;
      } while (byte >= 0x20);
      return result & 1 ? ~(result >> 1) : result >> 1;
    };
    while (index < line.length && !bad) {
      lat += next();
      lng += next();
      if (bad) break;
      if (2 * at + 2 > coords.length) {
        const grown = new Float64Array(coords.length * 2);
        grown.set(coords);
        coords = grown;
      }
      const { x, y } = project(lat / 1e5, lng / 1e5);
      coords[2 * at] = x;
      coords[2 * at + 1] = y;
      at += 1;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (bad) {
      at = begin;
      skipped += 1;
      continue;
    }
    if (at === begin) continue;
    starts.push(begin);
    boxes.push(minX, minY, maxX, maxY);
    all = all ? [Math.min(all[0], minX), Math.min(all[1], minY), Math.max(all[2], maxX), Math.max(all[3], maxY)] : [minX, minY, maxX, maxY];
  }
  starts.push(at);
  return { coords: coords.subarray(0, 2 * at), starts: Uint32Array.from(starts), boxes: Float64Array.from(boxes), bounds: all, skipped };
}

/** What is shown: the world point at the canvas's centre and the zoom (2^zoom canvas pixels
 * per world pixel; fractional zooms allowed). */
export interface View {
  center: Point;
  zoom: number;
}

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 20;

export function clampZoom(zoom: number): number {
  return Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
}

/** The view that shows the whole box in a canvas of this size, with a margin. */
export function fitView(bounds: [number, number, number, number] | null, width: number, height: number): View {
  if (!bounds) return { center: { x: TILE_SIZE / 2, y: TILE_SIZE / 2 }, zoom: MIN_ZOOM };
  const [minX, minY, maxX, maxY] = bounds;
  const span = Math.max((maxX - minX) / (width * 0.9), (maxY - minY) / (height * 0.9), 1e-9);
  return { center: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 }, zoom: clampZoom(Math.log2(1 / span)) };
}

/** The view moved by (dx, dy) canvas pixels (a drag to the right shows what is to the left). */
export function pan(view: View, dx: number, dy: number): View {
  const scale = 2 ** view.zoom;
  return { zoom: view.zoom, center: { x: view.center.x - dx / scale, y: view.center.y - dy / scale } };
}

/** The view zoomed by `by` levels around a canvas point (offset from the canvas's centre),
 * which stays where it is on the screen: the wheel's and the pinch's zoom. */
export function zoomAt(view: View, by: number, offset: Point = { x: 0, y: 0 }): View {
  const zoom = clampZoom(view.zoom + by);
  const before = 2 ** view.zoom;
  const after = 2 ** zoom;
  const anchor = { x: view.center.x + offset.x / before, y: view.center.y + offset.y / before };
  return { zoom, center: { x: anchor.x - offset.x / after, y: anchor.y - offset.y / after } };
}

export const BACKGROUND: [number, number, number] = [0x10, 0x14, 0x1c];

/** How many times routes pass over each pixel of a `width` x `height` canvas (CSS pixels) in
 * the view, and how many routes are in view. Each segment is walked a pixel at a time (a DDA
 * line), its first point left to the segment before, so a route adds one per pixel it
 * crosses; routes out of view are skipped by their box. Counting in JS instead of stroking
 * thousands of canvas paths: with 5,000 routes the strokes took seconds a frame in Chromium
 * (decision 63). */
export function density(routes: Routes, view: View, width: number, height: number): { counts: Float32Array; drawn: number } {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  const counts = new Float32Array(w * h);
  const scale = 2 ** view.zoom;
  const left = view.center.x - width / 2 / scale;
  const top = view.center.y - height / 2 / scale;
  const right = left + width / scale;
  const bottom = top + height / scale;
  const { coords, starts, boxes } = routes;
  let drawn = 0;
  const plot = (x: number, y: number) => {
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px >= 0 && py >= 0 && px < w && py < h) counts[py * w + px] += 1;
  };
  for (let r = 0; r < starts.length - 1; r += 1) {
    if (boxes[4 * r] > right || boxes[4 * r + 2] < left || boxes[4 * r + 1] > bottom || boxes[4 * r + 3] < top) continue;
    drawn += 1;
    let x0 = (coords[2 * starts[r]] - left) * scale;
    let y0 = (coords[2 * starts[r] + 1] - top) * scale;
    plot(x0, y0);
    for (let i = starts[r] + 1; i < starts[r + 1]; i += 1) {
      const x1 = (coords[2 * i] - left) * scale;
      const y1 = (coords[2 * i + 1] - top) * scale;
      const outside = (x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 >= w && x1 >= w) || (y0 >= h && y1 >= h);
      const steps = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
      if (!outside && steps > 0) {
        for (let s = 1; s <= steps; s += 1) plot(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
      }
      x0 = x1;
      y0 = y1;
    }
  }
  return { counts, drawn };
}

/** The colour of a count: the background for none, then from dark red through orange and
 * yellow to white, on a log scale up to `top` (counts above it are white). */
export function colourOf(count: number, top: number): [number, number, number] {
  if (count <= 0) return BACKGROUND;
  const t = Math.min(1, Math.log1p(count) / Math.log1p(Math.max(top, 1)));
  const stops: [number, number, number, number][] = [
    [0, 140, 30, 20],
    [0.45, 240, 90, 20],
    [0.8, 255, 210, 60],
    [1, 255, 255, 255],
  ];
  let i = 1;
  while (i < stops.length - 1 && t > stops[i][0]) i += 1;
  const [t0, r0, g0, b0] = stops[i - 1];
  const [t1, r1, g1, b1] = stops[i];
  const k = (t - t0) / (t1 - t0);
  return [Math.round(r0 + (r1 - r0) * k), Math.round(g0 + (g1 - g0) * k), Math.round(b0 + (b1 - b0) * k)];
}

/** The counts as RGBA pixels. The top of the scale is the 99th percentile of the lit pixels'
 * counts (at least 4, so one route alone is a dim red, not white): a few pixels every route
 * crosses (a front door) do not turn the rest dark. */
export function colourise(counts: Float32Array): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(counts.length * 4);
  const lit = counts.filter((c) => c > 0).sort();
  const top = Math.max(4, lit.length ? lit[Math.floor((lit.length - 1) * 0.99)] : 0);
  // Counts are whole numbers: one colour per count up to the top, looked up by index.
  const last = Math.ceil(top);
  const palette = Array.from({ length: last + 1 }, (_, n) => colourOf(n, top));
  for (let i = 0; i < counts.length; i += 1) {
    const colour = palette[Math.min(last, Math.ceil(counts[i]))];
    pixels[4 * i] = colour[0];
    pixels[4 * i + 1] = colour[1];
    pixels[4 * i + 2] = colour[2];
    pixels[4 * i + 3] = 255;
  }
  return pixels;
}
