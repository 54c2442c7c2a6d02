/**
 * The Hierarchical Triangular Mesh (Kunszt, Szalay & Thakar; as in SDSS and lsst.sphgeom).
 * The sphere is split into 8 root triangles S0..S3, N0..N3 (ids 8..15); each triangle
 * (v0, v1, v2) has children 4id+0 (v0, w2, w1), 4id+1 (v1, w0, w2), 4id+2 (v2, w1, w0) and
 * 4id+3 (w0, w1, w2), where w0, w1, w2 are the normalized midpoints of the edges opposite
 * v0, v1, v2. Level-L ids therefore fill [8 * 4^L, 16 * 4^L).
 */
import { Circle } from './circle.js';
import { SpatialArgumentError } from './errors.js';
import type { Region } from './region.js';
import {
  BOUNDARY_SLACK, circleParams, DISJOINT, edgeNormals, relateCircleConvex, relateConvex, WITHIN,
  type CircleParams, type Relation,
} from './spherical-predicates.js';
import type { Vector3 } from './vector3.js';

/** A half-open range `[begin, end)` of trixel ids at one level. */
export type HtmRange = readonly [begin: number, end: number];

/** Root triangle vertices, 9 numbers per root in id order S0, S1, S2, S3, N0, N1, N2, N3. */
const ROOTS = (() => {
  const X: Vector3 = [1, 0, 0], Y: Vector3 = [0, 1, 0], Z: Vector3 = [0, 0, 1];
  const mX: Vector3 = [-1, 0, 0], mY: Vector3 = [0, -1, 0], mZ: Vector3 = [0, 0, -1];
  const roots: Vector3[][] = [
    [X, mZ, Y], [Y, mZ, mX], [mX, mZ, mY], [mY, mZ, X], // S0..S3
    [X, Z, mY], [mY, Z, mX], [mX, Z, Y], [Y, Z, X], // N0..N3
  ];
  return Float64Array.from(roots.flat(2));
})();

/** For child k, which of (v0, v1, v2, w0, w1, w2) are its vertices. */
const CHILD = [[0, 5, 4], [1, 3, 5], [2, 4, 3], [3, 4, 5]] as const;

/** Deepest supported level: ids stay exact doubles (16 * 4^24 = 2^52). */
const MAX_LEVEL = 24;

/**
 * Writes the normalized midpoints w0 = |v1+v2|, w1 = |v0+v2|, w2 = |v0+v1| of the triangle in
 * b[0..9) into b[9..18). index() inlines the very same arithmetic, so both agree bit for bit.
 */
function midpoints(b: Float64Array): void {
  for (let m = 0; m < 3; m++) {
    const p = m === 0 ? 3 : 0, q = m === 2 ? 3 : 6;
    const x = b[p] + b[q], y = b[p + 1] + b[q + 1], z = b[p + 2] + b[q + 2];
    const s = 1 / Math.sqrt(x * x + y * y + z * z);
    b[9 + 3 * m] = x * s;
    b[10 + 3 * m] = y * s;
    b[11 + 3 * m] = z * s;
  }
}

/** Copies child k's vertices from parent buffer `src` (vertices + midpoints) into dst[0..9). */
function childInto(src: Float64Array, k: number, dst: Float64Array): void {
  const c = CHILD[k];
  for (let j = 0; j < 3; j++) {
    const o = 3 * c[j];
    dst[3 * j] = src[o];
    dst[3 * j + 1] = src[o + 1];
    dst[3 * j + 2] = src[o + 2];
  }
}

/**
 * HTM pixelization at one level (default 7, LSST's htm7). Stateless apart from reusable
 * scratch buffers, so one instance serves any number of calls (not reentrant, which plain
 * single-threaded use never is).
 */
export class HtmPixelization {
  /** Deepest supported level. */
  static readonly MAX_LEVEL = MAX_LEVEL;
  /** The subdivision level, 0..24. */
  readonly level: number;
  // Per depth: the triangle's 3 vertices then its 3 midpoints.
  private readonly stack: Float64Array[];
  private readonly triNormals = new Float64Array(9);

