/**
 * BOX(ra, dec, width, height) as a polygon, with STC/ADQL's meaning: a cross centered on
 * (ra, dec) with arms along the great circles through the center to the east and to the
 * north, `width` and `height` long, and sides on the great circles that meet the arms'
 * ends at right angles.
 */
import { ConvexPolygon } from './convex-polygon.js';
import { InvalidRegionError } from './errors.js';
import type { Vector3 } from './vector3.js';

const DEG = Math.PI / 180;

/**
 * The box polygon, vertices SW, SE, NE, NW. With (c, east, north) the local frame at the
 * center, the sides are the planes through the arm ends perpendicular to the arms, which
 * makes the corners `normalize(c +- tan(w/2) east +- tan(h/2) north)`: the box is a
 * rectangle in the gnomonic projection about its center. Width and height are in degrees,
 * in (0, 180). Throws {@link InvalidRegionError} otherwise.
 */
export function boxPolygon(raDeg: number, decDeg: number, widthDeg: number, heightDeg: number): ConvexPolygon {
  if (!(widthDeg > 0 && widthDeg < 180 && heightDeg > 0 && heightDeg < 180)) {
    throw new InvalidRegionError(`BOX width and height must be in (0, 180) degrees, got ${widthDeg} x ${heightDeg}`);
  }
  if (!(Number.isFinite(raDeg) && decDeg >= -90 && decDeg <= 90)) {
    throw new InvalidRegionError(`BOX center (${raDeg}, ${decDeg}) is not a sky position`);
  }
  const ra = raDeg * DEG, dec = decDeg * DEG;
  const cr = Math.cos(ra), sr = Math.sin(ra), cd = Math.cos(dec), sd = Math.sin(dec);
  const c: Vector3 = [cd * cr, cd * sr, sd];
  const east: Vector3 = [-sr, cr, 0];
  const north: Vector3 = [-sd * cr, -sd * sr, cd];
  const a = Math.tan((widthDeg / 2) * DEG), b = Math.tan((heightDeg / 2) * DEG);
  const corner = (se: number, sn: number): Vector3 => [
    c[0] + se * a * east[0] + sn * b * north[0],
    c[1] + se * a * east[1] + sn * b * north[1],
    c[2] + se * a * east[2] + sn * b * north[2],
  ];
  return new ConvexPolygon([corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)]);
}
