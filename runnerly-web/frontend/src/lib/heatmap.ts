// The heatmap's geometry and drawing: routes in Web Mercator (the projection of every web map,
// so that a route looks as it does on any map), a view that pans and zooms, and the routes drawn
// with additive blending so that where many pass the colour builds up towards white.
import { decodePolyline, PolylineError } from "./polyline";

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

export function projectRoutes(encoded: string[]): Routes {
  const decoded: [number, number][][] = [];
  let skipped = 0;
  let total = 0;
  for (const line of encoded) {
    try {
      const points = decodePolyline(line);
      if (points.length === 0) continue;
      decoded.push(points);
      total += points.length;
    } catch (e) {
      if (!(e instanceof PolylineError)) throw e;
      skipped += 1;
    }
  }
  const coords = new Float64Array(total * 2);
  const starts = new Uint32Array(decoded.length + 1);
  const boxes = new Float64Array(decoded.length * 4);
  let at = 0;
  let all: [number, number, number, number] | null = null;
  decoded.forEach((points, i) => {
    starts[i] = at;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [lat, lng] of points) {
      const { x, y } = project(lat, lng);
      coords[2 * at] = x;
      coords[2 * at + 1] = y;
      at += 1;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    boxes.set([minX, minY, maxX, maxY], 4 * i);
    all = all ? [Math.min(all[0], minX), Math.min(all[1], minY), Math.max(all[2], maxX), Math.max(all[3], maxY)] : [minX, minY, maxX, maxY];
  });
  starts[decoded.length] = at;
  return { coords, starts, boxes, bounds: all, skipped };
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

export const BACKGROUND = "#10141c";
// One route alone is a dim line; ten on top of each other are bright; a hundred are white.
export const ROUTE_COLOUR = "rgba(255, 96, 32, 0.35)";

/** Draws the routes in view on a canvas of `width` x `height` device pixels; answers how many
 * routes it drew. Points closer than half a pixel to the last one drawn are skipped: at a city's
 * zoom a route is a few hundred pixels, not its thousand points. */
export function draw(ctx: CanvasRenderingContext2D, routes: Routes, view: View, width: number, height: number, lineWidth = 1.5): number {
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, width, height);
  ctx.globalCompositeOperation = "lighter";
  ctx.strokeStyle = ROUTE_COLOUR;
  ctx.lineWidth = lineWidth;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const scale = 2 ** view.zoom;
  const left = view.center.x - width / 2 / scale;
  const top = view.center.y - height / 2 / scale;
  const right = left + width / scale;
  const bottom = top + height / scale;
  const { coords, starts, boxes } = routes;
  let drawn = 0;
  for (let r = 0; r < starts.length - 1; r += 1) {
    if (boxes[4 * r] > right || boxes[4 * r + 2] < left || boxes[4 * r + 1] > bottom || boxes[4 * r + 3] < top) continue;
    ctx.beginPath();
    let lastX = (coords[2 * starts[r]] - left) * scale;
    let lastY = (coords[2 * starts[r] + 1] - top) * scale;
    ctx.moveTo(lastX, lastY);
    for (let i = starts[r] + 1; i < starts[r + 1]; i += 1) {
      const x = (coords[2 * i] - left) * scale;
      const y = (coords[2 * i + 1] - top) * scale;
      if (Math.abs(x - lastX) < 0.5 && Math.abs(y - lastY) < 0.5 && i < starts[r + 1] - 1) continue;
      ctx.lineTo(x, y);
      lastX = x;
      lastY = y;
    }
    ctx.stroke();
    drawn += 1;
  }
  ctx.globalCompositeOperation = "source-over";
  return drawn;
}
