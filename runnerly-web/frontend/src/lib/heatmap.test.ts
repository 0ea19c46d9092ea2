import { describe, expect, it } from "vitest";
import { decodePolyline } from "./polyline";
import { BACKGROUND, colourise, colourOf, density, fitView, MAX_LATITUDE, pan, project, projectRoutes, tileOf, unproject, zoomAt } from "./heatmap";

// "_p~iF~ps|U_ulLnnqC_mqNvxq`@": Google's polyline example, (38.5, -120.2), (40.7, -120.95),
// (43.252, -126.453).
const GOOGLE_EXAMPLE = "_p~iF~ps|U_ulLnnqC_mqNvxq`@";

describe("Web Mercator", () => {
  it("places Chicago as Google's map and tile coordinates documentation does", () => {
    // developers.google.com/maps/documentation/javascript/coordinates: Chicago, IL
    // (41.850, -87.650) is world coordinate (65.67111111111113, 95.17492654697409) and at
    // zoom 3 pixel coordinate (525, 761) in tile (2, 2).
    const world = project(41.85, -87.65);
    expect(world.x).toBeCloseTo(65.67111111111113, 9);
    expect(world.y).toBeCloseTo(95.17492654697409, 9);
    const { tile, pixel } = tileOf(41.85, -87.65, 3);
    expect(tile).toEqual({ x: 2, y: 2 });
    expect(pixel).toEqual({ x: 525 - 512, y: 761 - 512 });
  });

  it("puts (0, 0) at the world's centre and the latitude limit at its edges", () => {
    // OpenStreetMap's slippy-map tile names: at zoom 1, (0, 0) is the corner of tile (1, 1).
    expect(project(0, 0)).toEqual({ x: 128, y: 128 });
    expect(tileOf(0, 0, 1).tile).toEqual({ x: 1, y: 1 });
    expect(project(MAX_LATITUDE, -180).y).toBeCloseTo(0, 9);
    expect(project(-MAX_LATITUDE, 180).x).toBe(256);
    expect(project(-MAX_LATITUDE, 180).y).toBeCloseTo(256, 9);
    expect(project(89.9, 0).y).toBe(project(MAX_LATITUDE, 0).y); // clamped, not infinite
  });

  it("unprojects what it projects, anywhere on the map", () => {
    let seed = 20;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 500; i += 1) {
      const lat = (random() * 2 - 1) * 85;
      const lng = (random() * 2 - 1) * 180;
      const [backLat, backLng] = unproject(project(lat, lng));
      expect(backLat).toBeCloseTo(lat, 9);
      expect(backLng).toBeCloseTo(lng, 9);
    }
  });
});

describe("reading the routes", () => {
  it("decodes each route as the shared decoder does, projected", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE, "", GOOGLE_EXAMPLE.slice(0, -1), GOOGLE_EXAMPLE]);
    const expected = decodePolyline(GOOGLE_EXAMPLE).flatMap(([lat, lng]) => [project(lat, lng).x, project(lat, lng).y]);
    expect(Array.from(routes.coords)).toEqual([...expected, ...expected]);
    expect(Array.from(routes.starts)).toEqual([0, 3, 6]);
    expect(routes.skipped).toBe(1); // the one cut short; the empty one is no route at all
    const first = project(38.5, -120.2);
    const last = project(43.252, -126.453);
    expect(routes.bounds).toEqual([last.x, last.y, first.x, first.y]);
  });
});

describe("the view", () => {
  it("keeps the point under the wheel or the fingers where it is while zooming", () => {
    const view = { center: { x: 100, y: 50 }, zoom: 12 };
    const offset = { x: 120, y: -40 };
    const under = (v: typeof view) => ({ x: v.center.x + offset.x / 2 ** v.zoom, y: v.center.y + offset.y / 2 ** v.zoom });
    const zoomed = zoomAt(view, 1.5, offset);
    expect(zoomed.zoom).toBe(13.5);
    expect(under(zoomed).x).toBeCloseTo(under(view).x, 12);
    expect(under(zoomed).y).toBeCloseTo(under(view).y, 12);
    expect(zoomAt(view, 30).zoom).toBe(20);
  });

  it("moves the map with the drag, and back", () => {
    const view = { center: { x: 100, y: 50 }, zoom: 10 };
    const moved = pan(view, 1024, -512);
    expect(moved.center).toEqual({ x: 99, y: 50.5 });
    expect(pan(moved, -1024, 512)).toEqual(view);
  });

  it("fits every route in the canvas", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE]);
    const [minX, minY, maxX, maxY] = routes.bounds!;
    const view = fitView(routes.bounds, 390, 300);
    const scale = 2 ** view.zoom;
    expect((maxX - minX) * scale).toBeLessThanOrEqual(390);
    expect((maxY - minY) * scale).toBeLessThanOrEqual(300);
    expect(Math.max((maxX - minX) * scale / 390, (maxY - minY) * scale / 300)).toBeCloseTo(0.9, 6);
  });
});

