/**
 * The region union the query layer works with, and the overlap test between any two.
 */
import { Circle } from './circle.js';
import type { ConvexPolygon } from './convex-polygon.js';

/** A region on the sky: a convex polygon or a circle. Both are closed sets. */
export type Region = ConvexPolygon | Circle;

/** Whether two regions share a point (touching counts); exact up to rounding for every pair of kinds. */
export function regionsOverlap(a: Region, b: Region): boolean {
  if (a instanceof Circle) return a.overlaps(b);
  if (b instanceof Circle) return b.overlaps(a);
  return a.overlaps(b);
}
