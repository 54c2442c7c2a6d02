/**
 * Independent references for the simulator tests: the TAN projection written with the
 * spherical trigonometry of FITS WCS Paper II (not the simulator's unit-vector form), and
 * helpers to read what a simulation wrote.
 */
const DEG = Math.PI / 180;

/** The parts of a TAN WCS the oracle needs (CRPIX 1-based). */
export interface TanParams {
  readonly crval: readonly [number, number];
  readonly crpix: readonly [number, number];
  readonly cd: readonly (readonly [number, number])[];
}

/**
 * 0-based pixel of (ra, dec) through a TAN WCS with LONPOLE 180: native coordinates by the
 * celestial-to-native rotation, R = (180/pi) cot(theta), x = R sin(phi), y = -R cos(phi),
 * then the inverse CD matrix.
 */
export function tanSkyToPixel(wcs: TanParams, ra: number, dec: number): [number, number] {
  const a = ra * DEG, d = dec * DEG, a0 = wcs.crval[0] * DEG, d0 = wcs.crval[1] * DEG;
  // atan2 rather than asin for theta: asin loses ~1e-8 px near the reference point.
  const sx = -Math.cos(d) * Math.sin(a - a0);
  const sy = Math.sin(d) * Math.cos(d0) - Math.cos(d) * Math.sin(d0) * Math.cos(a - a0);
  const theta = Math.atan2(Math.sin(d) * Math.sin(d0) + Math.cos(d) * Math.cos(d0) * Math.cos(a - a0), Math.hypot(sx, sy));
  const phi = Math.PI + Math.atan2(sx, sy);
  const r = (180 / Math.PI) / Math.tan(theta);
  const x = r * Math.sin(phi), y = -r * Math.cos(phi);
  const [[c11, c12], [c21, c22]] = wcs.cd as [[number, number], [number, number]];
  const det = c11 * c22 - c12 * c21;
  return [(c22 * x - c12 * y) / det + wcs.crpix[0] - 1, (-c21 * x + c11 * y) / det + wcs.crpix[1] - 1];
}

/** What the tests read from an image dataset (the registry's Exposure, typed loosely). */
export interface ImageLike {
  readonly width: number;
  readonly height: number;
  readonly image: ArrayLike<number>;
  readonly header: { getNumber(keyword: string): number | undefined; getString(keyword: string): string | undefined };
}

/** A header number that must be there. */
export function headerNumber(image: ImageLike, keyword: string): number {
  const v = image.header.getNumber(keyword);
  if (v === undefined) throw new Error(`header lacks ${keyword}`);
  return v;
}

/** The TAN WCS written in an image header. */
export function headerWcs(image: ImageLike): TanParams {
  const n = (k: string) => headerNumber(image, k);
  return { crval: [n('CRVAL1'), n('CRVAL2')], crpix: [n('CRPIX1'), n('CRPIX2')], cd: [[n('CD1_1'), n('CD1_2')], [n('CD2_1'), n('CD2_2')]] };
}

/** [x1, x2, y1, y2] of a FITS section '[x1:x2,y1:y2]' (1-based inclusive). */
export function parseSection(text: string | undefined): [number, number, number, number] {
  const m = /^\[(\d+):(\d+),(\d+):(\d+)\]$/.exec(text ?? '');
  if (!m) throw new Error(`not a FITS section: ${text}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}
