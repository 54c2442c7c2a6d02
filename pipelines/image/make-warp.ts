/**
 * makeWarp: the calexps of one visit resampled onto a patch's grid (its outer box on the
 * tract's TAN projection), flux-conserving (see resample.ts). Each calexp fills the patch
 * pixels inside its footprint (the sky quadrilateral of its corners, straight in both TAN
 * planes); pixels no calexp covers are NaN with the NO_DATA plane. All inputs must share a
 * pixel unit (BUNIT): nJy when any is calibrated; the others are left out and listed.
 */
import type { Exposure } from '../../registry/index.js';
import { FitsHeader } from '../../registry/datastore/fits/index.js';
import { readConfig, type ConfigOf } from '../core/config-schema.js';
import { MAKE_WARP_CONFIG } from './task-configs.js';
import { ImageError } from './errors.js';
import { headerString, setInt, setReal, setValue } from './header-cards.js';
import { maskBit, maskBits, maskPlaneCards } from './mask-planes.js';
import { resampleInto, type ResampleKernel, type ResampleTarget } from './resample.js';
import type { PatchGrid } from './sky-map.js';
import { TanWcs } from './tan-wcs.js';

/** makeWarp settings (the task config with defaults filled in by {@link readConfig}). */
export type MakeWarpConfig = ConfigOf<typeof MAKE_WARP_CONFIG>;

/** Every makeWarp field at its default. */
export const MAKE_WARP_DEFAULTS: MakeWarpConfig = readConfig(MAKE_WARP_CONFIG, {}, 'makeWarp');

/** Figures of one warp. */
export interface MakeWarpMetadata {
  readonly nCalexps: number;
  /** Calexps that wrote at least one pixel. */
  readonly nContributing: number;
  /** Fraction of the patch pixels with data. */
  readonly coveredFraction: number;
  readonly kernel: ResampleKernel;
  /** Pixel unit of the warp (BUNIT), and the calexps left out because theirs differed. */
  readonly unit: string | null;
  readonly skipped: readonly string[];
}

/** Output of {@link runMakeWarp}. */
export interface MakeWarpResult {
  readonly exposure: Exposure;
  readonly metadata: MakeWarpMetadata;
}

/** Identification cards written into the warp header. */
export interface WarpIdentity {
  readonly visit?: number | string;
  readonly skymap?: string;
}

