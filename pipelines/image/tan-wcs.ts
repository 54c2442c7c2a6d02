/**
 * The gnomonic (TAN) world coordinate system of FITS WCS Papers I and II, written from the
 * papers' formulas:
 *
 *   intermediate world coordinates (degrees)   [x, y] = CD (p - CRPIX), p 1-based
 *   native spherical (Paper II, section 5.1.3)  phi = atan2(x, -y), theta = atan2(180/pi, R), R = hypot(x, y)
 *   celestial (Paper II, eq. 2)                 the rotation whose native pole is CRVAL, with
 *                                               native longitude LONPOLE (180 by default) of the celestial pole
 *
 * Angles come from atan2 only (never asin or acos), so round trips hold to ~1e-10 pixel even
 * at the celestial pole. Pixel arguments of the methods are 0-based (pixel (0, 0) is the
 * center of the first pixel, like LSST's afw); header values keep FITS's 1-based CRPIX.
 */
import { FitsHeader, type FitsCard } from '../../registry/datastore/fits/index.js';
import { ImageError } from './errors.js';
import { solveLinearSystem } from './linear-algebra.js';

const DEG = Math.PI / 180;
/** 180/pi: the radius of the native sphere in degrees. */
const R0 = 180 / Math.PI;

/** A 2x2 matrix, row-major: `[[CD1_1, CD1_2], [CD2_1, CD2_2]]`, degrees per pixel. */
export type CdMatrix = readonly [readonly [number, number], readonly [number, number]];

/** The parameters of a TAN WCS in FITS terms. */
export interface TanWcsParameters {
  /** [RA, Dec] of the reference point, degrees (CRVAL1, CRVAL2). */
  readonly crval: readonly [number, number];
  /** Reference pixel, FITS 1-based (CRPIX1, CRPIX2). */
  readonly crpix: readonly [number, number];
  readonly cd: CdMatrix;
  /** Native longitude of the celestial pole, degrees (LONPOLE); 180 when absent. */
  readonly lonpole?: number;
}

/** Keywords a TAN WCS reads or writes (and `replaceInHeader` replaces). */
const WCS_KEYWORDS: ReadonlySet<string> = new Set([
  'WCSAXES', 'CTYPE1', 'CTYPE2', 'CUNIT1', 'CUNIT2', 'CRVAL1', 'CRVAL2', 'CRPIX1', 'CRPIX2',
  'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2', 'PC1_1', 'PC1_2', 'PC2_1', 'PC2_2', 'CDELT1', 'CDELT2',
  'CROTA1', 'CROTA2', 'LONPOLE', 'LATPOLE', 'RADESYS', 'RADECSYS', 'EQUINOX',
]);

/** A TAN WCS; immutable. Throws {@link ImageError} `IMAGE_WCS` for a singular CD matrix or a reference point off the sky. */
export class TanWcs implements TanWcsParameters {
  readonly crval: readonly [number, number];
  readonly crpix: readonly [number, number];
  readonly cd: CdMatrix;
  readonly lonpole: number;
  // Trigonometry of the rotation, and the inverse CD matrix.
  readonly #sinDp: number;
  readonly #cosDp: number;
  readonly #inv: readonly [number, number, number, number];

