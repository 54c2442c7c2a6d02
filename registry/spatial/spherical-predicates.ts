/**
 * The geometric core shared by the region classes and the HTM envelope: relations between
 * a convex polygon and a convex polygon or a circle, on flat Float64Arrays so the envelope's
 * descent allocates nothing. Polygons here are `n` unit vertices (`xyz` packed) plus the
 * unit edge-plane normals `normalize(v_i x v_{i+1})`, which point inward (counter-clockwise
 * seen from outside). Internal to the spatial module.
 */

/**
 * Slack (radians) of the public predicates: points within this of a boundary count as on
 * it. Vertices are rounded to ~1e-16, so polygons that share an edge or a vertex would
 * otherwise touch or miss at random; 1e-15 rad is 2e-10 arcsec.
 */
export const BOUNDARY_SLACK = 1e-15;

/** The polygon and the region share no point. */
export const DISJOINT = 0;
/** They share a point (or, with slack, come within the slack of each other). */
export const INTERSECTS = 1;
/** The polygon lies inside the region. */
export const WITHIN = 2;
/** One of {@link DISJOINT}, {@link INTERSECTS}, {@link WITHIN}. */
export type Relation = 0 | 1 | 2;

let scratch = new Float64Array(256);

/**
 * How convex polygon B relates to convex polygon A: WITHIN when every vertex of B is inside
 * A (enough, both being convex), else INTERSECTS when a vertex of one lies in the other or an
 * edge of one crosses an edge of the other, else DISJOINT. With `slack > 0` (radians), points
 * within `slack` of the other polygon's edge planes count as inside, so near-touching pairs
 * are reported as intersecting: that keeps envelopes conservative under rounding.
 */
export function relateConvex(
  av: Float64Array, an: Float64Array, na: number,
  bv: Float64Array, bn: Float64Array, nb: number,
  slack: number,
): Relation {
  const need = 2 * na * nb;
  if (scratch.length < need) scratch = new Float64Array(2 * need);
  const s = scratch;
  const eo = na * nb;
  const lo = -slack;
  // s[i*nb + k] = side of B's vertex k w.r.t. A's edge i; also the triple products the
  // crossing test needs, so the crossing test below costs no further dot products.
  let allIn = true;
  for (let i = 0; i < na; i++) {
    const nx = an[3 * i], ny = an[3 * i + 1], nz = an[3 * i + 2];
    let max = -Infinity;
    for (let k = 0; k < nb; k++) {
      const d = nx * bv[3 * k] + ny * bv[3 * k + 1] + nz * bv[3 * k + 2];
      s[i * nb + k] = d;
      if (d > max) max = d;
      if (d < 0) allIn = false;
    }
    if (max < lo) return DISJOINT; // A's edge plane separates them
  }
  if (allIn) return WITHIN;
  for (let k = 0; k < nb; k++) {
    const nx = bn[3 * k], ny = bn[3 * k + 1], nz = bn[3 * k + 2];
    let max = -Infinity;
    for (let j = 0; j < na; j++) {
      const d = nx * av[3 * j] + ny * av[3 * j + 1] + nz * av[3 * j + 2];
      s[eo + k * na + j] = d;
      if (d > max) max = d;
    }
    if (max < lo) return DISJOINT; // B's edge plane separates them
  }
  for (let k = 0; k < nb; k++) {
    let i = 0;
    while (i < na && s[i * nb + k] >= lo) i++;
    if (i === na) return INTERSECTS; // vertex k of B inside A
  }
  for (let j = 0; j < na; j++) {
    let k = 0;
    while (k < nb && s[eo + k * na + j] >= lo) k++;
    if (k === nb) return INTERSECTS; // vertex j of A inside B
  }
  // Minor arcs a->b (A's edge i) and c->d (B's edge k) cross iff c, d straddle plane ab,
  // a, b straddle plane cd, and [a,b,c], [c,d,a] differ in sign; the last condition rules
  // out the great circles meeting at the antipode of the arcs' common side.
  for (let i = 0; i < na; i++) {
    const i1 = i + 1 === na ? 0 : i + 1;
    for (let k = 0; k < nb; k++) {
      const k1 = k + 1 === nb ? 0 : k + 1;
      const abc = s[i * nb + k], abd = s[i * nb + k1];
      const cda = s[eo + k * na + i], cdb = s[eo + k * na + i1];
      if (abc * abd < 0 && cda * cdb < 0 && abc * cda < 0) return INTERSECTS;
    }
  }
  return DISJOINT;
}

/** A circle prepared for {@link relateCircleConvex}; `outer*` values include the slack. */
export interface CircleParams {
  readonly cx: number;
  readonly cy: number;
  readonly cz: number;
  /** Opening angle (radians). */
  readonly r: number;
  /** Squared chord length of `r`: |v - c|^2 <= sq tests containment without losing small radii. */
  readonly sq: number;
  /** Squared chord length of `r + slack`. */
  readonly sqOuter: number;
  /** sin(r + slack), for the reach test of narrow circles (r + slack <= pi/4). */
  readonly sinOuter: number;
  /** cos(r + slack), for the reach test of wider circles, where sin(r) near 1 loses precision. */
  readonly cosOuter: number;
  /** r + slack >= pi/2: every point of a great circle is then within reach of some cap point. */
  readonly outerWide: boolean;
  readonly slack: number;
}

