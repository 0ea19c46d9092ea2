import { describe, expect, it } from "vitest";
import { draw, fitView, MAX_LATITUDE, pan, project, projectRoutes, tileOf, unproject, zoomAt } from "./heatmap";

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

function recorder() {
  const lines: [number, number][][] = [];
  const ctx = {
    fillRect: () => {},
    beginPath: () => lines.push([]),
    moveTo: (x: number, y: number) => lines[lines.length - 1].push([x, y]),
    lineTo: (x: number, y: number) => lines[lines.length - 1].push([x, y]),
    stroke: () => {},
  } as unknown as CanvasRenderingContext2D;
  return { ctx, lines };
}

describe("drawing", () => {
  it("draws each route in view as one line, added to the others (lighter)", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE, GOOGLE_EXAMPLE, "not a polyline \u00ff"]);
    expect(routes.skipped).toBe(1);
    const view = fitView(routes.bounds, 400, 400);
    const { ctx, lines } = recorder();
    expect(draw(ctx, routes, view, 400, 400)).toBe(2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(3);
    // Google's first point, (38.5, -120.2), where the view puts it.
    const first = project(38.5, -120.2);
    const scale = 2 ** view.zoom;
    expect(lines[0][0][0]).toBeCloseTo((first.x - view.center.x) * scale + 200, 6);
    expect(lines[0][0][1]).toBeCloseTo((first.y - view.center.y) * scale + 200, 6);
  });

  it("skips routes out of view and points within half a pixel of the last one drawn", () => {
    const routes = projectRoutes([GOOGLE_EXAMPLE]);
    const far = { center: { x: 10, y: 10 }, zoom: 10 };
    const { ctx, lines } = recorder();
    expect(draw(ctx, routes, far, 400, 400)).toBe(0);
    expect(lines).toHaveLength(0);
    // The whole world in one pixel: the first and the last point only.
    const tiny = { center: project(40, -123), zoom: -8 };
    expect(draw(ctx, routes, tiny, 400, 400)).toBe(1);
    expect(lines[0]).toHaveLength(2);
  });
});