  constructor(params: TanWcsParameters) {
    const [ra, dec] = params.crval;
    if (!(Number.isFinite(ra) && dec >= -90 && dec <= 90)) throw new ImageError(`TAN reference point (${ra}, ${dec}) is not on the sky`, 'IMAGE_WCS');
    const cd = params.cd;
    const det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0];
    if (!(Math.abs(det) > 0) || !Number.isFinite(det)) throw new ImageError('TAN CD matrix is singular or not finite', 'IMAGE_WCS');
    const [cx, cy] = params.crpix;
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) throw new ImageError(`TAN reference pixel (${cx}, ${cy}) is not finite`, 'IMAGE_WCS');
    this.crval = [ra, dec];
    this.crpix = [cx, cy];
    this.cd = [[cd[0][0], cd[0][1]], [cd[1][0], cd[1][1]]];
    this.lonpole = params.lonpole ?? 180;
    this.#sinDp = Math.sin(dec * DEG);
    this.#cosDp = Math.cos(dec * DEG);
    this.#inv = [cd[1][1] / det, -cd[0][1] / det, -cd[1][0] / det, cd[0][0] / det];
  }

  /**
   * A TAN WCS with pixel scale `scaleDeg` whose +y pixel axis points `rotationDeg` east of
   * north, east to the left when north is up: CD = scale [[-cos r, sin r], [sin r, cos r]].
   */
  static rotated(crval: readonly [number, number], crpix: readonly [number, number], scaleDeg: number, rotationDeg: number): TanWcs {
    const c = Math.cos(rotationDeg * DEG) * scaleDeg, s = Math.sin(rotationDeg * DEG) * scaleDeg;
    return new TanWcs({ crval, crpix, cd: [[-c, s], [s, c]] });
  }

  /** True if `header` describes a celestial TAN WCS (CTYPE1/2 `RA---TAN`/`DEC--TAN`). */
  static inHeader(header: FitsHeader): boolean {
    const t1 = header.get('CTYPE1'), t2 = header.get('CTYPE2');
    return typeof t1 === 'string' && typeof t2 === 'string' && t1.trim() === 'RA---TAN' && t2.trim() === 'DEC--TAN';
  }

  /**
   * Reads the WCS from header cards: CRVAL, CRPIX and either the CD matrix, or PC times
   * CDELT (PC defaults to the identity), or CDELT with CROTA2; LONPOLE when present. Throws
   * {@link ImageError} `IMAGE_WCS` when the header has no TAN WCS or CUNIT is not degrees.
   */
  static fromHeader(header: FitsHeader): TanWcs {
    if (!TanWcs.inHeader(header)) {
      throw new ImageError(`header has no TAN WCS (CTYPE1=${JSON.stringify(header.get('CTYPE1'))}, CTYPE2=${JSON.stringify(header.get('CTYPE2'))})`, 'IMAGE_WCS');
    }
    for (const k of ['CUNIT1', 'CUNIT2']) {
      const u = header.get(k);
      if (typeof u === 'string' && u.trim() !== '' && u.trim().toLowerCase() !== 'deg') throw new ImageError(`${k} is '${u}'; only degrees are supported`, 'IMAGE_WCS');
    }
    const num = (k: string, fallback?: number): number => {
      const v = header.get(k);
      if (typeof v === 'number') return v;
      if (v === undefined && fallback !== undefined) return fallback;
      throw new ImageError(`WCS keyword ${k} is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`, 'IMAGE_WCS');
    };
    let cd: CdMatrix;
    if (['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'].some((k) => header.has(k))) {
      cd = [[num('CD1_1', 0), num('CD1_2', 0)], [num('CD2_1', 0), num('CD2_2', 0)]];
    } else if (['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2'].some((k) => header.has(k)) || !header.has('CROTA2')) {
      const d1 = num('CDELT1'), d2 = num('CDELT2');
      cd = [[num('PC1_1', 1) * d1, num('PC1_2', 0) * d1], [num('PC2_1', 0) * d2, num('PC2_2', 1) * d2]];
    } else {
      // AIPS convention (Paper II, eq. 189).
      const d1 = num('CDELT1'), d2 = num('CDELT2'), r = num('CROTA2') * DEG;
      cd = [[d1 * Math.cos(r), -d2 * Math.sin(r)], [d1 * Math.sin(r), d2 * Math.cos(r)]];
    }
    return new TanWcs({ crval: [num('CRVAL1'), num('CRVAL2')], crpix: [num('CRPIX1'), num('CRPIX2')], cd, lonpole: num('LONPOLE', 180) });
  }

  /** The header cards of this WCS, in order (CD-matrix form, RADESYS ICRS, LONPOLE written out). */
  toCards(): FitsCard[] {
    const real = (keyword: string, value: number, comment = ''): FitsCard => ({ keyword, value, comment, numberFormat: 'real' });
    const str = (keyword: string, value: string, comment = ''): FitsCard => ({ keyword, value, comment });
    return [
      { keyword: 'WCSAXES', value: 2, comment: 'number of WCS axes', numberFormat: 'int' },
      str('CTYPE1', 'RA---TAN', 'gnomonic projection'),
      str('CTYPE2', 'DEC--TAN', 'gnomonic projection'),
      str('CUNIT1', 'deg'),
      str('CUNIT2', 'deg'),
      real('CRVAL1', this.crval[0], '[deg] RA of reference point'),
      real('CRVAL2', this.crval[1], '[deg] Dec of reference point'),
      real('CRPIX1', this.crpix[0], 'reference pixel (1-based)'),
      real('CRPIX2', this.crpix[1], 'reference pixel (1-based)'),
      real('CD1_1', this.cd[0][0], '[deg/pixel]'),
      real('CD1_2', this.cd[0][1], '[deg/pixel]'),
      real('CD2_1', this.cd[1][0], '[deg/pixel]'),
      real('CD2_2', this.cd[1][1], '[deg/pixel]'),
      real('LONPOLE', this.lonpole, '[deg] native longitude of celestial pole'),
      str('RADESYS', 'ICRS'),
    ];
  }

  /**
   * A copy of `header` with every WCS card (CD, PC, CDELT, CROTA, LONPOLE, RADESYS, ...)
   * replaced by this WCS's cards, placed where the first old WCS card was (or at the end).
   */
  replaceInHeader(header: FitsHeader): FitsHeader {
    const wcsKeyword = (c: FitsCard) => c.kind !== 'commentary' && WCS_KEYWORDS.has(c.keyword.toUpperCase());
    const cards = header.cards;
    const first = cards.findIndex(wcsKeyword);
    const before = first < 0 ? cards : cards.slice(0, first);
    const after = first < 0 ? [] : cards.slice(first).filter((c) => !wcsKeyword(c));
    return new FitsHeader([...before, ...this.toCards(), ...after]);
  }

  /** Intermediate world coordinates [x, y] (degrees) of 0-based pixel (px, py). */
  pixelToIntermediate(px: number, py: number): [number, number] {
    const dx = px + 1 - this.crpix[0], dy = py + 1 - this.crpix[1];
    const cd = this.cd;
    return [cd[0][0] * dx + cd[0][1] * dy, cd[1][0] * dx + cd[1][1] * dy];
  }

  /** 0-based pixel of intermediate world coordinates [x, y] (degrees). */
  intermediateToPixel(x: number, y: number): [number, number] {
    const [i00, i01, i10, i11] = this.#inv;
    return [i00 * x + i01 * y + this.crpix[0] - 1, i10 * x + i11 * y + this.crpix[1] - 1];
  }

  /** [RA, Dec] (degrees, RA in [0, 360)) of intermediate world coordinates (degrees). */
  intermediateToSky(x: number, y: number): [number, number] {
    // Paper II, section 5.1.3: TAN native spherical coordinates.
    const r = Math.hypot(x, y);
    const phi = r === 0 ? 0 : Math.atan2(x, -y);
    const theta = Math.atan2(R0, r);
    // Paper II, eq. 2: native to celestial.
    const ct = Math.cos(theta), st = Math.sin(theta);
    const dphi = phi - this.lonpole * DEG;
    const cdp = Math.cos(dphi);
    const X = st * this.#cosDp - ct * this.#sinDp * cdp;
    const Y = -ct * Math.sin(dphi);
    const Z = st * this.#sinDp + ct * this.#cosDp * cdp;
    let ra = this.crval[0] + Math.atan2(Y, X) / DEG;
    ra %= 360;
    if (ra < 0) ra += 360;
    if (ra >= 360) ra -= 360;
    return [ra, Math.atan2(Z, Math.hypot(X, Y)) / DEG];
  }

  /**
   * Intermediate world coordinates (degrees) of [RA, Dec]; NaN for points 90 degrees or more
   * from the reference point (TAN has no image of them).
   */
  skyToIntermediate(ra: number, dec: number): [number, number] {
    // Paper II, eq. 5: celestial to native.
    const d = dec * DEG, da = (ra - this.crval[0]) * DEG;
    const cd = Math.cos(d), sd = Math.sin(d), cda = Math.cos(da);
    const X = sd * this.#cosDp - cd * this.#sinDp * cda;
    const Y = -cd * Math.sin(da);
    const Z = sd * this.#sinDp + cd * this.#cosDp * cda;
    if (!(Z > 0)) return [NaN, NaN];
    const phi = this.lonpole * DEG + Math.atan2(Y, X);
    // R = (180/pi) cot(theta), theta = atan2(Z, hypot(X, Y)).
    const r = (R0 * Math.hypot(X, Y)) / Z;
    return [r * Math.sin(phi), -r * Math.cos(phi)];
  }

  /** [RA, Dec] in degrees (RA in [0, 360)) of 0-based pixel (x, y). */
  pixelToSky(x: number, y: number): [number, number] {
    const [u, v] = this.pixelToIntermediate(x, y);
    return this.intermediateToSky(u, v);
  }

  /** 0-based pixel of [RA, Dec] in degrees; NaN when 90 degrees or more from CRVAL. */
  skyToPixel(ra: number, dec: number): [number, number] {
    const [u, v] = this.skyToIntermediate(ra, dec);
    return this.intermediateToPixel(u, v);
  }

  /** The same WCS for a pixel grid whose (0, 0) is pixel (x0, y0) here (e.g. a trimmed or cut-out image). */
  withOrigin(x0: number, y0: number): TanWcs {
    return new TanWcs({ crval: this.crval, crpix: [this.crpix[0] - x0, this.crpix[1] - y0], cd: this.cd, lonpole: this.lonpole });
  }

  /** Pixel scale in arcseconds: the square root of |det CD|. */
  get pixelScaleArcsec(): number {
    return Math.sqrt(Math.abs(this.cd[0][0] * this.cd[1][1] - this.cd[0][1] * this.cd[1][0])) * 3600;
  }

  /** Plain-number form (JSON). */
  toJSON(): Required<TanWcsParameters> {
    return { crval: this.crval, crpix: this.crpix, cd: this.cd, lonpole: this.lonpole };
  }
}

