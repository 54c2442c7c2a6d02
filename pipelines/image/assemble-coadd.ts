/**
 * assembleCoadd: the weighted mean of a patch's warps in one band,
 *
 *   coadd = sum_i w_i I_i / sum_i w_i,   variance = sum_i w_i^2 V_i / (sum_i w_i)^2
 *
 * over the warps whose pixel is finite and free of the rejected planes (`badMaskPlanes`).
 * With `weighting: 'warp'` (the default, as LSST does) w_i is the inverse of warp i's median
 * variance: inverse-variance weighting by each visit's sky noise, which leaves stars' own
 * shot noise out of the weights (per-pixel weights would weight a star's core differently
 * in each visit and bias its flux). `weighting: 'pixel'` uses w_i = 1 / V_i per pixel.
 *
 * Warps must share a pixel unit (BUNIT): nJy when any is calibrated; others are left out.
 *
 * The coadd's MASK holds the OR of the planes of the warps that contributed and, in bits
 * 16..30, the exposure count (how many warps contributed): `count = MASK >> 16`, recorded in
 * the header as CNTSHIFT = 16. Pixels with no input are NaN with NO_DATA.
 */
import type { Exposure } from '../../registry/index.js';
import { FitsHeader } from '../../registry/datastore/fits/index.js';
import { readConfig, type ConfigOf } from '../core/config-schema.js';
import { ASSEMBLE_COADD_CONFIG } from './task-configs.js';
import { ImageError } from './errors.js';
import { headerString, setInt, setReal, setValue } from './header-cards.js';
import { COUNT_SHIFT, MAX_COUNT, PLANE_BITS, maskBit, maskBits, maskPlaneCards } from './mask-planes.js';
import type { PatchGrid } from './sky-map.js';
import { medianInPlace } from './statistics.js';

/** assembleCoadd settings (the task config with defaults filled in by {@link readConfig}). */
export type AssembleCoaddConfig = ConfigOf<typeof ASSEMBLE_COADD_CONFIG>;

/** Every assembleCoadd field at its default. */
export const ASSEMBLE_COADD_DEFAULTS: AssembleCoaddConfig = readConfig(ASSEMBLE_COADD_CONFIG, {}, 'assembleCoadd');

/** Figures of one coadd. */
export interface AssembleCoaddMetadata {
  readonly nInputs: number;
  /** Warps with a usable pixel. */
  readonly nContributing: number;
  readonly weights: readonly number[];
  /** Fraction of pixels with at least one input, and the mean count over those. */
  readonly coveredFraction: number;
  readonly meanCount: number;
  readonly maxCount: number;
  /** Pixel unit (BUNIT) of the coadd, and the warps left out because theirs differed. */
  readonly unit: string | null;
  readonly skipped: readonly string[];
}

/** Output of {@link runAssembleCoadd}. */
export interface AssembleCoaddResult {
  readonly exposure: Exposure;
  readonly metadata: AssembleCoaddMetadata;
}

/** Identification cards of the coadd header. */
export interface CoaddIdentity {
  readonly band?: string;
  readonly skymap?: string;
}

/** Coadds `warps` (all on `grid`). Throws {@link ImageError} `IMAGE_SHAPE` for a warp of another size. */
export function runAssembleCoadd(warps: readonly Exposure[], grid: PatchGrid, config: AssembleCoaddConfig = ASSEMBLE_COADD_DEFAULTS, identity: CoaddIdentity = {}): AssembleCoaddResult {
  const { width, height } = grid.box;
  const n = width * height;
  const usable = usablePixels(maskBits(config.badMaskPlanes));
  for (const [k, w] of warps.entries()) {
    if (w.width !== width || w.height !== height) throw new ImageError(`warp ${k} is ${w.width}x${w.height}, the patch ${width}x${height}`, 'IMAGE_SHAPE');
  }
  const { unit, skipped, weights } = warpWeights(warps, usable, n);
  const { image, variance, mask, covered, countSum, maxCount } = combineWarps(warps, weights, usable, config.weighting, n);
  return {
    exposure: { width, height, image, variance, mask, header: coaddHeader(warps, weights, unit, grid, config, identity) },
    metadata: {
      nInputs: warps.length, nContributing: weights.filter((w) => w > 0).length, weights,
      coveredFraction: covered / n, meanCount: covered > 0 ? countSum / covered : 0, maxCount, unit, skipped,
    },
  };
}

/** Whether pixel p of a warp may enter the coadd. */
type UsablePixel = (w: Exposure, p: number) => boolean;

/** Pixels that are finite, with a finite positive variance, and free of the `reject` mask bits. */
function usablePixels(reject: number): UsablePixel {
  return (w, p) => {
    const v = (w.image as ArrayLike<number>)[p]!, s2 = w.variance ? w.variance[p]! : NaN;
    return Number.isFinite(v) && s2 > 0 && Number.isFinite(s2) && !((w.mask?.[p] ?? 0) & reject);
  };
}

