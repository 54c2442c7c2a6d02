/**
 * Brute-force spherical geometry for the spatial query tests, written from scratch here
 * (nothing from registry/spatial is used): polygons are lists of [ra, dec] corners in degrees,
 * projected gnomonically (great circles become straight lines) about a point near them, then
 * compared with a planar convex hull and the separating-axis theorem. Every predicate returns a
 * signed margin so callers can skip the cases too close to call.
 */
import { Rng } from '../../support/random.js';

export type Corner = readonly [ra: number, dec: number];
type V = readonly [number, number, number];
type P = readonly [number, number];

const DEG = Math.PI / 180;
/** Closer than this (in tangent-plane units, about radians) is too close to call. */
export const AMBIGUOUS = 1e-9;

export function vec(ra: number, dec: number): V {
  const r = ra * DEG, d = dec * DEG;
  return [Math.cos(d) * Math.cos(r), Math.cos(d) * Math.sin(r), Math.sin(d)];
}

function norm(v: readonly number[]): V {
  const l = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / l, v[1]! / l, v[2]! / l];
}

const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Two unit vectors spanning the tangent plane at c (east and north, except next to the poles). */
function tangentFrame(c: V): [V, V] {
  const pole: V = Math.abs(c[2]) > 0.999 ? [1, 0, 0] : [0, 0, 1];
  const east = norm(cross(pole, c));
  return [east, cross(c, east)];
}

function project(center: V, points: readonly V[]): P[] {
  const [e, n] = tangentFrame(center);
  return points.map((p) => {
    const z = dot(p, center);
    if (z <= 0.1) throw new Error('brute force: point too far from the projection center');
    return [dot(p, e) / z, dot(p, n) / z] as const;
  });
}

/** Planar convex hull, counter-clockwise (monotone chain). */
function hull(points: readonly P[]): P[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const turn = (o: P, a: P, b: P) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: P[]): P[] => {
    const out: P[] = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(pts), ...half([...pts].reverse())];
}

/** Largest gap between two convex planar polygons along any edge normal (> 0: disjoint). */
function separation(a: readonly P[], b: readonly P[]): number {
  let best = -Infinity;
  for (const [p, q] of [[a, b], [b, a]] as const) {
    for (let i = 0; i < p.length; i++) {
      const [x0, y0] = p[i]!, [x1, y1] = p[(i + 1) % p.length]!;
      const nx = y1 - y0, ny = x0 - x1, l = Math.hypot(nx, ny);
      const along = (pt: P) => (nx * pt[0] + ny * pt[1]) / l;
      const pa = p.map(along), qa = q.map(along);
      best = Math.max(best, Math.min(...qa) - Math.max(...pa), Math.min(...pa) - Math.max(...qa));
    }
  }
  return best;
}

function centerOf(points: readonly V[]): V {
  return norm(points.reduce<number[]>((s, v) => [s[0]! + v[0], s[1]! + v[1], s[2]! + v[2]], [0, 0, 0]));
}

/** Signed separation of two convex polygons given by corners (> 0 disjoint, < 0 overlapping). */
export function polygonGap(a: readonly Corner[], b: readonly Corner[]): number {
  const va = a.map(([r, d]) => vec(r, d)), vb = b.map(([r, d]) => vec(r, d));
  const c = centerOf([...va, ...vb]);
  return separation(hull(project(c, va)), hull(project(c, vb)));
}

/** Signed distance of a point outside a convex polygon (> 0 outside, < 0 inside), in tangent units. */
export function pointGap(point: Corner, polygon: readonly Corner[]): number {
  const vp = polygon.map(([r, d]) => vec(r, d));
  const c = centerOf(vp);
  const [q] = project(c, [vec(point[0], point[1])]);
  const h = hull(project(c, vp));
  let worst = -Infinity;
  for (let i = 0; i < h.length; i++) {
    const [x0, y0] = h[i]!, [x1, y1] = h[(i + 1) % h.length]!;
    // counter-clockwise hull: the outward normal of edge (x0,y0)->(x1,y1) is (dy, -dx)
    const nx = y1 - y0, ny = x0 - x1, l = Math.hypot(nx, ny);
    worst = Math.max(worst, (nx * (q![0] - x0) + ny * (q![1] - y0)) / l);
  }
  return worst;
}