/** Angular distance between two [RA, Dec] points, arcseconds (haversine, accurate at small separations). */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d1 = dec1 * DEG, d2 = dec2 * DEG;
  const sdd = Math.sin((d2 - d1) / 2), sda = Math.sin(((ra2 - ra1) * DEG) / 2);
  const h = sdd * sdd + Math.cos(d1) * Math.cos(d2) * sda * sda;
  return (2 * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)))) / DEG * 3600;
}

/** One matched (pixel, sky) pair for {@link fitTanWcs}: 0-based pixel, degrees, optional weight. */
export interface WcsMatch {
  readonly x: number;
  readonly y: number;
  readonly ra: number;
  readonly dec: number;
  readonly weight?: number;
}

/** Result of {@link fitTanWcs}. */
export interface TanWcsFit {
  readonly wcs: TanWcs;
  /** Root-mean-square sky separation of the pairs from their fitted positions, arcseconds. */
  readonly rmsArcsec: number;
  /** Per-pair separations, arcseconds. */
  readonly residualsArcsec: Float64Array;
  readonly iterations: number;
}

/**
 * Models of {@link fitTanWcs}: `affine` fits the whole CD matrix (6 parameters with CRVAL);
 * `similarity` fits a rotation and scale of the starting CD matrix (4 parameters), keeping
 * its shape - the right model when a few stars cannot pin down the shear; `shift` keeps the
 * starting CD matrix and fits CRVAL alone (2 parameters).
 */
