/**
 * Convex spherical polygons, the region type of LSST data (visit, detector, tract and patch
 * regions are convex hulls of their corners), with lsst.sphgeom's binary encoding.
 */
import { Circle } from './circle.js';
import { InvalidRegionError, RegionDecodeError } from './errors.js';
import { BOUNDARY_SLACK, DISJOINT, edgeNormals, relateConvex } from './spherical-predicates.js';
import { fromRaDec, type Vector3 } from './vector3.js';

/** Type byte of lsst.sphgeom's ConvexPolygon encoding ('p'). */
export const CONVEX_POLYGON_TYPE_CODE = 0x70;

// Relative tolerance for "on the edge's great circle" when validating vertices: decoded and
// hull-computed vertices are exact to a few ulps, so anything this close is collinear noise.
const COLLINEAR_TOL = 1e-14;

/**
 * A convex polygon on the unit sphere: at least 3 unit-vector vertices, counter-clockwise
 * seen from outside the sphere, so every edge-plane normal `cross(v_i, v_{i+1})` points
 * inward and the polygon is the intersection of those closed half-spaces (smaller than a
 * hemisphere). Immutable; boundaries belong to the polygon.
 */
export class ConvexPolygon {
  /** The vertices, counter-clockwise seen from outside. */
  readonly vertices: readonly Vector3[];
  /** @internal Vertices packed as x, y, z. */
  readonly coords: Float64Array;
  /** @internal Unit inward edge-plane normals, edge i running from vertex i to i+1. */
  readonly normals: Float64Array;

  /**
   * Builds a polygon from its vertices in order. Non-unit vectors are normalized (unit ones,
   * e.g. decoded, are kept bit for bit); clockwise input is reversed. Throws
   * {@link InvalidRegionError} for fewer than 3 vertices, repeated or collinear vertices, or
   * a vertex sequence that is not convex.
   */
  constructor(vertices: readonly Vector3[]) {
    const n = vertices.length;
    if (n < 3) throw new InvalidRegionError(`a convex polygon needs at least 3 vertices, got ${n}`);
    const coords = new Float64Array(3 * n);
    vertices.forEach((v, i) => coords.set(v, 3 * i));
    const normals = new Float64Array(3 * n);
    orientPolygon(coords, n, normals);
    this.coords = coords;
    this.normals = normals;
    const out: Vector3[] = [];
    for (let i = 0; i < n; i++) out.push(Object.freeze([coords[3 * i], coords[3 * i + 1], coords[3 * i + 2]] as const));
    this.vertices = Object.freeze(out);
  }