/** Angle (radians) from unit vector p to the minor great-circle arc a-b. */
function angleToArc(p: V, a: V, b: V): number {
  const n = norm(cross(a, b));
  // foot of p on the great circle, and whether it lies between a and b
  const s = dot(p, n);
  const foot = norm([p[0] - s * n[0], p[1] - s * n[1], p[2] - s * n[2]]);
  const onArc = dot(cross(a, foot), n) >= 0 && dot(cross(foot, b), n) >= 0;
  const angle = (x: V, y: V) => Math.atan2(Math.hypot(...cross(x, y)), dot(x, y));
  return onArc ? Math.abs(Math.asin(Math.max(-1, Math.min(1, s)))) : Math.min(angle(p, a), angle(p, b));
}

/**
 * Signed gap between a circle and a convex polygon (> 0 disjoint): the angle from the center
 * to the polygon (0 inside) minus the radius, in radians.
 */
export function circleGap(ra: number, dec: number, radiusDeg: number, polygon: readonly Corner[]): number {
  const inside = pointGap([ra, dec], polygon);
  if (inside <= 0) return Math.min(inside, -radiusDeg * DEG); // center inside: overlapping for any radius
  const p = vec(ra, dec);
  const vp = polygon.map(([r, d]) => vec(r, d));
  // hull order matters for edges: take the corners in hull order through the projection
  const c = centerOf(vp);
  const projected = project(c, vp);
  const order = hull(projected).map((h) => projected.indexOf(h));
  let best = Infinity;
  for (let i = 0; i < order.length; i++) best = Math.min(best, angleToArc(p, vp[order[i]!]!, vp[order[(i + 1) % order.length]!]!));
  return best - radiusDeg * DEG;
}

/**
 * BOX(ra, dec, width, height) as documented (STC/ADQL): a rectangle in the gnomonic projection
 * about its center, reaching tan(width/2) east-west and tan(height/2) north-south.
 */
export function boxCorners(ra: number, dec: number, widthDeg: number, heightDeg: number): Corner[] {
  const c = vec(ra, dec);
  // the local east and north directions (not tangentFrame's arbitrary frame near the pole)
  const e = norm([-c[1], c[0], 0]);
  const n = cross(c, e);
  const a = Math.tan((widthDeg / 2) * DEG), b = Math.tan((heightDeg / 2) * DEG);
  return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([se, sn]) => toCorner(norm([0, 1, 2].map((k) => c[k]! + se! * a * e[k]! + sn! * b * n[k]!))));
}

function toCorner(v: V): Corner {
  let ra = Math.atan2(v[1], v[0]) / DEG;
  if (ra < 0) ra += 360;
  return [ra, Math.atan2(v[2], Math.hypot(v[0], v[1])) / DEG];
}

/**
 * A random convex polygon: 3-7 points on an ellipse (semi-axes in degrees, any rotation) in
 * the tangent plane about (ra, dec), taken at sorted angles at least 0.3 rad apart.
 */
export function randomPolygon(rng: Rng, ra: number, dec: number, minRadius: number, maxRadius: number): Corner[] {
  const c = vec(ra, dec);
  const [e, n] = tangentFrame(c);
  const k = rng.int(3, 7);
  const angles: number[] = [];
  while (angles.length < k) {
    const t = rng.next() * 2 * Math.PI;
    if (angles.every((u) => Math.min(Math.abs(u - t), 2 * Math.PI - Math.abs(u - t)) > 0.3)) angles.push(t);
    if (angles.length < 3 && rng.bool(0.01)) angles.length = 0;
  }
  angles.sort((x, y) => x - y);
  const a = Math.tan((minRadius + rng.next() * (maxRadius - minRadius)) * DEG);
  const b = a * (0.4 + 0.6 * rng.next());
  const rot = rng.next() * Math.PI;
  return angles.map((t) => {
    const x0 = a * Math.cos(t), y0 = b * Math.sin(t);
    const x = x0 * Math.cos(rot) - y0 * Math.sin(rot), y = x0 * Math.sin(rot) + y0 * Math.cos(rot);
    return toCorner(norm([0, 1, 2].map((i) => c[i]! + x * e[i]! + y * n[i]!)));
  });
}

/** A point offset from (ra, dec) by up to `spread` degrees in each tangent direction. */
export function jitter(rng: Rng, ra: number, dec: number, spread: number): Corner {
  const c = vec(ra, dec);
  const [e, n] = tangentFrame(c);
  const x = Math.tan((rng.next() * 2 - 1) * spread * DEG), y = Math.tan((rng.next() * 2 - 1) * spread * DEG);
  return toCorner(norm([0, 1, 2].map((i) => c[i]! + x * e[i]! + y * n[i]!)));
}
