/**
 * A small gnomonic (TAN) world coordinate system, as FITS WCS Papers I and II define it with
 * LONPOLE = 180 (the default for a zenithal projection): intermediate world coordinates are
 * `CD (p - CRPIX)` in degrees, and those are the standard coordinates (xi toward east, eta
 * toward north) of the tangent plane at CRVAL. Written with unit vectors, so it is exact
 * everywhere, poles included (no asin). The simulator's own helper; a full WCS module
 * belongs to the calibration tasks.
 */
import { SimulationError } from './errors.js';

const DEG = Math.PI / 180;

/** A 2x2 matrix, row-major: `[[CD1_1, CD1_2], [CD2_1, CD2_2]]`. */
export type Matrix2 = readonly [readonly [number, number], readonly [number, number]];

/** A TAN WCS in FITS terms. */
export interface TanWcsParameters {
  /** [RA, Dec] of the reference point, degrees (CRVAL1, CRVAL2). */
  readonly crval: readonly [number, number];
  /** Reference pixel, FITS 1-based (CRPIX1, CRPIX2). */
  readonly crpix: readonly [number, number];
  /** Degrees per pixel (CD matrix). */
  readonly cd: Matrix2;
}

/**
 * TAN projection between pixels and the sky. Pixel arguments and results are 0-based (the
 * center of the first pixel is (0, 0), as in LSST's afw); the FITS header values use FITS's
 * 1-based convention, so `pixel_fits = pixel + 1`.
 */
export class TanProjection implements TanWcsParameters {
  readonly crval: readonly [number, number];
  readonly crpix: readonly [number, number];
  readonly cd: Matrix2;
  // Tangent-plane frame at CRVAL: center c, east e, north n.
  private readonly c: readonly [number, number, number];
  private readonly e: readonly [number, number, number];
  private readonly n: readonly [number, number, number];
  private readonly inv: readonly [number, number, number, number];

  /** Throws {@link SimulationError} for a singular CD matrix or a reference point off the sky. */
  constructor(params: TanWcsParameters) {
    this.crval = [params.crval[0], params.crval[1]];
    this.crpix = [params.crpix[0], params.crpix[1]];
    this.cd = [[params.cd[0][0], params.cd[0][1]], [params.cd[1][0], params.cd[1][1]]];
    const [ra, dec] = this.crval;
    if (!(Number.isFinite(ra) && dec >= -90 && dec <= 90)) throw new SimulationError(`TAN reference point (${ra}, ${dec}) is not on the sky`, 'SIMULATE_WCS');
    const det = this.cd[0][0] * this.cd[1][1] - this.cd[0][1] * this.cd[1][0];
    if (!(Math.abs(det) > 0)) throw new SimulationError('TAN CD matrix is singular', 'SIMULATE_WCS');
    this.inv = [this.cd[1][1] / det, -this.cd[0][1] / det, -this.cd[1][0] / det, this.cd[0][0] / det];
    const a = ra * DEG, d = dec * DEG;
    const ca = Math.cos(a), sa = Math.sin(a), cdd = Math.cos(d), sd = Math.sin(d);
    this.c = [cdd * ca, cdd * sa, sd];
    this.e = [-sa, ca, 0];
    this.n = [-sd * ca, -sd * sa, cdd];
  }

  /**
   * A TAN WCS with pixel scale `scaleDeg` (degrees per pixel) whose pixel +y axis points
   * `rotationDeg` east of north, with the usual sky parity (east to the left when north is
   * up): CD = scale * [[-cos r, sin r], [sin r, cos r]]. `crpix` is 1-based.
   */
  static rotated(crval: readonly [number, number], crpix: readonly [number, number], scaleDeg: number, rotationDeg: number): TanProjection {
    const r = rotationDeg * DEG;
    const c = Math.cos(r) * scaleDeg, s = Math.sin(r) * scaleDeg;
    return new TanProjection({ crval, crpix, cd: [[-c, s], [s, c]] });
  }

  /** Unit vector of 0-based pixel (x, y). */
  pixelToVector(x: number, y: number): [number, number, number] {
    const dx = x + 1 - this.crpix[0], dy = y + 1 - this.crpix[1];
    const xi = (this.cd[0][0] * dx + this.cd[0][1] * dy) * DEG;
    const eta = (this.cd[1][0] * dx + this.cd[1][1] * dy) * DEG;
    const { c, e, n } = this;
    const vx = c[0] + xi * e[0] + eta * n[0];
    const vy = c[1] + xi * e[1] + eta * n[1];
    const vz = c[2] + xi * e[2] + eta * n[2];
    const l = Math.hypot(vx, vy, vz);
    return [vx / l, vy / l, vz / l];
  }

