/**
 * The pairs of two sets of bounding circles that meet: the screen before a spatial join tests
 * polygons exactly. The larger set is indexed in strips of declination, each sorted by right
 * ascension, so a circle of the smaller set looks only at the few circles near its own center
 * instead of a whole band of declination around the sky (a survey's 196 patches against 438k
 * detectors: 6M distance tests became about 0.6M).
 */

/** Strips at most this many: at finer ones the offsets cost more than the strips save. */
const MAX_STRIPS = 4096;
/** Covers the rounding of asin/atan2 in the windows; the distance test is the real screen. */
const SLACK = 1e-9;

/**
 * Calls `meet(i, j)` for every circle i of `a` and j of `b` (4 numbers each: unit center x,
 * y, z and radius in radians) whose centers are no farther apart than their radii together.
 */
export function meetingCircles(a: Float64Array, b: Float64Array, meet: (i: number, j: number) => void): void {
  const aSmall = a.length <= b.length;
  const [small, large] = aSmall ? [a, b] : [b, a];
  // a query's reach is at most both widest radii: it then spans three strips at most
  const strips = new SkyStrips(large, widestRadius(small) + widestRadius(large) + SLACK);
  const found = aSmall ? meet : (s: number, l: number) => meet(l, s);
  for (let s = 0; s < small.length / 4; s++) strips.near(small, s, found);
}

function widestRadius(circles: Float64Array): number {
  let widest = 0;
  for (let k = 3; k < circles.length; k += 4) widest = Math.max(widest, circles[k]!);
  return widest;
}

const HALF_PI = Math.PI / 2, TWO_PI = 2 * Math.PI;

/** Declination and right ascension (in [0, 2π)) of the center of circle k. */
function decOf(c: Float64Array, k: number): number {
  return Math.asin(Math.max(-1, Math.min(1, c[4 * k + 2]!)));
}
function raOf(c: Float64Array, k: number): number {
  const ra = Math.atan2(c[4 * k + 1]!, c[4 * k]!);
  return ra < 0 ? ra + TWO_PI : ra;
}

/** Circles by strip of declination (`height` radians, at least the reach of any query), then by right ascension. */
class SkyStrips {
  private readonly height: number;
  private readonly widest: number;
  /** Circles in strip order, then by right ascension; strip t holds order[offsets[t]] to order[offsets[t + 1] - 1]. */
  private readonly order: Int32Array;
  private readonly offsets: Int32Array;
  /** Right ascension of order[i]. */
  private readonly ras: Float64Array;

  constructor(private readonly circles: Float64Array, height: number) {
    const count = circles.length / 4;
    this.widest = widestRadius(circles);
    this.height = Math.max(height, Math.PI / MAX_STRIPS);
    const stripCount = Math.floor(Math.PI / this.height) + 1;
    const stripOf = new Int32Array(count), ra = new Float64Array(count);
    this.offsets = new Int32Array(stripCount + 1);
    for (let k = 0; k < count; k++) {
      stripOf[k] = this.strip(decOf(circles, k));
      ra[k] = raOf(circles, k);
      this.offsets[stripOf[k]! + 1]!++;
    }
    for (let t = 0; t < stripCount; t++) this.offsets[t + 1]! += this.offsets[t]!;
    // counting sort into strips, then each strip by right ascension
    const next = this.offsets.slice(0, stripCount);
    this.order = new Int32Array(count);
    for (let k = 0; k < count; k++) this.order[next[stripOf[k]!]!++] = k;
    for (let t = 0; t < stripCount; t++) this.order.subarray(this.offsets[t]!, this.offsets[t + 1]!).sort((x, y) => ra[x]! - ra[y]!);
    this.ras = new Float64Array(count);
    for (let i = 0; i < count; i++) this.ras[i] = ra[this.order[i]!]!;
  }

  private strip(dec: number): number {
    return Math.min(this.offsets.length - 2, Math.max(0, Math.floor((dec + HALF_PI) / this.height)));
  }

  /** Calls `found(s, l)` for each circle l here that meets circle s of `query`. */
  near(query: Float64Array, s: number, found: (s: number, l: number) => void): void {
    const dec = decOf(query, s);
    // every circle here that meets s has its center within `reach` of s's center
    const reach = Math.min(Math.PI, query[4 * s + 3]! + this.widest + SLACK);
    const window = raWindow(dec, raOf(query, s), reach);
    for (let t = this.strip(dec - reach); t <= this.strip(dec + reach); t++) {
      for (let w = 0; w < window.length; w += 2) this.test(query, s, t, window[w]!, window[w + 1]!, found);
    }
  }

  /** Tests the circles of strip `t` whose right ascension lies in [from, to]. */
  private test(query: Float64Array, s: number, t: number, from: number, to: number, found: (s: number, l: number) => void): void {
    const c = this.circles, q = 4 * s;
    const sx = query[q]!, sy = query[q + 1]!, sz = query[q + 2]!, sr = query[q + 3]!;
    const end = this.offsets[t + 1]!;
    for (let i = lowerBound(this.ras, from, this.offsets[t]!, end); i < end && this.ras[i]! <= to; i++) {
      const l = this.order[i]!;
      const dot = sx * c[4 * l]! + sy * c[4 * l + 1]! + sz * c[4 * l + 2]!;
      if (dot >= Math.cos(Math.min(Math.PI, sr + c[4 * l + 3]! + 1e-12))) found(s, l);
    }
  }
}

/**
 * The right ascensions within `reach` of (ra, dec), as [from, to] intervals inside [0, 2π]:
 * one, or two when the window wraps through 0, or the whole circle when it takes in a pole.
 */
function raWindow(dec: number, ra: number, reach: number): number[] {
  if (Math.abs(dec) + reach >= HALF_PI - SLACK) return [0, TWO_PI];
  // a small circle of radius r about declination d spans asin(sin r / cos d) either side in RA
  const half = Math.asin(Math.min(1, Math.sin(reach) / Math.cos(dec))) + SLACK;
  if (half >= Math.PI) return [0, TWO_PI];
  const from = ra - half, to = ra + half;
  if (from < 0) return [0, to, from + TWO_PI, TWO_PI];
  if (to > TWO_PI) return [0, to - TWO_PI, from, TWO_PI];
  return [from, to];
}

/** The first index in [lo, hi) of sorted `values` whose value is >= `x` (hi if none). */
function lowerBound(values: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
