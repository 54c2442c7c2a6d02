/**
 * Many convex polygons decoded at once into flat typed arrays, with their bounding circles:
 * what a spatial join over 100k+ regions screens and tests exactly without an object (and
 * its garbage) per region. Same checks and same predicates as {@link ConvexPolygon}.
 */
import { boundingCircleInto, CONVEX_POLYGON_TYPE_CODE, orientPolygon } from './convex-polygon.js';
import { InvalidRegionError, RegionDecodeError } from './errors.js';
import { BOUNDARY_SLACK, DISJOINT, relateConvex } from './spherical-predicates.js';

/** Polygons packed end to end; polygon i's vertices are `start[i]` to `start[i + 1]` - 1. */
export class PackedPolygons {
  private constructor(
    /** Vertex coordinates, x, y, z per vertex. */
    readonly coords: Float64Array,
    /** Unit inward edge-plane normals, x, y, z per edge (edge k from vertex k to k + 1). */
    readonly normals: Float64Array,
    /** First vertex of each polygon, plus the total at the end. */
    readonly start: Int32Array,
    /** Bounding circles, 4 per polygon: center x, y, z and opening angle (radians). */
    readonly circles: Float64Array,
  ) {}

  get count(): number {
    return this.start.length - 1;
  }

  /**
   * Decodes lsst.sphgeom ConvexPolygon encodings (see {@link ConvexPolygon.decode}); throws
   * {@link RegionDecodeError} for one that is not a valid convex polygon.
   */
  static decode(encodings: readonly Uint8Array[]): PackedPolygons {
    const start = new Int32Array(encodings.length + 1);
    for (let i = 0; i < encodings.length; i++) start[i + 1] = start[i]! + vertexCount(encodings[i]!);
    const total = start[encodings.length]!;
    const coords = new Float64Array(3 * total), normals = new Float64Array(3 * total);
    const circles = new Float64Array(4 * encodings.length);
    for (let i = 0; i < encodings.length; i++) {
      const bytes = encodings[i]!, o = 3 * start[i]!, n = start[i + 1]! - start[i]!;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = 0; k < 3 * n; k++) coords[o + k] = view.getFloat64(1 + 8 * k, true);
      const c = coords.subarray(o, o + 3 * n), nm = normals.subarray(o, o + 3 * n);
      try {
        orientPolygon(c, n, nm);
      } catch (e) {
        if (e instanceof InvalidRegionError) throw new RegionDecodeError(`encoded ConvexPolygon is invalid: ${e.message}`);
        throw e;
      }
      boundingCircleInto(c, nm, n, circles, 4 * i);
    }
    return new PackedPolygons(coords, normals, start, circles);
  }

  /**
   * Whether polygon `i` here and polygon `j` of `other` share a point, exactly as
   * {@link ConvexPolygon.overlaps} (touching counts, within 1e-15 rad).
   */
  overlaps(i: number, other: PackedPolygons, j: number): boolean {
    const na = copyPolygon(this, i, scratchA), nb = copyPolygon(other, j, scratchB);
    // Overlap is symmetric, and relating the smaller polygon to the larger one usually ends
    // early (a detector inside its patch is WITHIN after one pass over the edges).
    const relation = this.circles[4 * i + 3]! >= other.circles[4 * j + 3]!
      ? relateConvex(scratchA.coords, scratchA.normals, na, scratchB.coords, scratchB.normals, nb, BOUNDARY_SLACK)
      : relateConvex(scratchB.coords, scratchB.normals, nb, scratchA.coords, scratchA.normals, na, BOUNDARY_SLACK);
    return relation !== DISJOINT;
  }
}

/** Vertices of one encoding, after checking its type byte and length. */
function vertexCount(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new RegionDecodeError('empty region encoding');
  if (bytes[0] !== CONVEX_POLYGON_TYPE_CODE) {
    throw new RegionDecodeError(`type byte 0x${bytes[0]!.toString(16).padStart(2, '0')} is not a ConvexPolygon (0x70)`);
  }
  const k = (bytes.length - 1) / 24;
  if (!Number.isInteger(k) || k < 3) throw new RegionDecodeError(`ConvexPolygon encoding of ${bytes.length} bytes: expected 1 + 24k bytes with k >= 3`);
  return k;
}

interface Scratch { coords: Float64Array; normals: Float64Array }

// relateConvex reads polygons from index 0: the two operands are copied here (a few dozen
// numbers) rather than viewed through per-test subarrays, so exact tests allocate nothing.
const scratchA: Scratch = { coords: new Float64Array(48), normals: new Float64Array(48) };
const scratchB: Scratch = { coords: new Float64Array(48), normals: new Float64Array(48) };

/** Copies polygon `i` of `p` into `s` (growing it if needed); returns its vertex count. */
function copyPolygon(p: PackedPolygons, i: number, s: Scratch): number {
  const from = 3 * p.start[i]!, to = 3 * p.start[i + 1]!;
  if (s.coords.length < to - from) {
    s.coords = new Float64Array(2 * (to - from));
    s.normals = new Float64Array(2 * (to - from));
  }
  for (let k = from; k < to; k++) {
    s.coords[k - from] = p.coords[k]!;
    s.normals[k - from] = p.normals[k]!;
  }
  return (to - from) / 3;
}