  /** Throws {@link SpatialArgumentError} for a level that is not an integer in 0..24. */
  constructor(level = 7) {
    if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
      throw new SpatialArgumentError(`HTM level must be an integer in 0..${MAX_LEVEL}, got ${level}`);
    }
    this.level = level;
    this.stack = Array.from({ length: level + 1 }, () => new Float64Array(18));
  }

  /** The level of a valid HTM id (any level), or -1 when `id` is not one. */
  static levelOf(id: number): number {
    if (!Number.isInteger(id) || id < 8) return -1;
    let level = 0;
    while (id >= 16) {
      id = Math.floor(id / 4);
      level++;
    }
    return level <= MAX_LEVEL ? level : -1;
  }

  /** All ids of this level: `[8 * 4^L, 16 * 4^L)`. */
  universe(): HtmRange {
    const f = 4 ** this.level;
    return [8 * f, 16 * f];
  }

  /** The id of the trixel containing `v` (any non-zero vector). Points on an edge go to the lower-numbered child. */
  index(v: Vector3): number {
    return this.indexXyz(v[0], v[1], v[2]);
  }

  /** {@link HtmPixelization.index} on scalars: the allocation-free form for bulk use. */
  indexXyz(x: number, y: number, z: number): number {
    let root: number;
    if (z >= 0) root = y >= 0 ? (x >= 0 ? 7 : 6) : x >= 0 ? 4 : 5;
    else root = y >= 0 ? (x >= 0 ? 0 : 1) : x >= 0 ? 3 : 2;
    const o = 9 * root;
    let x0 = ROOTS[o], y0 = ROOTS[o + 1], z0 = ROOTS[o + 2];
    let x1 = ROOTS[o + 3], y1 = ROOTS[o + 4], z1 = ROOTS[o + 5];
    let x2 = ROOTS[o + 6], y2 = ROOTS[o + 7], z2 = ROOTS[o + 8];
    let id = root + 8;
    for (let l = this.level; l > 0; l--) {
      // Edge midpoints w0 = v1+v2, w1 = v0+v2, w2 = v0+v1. The side tests need only their
      // directions; the scale factors (computed exactly as midpoints() does, so index() and
      // triangle() agree bit for bit) are applied only to the midpoints carried down.
      const ax = x1 + x2, ay = y1 + y2, az = z1 + z2;
      const bx = x0 + x2, by = y0 + y2, bz = z0 + z2;
      const cx = x0 + x1, cy = y0 + y1, cz = z0 + z1;
      const sa = 1 / Math.sqrt(ax * ax + ay * ay + az * az);
      const sb = 1 / Math.sqrt(bx * bx + by * by + bz * bz);
      const sc = 1 / Math.sqrt(cx * cx + cy * cy + cz * cz);
      id *= 4;
      // Child k is the corner cut off by one midpoint edge; test p against that edge plane.
      if (x * (cy * bz - cz * by) + y * (cz * bx - cx * bz) + z * (cx * by - cy * bx) >= 0) {
        x1 = cx * sc; y1 = cy * sc; z1 = cz * sc; x2 = bx * sb; y2 = by * sb; z2 = bz * sb; // (v0, w2, w1)
      } else if (x * (ay * cz - az * cy) + y * (az * cx - ax * cz) + z * (ax * cy - ay * cx) >= 0) {
        x0 = x1; y0 = y1; z0 = z1; // (v1, w0, w2)
        x1 = ax * sa; y1 = ay * sa; z1 = az * sa; x2 = cx * sc; y2 = cy * sc; z2 = cz * sc;
        id += 1;
      } else if (x * (by * az - bz * ay) + y * (bz * ax - bx * az) + z * (bx * ay - by * ax) >= 0) {
        x0 = x2; y0 = y2; z0 = z2; // (v2, w1, w0)
        x1 = bx * sb; y1 = by * sb; z1 = bz * sb; x2 = ax * sa; y2 = ay * sa; z2 = az * sa;
        id += 2;
      } else {
        x0 = ax * sa; y0 = ay * sa; z0 = az * sa; x1 = bx * sb; y1 = by * sb; z1 = bz * sb; x2 = cx * sc; y2 = cy * sc; z2 = cz * sc; // (w0, w1, w2)
        id += 3;
      }
    }
    return id;
  }

  /** The trixel's vertices (v0, v1, v2), counter-clockwise seen from outside. Throws for an id not of this level. */
  triangle(id: number): [Vector3, Vector3, Vector3] {
    if (HtmPixelization.levelOf(id) !== this.level) {
      throw new SpatialArgumentError(`${id} is not an HTM id of level ${this.level}`);
    }
    const b = new Float64Array(18);
    let f = 4 ** this.level;
    b.set(ROOTS.subarray(9 * (Math.floor(id / f) - 8), 9 * (Math.floor(id / f) - 7)));
    while (f > 1) {
      f /= 4;
      midpoints(b);
      childInto(b, Math.floor(id / f) % 4, b);
    }
    return [[b[0], b[1], b[2]], [b[3], b[4], b[5]], [b[6], b[7], b[8]]];
  }

  /**
   * Sorted, merged, half-open ranges of the ids at this level whose trixels intersect
   * `region`: exactly the trixels t for which `regionsOverlap(region, trixel t)` holds, found
   * by descending only into intersecting trixels (and taking whole subtrees of trixels inside
   * the region). Conservative, as that predicate counts points within 1e-15 rad of the region
   * (rounding) as touching: every point of the region indexes into the envelope. With
   * `maxRanges`, the smallest gaps between ranges are filled until at most that many remain
   * (still conservative, less tight).
   */
  envelope(region: Region, maxRanges?: number): HtmRange[] {
    const flat: number[] = [];
    const relate = this.relater(region);
    const stack = this.stack, tn = this.triNormals, L = this.level;
    const visit = (depth: number, id: number): void => {
      const b = stack[depth];
      edgeNormals(b, 3, tn);
      const rel = relate(b, tn);
      if (rel === DISJOINT) return;
      if (rel === WITHIN || depth === L) {
        const f = 4 ** (L - depth);
        const begin = id * f;
        // Depth-first in id order: ranges arrive sorted, so merging needs only the last one.
        if (flat.length > 0 && flat[flat.length - 1] === begin) flat[flat.length - 1] = begin + f;
        else flat.push(begin, begin + f);
        return;
      }
      midpoints(b);
      const next = stack[depth + 1];
      for (let k = 0; k < 4; k++) {
        childInto(b, k, next);
        visit(depth + 1, 4 * id + k);
      }
    };
    for (let r = 0; r < 8; r++) {
      stack[0].set(ROOTS.subarray(9 * r, 9 * r + 9));
      visit(0, 8 + r);
    }
    const ranges: HtmRange[] = [];
    for (let i = 0; i < flat.length; i += 2) ranges.push([flat[i], flat[i + 1]]);
    return maxRanges === undefined ? ranges : coarsen(ranges, maxRanges);
  }

  /** The ids of {@link HtmPixelization.envelope}, expanded, ascending. */
  envelopeIds(region: Region): number[] {
    const ids: number[] = [];
    for (const [begin, end] of this.envelope(region)) for (let id = begin; id < end; id++) ids.push(id);
    return ids;
  }

  private relater(region: Region): (tv: Float64Array, tn: Float64Array) => Relation {
    if (region instanceof Circle) {
      const [cx, cy, cz] = region.center;
      const p: CircleParams = circleParams(cx, cy, cz, region.openingAngle, BOUNDARY_SLACK);
      return (tv, tn) => relateCircleConvex(p, tv, tn, 3);
    }
    const { coords, normals } = region;
    const n = coords.length / 3;
    return (tv, tn) => relateConvex(coords, normals, n, tv, tn, 3, BOUNDARY_SLACK);
  }
}

/** Fills the smallest gaps (ties: leftmost first) until at most `maxRanges` ranges remain. */
function coarsen(ranges: HtmRange[], maxRanges: number): HtmRange[] {
  if (!Number.isInteger(maxRanges) || maxRanges < 1) {
    throw new SpatialArgumentError(`maxRanges must be a positive integer, got ${maxRanges}`);
  }
  const excess = ranges.length - maxRanges;
  if (excess <= 0) return ranges;
  const gaps = Array.from({ length: ranges.length - 1 }, (_, i) => i);
  gaps.sort((a, b) => ranges[a + 1][0] - ranges[a][1] - (ranges[b + 1][0] - ranges[b][1]) || a - b);
  const fill = new Uint8Array(ranges.length);
  for (let g = 0; g < excess; g++) fill[gaps[g]] = 1;
  const out: HtmRange[] = [];
  let begin = ranges[0][0];
  for (let i = 0; i < ranges.length; i++) {
    if (fill[i]) continue; // the gap after range i is filled
    out.push([begin, ranges[i][1]]);
    if (i + 1 < ranges.length) begin = ranges[i + 1][0];
  }
  return out;
}