/**
 * The coadd's unit - nJy when any warp is calibrated, else the first warp's - and one weight
 * per warp: the inverse of its median usable variance, 0 for a warp in another unit (listed
 * in `skipped`) or without a usable pixel.
 */
function warpWeights(warps: readonly Exposure[], usable: UsablePixel, n: number): { unit: string | null; skipped: string[]; weights: number[] } {
  const units = warps.map((w) => headerString(w.header, 'BUNIT') ?? null);
  const unit = units.includes('nJy') ? 'nJy' : units[0] ?? null;
  const skipped: string[] = [];
  const weights = warps.map((w, i) => {
    if (units[i] !== unit) {
      skipped.push(`${w.header.get('VISIT') ?? i}: BUNIT ${units[i]} is not ${unit}`);
      return 0;
    }
    const sample = new Float64Array(n);
    let k = 0;
    for (let p = 0; p < n; p++) if (usable(w, p)) sample[k++] = w.variance![p]!;
    return k > 0 ? 1 / medianInPlace(sample, k) : 0;
  });
  return { unit, skipped, weights };
}

/** The weighted mean planes (see the module comment), with the covered pixel count and the sum and maximum of the exposure counts. */
function combineWarps(
  warps: readonly Exposure[], weights: readonly number[], usable: UsablePixel, weighting: AssembleCoaddConfig['weighting'], n: number,
): { image: Float32Array; variance: Float32Array; mask: Int32Array; covered: number; countSum: number; maxCount: number } {
  const image = new Float32Array(n), variance = new Float32Array(n), mask = new Int32Array(n);
  const NO_DATA = maskBit('NO_DATA');
  let covered = 0, countSum = 0, maxCount = 0;
  for (let p = 0; p < n; p++) {
    let sw = 0, swi = 0, sw2v = 0, count = 0, planes = 0;
    for (let i = 0; i < warps.length; i++) {
      const w = warps[i]!;
      if (!(weights[i]! > 0) || !usable(w, p)) continue;
      const v = w.variance![p]!;
      const wt = weighting === 'pixel' ? 1 / v : weights[i]!;
      sw += wt;
      swi += wt * (w.image as ArrayLike<number>)[p]!;
      sw2v += wt * wt * v;
      count++;
      planes |= (w.mask?.[p] ?? 0) & PLANE_BITS;
    }
    if (count === 0) {
      image[p] = NaN;
      variance[p] = NaN;
      mask[p] = NO_DATA;
      continue;
    }
    image[p] = swi / sw;
    variance[p] = sw2v / (sw * sw);
    mask[p] = planes | (Math.min(count, MAX_COUNT) << COUNT_SHIFT);
    covered++;
    countSum += count;
    maxCount = Math.max(maxCount, count);
  }
  return { image, variance, mask, covered, countSum, maxCount };
}

/** The coadd header: the patch WCS, the first warp's identification cards, the patch, weighting and mask-plane cards, and one history line per warp. */
function coaddHeader(
  warps: readonly Exposure[], weights: readonly number[], unit: string | null, grid: PatchGrid, config: AssembleCoaddConfig, identity: CoaddIdentity,
): FitsHeader {
  const h = grid.wcs.replaceInHeader(new FitsHeader());
  const first = warps[0]?.header;
  for (const k of ['TELESCOP', 'INSTRUME', 'FILTER', 'BAND']) {
    const c = first?.getCard(k);
    if (c) h.add(c);
  }
  if (identity.band !== undefined) setValue(h, 'BAND', identity.band, 'band');
  if (unit !== null) setValue(h, 'BUNIT', unit, 'pixel unit');
  if (identity.skymap !== undefined) setValue(h, 'SKYMAP', identity.skymap, 'sky map');
  setInt(h, 'TRACT', grid.tract, 'tract id');
  setInt(h, 'PATCH', grid.patch, 'patch id');
  setReal(h, 'LTV1', -grid.box.x0, 'IRAF: patch pixel = tract pixel + LTV');
  setReal(h, 'LTV2', -grid.box.y0, 'IRAF: patch pixel = tract pixel + LTV');
  setInt(h, 'NINPUTS', warps.length, 'warps combined');
  setValue(h, 'WEIGHTNG', config.weighting, 'per-warp (sky) or per-pixel inverse variance');
  setInt(h, 'CNTSHIFT', COUNT_SHIFT, 'exposure count = MASK >> CNTSHIFT');
  for (const c of maskPlaneCards()) h.add(c);
  warps.forEach((w, i) => h.addHistory(`assembleCoadd: visit ${headerString(w.header, 'VISIT') ?? w.header.get('VISIT') ?? i} weight ${weights[i]!.toPrecision(6)}`));
  return h;
}
