/**
 * Independent oracles and generators for the spatial tests. Nothing here reuses the module's
 * predicates: point-to-region distances come from the arc's parametric form, polygon overlap
 * from a planar separating-axis test in the gnomonic projection.
 */
import fc from 'fast-check';
import { Circle, ConvexPolygon, fromRaDec, type Region, type Vector3 } from '../../../registry/spatial/index.js';
import { seededRandom } from '../../support/random.js';

export const DEG = Math.PI / 180;

export function unit(v: readonly number[]): Vector3 {
  const l = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / l, v[1] / l, v[2] / l];
}

const dot3 = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross3 = (a: readonly number[], b: readonly number[]): Vector3 =>
  [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** A tangent frame (e1, e2, h) at h, right-handed. */
function frame(h: Vector3): [Vector3, Vector3] {
  const ax: Vector3 = Math.abs(h[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const e1 = unit(cross3(ax, h));
  return [e1, cross3(h, e1)];
}

/** Gnomonic projection of points about h (all must satisfy p.h > 0). */
export function gnomonic(h: Vector3, pts: readonly Vector3[]): Array<[number, number]> {
  const [e1, e2] = frame(h);
  return pts.map((p) => {
    const z = dot3(p, h);
    if (!(z > 0)) throw new Error('point not in the projection hemisphere');
    return [dot3(p, e1) / z, dot3(p, e2) / z];
  });
}

/**
 * Signed separation of two convex planar polygons by the separating-axis theorem: > 0 when
 * disjoint (the widest gap along an edge normal, relative), <= 0 when they intersect.
 */
export function planarSeparation(a: Array<[number, number]>, b: Array<[number, number]>): number {
  let best = -Infinity;
  for (const [p, q] of [[a, b], [b, a]] as const) {
    for (let i = 0; i < p.length; i++) {
      const [x0, y0] = p[i];
      const [x1, y1] = p[(i + 1) % p.length];
      const nx = y1 - y0, ny = x0 - x1;
      const l = Math.hypot(nx, ny);
      const proj = (pt: [number, number]): number => (nx * pt[0] + ny * pt[1]) / l;
      const pa = p.map(proj), qa = q.map(proj);
      const gap = Math.max(Math.min(...qa) - Math.max(...pa), Math.min(...pa) - Math.max(...qa));
      best = Math.max(best, gap);
    }
  }
  return best;
}

/** Oracle: separation of two small polygons (> 0 disjoint), in the projection about their joint mean. */
export function polygonSeparation(a: ConvexPolygon, b: ConvexPolygon): number {
  const all = [...a.vertices, ...b.vertices];
  const h = unit(all.reduce((s, v) => [s[0] + v[0], s[1] + v[1], s[2] + v[2]], [0, 0, 0]));
  return planarSeparation(gnomonic(h, a.vertices), gnomonic(h, b.vertices));
}

/** Angle from c to the minor arc a-b, from the arc's parametric form cos(t) a + sin(t) u. */
export function angleToArc(c: Vector3, a: Vector3, b: Vector3): number {
  const theta = Math.atan2(Math.hypot(...cross3(a, b)), dot3(a, b));
  const ab = dot3(a, b);
  const u = unit([b[0] - ab * a[0], b[1] - ab * a[1], b[2] - ab * a[2]]);
  const A = dot3(c, a), B = dot3(c, u);
  const t = Math.atan2(B, A);
  const best = t >= 0 && t <= theta ? Math.hypot(A, B) : Math.max(dot3(c, a), dot3(c, b));
  return Math.acos(Math.min(1, Math.max(-1, best)));
}

/** Oracle: inside test by the winding of the projected polygon (c must be near the polygon). */
function insidePlanar(h: Vector3, poly: ConvexPolygon, c: Vector3): boolean {
  if (dot3(c, h) <= 0) return false;
  const pts = gnomonic(h, poly.vertices);
  const [q] = gnomonic(h, [c]);
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i];
    const [x1, y1] = pts[(i + 1) % pts.length];
    if ((x1 - x0) * (q[1] - y0) - (y1 - y0) * (q[0] - x0) < 0) return false;
  }
  return true;
}

/** Oracle: angular distance from unit vector c to a small region (0 inside). */
export function distanceToRegion(region: Region, c: Vector3): number {
  if (region instanceof Circle) {
    const d = Math.atan2(Math.hypot(...cross3(region.center, c)), dot3(region.center, c));
    return Math.max(0, d - region.openingAngle);
  }
  const v = region.vertices;
  const h = unit(v.reduce((s, p) => [s[0] + p[0], s[1] + p[1], s[2] + p[2]], [0, 0, 0]));
  if (insidePlanar(h, region, c)) return 0;
  let best = Infinity;
  for (let i = 0; i < v.length; i++) best = Math.min(best, angleToArc(c, v[i], v[(i + 1) % v.length]));
  return best;
}

/** Points covering a spherical triangle: normalized barycentric grid with `n` steps per edge. */
export function sampleTriangle(t: readonly Vector3[], n: number): Vector3[] {
  const out: Vector3[] = [];
  for (let i = 0; i <= n; i++) {
    for (let j = 0; i + j <= n; j++) {
      const k = n - i - j;
      out.push(unit([0, 1, 2].map((a) => i * t[0][a] + j * t[1][a] + k * t[2][a])));
    }
  }
  return out;
}

/** A random unit vector (uniform on the sphere). */
export const arbUnit = fc
  .tuple(fc.double({ min: 0, max: 360, noNaN: true, maxExcluded: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .map(([ra, s]) => fromRaDec(ra, Math.asin(s) / DEG));

/** A uniformly random unit vector from a seed (no bias towards axes and edges, unlike {@link arbUnit}). */
export const arbRandomUnit = fc.integer().map((seed) => {
  const rnd = seededRandom(seed);
  return fromRaDec(360 * rnd(), Math.asin(2 * rnd() - 1) / DEG);
});

/** A point at angle `rho` from c in direction `phi` (radians). */
export function offset(c: Vector3, rho: number, phi: number): Vector3 {
  const [e1, e2] = frame(c);
  const s = Math.sin(rho), k = Math.cos(rho);
  return unit([0, 1, 2].map((a) => k * c[a] + s * (Math.cos(phi) * e1[a] + Math.sin(phi) * e2[a])));
}

/**
 * A random small convex polygon: the hull of 3..8 points within `sizeRad` of a random center
 * (rejecting near-degenerate hulls).
 */
export function arbPolygon(minSize: number, maxSize: number): fc.Arbitrary<ConvexPolygon> {
  return fc
    .tuple(
      arbUnit,
      fc.double({ min: minSize, max: maxSize, noNaN: true }),
      fc.array(fc.tuple(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true })), { minLength: 3, maxLength: 8 }),
    )
    .map(([c, size, pts]) => {
      try {
        return ConvexPolygon.convexHull(pts.map(([r, phi]) => offset(c, r * size, phi)));
      } catch {
        return null;
      }
    })
    .filter((p): p is ConvexPolygon => p !== null && minEdgeAngle(p) > 1e-9);
}

function minEdgeAngle(p: ConvexPolygon): number {
  const v = p.vertices;
  let m = Infinity;
  for (let i = 0; i < v.length; i++) {
    const a = v[i], b = v[(i + 1) % v.length], c = v[(i + 2) % v.length];
    m = Math.min(m, Math.abs(dot3(unit(cross3(a, b)), c)));
  }
  return m;
}

/** A random circle with opening angle in [minSize, maxSize] radians. */
export function arbCircle(minSize: number, maxSize: number): fc.Arbitrary<Circle> {
  return fc.tuple(arbUnit, fc.double({ min: minSize, max: maxSize, noNaN: true })).map(([c, r]) => new Circle(c, r));
}

/** Random points of a region: interior points, plus boundary points when `boundary` is set. */
export function pointsIn(region: Region, rnd: () => number, count: number, boundary = true): Vector3[] {
  const out: Vector3[] = [];
  if (region instanceof Circle) {
    for (let i = 0; i < count; i++) out.push(offset(region.center, region.openingAngle * Math.sqrt(rnd()), 2 * Math.PI * rnd()));
    if (boundary) for (let i = 0; i < count; i++) out.push(offset(region.center, region.openingAngle, 2 * Math.PI * rnd()));
    return out;
  }
  const v = region.vertices;
  for (let i = 0; i < count; i++) {
    const w = v.map(() => rnd() ** 3);
    out.push(unit([0, 1, 2].map((a) => v.reduce((s, p, j) => s + w[j] * p[a], 0))));
  }
  if (boundary) {
    out.push(...v);
    for (let i = 0; i < count; i++) {
      const j = Math.floor(rnd() * v.length), t = rnd();
      const a = v[j], b = v[(j + 1) % v.length];
      out.push(unit([0, 1, 2].map((k) => (1 - t) * a[k] + t * b[k])));
    }
  }
  return out;
}
