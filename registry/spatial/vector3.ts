/**
 * Unit vectors on the celestial sphere as plain `[x, y, z]` tuples (x towards RA 0 Dec 0,
 * z towards the north pole). Small, allocation-light helpers; hot loops elsewhere work on
 * scalars or Float64Arrays instead.
 */
import { SpatialArgumentError } from './errors.js';

/** A 3-vector; a unit vector wherever it stands for a point on the sphere. */
export type Vector3 = readonly [x: number, y: number, z: number];

const DEG = Math.PI / 180;

/** The unit vector of (RA, Dec) in degrees. */
export function fromRaDec(raDeg: number, decDeg: number): Vector3 {
  const ra = raDeg * DEG;
  const dec = decDeg * DEG;
  const c = Math.cos(dec);
  return [c * Math.cos(ra), c * Math.sin(ra), Math.sin(dec)];
}

/** (RA, Dec) in degrees of a non-zero vector; RA in [0, 360), Dec in [-90, 90]. */
export function toRaDec(v: Vector3): [raDeg: number, decDeg: number] {
  const [x, y, z] = v;
  // atan2 for both angles: asin loses precision near the poles.
  let ra = Math.atan2(y, x) / DEG;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return [ra, Math.atan2(z, Math.hypot(x, y)) / DEG];
}

/** Dot product. */
export function dot(a: Vector3, b: Vector3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Cross product `a x b`. */
export function cross(a: Vector3, b: Vector3): Vector3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** `v / |v|`; throws {@link SpatialArgumentError} for a zero or non-finite vector. */
export function normalize(v: Vector3): Vector3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 0) || !Number.isFinite(n)) throw new SpatialArgumentError(`cannot normalize [${v.join(', ')}]`);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Angle in radians between two non-zero vectors, in [0, pi]; accurate at every angle (atan2, not acos). */
export function angleBetween(a: Vector3, b: Vector3): number {
  const c = cross(a, b);
  return Math.atan2(Math.hypot(c[0], c[1], c[2]), dot(a, b));
}