/** Resamples `calexps` (one visit) onto `grid`. Throws {@link ImageError} `IMAGE_WCS` for a calexp without a TAN WCS. */
export function runMakeWarp(calexps: readonly Exposure[], grid: PatchGrid, config: MakeWarpConfig = MAKE_WARP_DEFAULTS, identity: WarpIdentity = {}): MakeWarpResult {
  const { width, height } = grid.box;
  const n = width * height;
  const target: ResampleTarget = {
    width, height, wcs: grid.wcs,
    image: new Float32Array(n).fill(NaN), variance: new Float32Array(n).fill(NaN), mask: new Int32Array(n), filled: new Uint8Array(n),
  };
  const badMask = maskBits(config.badMaskPlanes);
  let contributing = 0;
  const used: string[] = [], skipped: string[] = [];
  // One unit per warp: nJy when any calexp is calibrated (a calexp whose zero point failed
  // stays in electrons and is left out), else the first calexp's.
  const units = calexps.map((c) => headerString(c.header, 'BUNIT') ?? null);
  const unit = units.includes('nJy') ? 'nJy' : units[0] ?? null;
  const nameOf = (c: Exposure, k: number) => String(headerString(c.header, 'DETNAME') ?? c.header.get('DETECTOR') ?? k);
  for (const [k, calexp] of calexps.entries()) {
    if (units[k] !== unit) {
      skipped.push(`${nameOf(calexp, k)}: BUNIT ${units[k]} is not ${unit}`);
      continue;
    }
    if (!TanWcs.inHeader(calexp.header)) throw new ImageError(`calexp ${k} has no TAN WCS`, 'IMAGE_WCS');
    const wcs = TanWcs.fromHeader(calexp.header);
    // The calexp's outline in patch pixels bounds what it can fill.
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [px, py] of [[-0.5, -0.5], [calexp.width - 0.5, -0.5], [calexp.width - 0.5, calexp.height - 0.5], [-0.5, calexp.height - 0.5]] as const) {
      const [ra, dec] = wcs.pixelToSky(px, py);
      const [x, y] = grid.wcs.skyToPixel(ra, dec);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    if (!Number.isFinite(x0 + x1 + y0 + y1)) continue;
    const box = { x0: Math.floor(x0) - 1, y0: Math.floor(y0) - 1, x1: Math.ceil(x1) + 2, y1: Math.ceil(y1) + 2 };
    const source = {
      width: calexp.width, height: calexp.height, image: calexp.image as ArrayLike<number>, wcs,
      ...(calexp.variance ? { variance: calexp.variance } : {}), ...(calexp.mask ? { mask: calexp.mask } : {}),
    };
    const written = resampleInto(source, target, config.kernel, badMask, box);
    if (written > 0) {
      contributing++;
      used.push(`${nameOf(calexp, k)}: ${written} px`);
    }
  }
  const NO_DATA = maskBit('NO_DATA');
  let covered = 0;
  for (let p = 0; p < n; p++) {
    if (target.filled[p]) covered++;
    else target.mask[p] = NO_DATA;
  }

  const first = calexps[0]?.header;
  const h = grid.wcs.replaceInHeader(visitHeader(first));
  if (identity.skymap !== undefined) setValue(h, 'SKYMAP', identity.skymap, 'sky map');
  setInt(h, 'TRACT', grid.tract, 'tract id');
  setInt(h, 'PATCH', grid.patch, 'patch id');
  if (identity.visit !== undefined) setValue(h, 'VISIT', identity.visit, 'visit id');
  setReal(h, 'LTV1', -grid.box.x0, 'IRAF: patch pixel = tract pixel + LTV');
  setReal(h, 'LTV2', -grid.box.y0, 'IRAF: patch pixel = tract pixel + LTV');
  setInt(h, 'NCALEXP', contributing, 'calexps resampled into this warp');
  setValue(h, 'WARPKERN', config.kernel, 'resampling kernel');
  setReal(h, 'COVERAGE', n > 0 ? covered / n : 0, 'fraction of pixels with data');
  for (const c of maskPlaneCards()) h.add(c);
  if (unit !== null) setValue(h, 'BUNIT', unit, 'pixel unit');
  for (const u of used) h.addHistory(`makeWarp: ${u}`);
  for (const u of skipped) h.addHistory(`makeWarp: skipped ${u}`);
  return {
    exposure: { width, height, image: target.image, variance: target.variance, mask: target.mask, header: h },
    metadata: { nCalexps: calexps.length, nContributing: contributing, coveredFraction: n > 0 ? covered / n : 0, kernel: config.kernel, unit, skipped },
  };
}

/** Visit-level cards copied from the first calexp (detector-level ones, such as its WCS or gain, do not describe a warp). */
const VISIT_KEYWORDS = [
  'ORIGIN', 'TELESCOP', 'INSTRUME', 'OBSERVAT', 'OBSTYPE', 'IMAGETYP', 'OBJECT', 'FILTER', 'BAND', 'EXPTIME', 'DARKTIME',
  'TIMESYS', 'DATE-OBS', 'MJD-OBS', 'DAYOBS', 'SEQNUM', 'AIRMASS', 'ZENANGLE', 'BUNIT',
];

function visitHeader(header: FitsHeader | undefined): FitsHeader {
  const out = new FitsHeader();
  if (!header) return out;
  for (const k of VISIT_KEYWORDS) {
    const c = header.getCard(k);
    if (c) out.add(c);
  }
  return out;
}