  /** [RA, Dec] in degrees (RA in [0, 360)) of 0-based pixel (x, y). */
  pixelToSky(x: number, y: number): [number, number] {
    const [vx, vy, vz] = this.pixelToVector(x, y);
    return vectorToRaDec(vx, vy, vz);
  }

  /**
   * 0-based pixel of a unit vector (x, y, z). Points 90 degrees or more from CRVAL have no
   * TAN image: NaN is returned for them.
   */
  vectorToPixel(vx: number, vy: number, vz: number): [number, number] {
    const { c, e, n } = this;
    const w = vx * c[0] + vy * c[1] + vz * c[2];
    if (!(w > 0)) return [NaN, NaN];
    const xi = (vx * e[0] + vy * e[1] + vz * e[2]) / w / DEG;
    const eta = (vx * n[0] + vy * n[1] + vz * n[2]) / w / DEG;
    const [i00, i01, i10, i11] = this.inv;
    return [i00 * xi + i01 * eta + this.crpix[0] - 1, i10 * xi + i11 * eta + this.crpix[1] - 1];
  }

  /** 0-based pixel of [RA, Dec] in degrees (NaN when 90 degrees or more from CRVAL). */
  skyToPixel(ra: number, dec: number): [number, number] {
    const [vx, vy, vz] = raDecToVector(ra, dec);
    return this.vectorToPixel(vx, vy, vz);
  }

  /** The same projection with the pixel origin moved by (dx, dy): pixel p here is p - (dx, dy) there. */
  shifted(dx: number, dy: number): TanProjection {
    return new TanProjection({ crval: this.crval, crpix: [this.crpix[0] - dx, this.crpix[1] - dy], cd: this.cd });
  }

  /** Pixel scale in degrees (square root of |det CD|). */
  get scaleDeg(): number {
    return Math.sqrt(Math.abs(this.cd[0][0] * this.cd[1][1] - this.cd[0][1] * this.cd[1][0]));
  }

  /** The FITS cards of this WCS (WCSAXES, CTYPE, CUNIT, CRVAL, CRPIX, CD, RADESYS), in order. */
  fitsCards(): { keyword: string; value: string | number; comment: string }[] {
    return [
      { keyword: 'WCSAXES', value: 2, comment: 'number of WCS axes' },
      { keyword: 'CTYPE1', value: 'RA---TAN', comment: 'gnomonic projection' },
      { keyword: 'CTYPE2', value: 'DEC--TAN', comment: 'gnomonic projection' },
      { keyword: 'CUNIT1', value: 'deg', comment: '' },
      { keyword: 'CUNIT2', value: 'deg', comment: '' },
      { keyword: 'CRVAL1', value: this.crval[0], comment: '[deg] RA of reference point' },
      { keyword: 'CRVAL2', value: this.crval[1], comment: '[deg] Dec of reference point' },
      { keyword: 'CRPIX1', value: this.crpix[0], comment: 'reference pixel (1-based)' },
      { keyword: 'CRPIX2', value: this.crpix[1], comment: 'reference pixel (1-based)' },
      { keyword: 'CD1_1', value: this.cd[0][0], comment: '' },
      { keyword: 'CD1_2', value: this.cd[0][1], comment: '' },
      { keyword: 'CD2_1', value: this.cd[1][0], comment: '' },
      { keyword: 'CD2_2', value: this.cd[1][1], comment: '' },
      { keyword: 'RADESYS', value: 'ICRS', comment: '' },
    ];
  }

  /** Plain-number form, e.g. for JSON. */
  toJSON(): TanWcsParameters {
    return { crval: this.crval, crpix: this.crpix, cd: this.cd };
  }
}

/** Unit vector of [RA, Dec] in degrees. */
export function raDecToVector(ra: number, dec: number): [number, number, number] {
  const a = ra * DEG, d = dec * DEG;
  const cd = Math.cos(d);
  return [cd * Math.cos(a), cd * Math.sin(a), Math.sin(d)];
}

/** [RA, Dec] in degrees (RA in [0, 360)) of a unit vector, with atan2 only. */
export function vectorToRaDec(x: number, y: number, z: number): [number, number] {
  let ra = Math.atan2(y, x) / DEG;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return [ra, Math.atan2(z, Math.hypot(x, y)) / DEG];
}