/** Squared chord length of an angle (4 sin^2(a/2)), clamped to [0, 4]. */
export function squaredChord(angle: number): number {
  if (angle >= Math.PI) return 4;
  const h = 2 * Math.sin(angle / 2);
  return h * h;
}

/** Prepares a circle (unit center, opening angle `r` radians) for repeated relations. */
export function circleParams(cx: number, cy: number, cz: number, r: number, slack: number): CircleParams {
  const outer = Math.min(Math.PI, r + slack);
  return {
    cx, cy, cz, r, slack,
    sq: squaredChord(r),
    sqOuter: squaredChord(outer),
    sinOuter: Math.sin(outer),
    cosOuter: Math.cos(outer),
    outerWide: outer >= Math.PI / 2,
  };
}

/**
 * How convex polygon P relates to a circle: WITHIN when P lies in the circle, INTERSECTS
 * when a vertex of P is in the circle, the center is in P, or an edge of P comes within the
 * opening angle of the center; else DISJOINT. Exact up to rounding when `slack` is 0.
 */
export function relateCircleConvex(c: CircleParams, pv: Float64Array, pn: Float64Array, n: number): Relation {
  const { cx, cy, cz } = c;
  let allIn = true;
  let anyIn = false;
  for (let k = 0; k < n; k++) {
    const dx = pv[3 * k] - cx, dy = pv[3 * k + 1] - cy, dz = pv[3 * k + 2] - cz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 > c.sq) allIn = false;
    if (d2 <= c.sqOuter) anyIn = true;
  }
  if (allIn) {
    // A cap up to a hemisphere is convex, so holding the vertices means holding P. A wider
    // cap holds P iff P misses the complementary (narrow) cap's interior.
    if (c.r <= Math.PI / 2) return WITHIN;
    const rest = circleParams(-cx, -cy, -cz, Math.PI - c.r, 0);
    return relateCircleConvex(rest, pv, pn, n) === DISJOINT ? WITHIN : INTERSECTS;
  }
  if (anyIn) return INTERSECTS;
  const lo = -c.slack;
  let i = 0;
  while (i < n && pn[3 * i] * cx + pn[3 * i + 1] * cy + pn[3 * i + 2] * cz >= lo) i++;
  if (i === n) return INTERSECTS; // center inside P
  for (let e = 0; e < n; e++) {
    const nx = pn[3 * e], ny = pn[3 * e + 1], nz = pn[3 * e + 2];
    // Is the edge's great circle within reach? Its angle d from c has sin d = |c.n| and
    // cos d = |c x n|; compare whichever is well conditioned for this radius.
    if (!c.outerWide) {
      if (c.r + c.slack <= Math.PI / 4) {
        if (Math.abs(nx * cx + ny * cy + nz * cz) > c.sinOuter) continue;
      } else {
        const px = cy * nz - cz * ny, py = cz * nx - cx * nz, pz = cx * ny - cy * nx;
        if (px * px + py * py + pz * pz < c.cosOuter * c.cosOuter) continue;
      }
    }
    // The great circle's nearest point to c is c's projection onto the edge plane; it lies on
    // the arc a->b iff (a x c).n >= 0 and (c x b).n >= 0, i.e. c.(n x a) >= 0, c.(b x n) >= 0.
    // Otherwise the nearest arc point is an endpoint, already tested above.
    const e1 = e + 1 === n ? 0 : e + 1;
    const ax = pv[3 * e], ay = pv[3 * e + 1], az = pv[3 * e + 2];
    const bx = pv[3 * e1], by = pv[3 * e1 + 1], bz = pv[3 * e1 + 2];
    const t1 = cx * (ny * az - nz * ay) + cy * (nz * ax - nx * az) + cz * (nx * ay - ny * ax);
    if (t1 < 0) continue;
    const t2 = cx * (by * nz - bz * ny) + cy * (bz * nx - bx * nz) + cz * (bx * ny - by * nx);
    if (t2 >= 0) return INTERSECTS;
  }
  return DISJOINT;
}

/**
 * Writes the unit edge-plane normals of the `n` vertices in `v` into `out`; returns false
 * when an edge is degenerate (repeated or antipodal vertices). Uses (a + b) x (b - a), which
 * equals 2 a x b but keeps full relative precision for close vertices (b - a is exact there).
 */
export function edgeNormals(v: Float64Array, n: number, out: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const sx = v[3 * i] + v[3 * j], sy = v[3 * i + 1] + v[3 * j + 1], sz = v[3 * i + 2] + v[3 * j + 2];
    const dx = v[3 * j] - v[3 * i], dy = v[3 * j + 1] - v[3 * i + 1], dz = v[3 * j + 2] - v[3 * i + 2];
    const x = sy * dz - sz * dy, y = sz * dx - sx * dz, z = sx * dy - sy * dx;
    const len = Math.sqrt(x * x + y * y + z * z);
    if (!(len > 0)) return false;
    out[3 * i] = x / len;
    out[3 * i + 1] = y / len;
    out[3 * i + 2] = z / len;
  }
  return true;
}
