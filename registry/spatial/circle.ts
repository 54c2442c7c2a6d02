/**
 * Circles (spherical caps): every point within an opening angle of a center.
 */
import type { ConvexPolygon } from './convex-polygon.js';
import { InvalidRegionError } from './errors.js';
import { BOUNDARY_SLACK, circleParams, DISJOINT, relateCircleConvex, type CircleParams } from './spherical-predicates.js';
import { angleBetween, fromRaDec, type Vector3 } from './vector3.js';

const DEG = Math.PI / 180;

/**
 * The closed cap of points at most `openingAngle` radians from `center` (0 <= angle <= pi;
 * pi is the whole sphere). Immutable.
 */
export class Circle {
  /** Unit center. */
  readonly center: Vector3;
  /** Opening angle (angular radius) in radians. */
  readonly openingAngle: number;
  /** @internal Prepared form used by the public predicates (boundary slack 1e-15 rad). */
  readonly params: CircleParams;

  /** Throws {@link InvalidRegionError} for a zero center or an angle outside [0, pi]. */
  constructor(center: Vector3, openingAngleRad: number) {
    const l = Math.hypot(center[0], center[1], center[2]);
    if (!(l > 0) || !Number.isFinite(l)) throw new InvalidRegionError(`circle center [${center.join(', ')}] is not a direction`);
    if (!(openingAngleRad >= 0 && openingAngleRad <= Math.PI)) {
      throw new InvalidRegionError(`circle opening angle ${openingAngleRad} rad is outside [0, pi]`);
    }
    const s = Math.abs(l * l - 1) > 1e-15 ? 1 / l : 1;
    this.center = Object.freeze([center[0] * s, center[1] * s, center[2] * s] as const);
    this.openingAngle = openingAngleRad;
    this.params = circleParams(this.center[0], this.center[1], this.center[2], openingAngleRad, BOUNDARY_SLACK);
  }

  /** A circle about (RA, Dec) with a radius, all in degrees. */
  static fromRaDec(raDeg: number, decDeg: number, radiusDeg: number): Circle {
    return new Circle(fromRaDec(raDeg, decDeg), radiusDeg * DEG);
  }

  /**
   * Whether unit vector `v` is in the circle, boundary included (within 1e-15 rad, for
   * rounding). A squared-chord test, so it stays exact for tiny radii.
   */
  contains(v: Vector3): boolean {
    const [cx, cy, cz] = this.center;
    const dx = v[0] - cx, dy = v[1] - cy, dz = v[2] - cz;
    return dx * dx + dy * dy + dz * dz <= this.params.sqOuter;
  }

  /** Whether the circle shares a point with a polygon or another circle: exact up to rounding, touching counts. */
  overlaps(other: ConvexPolygon | Circle): boolean {
    if (other instanceof Circle) {
      return angleBetween(this.center, other.center) <= this.openingAngle + other.openingAngle + BOUNDARY_SLACK;
    }
    return relateCircleConvex(this.params, other.coords, other.normals, other.coords.length / 3) !== DISJOINT;
  }

  /** The circle itself (the bounding circle of every region kind). */
  boundingCircle(): Circle {
    return this;
  }
}