export type TanFitModel = 'affine' | 'similarity' | 'shift';

/** Free parameters of each model. */
export const TAN_FIT_PARAMETERS: Readonly<Record<TanFitModel, number>> = Object.freeze({ affine: 6, similarity: 4, shift: 2 });

/**
 * Least-squares TAN fit of CRVAL and the CD matrix (CRPIX held fixed) from matched pairs:
 * project the sky positions onto the tangent plane of the current CRVAL, fit the linear map
 * pixel -> plane plus an offset, move CRVAL to the sky position of the fitted offset, and
 * repeat until the offset is below 1e-11 degrees; the last round's CD is fitted in the final
 * CRVAL's frame. Needs three or more pairs not on a line (two for `similarity`, one for
 * `shift`); throws {@link ImageError} `IMAGE_FIT` otherwise.
 */
export function fitTanWcs(matches: readonly WcsMatch[], initial: TanWcs, model: TanFitModel = 'affine', maxIterations = 20): TanWcsFit {
  const needed = TAN_FIT_PARAMETERS[model] / 2;
  if (matches.length < needed) throw new ImageError(`a TAN fit (${model}) needs at least ${needed} matched pairs, got ${matches.length}`, 'IMAGE_FIT');
  let wcs = initial;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const step = model === 'affine' ? affineStep(matches, wcs) : model === 'similarity' ? similarityStep(matches, wcs, initial.cd) : shiftStep(matches, wcs, initial.cd);
    if (!step) throw new ImageError('TAN fit: the matched pixels are degenerate (collinear or repeated)', 'IMAGE_FIT');
    const { offset, cd } = step;
    if (Math.hypot(offset[0], offset[1]) < 1e-11) {
      // Converged: the CD matrix was fitted in this CRVAL's own frame.
      wcs = new TanWcs({ crval: wcs.crval, crpix: wcs.crpix, cd, lonpole: wcs.lonpole });
      iterations++;
      break;
    }
    // Move the tangent point; the next round refits CD in the new frame (which turns a
    // little with the move, a lot near a pole).
    wcs = new TanWcs({ crval: wcs.intermediateToSky(offset[0], offset[1]), crpix: wcs.crpix, cd, lonpole: wcs.lonpole });
  }
  const residualsArcsec = Float64Array.from(matches, (p) => {
    const [ra, dec] = wcs.pixelToSky(p.x, p.y);
    return separationArcsec(ra, dec, p.ra, p.dec);
  });
  let s = 0;
  for (const r of residualsArcsec) s += r * r;
  return { wcs, rmsArcsec: Math.sqrt(s / matches.length), residualsArcsec, iterations };
}