  /**
   * The convex hull of points lying in an open hemisphere (as lsst.sphgeom builds regions
   * from corners). Vertices are input points (normalized), counter-clockwise, starting from the one that
   * came first in `points`, so corners already in counter-clockwise order keep their order.
   * Points on a hull edge are dropped. Throws {@link InvalidRegionError} when the points
   * span no hemisphere or are all collinear.
   */
  static convexHull(points: readonly Vector3[]): ConvexPolygon {
    if (points.length < 3) throw new InvalidRegionError(`a convex hull needs at least 3 points, got ${points.length}`);
    const h = hemisphereCenter(points);
    // Gnomonic projection about h maps great circles to straight lines, so the planar hull
    // of the projections is the spherical hull. (e1, e2, h) is right-handed, so planar
    // counter-clockwise is counter-clockwise seen from outside.
    const ax: Vector3 = Math.abs(h[0]) < 0.6 ? [1, 0, 0] : [0, 1, 0];
    let e1 = crossRaw(ax, h);
    const l1 = Math.hypot(e1[0], e1[1], e1[2]);
    e1 = [e1[0] / l1, e1[1] / l1, e1[2] / l1];
    const e2 = crossRaw(h, e1);
    const n = points.length;
    const u = new Float64Array(n), w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = points[i];
      const z = p[0] * h[0] + p[1] * h[1] + p[2] * h[2];
      u[i] = (p[0] * e1[0] + p[1] * e1[1] + p[2] * e1[2]) / z;
      w[i] = (p[0] * e2[0] + p[1] * e2[1] + p[2] * e2[2]) / z;
    }
    const hull = monotoneChain(u, w);
    if (hull.length < 3) throw new InvalidRegionError('points are collinear: their hull has no area');
    let first = 0;
    for (let i = 1; i < hull.length; i++) if (hull[i] < hull[first]) first = i;
    const ordered = hull.slice(first).concat(hull.slice(0, first));
    return new ConvexPolygon(ordered.map((i) => points[i]));
  }

  /** The convex hull of `[ra, dec]` corners in degrees (see {@link ConvexPolygon.convexHull}). */
  static fromRaDecCorners(corners: ReadonlyArray<readonly [number, number]>): ConvexPolygon {
    return ConvexPolygon.convexHull(corners.map(([ra, dec]) => fromRaDec(ra, dec)));
  }

  /**
   * Reads lsst.sphgeom's encoding: byte 0x70, then each vertex as three little-endian
   * float64 (x, y, z). Throws {@link RegionDecodeError} for another type byte, a length
   * other than 1 + 24k with k >= 3, or vertices that form no convex polygon.
   */
  static decode(bytes: Uint8Array): ConvexPolygon {
    if (bytes.length === 0) throw new RegionDecodeError('empty region encoding');
    if (bytes[0] !== CONVEX_POLYGON_TYPE_CODE) {
      throw new RegionDecodeError(`type byte 0x${bytes[0].toString(16).padStart(2, '0')} is not a ConvexPolygon (0x70)`);
    }
    const k = (bytes.length - 1) / 24;
    if (!Number.isInteger(k) || k < 3) {
      throw new RegionDecodeError(`ConvexPolygon encoding of ${bytes.length} bytes: expected 1 + 24k bytes with k >= 3`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const vertices: Vector3[] = [];
    for (let i = 0; i < k; i++) {
      const o = 1 + 24 * i;
      vertices.push([view.getFloat64(o, true), view.getFloat64(o + 8, true), view.getFloat64(o + 16, true)]);
    }
    try {
      return new ConvexPolygon(vertices);
    } catch (e) {
      if (e instanceof InvalidRegionError) throw new RegionDecodeError(`encoded ConvexPolygon is invalid: ${e.message}`);
      throw e;
    }
  }

  /** {@link ConvexPolygon.decode} of a hex string (as in butler YAML exports). */
  static decodeHex(hex: string): ConvexPolygon {
    const clean = hex.trim();
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new RegionDecodeError('region encoding is not a hex string');
    return ConvexPolygon.decode(Uint8Array.from(Buffer.from(clean, 'hex')));
  }

  /** lsst.sphgeom's encoding: byte 0x70, then the vertices as little-endian float64 x, y, z. */
  encode(): Uint8Array {
    const n = this.coords.length / 3;
    const out = new Uint8Array(1 + 24 * n);
    out[0] = CONVEX_POLYGON_TYPE_CODE;
    const view = new DataView(out.buffer);
    for (let i = 0; i < 3 * n; i++) view.setFloat64(1 + 8 * i, this.coords[i], true);
    return out;
  }

  /** {@link ConvexPolygon.encode} as lowercase hex. */
  encodeHex(): string {
    return Buffer.from(this.encode()).toString('hex');
  }

  /** Whether unit vector `v` is in the polygon, boundary included (within 1e-15 rad, for rounding). */
  contains(v: Vector3): boolean {
    const nm = this.normals;
    for (let i = 0; i < nm.length; i += 3) if (nm[i] * v[0] + nm[i + 1] * v[1] + nm[i + 2] * v[2] < -BOUNDARY_SLACK) return false;
    return true;
  }

  /**
   * Whether the two polygons share a point: exact up to rounding, touching counts (so do
   * polygons closer than 1e-15 rad: shared edges and vertices then overlap reliably).
   */
  overlaps(other: ConvexPolygon): boolean {
    return relateConvex(this.coords, this.normals, this.coords.length / 3, other.coords, other.normals, other.coords.length / 3, BOUNDARY_SLACK) !== DISJOINT;
  }

  /** Whether `other` lies inside this polygon (boundary included, within 1e-15 rad). */
  containsPolygon(other: ConvexPolygon): boolean {
    const nm = this.normals, c = other.coords;
    for (let i = 0; i < nm.length; i += 3) {
      for (let k = 0; k < c.length; k += 3) if (nm[i] * c[k] + nm[i + 1] * c[k + 1] + nm[i + 2] * c[k + 2] < -BOUNDARY_SLACK) return false;
    }
    return true;
  }

  /**
   * The centroid: the direction of the center of mass of the solid cone from the sphere's
   * center over the polygon with flat facets (a fan of tetrahedra from vertex 0). It equals
   * the area centroid up to the facets' flatness (second order in the polygon's size), is
   * a positive combination of the vertices and so always inside, and stays accurate for tiny
   * polygons, where the exact area formula cancels catastrophically.
   */
  centroid(): Vector3 {
    const out = new Float64Array(3);
    centroidInto(this.coords, this.coords.length / 3, out, 0);
    return [out[0], out[1], out[2]];
  }

  /**
   * A circle containing the polygon: centered on the centroid, with the largest angle from
   * it to the boundary (a vertex, or an edge point for very large polygons), padded by 1e-14
   * rad against rounding.
   */
  boundingCircle(): Circle {
    const out = new Float64Array(4);
    boundingCircleInto(this.coords, this.normals, this.coords.length / 3, out, 0);
    return new Circle([out[0], out[1], out[2]], out[3]);
  }
}

/**
 * @internal Makes `n` packed vertices a valid polygon in place: non-unit ones normalized
 * (unit ones, e.g. decoded, kept bit for bit), clockwise order reversed; writes the edge
 * normals. Throws {@link InvalidRegionError} for a vertex that is no direction, repeated or
 * collinear vertices, or a non-convex sequence. Shared by the class and packed decoding.
 */
export function orientPolygon(coords: Float64Array, n: number, normals: Float64Array): void {
  for (let i = 0; i < 3 * n; i += 3) {
    const x = coords[i], y = coords[i + 1], z = coords[i + 2];
    const l2 = x * x + y * y + z * z;
    if (!(l2 > 0) || !Number.isFinite(l2)) throw new InvalidRegionError(`vertex ${i / 3} [${x}, ${y}, ${z}] is not a direction`);
    if (Math.abs(l2 - 1) > 1e-15) {
      const s = 1 / Math.sqrt(l2);
      coords[i] = x * s;
      coords[i + 1] = y * s;
      coords[i + 2] = z * s;
    }
  }
  if (!edgeNormals(coords, n, normals)) throw new InvalidRegionError('polygon has repeated or antipodal consecutive vertices');
  const orientation = orientationOf(coords, normals, n);
  if (orientation === 0) throw new InvalidRegionError('vertices do not form a convex polygon (in either order)');
  if (orientation < 0) {
    reverseVertices(coords, n);
    edgeNormals(coords, n, normals);
  }
}

/**
 * @internal The centroid of the `n` vertices at `c` into `out[o..o+2]`: the direction of the
 * center of mass of the solid cone from the sphere's center over the polygon with flat facets
 * (see {@link ConvexPolygon.centroid}).
 */
export function centroidInto(c: Float64Array, n: number, out: Float64Array, o: number): void {
  const x0 = c[0], y0 = c[1], z0 = c[2];
  let x = 0, y = 0, z = 0;
  for (let i = 1; i + 1 < n; i++) {
    const ax = c[3 * i], ay = c[3 * i + 1], az = c[3 * i + 2];
    const bx = c[3 * i + 3], by = c[3 * i + 4], bz = c[3 * i + 5];
    // det(v0, a, b) = v0 . ((a - v0) x (b - v0)): differences keep small fans accurate.
    const px = ax - x0, py = ay - y0, pz = az - z0;
    const qx = bx - x0, qy = by - y0, qz = bz - z0;
    const w = x0 * (py * qz - pz * qy) + y0 * (pz * qx - px * qz) + z0 * (px * qy - py * qx);
    x += w * (x0 + ax + bx);
    y += w * (y0 + ay + by);
    z += w * (z0 + az + bz);
  }
  const l = Math.hypot(x, y, z);
  out[o] = x / l;
  out[o + 1] = y / l;
  out[o + 2] = z / l;
}

/**
 * @internal The bounding circle of a polygon (see {@link ConvexPolygon.boundingCircle}) into
 * `out[o..o+3]`: center x, y, z and opening angle; no allocation, for packed polygons.
 */
export function boundingCircleInto(c: Float64Array, nm: Float64Array, n: number, out: Float64Array, o: number): void {
  centroidInto(c, n, out, o);
  const cx = out[o], cy = out[o + 1], cz = out[o + 2];
  let r = 0;
  for (let i = 0; i < n; i++) r = Math.max(r, angleTo(cx, cy, cz, c[3 * i], c[3 * i + 1], c[3 * i + 2]));
  for (let e = 0; e < n; e++) {
    // The farthest point of edge e's great circle from c is minus c's projection; it
    // counts only if it lies on the arc (same wedge test as the circle relation, for -c).
    const j = e + 1 === n ? 0 : e + 1;
    const nx = nm[3 * e], ny = nm[3 * e + 1], nz = nm[3 * e + 2];
    const ax = c[3 * e], ay = c[3 * e + 1], az = c[3 * e + 2];
    const bx = c[3 * j], by = c[3 * j + 1], bz = c[3 * j + 2];
    const t1 = -(cx * (ny * az - nz * ay) + cy * (nz * ax - nx * az) + cz * (nx * ay - ny * ax));
    const t2 = -(cx * (by * nz - bz * ny) + cy * (bz * nx - bx * nz) + cz * (bx * ny - by * nx));
    if (t1 >= 0 && t2 >= 0) {
      const s = cx * nx + cy * ny + cz * nz;
      r = Math.max(r, Math.PI - Math.asin(Math.min(1, Math.abs(s))));
    }
  }
  out[o + 3] = Math.min(Math.PI, r + 1e-14);
}

function crossRaw(a: Vector3, b: Vector3): Vector3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function angleTo(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  // |a x b| as |(a + b) x (b - a)| / 2: accurate for close vectors.
  const sx = ax + bx, sy = ay + by, sz = az + bz, dx = bx - ax, dy = by - ay, dz = bz - az;
  const x = sy * dz - sz * dy, y = sz * dx - sx * dz, z = sx * dy - sy * dx;
  return Math.atan2(Math.sqrt(x * x + y * y + z * z) / 2, ax * bx + ay * by + az * bz);
}

/** +1 counter-clockwise convex, -1 clockwise convex, 0 neither (or degenerate). */
function orientationOf(c: Float64Array, nm: Float64Array, n: number): number {
  let sign = 0;
  for (let i = 0; i < n; i++) {
    let pos = false, neg = false;
    for (let j = 0; j < n; j++) {
      if (j === i || j === (i + 1) % n) continue;
      const d = nm[3 * i] * c[3 * j] + nm[3 * i + 1] * c[3 * j + 1] + nm[3 * i + 2] * c[3 * j + 2];
      if (d > COLLINEAR_TOL) pos = true;
      else if (d < -COLLINEAR_TOL) neg = true;
    }
    if (pos === neg) return 0; // both sides (not convex) or neither (all on one great circle)
    const s = pos ? 1 : -1;
    if (sign !== 0 && s !== sign) return 0;
    sign = s;
  }
  return sign;
}

function reverseVertices(c: Float64Array, n: number): void {
  for (let i = 0, j = n - 1; i < j; i++, j--) {
    for (let a = 0; a < 3; a++) {
      const t = c[3 * i + a];
      c[3 * i + a] = c[3 * j + a];
      c[3 * j + a] = t;
    }
  }
}

/**
 * A direction h with h.p > 0 for every point p (perceptron iterations from the mean), or an
 * InvalidRegionError when none is found: the points do not lie in an open hemisphere.
 */
function hemisphereCenter(points: readonly Vector3[]): Vector3 {
  const unit = points.map((p, i) => {
    const l = Math.hypot(p[0], p[1], p[2]);
    if (!(l > 0) || !Number.isFinite(l)) throw new InvalidRegionError(`point ${i} [${p.join(', ')}] is not a direction`);
    return [p[0] / l, p[1] / l, p[2] / l] as const;
  });
  let hx = 0, hy = 0, hz = 0;
  for (const p of unit) { hx += p[0]; hy += p[1]; hz += p[2]; }
  for (let iter = 0; iter < 10_000; iter++) {
    const l = Math.hypot(hx, hy, hz);
    let worst = -1, worstDot = Infinity;
    if (l > 0) {
      for (let i = 0; i < unit.length; i++) {
        const d = (unit[i][0] * hx + unit[i][1] * hy + unit[i][2] * hz) / l;
        if (d < worstDot) { worstDot = d; worst = i; }
      }
      // A margin keeps the gnomonic projection well conditioned.
      if (worstDot > 1e-6) return [hx / l, hy / l, hz / l];
    } else {
      worst = 0;
    }
    hx += unit[worst][0]; hy += unit[worst][1]; hz += unit[worst][2];
  }
  throw new InvalidRegionError('points do not lie in an open hemisphere; they have no convex hull');
}

/** Indices of the planar convex hull, counter-clockwise, collinear points dropped (Andrew's monotone chain). */
function monotoneChain(u: Float64Array, w: Float64Array): number[] {
  const idx = Array.from(u, (_, i) => i).sort((a, b) => u[a] - u[b] || w[a] - w[b] || a - b);
  const turn = (o: number, a: number, b: number): number => (u[a] - u[o]) * (w[b] - w[o]) - (w[a] - w[o]) * (u[b] - u[o]);
  const lower: number[] = [];
  for (const i of idx) {
    while (lower.length >= 2 && turn(lower[lower.length - 2], lower[lower.length - 1], i) <= 0) lower.pop();
    lower.push(i);
  }
  const upper: number[] = [];
  for (let t = idx.length - 1; t >= 0; t--) {
    const i = idx[t];
    while (upper.length >= 2 && turn(upper[upper.length - 2], upper[upper.length - 1], i) <= 0) upper.pop();
    upper.push(i);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}