describe("the density", () => {
  const line = (from: [number, number], to: [number, number]) => {
    // A route of two points at zoom 0 world pixels, the view one to one from (0, 0).
    const routes = projectRoutes([]);
    return {
      ...routes,
      coords: Float64Array.from([...from, ...to]),
      starts: Uint32Array.from([0, 2]),
      boxes: Float64Array.from([Math.min(from[0], to[0]), Math.min(from[1], to[1]), Math.max(from[0], to[0]), Math.max(from[1], to[1])]),
    };
  };
  const oneToOne = (w: number, h: number) => ({ center: { x: w / 2, y: h / 2 }, zoom: 0 });

  it("counts each pixel a route crosses once, and routes on top of each other add up", () => {
    const { counts, drawn } = density(line([1.5, 2.5], [6.5, 2.5]), oneToOne(10, 5), 10, 5);
    expect(drawn).toBe(1);
    expect(Array.from(counts.slice(20, 30))).toEqual([0, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(counts.reduce((a, b) => a + b)).toBe(6);
    const twice = projectRoutes([GOOGLE_EXAMPLE, GOOGLE_EXAMPLE]);
    const once = projectRoutes([GOOGLE_EXAMPLE]);
    const view = fitView(once.bounds, 200, 200);
    const a = density(once, view, 200, 200).counts;
    const b = density(twice, view, 200, 200).counts;
    expect(b.every((count, i) => count === 2 * a[i])).toBe(true);
    expect(a.some((count) => count > 0)).toBe(true);
  });

  it("places Google's first point where the view puts it", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE]);
    const view = fitView(routes.bounds, 400, 400);
    const first = project(38.5, -120.2);
    const scale = 2 ** view.zoom;
    const x = Math.floor((first.x - view.center.x) * scale + 200);
    const y = Math.floor((first.y - view.center.y) * scale + 200);
    expect(density(routes, view, 400, 400).counts[y * 400 + x]).toBeGreaterThan(0);
  });

  it("skips routes out of view and draws the part of a route in it", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE]);
    expect(density(routes, { center: { x: 10, y: 10 }, zoom: 10 }, 400, 400).drawn).toBe(0);
    // A line from far left to far right of a small canvas: only its pixels in view count.
    const { counts } = density(line([-1000.5, 1.5], [1000.5, 1.5]), oneToOne(4, 3), 4, 3);
    expect(Array.from(counts.slice(4, 8))).toEqual([1, 1, 1, 1]);
  });
});

describe("the colours", () => {
  it("leaves the background where no route passes and grows brighter with more", () => {
    expect(colourOf(0, 10)).toEqual(BACKGROUND);
    const brightness = (c: [number, number, number]) => c[0] + c[1] + c[2];
    const ramp = [1, 2, 4, 8, 10].map((n) => brightness(colourOf(n, 10)));
    expect(ramp).toEqual([...ramp].sort((p, q) => p - q));
    expect(new Set(ramp).size).toBe(5);
    expect(colourOf(10, 10)).toEqual([255, 255, 255]);
    expect(colourOf(50, 10)).toEqual([255, 255, 255]);
  });

  it("colours one route alone dimly, not white", () => {
    const pixels = colourise(Float32Array.from([0, 1, 1, 1]));
    expect(Array.from(pixels.slice(0, 4))).toEqual([...BACKGROUND, 255]);
    expect(Array.from(pixels.slice(4, 8))).toEqual([...colourOf(1, 4), 255]);
    expect(colourOf(1, 4)[1]).toBeLessThan(200);
  });
});