/** One linear step: the plane offset of CRPIX and the CD matrix. */
interface FitStep {
  readonly offset: readonly [number, number];
  readonly cd: CdMatrix;
}

/** Weighted least squares of u = a0 + a1 dx + a2 dy and v = b0 + b1 dx + b2 dy. */
function affineStep(matches: readonly WcsMatch[], wcs: TanWcs): FitStep | undefined {
  const m = new Float64Array(9), bu = new Float64Array(3), bv = new Float64Array(3);
  for (const p of matches) {
    const [u, v] = wcs.skyToIntermediate(p.ra, p.dec);
    if (!Number.isFinite(u)) continue;
    const w = p.weight ?? 1;
    const row = [1, p.x + 1 - wcs.crpix[0], p.y + 1 - wcs.crpix[1]];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) m[3 * i + j]! += w * row[i]! * row[j]!;
      bu[i]! += w * row[i]! * u;
      bv[i]! += w * row[i]! * v;
    }
  }
  const a = solveLinearSystem(m, bu, 3), b = solveLinearSystem(m, bv, 3);
  if (!a || !b) return undefined;
  return { offset: [a[0]!, b[0]!], cd: [[a[1]!, a[2]!], [b[1]!, b[2]!]] };
}

/**
 * Weighted least squares of [u, v] = [[a, -b], [b, a]] q + [c, d] with q = CD0 (p - CRPIX):
 * a rotation and scale of the reference CD matrix CD0, linear in (a, b, c, d).
 */
function similarityStep(matches: readonly WcsMatch[], wcs: TanWcs, cd0: CdMatrix): FitStep | undefined {
  const m = new Float64Array(16), rhs = new Float64Array(4);
  const add = (row: readonly number[], value: number, w: number) => {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) m[4 * i + j]! += w * row[i]! * row[j]!;
      rhs[i]! += w * row[i]! * value;
    }
  };
  for (const p of matches) {
    const [u, v] = wcs.skyToIntermediate(p.ra, p.dec);
    if (!Number.isFinite(u)) continue;
    const w = p.weight ?? 1;
    const dx = p.x + 1 - wcs.crpix[0], dy = p.y + 1 - wcs.crpix[1];
    const q1 = cd0[0][0] * dx + cd0[0][1] * dy, q2 = cd0[1][0] * dx + cd0[1][1] * dy;
    add([q1, -q2, 1, 0], u, w);
    add([q2, q1, 0, 1], v, w);
  }
  const x = solveLinearSystem(m, rhs, 4);
  if (!x) return undefined;
  const [a, b] = [x[0]!, x[1]!];
  return {
    offset: [x[2]!, x[3]!],
    cd: [[a * cd0[0][0] - b * cd0[1][0], a * cd0[0][1] - b * cd0[1][1]], [b * cd0[0][0] + a * cd0[1][0], b * cd0[0][1] + a * cd0[1][1]]],
  };
}

/** Weighted mean offset of the plane positions from q = CD0 (p - CRPIX): CRVAL's move, CD0 kept. */
function shiftStep(matches: readonly WcsMatch[], wcs: TanWcs, cd0: CdMatrix): FitStep | undefined {
  let sw = 0, su = 0, sv = 0;
  for (const p of matches) {
    const [u, v] = wcs.skyToIntermediate(p.ra, p.dec);
    if (!Number.isFinite(u)) continue;
    const w = p.weight ?? 1;
    const dx = p.x + 1 - wcs.crpix[0], dy = p.y + 1 - wcs.crpix[1];
    su += w * (u - (cd0[0][0] * dx + cd0[0][1] * dy));
    sv += w * (v - (cd0[1][0] * dx + cd0[1][1] * dy));
    sw += w;
  }
  if (!(sw > 0)) return undefined;
  return { offset: [su / sw, sv / sw], cd: cd0 };
}
